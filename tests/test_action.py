"""Contract tests: action.yml, the settings, the README, the Dockerfile and the outputs agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from okta_scim_ci.sandbox import Sandbox
from okta_scim_ci.settings import Settings, default_text

from .conftest import run_cli
from .test_github import github_env, parse_outputs

ROOT = Path(__file__).resolve().parent.parent


def action() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "action.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_every_input_is_a_setting_and_every_setting_an_input() -> None:
    inputs = action()["inputs"]
    assert set(inputs) == set(Settings.model_fields), "run scripts/sync_settings_docs.py"
    for name, spec in inputs.items():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", name), "inputs are snake_case"
        assert spec["description"], name
        assert default_text(spec.get("default")) == default_text(Settings.model_fields[name].default), name


def test_secrets_have_no_default_and_say_to_use_secrets() -> None:
    inputs = action()["inputs"]
    for name in Settings.secret_fields:
        assert "default" not in inputs[name]
        assert "secret" in inputs[name]["description"]


def test_every_input_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in action()["inputs"]:
        assert f"| `{name}` |" in readme, name


def test_runs_as_docker_action_with_post_step() -> None:
    runs = action()["runs"]
    assert runs["using"] == "docker" and runs["image"] == "Dockerfile"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert runs["post-entrypoint"] in dockerfile
    assert re.search(r"^ARG BASE_IMAGE=python:3\.\d+-slim@sha256:[0-9a-f]{64}$", dockerfile, re.M)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", dockerfile, re.M)
    assert not re.search(r"^(USER|WORKDIR)\b", dockerfile, re.M)
    assert action()["branding"]["icon"]


def test_every_output_is_written(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    files = github_env(monkeypatch, tmp_path)
    monkeypatch.setenv("INPUT_SANDBOX", "true")
    with Sandbox():
        result = run_cli("run")
    assert result.code == 0, result.all
    written = parse_outputs(files["output"].read_text())
    assert set(written) == set(action()["outputs"])
    assert written["conclusion"] == "success" and written["passed"] == "14"


def test_readme_documents_every_command_and_exit_code() -> None:
    readme = (ROOT / "README.md").read_text()
    for command in ("okta-scim-ci run", "okta-scim-ci demo", "okta-scim-ci sandbox", "okta-scim-ci cleanup"):
        assert command in readme
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 130 / 143 |"):
        assert code in readme
