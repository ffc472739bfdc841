from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from okta_scim_ci.github import GitHub, command, delimited, escape_data, escape_property
from okta_scim_ci.redact import Redactor
from okta_scim_ci.report import summary
from okta_scim_ci.results import Exchange, RunResult, Status, StepResult, SuiteResult
from okta_scim_ci.sandbox import Sandbox

from .conftest import run_cli


def test_escaping_matches_the_actions_toolkit() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("error", "line1\nline2", title="Step 08: x,y") == "::error title=Step 08%3A x%2Cy::line1%0Aline2"
    assert command("endgroup") == "::endgroup::"


def test_delimited_output_is_multiline_safe() -> None:
    text = delimited("summary", "line 1\nline 2")
    first, *body, last, _ = text.split("\n")
    name, delimiter = first.split("<<")
    assert name == "summary" and last == delimiter and body == ["line 1", "line 2"]


def failing_run(count: int) -> RunResult:
    steps = [StepResult(f"s{i}", i, f"step {i}", Status.FAILED, reason=f"reason {i}") for i in range(1, count + 1)]
    return RunResult("run", "0", "now", suites=[SuiteResult("crud", "t", steps)])


def test_at_most_ten_error_annotations() -> None:
    out = io.StringIO()
    GitHub(out, Redactor(), {"GITHUB_ACTIONS": "true"}).annotate(failing_run(12))
    lines = out.getvalue().splitlines()
    assert sum(line.startswith("::error ") for line in lines) == 10
    assert "::notice::2 more failed steps are listed in the job summary" in lines
    assert lines[0] == "::error title=okta-scim-ci%3A 01 step 1 failed::reason 1"


def test_quiet_outside_github(tmp_path: Path) -> None:
    out = io.StringIO()
    gh = GitHub(out, Redactor(), {})
    gh.mask(["secret-value"])
    gh.annotate(failing_run(2))
    gh.set_outputs({"a": "b"})
    gh.append_summary("x")
    assert out.getvalue() == ""


def test_missing_file_variables_degrade_quietly() -> None:
    gh = GitHub(io.StringIO(), Redactor(), {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": "/nonexistent/dir/out"})
    gh.set_outputs({"a": "b"})  # no exception
    gh.append_summary("x")


def test_summary_stays_under_one_mebibyte() -> None:
    run = failing_run(80)
    for step in run.steps:
        step.transcript = [Exchange("GET", "https://x/Users", 200, 0.1, response_body="y" * 60_000)] * 3
    text = summary.render(run, Redactor())
    assert len(text.encode("utf-8")) <= summary.LIMIT
    assert "Transcripts were left out" in text or "Summary cut" in text
    assert "reason 80" in text


def test_summary_names_failures_with_reason_and_expectations() -> None:
    run = failing_run(1)
    run.steps[0].expected, run.steps[0].actual, run.steps[0].diagnosis = (
        "active is false",
        "active is true",
        "syncState ERROR",
    )
    text = summary.render(run, Redactor())
    assert "❌ failed" in text.splitlines()[0]
    assert "| 01 step 1 | ❌ failed |" in text
    assert "**Expected:** active is false" in text and "**Okta's view:** syncState ERROR" in text


def github_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    files = {name: tmp_path / name for name in ("output", "summary", "state")}
    for path in files.values():
        path.write_text("")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_OUTPUT", str(files["output"]))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files["summary"]))
    monkeypatch.setenv("GITHUB_STATE", str(files["state"]))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(workspace))
    files["workspace"] = workspace
    return files


def parse_outputs(text: str) -> dict[str, str]:
    outputs = {}
    for match in re.finditer(r"^(\w+)<<(\S+)\n(.*?)\n\2$", text, re.S | re.M):
        outputs[match.group(1)] = match.group(3)
    return outputs


def test_failing_run_in_github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    files = github_env(monkeypatch, tmp_path)
    with Sandbox(latency=0.05, faults=["ignore-deactivate", "reflect-credentials"]) as box:
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        result = run_cli("run", "--step-timeout", "1")
        secrets = [box.okta_token, box.scim_token]
    assert result.code == 1
    lines = result.out.splitlines()
    masks = [i for i, line in enumerate(lines) if line.startswith("::add-mask::")]
    assert masks and masks == list(range(len(masks))), "masks must come before any other output"
    assert any(
        line.startswith("::error title=okta-scim-ci%3A 08 deactivation reached SCIM server failed::") for line in lines
    )
    assert "::group::Requests and responses of 08 deactivation reached SCIM server" in lines
    outputs = parse_outputs(files["output"].read_text())
    assert outputs["conclusion"] == "failure" and outputs["failed"] == "1" and outputs["skipped"] == "2"
    assert outputs["passed"] == "11" and outputs["run_id"] and outputs["okta_user_id"].startswith("00u")
    workspace = files["workspace"]
    assert outputs["junit_path"] == str(workspace / "okta-scim-ci-reports" / "junit.xml")
    for name in ("junit_path", "json_path", "summary_path"):
        assert Path(outputs[name]).is_file()
    job_summary = files["summary"].read_text()
    assert "❌ failed" in job_summary and "08 deactivation reached SCIM server" in job_summary
    assert "expected" in job_summary.lower()
    state = files["state"].read_text()
    assert state.startswith("okta_scim_ci_state<<")
    shown = [line for line in lines if not line.startswith("::add-mask::")]
    everything = "\n".join(shown) + result.err + job_summary + files["output"].read_text() + state
    everything += "".join(Path(outputs[n]).read_text() for n in ("junit_path", "json_path", "summary_path"))
    for secret in secrets:
        assert secret not in everything


@pytest.mark.parametrize("wrong", ["OKTA_TOKEN", "SCIM_AUTH"])
def test_canary_credentials_reflected_by_servers_appear_nowhere(
    wrong: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import base64
    from urllib.parse import quote

    canary = "canary-Secret-4711"
    files = github_env(monkeypatch, tmp_path)
    with Sandbox(latency=0.05, faults=["reflect-credentials"]) as box:
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv(wrong, f"Bearer {canary}" if wrong == "SCIM_AUTH" else canary)
        result = run_cli("run", "-v", "--step-timeout", "1")
    assert result.code == 1
    assert "you sent" in result.all, "the servers must have reflected the credential"
    workspace_files = [p for p in (files["workspace"] / "okta-scim-ci-reports").iterdir() if p.is_file()]
    assert len(workspace_files) >= 3  # JUnit, JSON, summary (and the state file of the failed run)
    shown = "\n".join(line for line in result.out.splitlines() if not line.startswith("::add-mask::"))
    texts = [shown, result.err] + [path.read_text() for path in workspace_files]
    texts += [files[name].read_text() for name in ("output", "summary", "state")]
    forms = [canary, base64.b64encode(canary.encode()).decode(), quote(canary, safe="")]
    forms.append(base64.b64encode(f"Bearer {canary}".encode()).decode())
    for text in texts:
        for form in forms:
            assert form not in text
    assert f"::add-mask::{canary}" in result.out
