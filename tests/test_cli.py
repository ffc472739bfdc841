from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from okta_scim_ci import __version__
from okta_scim_ci.cli import build_parser
from okta_scim_ci.settings import Settings, flag_name

from .conftest import run_cli


def test_missing_settings_exit_2_with_every_problem() -> None:
    result = run_cli("run")
    assert result.code == 2
    assert "configuration error" in result.err
    for name in ("SCIM_URL", "SCIM_AUTH", "SCIM_TOKEN"):
        assert name in result.err
    assert "driver direct" in result.err and "okta_org_url, okta_token and okta_app_id" in result.err
    assert "Traceback" not in result.all


def test_okta_driver_lists_every_missing_okta_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_ORG_URL", "https://dev-1.okta.com")
    result = run_cli("run")
    assert result.code == 2
    for name in ("OKTA_TOKEN", "OKTA_APP_ID", "SCIM_URL", "SCIM_AUTH"):
        assert name in result.err
    assert "OKTA_ORG_URL" not in result.err


def test_config_error_in_a_real_process_has_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "SCIM_", "INPUT_"))}
    env["OKTA_TOKEN"] = "00-secret-in-env"
    env["OKTA_ORG_URL"] = "not a url"
    proc = subprocess.run(
        [sys.executable, "-m", "okta_scim_ci", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "okta_org_url (OKTA_ORG_URL or --okta-org-url): must be an http(s) URL" in proc.stderr
    assert "Traceback" not in proc.stderr and "00-secret-in-env" not in proc.stderr + proc.stdout


def test_help_documents_every_setting() -> None:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    help_text = actions[0].choices["run"].format_help()
    for name, field in Settings.model_fields.items():
        assert flag_name(name) in help_text
        assert name.upper() in help_text
        assert field.description and field.description.split(",")[0][:20] in " ".join(help_text.split())


def test_version() -> None:
    result = run_cli("--version")
    assert result.code == 0 and result.out == f"okta-scim-ci {__version__}\n"


def test_unwritable_report_path_is_caught_before_anything_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run_cli("demo", "--junit-path", str(blocker / "sub" / "junit.xml"))
    assert result.code == 2
    assert "JUNIT_PATH" in result.err
    assert "Traceback" not in result.all


def test_cleanup_needs_okta_settings() -> None:
    result = run_cli("cleanup", "--stale", "24h")
    assert result.code == 2 and "OKTA_ORG_URL" in result.err


def test_cleanup_with_nothing_to_do_needs_no_settings() -> None:
    result = run_cli("cleanup")
    assert result.code == 0 and "nothing to clean up" in result.out


def test_cleanup_rejects_bad_duration() -> None:
    result = run_cli("cleanup", "--stale", "yesterday")
    assert result.code == 2 and "24h" in result.err
