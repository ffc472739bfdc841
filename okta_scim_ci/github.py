"""Everything that speaks GitHub Actions: workflow commands, masks, annotations, outputs, step summary, state.

Escaping follows the Actions toolkit (`@actions/core` command.ts): in data `%`, CR and LF are percent-encoded;
in properties also `:` and `,`. Outputs and state use the delimiter form, so values may span lines. Where a
file variable (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, `GITHUB_STATE`) is absent, that surface is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from .redact import Redactor, credential_parts
from .results import RunResult, Status

#: GitHub shows at most 10 error annotations per step; the rest are counted in one notice.
MAX_ERROR_ANNOTATIONS = 10
#: State key under which the main step tells the post step where its state file is.
STATE_KEY = "okta_scim_ci_state"


def escape_data(value: str) -> str:
    """Escape a command's message as the Actions toolkit does."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a command property (e.g. `title=`) as the Actions toolkit does."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str) -> str:
    """One workflow command line, e.g. `::error title=Step 08::reason`."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items() if value)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def delimited(name: str, value: str) -> str:
    """`name<<DELIMITER` form of an output or state line, safe for multi-line values."""
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


class GitHub:
    """The GitHub Actions surfaces, active when `GITHUB_ACTIONS=true`; every method is a no-op otherwise."""

    def __init__(self, stream: TextIO, redactor: Redactor, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.stream = stream
        self.redactor = redactor
        self.active = env.get("GITHUB_ACTIONS") == "true"
        self.output_file = env.get("GITHUB_OUTPUT") or None
        self.summary_file = env.get("GITHUB_STEP_SUMMARY") or None
        self.state_file = env.get("GITHUB_STATE") or None
        self.workspace = env.get("GITHUB_WORKSPACE") or None
        self._masked: set[str] = set()

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    def mask(self, secrets: Iterable[str]) -> None:
        """`::add-mask::` every secret not masked yet, before any other output.

        Also the parts a server may echo alone (the token without `Bearer `, Basic's password) and each line of a
        multi-line value: the runner masks only exact matches.
        """
        if not self.active:
            return
        for secret in secrets:
            for part in sorted(credential_parts(secret)) + secret.splitlines():
                part = part.strip()
                if len(part) >= 4 and part not in self._masked:
                    self._masked.add(part)
                    # Written raw: passing it through the redactor would mask the mask.
                    self._write(command("add-mask", part))

    def group(self, title: str, lines: Iterable[str]) -> None:
        """Fold `lines` under `title` in the log (plain indented lines outside GitHub)."""
        if self.active:
            self._write(self.redactor.text(command("group", title)))
            for line in lines:
                self._write(self.redactor.text(line))
            self._write("::endgroup::")
        else:
            for line in lines:
                self._write(self.redactor.text(f"             {line}"))

    def annotate(self, run: RunResult) -> None:
        """One error annotation per failed or errored step (at most 10), warnings for the rest of note."""
        if not self.active:
            return
        problems = [step for step in run.steps if step.status in (Status.FAILED, Status.ERROR)]
        for step in problems[:MAX_ERROR_ANNOTATIONS]:
            title = f"okta-scim-ci: {step.title} {step.status.value}"
            self._write(self.redactor.text(command("error", step.message(), title=title)))
        if len(problems) > MAX_ERROR_ANNOTATIONS:
            more = len(problems) - MAX_ERROR_ANNOTATIONS
            self._write(command("notice", f"{more} more failed steps are listed in the job summary"))
        warnings = [(step, warning) for step in run.steps for warning in step.warnings]
        for step, warning in warnings[:MAX_ERROR_ANNOTATIONS]:
            self._write(self.redactor.text(command("warning", warning, title=f"okta-scim-ci: {step.title}")))
        if run.cancelled_by:
            self._write(command("warning", f"run cancelled by {run.cancelled_by}; the test user was cleaned up"))

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        """Append outputs to `GITHUB_OUTPUT` in the delimiter form."""
        if self.output_file:
            text = "".join(delimited(name, value) for name, value in outputs.items())
            _append(self.output_file, self.redactor.text(text))

    def append_summary(self, markdown: str) -> None:
        """Append to the job summary (`GITHUB_STEP_SUMMARY`)."""
        if self.summary_file:
            _append(self.summary_file, self.redactor.text(markdown))

    def save_state(self, name: str, value: str) -> None:
        """Pass a value to this action's post step (it reads it as `STATE_<name>`)."""
        if self.state_file:
            _append(self.state_file, delimited(name, value))

    def resolve(self, path: Path) -> Path:
        """Report paths are relative to the workspace in GitHub, so the workflow can upload them."""
        if self.workspace and not path.is_absolute():
            return Path(self.workspace) / path
        return path


def _append(path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        # The runner owns these files; if one is unusable the run's own reports still stand.
        return
