"""Okta-less checks: the `direct` driver and Okta's SPEC suite, over HTTP against the sandbox's SCIM server."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from okta_scim_ci.sandbox.httpd import JsonServer, Reply, Request
from okta_scim_ci.sandbox.scim_server import ScimServer

from .conftest import CliRun, run_cli

SPEC_20 = [
    "Required Test: Test Users endpoint",
    "Required Test: Get Users/{{id}}",
    "Required Test: Test invalid User by username",
    "Required Test: Test invalid User by ID",
    "Required Test: Make sure random user doesn't exist",
    "Required Test: Create Okta user with realistic values",
    "Required Test: Verify that user was created",
    "Required Test: Expect failure when recreating user with same values",
    "Required Test: Username Case Sensitivity Check",
    "Optional Test: Verify Groups endpoint",
    "Required Test: Check status 401",
    "Required Test: Check status 404",
]


@pytest.fixture
def scim(request: pytest.FixtureRequest) -> Iterator[tuple[str, ScimServer]]:
    version, faults = getattr(request, "param", ("2.0", ()))
    app = ScimServer(version, token="direct-token-1234", faults=faults)
    with JsonServer(app) as server:
        yield server.url + app.base_path, app


def run_direct(
    scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str
) -> tuple[CliRun, ET.Element]:
    url, app = scim
    monkeypatch.setenv("SCIM_URL", url)
    monkeypatch.setenv("SCIM_TOKEN", "direct-token-1234")
    monkeypatch.setenv("SCIM_VERSION", app.version)
    junit = tmp_path / "junit.xml"
    result = run_cli("run", "--junit-path", str(junit), "--step-timeout", "1", *args)
    return result, ET.parse(junit).getroot()


def outcomes(suite: ET.Element) -> dict[str, str]:
    found = {}
    for case in suite.iter("testcase"):
        kind = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        found[(case.get("name") or "")[3:]] = kind
    return found


@pytest.mark.parametrize("scim", [("2.0", ()), ("1.1", ())], indirect=True)
def test_direct_crud_and_spec_pass(
    scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, root = run_direct(scim, monkeypatch, tmp_path, "--driver", "direct", "--suite", "crud", "--suite", "spec")
    assert result.code == 0, result.all
    crud, spec = root.findall("testsuite")
    assert crud.get("name") == "okta-scim-ci crud" and spec.get("name") == "okta-scim-ci spec"
    assert set(outcomes(crud).values()) == {"passed"} and set(outcomes(spec).values()) == {"passed"}
    names = list(outcomes(spec))
    version = scim[1].version
    assert len(names) == (12 if version == "2.0" else 16) + 1  # and the cleanup
    if version == "2.0":
        assert names[:12] == SPEC_20
    else:
        assert names[0] == "Optional Test: Test ServiceProviderConfig endpoint"
    assert scim[1].users == {}, "both suites delete the users they create"
    methods = {method for method, _ in scim[1].requests}
    assert "PATCH" in methods


def test_direct_driver_is_chosen_and_said_without_okta_settings(
    scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, _ = run_direct(scim, monkeypatch, tmp_path)
    assert result.code == 0, result.all
    assert "crud (driver direct, chosen: no Okta settings given)" in result.out
    assert "lookup before create finds nobody" in result.out


def test_put_update_method_never_patches(
    scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, _ = run_direct(scim, monkeypatch, tmp_path, "--okta-update-method", "put")
    assert result.code == 0, result.all
    methods = [method for method, _ in scim[1].requests]
    assert "PATCH" not in methods and methods.count("PUT") >= 4


@pytest.mark.parametrize("scim", [("2.0", ("ignore-deactivate",))], indirect=True)
def test_direct_driver_catches_a_server_that_never_deactivates(
    scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, root = run_direct(scim, monkeypatch, tmp_path)
    assert result.code == 1
    failed = {name: kind for name, kind in outcomes(root.find("testsuite")).items() if kind != "passed"}  # type: ignore[arg-type]
    assert failed == {
        "deactivation reached SCIM server": "failure",
        "reactivation reached SCIM server": "skipped",
        "unassignment reached SCIM server": "skipped",
    }


@pytest.mark.parametrize("scim", [("2.0", ("error-on-create",)), ("1.1", ("error-on-create",))], indirect=True)
def test_spec_create_failure(scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result, root = run_direct(scim, monkeypatch, tmp_path, "--suites", "spec")
    assert result.code == 1
    failed = {name: kind for name, kind in outcomes(root.find("testsuite")).items() if kind != "passed"}  # type: ignore[arg-type]
    # The server is empty, so the first check's seed user fails to be created too.
    assert failed["Required Test: Test Users endpoint"] == "failure"
    assert failed["Required Test: Create Okta user with realistic values"] == "failure"
    assert failed["Required Test: Verify that user was created"] == "skipped"
    assert "answered 500" in result.out


@pytest.mark.parametrize("scim", [("2.0", ("rename-username",))], indirect=True)
def test_spec_catches_renamed_username(
    scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, _ = run_direct(scim, monkeypatch, tmp_path, "--suites", "spec")
    assert result.code == 1
    assert "userName is 'oscitest.spec.runscope" in result.out


@pytest.mark.parametrize("scim", [("2.0", ("lookup-404", "string-active", "json-content-type"))], indirect=True)
def test_deviations_okta_accepts_pass_with_warnings(
    scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, root = run_direct(scim, monkeypatch, tmp_path, "--suites", "crud,spec")
    assert result.code == 0, result.all
    assert "answered 404 instead of an empty list" in result.out and "Okta SCIM 2.0 reference" in result.out
    assert "not a JSON boolean (RFC 7643 §4.1.1)" in result.out
    assert "not 'application/scim+json' (RFC 7644 §3.1)" in result.out
    assert len(root.findall("testsuite")) == 2


class NoGroups(ScimServer):
    """A SCIM 1.1 server with no groups: Okta's 1.1 suite fails its Optional groups test."""

    def __call__(self, request: Request) -> Reply:
        if request.path.endswith("/Groups"):
            return self._reply(200, self._list([], 1))
        return super().__call__(request)


@pytest.mark.parametrize("strict", [False, True])
def test_optional_failures_warn_unless_strict(strict: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app = NoGroups("1.1", token="direct-token-1234")
    with JsonServer(app) as server:
        args = ["--suites", "spec", *(["--strict"] if strict else [])]
        result, root = run_direct((server.url + app.base_path, app), monkeypatch, tmp_path, *args)
    groups = outcomes(root.find("testsuite"))["Optional Test: Verify Groups endpoint"]  # type: ignore[arg-type]
    if strict:
        assert result.code == 1 and groups == "failure"
    else:
        assert result.code == 0 and groups == "passed"
        assert "Optional test failed (warning only; set strict to fail): no groups listed" in result.out


@pytest.mark.parametrize("scim", [("2.0", ("patch-no-content", "case-sensitive-filter"))], indirect=True)
def test_patch_204_passes_and_case_sensitive_lookups_warn(
    scim: tuple[str, ScimServer], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result, _ = run_direct(scim, monkeypatch, tmp_path, "--suites", "crud,spec")
    assert result.code == 0, result.all
    assert any(method == "PATCH" for method, _ in scim[1].requests)
    assert "userName lookups are case-sensitive here; RFC 7643 §2.2" in result.out
