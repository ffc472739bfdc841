"""SIGTERM mid-run (a CI cancel): exit 143, partial JUnit, and the Okta test user removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from okta_scim_ci.sandbox import Sandbox


def test_sigterm_mid_run_cleans_up_and_reports(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with Sandbox(latency=3.0) as box:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OKTA_", "SCIM_", "INPUT_"))}
        env.update(box.environment())
        proc = subprocess.Popen(
            [sys.executable, "-m", "okta_scim_ci", "run", "--junit-path", str(junit)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "03 assign user to app" in line:
                break
        assert box.org is not None and len(box.org.users) == 1, "the run should have created its user by now"
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=30)
        assert proc.returncode == 143, err
        assert box.org.users == {}, "the test user must be removed after a cancel"
    output = "".join(seen) + rest
    assert "CANCELLED" in output
    assert "Traceback" not in err
    root = ET.parse(junit).getroot()
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert len(cases) == 14
    interrupted = cases["04 user created on SCIM server"].find("skipped")
    assert interrupted is not None and "cancelled by SIGTERM" in (interrupted.get("message") or "")
    later = cases["08 deactivation reached SCIM server"].find("skipped")
    assert later is not None and "run cancelled by SIGTERM" in (later.get("message") or "")
    cleanup = cases["14 cleanup"]
    assert cleanup.find("failure") is None and cleanup.find("skipped") is None


def test_sandbox_command_prints_pasteable_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    from .conftest import run_cli

    proc = subprocess.Popen(
        [sys.executable, "-m", "okta_scim_ci", "sandbox", "--latency", "0.05"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    env = {}
    for line in proc.stdout:
        if "=" in line and not line.startswith("#"):
            name, _, value = line.strip().partition("=")
            env[name] = shlex.split(value)[0]
        if line.startswith("SCIM_VERSION"):
            break
    try:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = run_cli("run", "--junit-path", str(tmp_path / "j.xml"))
        assert result.code == 0, result.all
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert env["SCIM_AUTH"].startswith("Bearer ")
