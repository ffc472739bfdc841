"""The job summary: Markdown a reviewer understands without opening the log, always under GitHub's 1 MiB.

Headline verdict, a table of steps (status, duration, provisioning latency), each failure with its reason,
expected vs actual and Okta's view, and the redacted transcripts in `<details>`. Written to
`GITHUB_STEP_SUMMARY` in GitHub and to `summary_path` everywhere (for GitLab and Jenkins users).
"""

from __future__ import annotations

import html

from ..redact import Redactor
from ..results import RunResult, Status, StepResult

#: GitHub refuses step summaries over 1 MiB; stay well below it.
LIMIT = 1024 * 1024 - 16 * 1024
ICONS = {Status.PASSED: "✅", Status.FAILED: "❌", Status.ERROR: "💥", Status.SKIPPED: "⏭️"}
TRANSCRIPT_LIMIT = 20_000


def _cell(text: str) -> str:
    return html.escape(" ".join(text.split())).replace("|", "\\|")


def _block(text: str) -> str:
    return html.escape(text)


def _failure(step: StepResult, transcripts: bool) -> list[str]:
    lines = [f"#### {ICONS[step.status]} {_cell(step.title)}", "", _block(step.reason), ""]
    for label, value in (("Expected", step.expected), ("Actual", step.actual), ("Okta's view", step.diagnosis)):
        if value:
            lines.append(f"- **{label}:** {_cell(value)}")
    lines.append("")
    if transcripts and step.transcript:
        text = step.transcript_text()
        if len(text) > TRANSCRIPT_LIMIT:
            text = text[:TRANSCRIPT_LIMIT] + f"\n… [{len(text) - TRANSCRIPT_LIMIT} more characters in the JUnit file]"
        lines += [
            f"<details><summary>Requests and responses ({len(step.transcript)})</summary>",
            "",
            "<pre>",
            _block(text),
            "</pre>",
            "</details>",
            "",
        ]
    return lines


def render(run: RunResult, redactor: Redactor, *, transcripts: bool = True) -> str:
    """The summary as Markdown, redacted; shrunk (transcripts dropped, then cut) to stay under the limit."""
    verdict = {"success": "✅ passed", "failure": "❌ failed", "cancelled": "⚠️ cancelled"}[run.conclusion]
    counts = ", ".join(
        f"**{run.count(s)} {s.value}**" if run.count(s) and s is not Status.PASSED else f"{run.count(s)} {s.value}"
        for s in Status
    )
    lines = [
        f"## okta-scim-ci: Okta SCIM provisioning lifecycle {verdict}",
        "",
        f"{counts} in {run.duration:.1f} s · run `{run.run_id}` · SCIM {run.properties.get('scim_version', '?')} · "
        f"test user `{run.test_user_login or '-'}`",
        "",
    ]
    if run.cancelled_by:
        lines += [
            f"> Cancelled by {run.cancelled_by}; the remaining steps were skipped and the test user cleaned up.",
            "",
        ]
    lines += ["| Step | Status | Duration | Provisioning latency |", "|---|---|---:|---:|"]
    for step in run.steps:
        latency = f"{step.latency:.2f} s ({step.polls} polls)" if step.latency is not None else ""
        duration = f"{step.duration:.2f} s" if step.status is not Status.SKIPPED else ""
        lines.append(f"| {_cell(step.title)} | {ICONS[step.status]} {step.status.value} | {duration} | {latency} |")
    lines.append("")
    problems = [step for step in run.steps if step.status in (Status.FAILED, Status.ERROR)]
    if problems:
        lines += ["### Failures", ""]
        for step in problems:
            lines += _failure(step, transcripts)
    skipped = [step for step in run.steps if step.status is Status.SKIPPED and step.reason]
    if skipped:
        lines += ["<details><summary>Skipped steps</summary>", ""]
        lines += [f"- {_cell(step.title)}: {_cell(step.reason)}" for step in skipped]
        lines += ["", "</details>", ""]
    warnings = [(step, warning) for step in run.steps for warning in step.warnings]
    if warnings:
        lines += ["### Warnings", ""]
        lines += [f"- {_cell(step.title)}: {_cell(warning)}" for step, warning in warnings]
        lines.append("")
    text = redactor.text("\n".join(lines))
    if len(text.encode("utf-8")) <= LIMIT:
        return text
    if transcripts:
        shorter = render(run, redactor, transcripts=False)
        note = "\n> Transcripts were left out to keep this summary under GitHub's 1 MiB limit; see the JUnit file.\n"
        if len(shorter.encode("utf-8")) + len(note) <= LIMIT:
            return shorter + note
        text = shorter
    note = "\n\n> Summary cut to stay under GitHub's 1 MiB limit; the JUnit and JSON reports have everything.\n"
    return text.encode("utf-8")[: LIMIT - len(note)].decode("utf-8", errors="ignore") + note
