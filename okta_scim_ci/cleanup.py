"""Removing test users that runs left behind (killed runs, `keep_test_user`), and only those.

A user is ours only if its login has the exact shape `new_test_user` gives it:
`oscitest.<yyyymmdd>t<hhmmss><4 hex>.<Xxxxxx>@<domain>`. A look-alike (`oscitest.jane@...`) never matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .errors import ConfigError, OktaScimCiError
from .okta import OktaClient
from .state import StateFile
from .suites.crud import LOGIN_PREFIX

OUR_LOGIN = re.compile(r"^oscitest\.(\d{8}t\d{6})[0-9a-f]{4}\.[A-Z][a-z]{5}@[^@\s]+$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `24h`, `7d` -> timedelta; anything else is a `ConfigError`."""
    match = _DURATION.match(text)
    if not match:
        raise ConfigError(f"--stale takes a duration like 24h, 30m or 7d, got {text!r}")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return timedelta(**{unit: float(match.group(1))})


def created_at(login: str) -> datetime | None:
    """When the run that made `login` started, or None if the login is not one of ours."""
    match = OUR_LOGIN.match(login)
    if not match:
        return None
    return datetime.strptime(match.group(1), "%Y%m%dt%H%M%S").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Sweep:
    """What a sweep removed, kept, and could not remove."""

    removed: list[str]
    kept: list[str]
    """Left alone on purpose: users too new for the sweep, state files of another org."""
    failed: list[str]


def sweep_stale(okta: OktaClient, older_than: timedelta, now: datetime | None = None) -> Sweep:
    """Delete our test users whose run started more than `older_than` ago."""
    now = now or datetime.now(timezone.utc)
    removed, kept, failed = [], [], []
    for user in okta.list_users(search=f'profile.login sw "{LOGIN_PREFIX}"'):
        profile = user.get("profile")
        login = str(profile.get("login", "")) if isinstance(profile, dict) else ""
        started = created_at(login)
        user_id = user.get("id")
        if started is None or not isinstance(user_id, str):
            continue
        if now - started < older_than:
            kept.append(login)
            continue
        try:
            okta.delete_user(user_id)
            removed.append(f"{login} ({user_id})")
        except OktaScimCiError as exc:
            failed.append(f"{login} ({user_id}): {exc}")
    return Sweep(removed, kept, failed)


def remove_recorded(okta: OktaClient, path: Path, okta_org_url: str) -> Sweep:
    """Delete the Okta users a state file lists; remove the file when all are gone."""
    state = StateFile.load(path)
    if state.okta_org_url.rstrip("/") != okta_org_url.rstrip("/"):
        return Sweep([], [f"{path}: it belongs to {state.okta_org_url}, not to okta_org_url {okta_org_url}"], [])
    removed, failed = [], []
    for user_id in state.okta_user_ids():
        try:
            okta.delete_user(user_id)
            removed.append(f"Okta user {user_id} left by run {state.run_id}")
        except OktaScimCiError as exc:
            failed.append(f"Okta user {user_id} left by run {state.run_id}: {exc}")
    if not failed:
        state.remove()
    return Sweep(removed, [], failed)
