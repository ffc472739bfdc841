"""End to end over real HTTP on loopback: the CLI's `run` and `demo` against the embedded sandbox."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from okta_scim_ci.sandbox import Sandbox

from .conftest import CliRun, assert_no_secrets, run_cli

STEP_IDS = [
    "01 app exists and can provision",
    "02 create test user",
    "03 assign user to app",
    "04 user created on SCIM server",
    "05 update firstName",
    "06 update reached SCIM server",
    "07 deactivate user",
    "08 deactivation reached SCIM server",
    "09 reactivate user",
    "10 reassign app",
    "11 reactivation reached SCIM server",
    "12 unassign app",
    "13 unassignment reached SCIM server",
    "14 cleanup",
]


def run_against(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str
) -> tuple[CliRun, dict[str, str]]:
    for key, value in box.environment().items():
        monkeypatch.setenv(key, value)
    junit_path = tmp_path / "reports" / "junit.xml"
    result = run_cli("run", "--junit-path", str(junit_path), *args)
    statuses = {}
    for case in ET.parse(junit_path).getroot().iter("testcase"):
        kind = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        statuses[case.get("name") or ""] = kind
    return result, statuses


def not_passed(statuses: dict[str, str]) -> dict[str, str]:
    return {name: kind for name, kind in statuses.items() if kind != "passed"}


@pytest.fixture
def box(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    options = getattr(request, "param", {})
    with Sandbox(latency=0.05, **options) as sandbox:
        yield sandbox


@pytest.mark.parametrize(
    "box", [{"scim_version": "2.0"}, {"scim_version": "1.1"}, {"update_method": "put"}], indirect=True
)
def test_all_steps_pass(box: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result, statuses = run_against(box, monkeypatch, tmp_path)
    assert result.code == 0, result.all
    assert list(statuses) == STEP_IDS
    assert not_passed(statuses) == {}
    assert "PASSED: 14 passed, 0 failed, 0 error, 0 skipped" in result.out
    assert box.org is not None and box.org.users == {}, "the test user was left in the org"
    assert box.scim is not None and len(box.scim.users) == 1  # Okta never deletes on the SCIM server
    [user] = box.scim.users.values()
    assert user["active"] is False and user["userName"].startswith("oscitest.")
    assert_no_secrets([result.all, (tmp_path / "reports" / "junit.xml").read_text()], [box.okta_token, box.scim_token])


def test_scim_cleanup_deletes_the_scim_user(box: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result, _ = run_against(box, monkeypatch, tmp_path, "--scim-cleanup")
    assert result.code == 0, result.all
    assert box.scim is not None and box.scim.users == {}
    assert "DELETE" in {method for method, _ in box.scim.requests}


def test_keep_test_user(box: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import json

    report = tmp_path / "report.json"
    result, _ = run_against(box, monkeypatch, tmp_path, "--keep-test-user", "--json-path", str(report))
    assert result.code == 0
    assert box.org is not None and len(box.org.users) == 1
    [user_id] = box.org.users
    cleanup = json.loads(report.read_text())["suites"][0]["steps"][-1]
    assert cleanup["status"] == "passed" and "kept Okta user" in cleanup["actual"] and user_id in cleanup["actual"]


def test_error_on_create_fails_fast_with_okta_system_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Sandbox(latency=0.05, faults=["error-on-create"]) as sandbox:
        result, _ = run_against(sandbox, monkeypatch, tmp_path, "--step-timeout", "60")
    assert result.code == 1
    assert "syncState ERROR" in result.out and "answered 500" in result.out
    # Failing fast: far below the 60 s step timeout.
    line = next(line for line in result.out.splitlines() if "04 user created" in line)
    assert float(line.split()[-1].rstrip("s")) < 10


def test_string_active_passes_with_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Sandbox(latency=0.05, faults=["string-active"]) as sandbox:
        result, statuses = run_against(sandbox, monkeypatch, tmp_path)
    assert result.code == 0 and not_passed(statuses) == {}
    assert "not a JSON boolean" in result.out


def test_rate_limit_burst_is_survived(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Sandbox(latency=0.05, rate_limit=4, rate_window=1.0) as sandbox:
        result, _ = run_against(sandbox, monkeypatch, tmp_path, "-v")
        assert sandbox.org is not None
        assert sandbox.org.users == {}
    assert result.code == 0, result.all
    assert "HTTP 429" in result.all  # it was hit, and waited


def test_reflected_credentials_never_leak(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Sandbox(latency=0.05, faults=["reflect-credentials"]) as sandbox:
        for key, value in sandbox.environment().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SCIM_AUTH", "Bearer wrong-token-canary-1234")
        junit_path = tmp_path / "junit.xml"
        result = run_cli("run", "--junit-path", str(junit_path), "--step-timeout", "1", "-v")
    assert result.code == 1
    assert "you sent Authorization: ***" in result.out
    assert_no_secrets([result.all, junit_path.read_text()], ["wrong-token-canary-1234", sandbox.okta_token])


def test_unassigned_app_not_found(box: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OKTA_APP_ID", "0oaDOESNOTEXIST")
    for key, value in box.environment().items():
        if key != "OKTA_APP_ID":
            monkeypatch.setenv(key, value)
    result = run_cli("run", "--junit-path", str(tmp_path / "j.xml"))
    assert result.code == 1
    assert "check okta_app_id (OKTA_APP_ID or --okta-app-id)" in result.out
    assert "02 create test user" in result.out and "skipped" in result.out


def test_wrong_okta_token(box: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key, value in box.environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("OKTA_TOKEN", "00-wrong-token")
    result = run_cli("run", "--junit-path", str(tmp_path / "j.xml"))
    assert result.code == 1
    assert "E0000011 Invalid token provided" in result.out and "OKTA_TOKEN" in result.out
    assert "00-wrong-token" not in result.all


def test_unreachable_scim_server_is_an_error_not_a_crash(
    box: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key, value in box.environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("SCIM_URL", "http://127.0.0.1:9/scim/v2")
    monkeypatch.setenv("HTTP_TIMEOUT", "2")
    result = run_cli("run", "--junit-path", str(tmp_path / "j.xml"), "--step-timeout", "1")
    assert result.code == 1
    assert "connection refused" in result.out and "SCIM_URL" in result.out
    assert box.org is not None and box.org.users == {}


def test_demo_command(tmp_path: Path) -> None:
    result = run_cli("demo", "--latency", "0.05", "--junit-path", str(tmp_path / "demo.xml"))
    assert result.code == 0, result.all
    assert "PASSED: 14 passed" in result.out
    assert (tmp_path / "demo.xml").is_file()


def test_demo_with_fault_and_1_1(tmp_path: Path) -> None:
    result = run_cli(
        "demo",
        "--scim-version",
        "1.1",
        "--latency",
        "0.05",
        "--fault",
        "drop-name-update",
        "--step-timeout",
        "1",
        "--junit-path",
        str(tmp_path / "demo.xml"),
    )
    assert result.code == 1
    assert "FAIL   06 update reached SCIM server" in result.out
    assert "SCIM 1.1" in result.out
