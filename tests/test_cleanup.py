from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from okta_scim_ci.cleanup import created_at, parse_duration
from okta_scim_ci.sandbox import Sandbox
from okta_scim_ci.suites.crud import new_run_id, new_test_user

from .conftest import run_cli


def test_generated_logins_are_recognised_and_look_alikes_are_not() -> None:
    user = new_test_user(new_run_id(), "example.com")
    assert created_at(user.login) is not None
    for look_alike in (
        "oscitest.jane@example.com",
        "oscitest.20261203t160305cdc5.Gfndlx@example.com.evil@x",
        "Oscitest.20261203t160305cdc5.Gfndlx@example.com",
        "oscitest.20261203t160305cdc5.gfndlx@example.com",
        "xoscitest.20261203t160305cdc5.Gfndlx@example.com",
        "oscitest.20261203t160305cdc5.Gfndlxx@example.com",
    ):
        assert created_at(look_alike) is None, look_alike


def test_parse_duration() -> None:
    assert parse_duration("24h") == timedelta(hours=24)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("0h") == timedelta(0)


def test_stale_sweep_removes_only_our_old_users(monkeypatch: pytest.MonkeyPatch) -> None:
    old = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y%m%dt%H%M%S")
    new = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%S")
    logins = {
        "stale": f"oscitest.{old}abcd.Xyzabc@example.com",
        "fresh": f"oscitest.{new}abcd.Xyzabc@example.com",
        "look-alike": "oscitest.jane.doe@example.com",
        "other": "jane@example.com",
    }
    with Sandbox() as box:
        assert box.org is not None
        for key, login in logins.items():
            box.org.users[key] = {
                "id": key,
                "status": "ACTIVE",
                "profile": {"login": login, "firstName": "a", "lastName": "b", "email": login},
            }
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        result = run_cli("cleanup", "--stale", "24h")
        assert result.code == 0, result.all
        assert sorted(box.org.users) == ["fresh", "look-alike", "other"]
    assert "stale sweep: 1 deleted, 1 newer than 24h kept" in result.out


def test_state_file_of_a_killed_run_is_cleaned_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from okta_scim_ci.state import StateFile, find

    with Sandbox() as box:
        assert box.org is not None
        box.org.users["00uLEFT"] = {"id": "00uLEFT", "status": "ACTIVE", "profile": {"login": "oscitest.x@example.com"}}
        box.org.users["00uOTHER"] = {"id": "00uOTHER", "status": "ACTIVE", "profile": {"login": "someone@example.com"}}
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        reports = tmp_path / "okta-scim-ci-reports"
        StateFile.for_run(reports, "run1", box.okta_url, box.app_id).record("okta_user", "00uLEFT")
        assert len(find(reports)) == 1
        result = run_cli("cleanup")
        assert result.code == 0, result.all
        assert sorted(box.org.users) == ["00uOTHER"]
    assert "deleted Okta user 00uLEFT left by run run1" in result.out
    assert find(reports) == []


def test_state_file_of_another_org_is_left_alone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from okta_scim_ci.state import StateFile

    with Sandbox() as box:
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        state = StateFile.for_run(tmp_path / "okta-scim-ci-reports", "run2", "https://other.okta.com", "0oa1")
        state.record("okta_user", "00uX")
        result = run_cli("cleanup")
    assert result.code == 0 and "belongs to https://other.okta.com" in result.out
    assert state.path.is_file()


def test_a_finished_run_leaves_no_state_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from okta_scim_ci.state import find

    reports = tmp_path / "reports"
    with Sandbox(latency=0.05) as box:
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        result = run_cli("run", "--suites", "crud,spec", "--junit-path", str(reports / "junit.xml"))
    assert result.code == 0, result.all
    assert find(reports) == []


def test_a_failed_cleanup_keeps_the_state_file_for_the_cleanup_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from okta_scim_ci.sandbox.httpd import Reply, Request
    from okta_scim_ci.sandbox.okta_org import OktaOrg
    from okta_scim_ci.state import StateFile, find

    def refuse(self: OktaOrg, request: Request, user: dict[str, object]) -> Reply:
        return self.error(403, "E0000006", "You do not have permission to perform the requested action")

    reports = tmp_path / "reports"
    with Sandbox(latency=0.05) as box:
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        with monkeypatch.context() as patch:
            patch.setattr(OktaOrg, "delete_user", refuse)
            failed = run_cli("run", "--junit-path", str(reports / "junit.xml"))
        assert failed.code == 1
        assert "could not delete Okta user" in failed.out and "okta-scim-ci cleanup" in failed.out
        [state] = find(reports)
        assert box.org is not None and StateFile.load(state).okta_user_ids() == list(box.org.users)
        monkeypatch.setenv("JUNIT_PATH", str(reports / "junit.xml"))
        cleaned = run_cli("cleanup")
        assert cleaned.code == 0, cleaned.all
        assert box.org.users == {} and find(reports) == []
