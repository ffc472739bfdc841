from __future__ import annotations

from datetime import datetime, timedelta, timezone

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
    assert "1 deleted, 1 newer than 24h kept, 0 failed" in result.out
