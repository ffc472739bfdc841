"""Every broken-server behaviour, through the sandbox over HTTP: the right step fails with a message that names
the cause, the run exits non-zero, there is no traceback, and the emulated org keeps no test user."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from okta_scim_ci.redact import Redactor
from okta_scim_ci.runner import execute, plan
from okta_scim_ci.sandbox import Sandbox
from okta_scim_ci.sandbox.httpd import JsonServer
from okta_scim_ci.sandbox.scim_server import ScimServer
from okta_scim_ci.settings import REQUIRED_FOR_RUN, load_settings

from .conftest import run_cli
from .test_e2e_sandbox import not_passed, run_against

CREATED = "04 user created on SCIM server"
LATER = ("06 update reached SCIM server", "08 deactivation reached SCIM server",
         "11 reactivation reached SCIM server", "13 unassignment reached SCIM server")  # fmt: skip

# fault -> (the steps that do not pass and how, text that must appear)
MATRIX = {
    "ignore-deactivate": (
        {
            "08 deactivation reached SCIM server": "failure",
            "11 reactivation reached SCIM server": "skipped",
            "13 unassignment reached SCIM server": "skipped",
        },
        "expected: active is false",
    ),
    "drop-name-update": ({"06 update reached SCIM server": "failure"}, "name.givenName is 'Scimci"),
    "rename-username": ({CREATED: "failure", **dict.fromkeys(LATER, "skipped")}, "the server changed its case"),
    "error-on-create": (
        {CREATED: "failure", **dict.fromkeys(LATER, "skipped")},
        "application.provision.user.push FAILURE",
    ),
    "slow-reads": ({CREATED: "error", **dict.fromkeys(LATER, "skipped")}, "HTTP_TIMEOUT"),
    "html-errors": ({CREATED: "failure", **dict.fromkeys(LATER, "skipped")}, "HTML page instead of a SCIM error"),
    "invalid-json": ({CREATED: "failure", **dict.fromkeys(LATER, "skipped")}, "invalid JSON"),
    "resources-not-list": (
        {CREATED: "failure", **dict.fromkeys(LATER, "skipped")},
        "'Resources' of type dict, not a list",
    ),
    "huge-body": ({CREATED: "error", **dict.fromkeys(LATER, "skipped")}, "byte cap; reading stopped"),
    "redirect": ({CREATED: "error", **dict.fromkeys(LATER, "skipped")}, "credentials are never sent to another host"),
    "wrong-user": ({CREATED: "failure", **dict.fromkeys(LATER, "skipped")}, "a different user than asked for"),
    "duplicate-users": ({CREATED: "failure", **dict.fromkeys(LATER, "skipped")}, "duplicates"),
    "no-active": (
        {
            "08 deactivation reached SCIM server": "failure",
            "11 reactivation reached SCIM server": "skipped",
            "13 unassignment reached SCIM server": "skipped",
        },
        "the user has no 'active' attribute",
    ),
}


@pytest.mark.parametrize("fault", sorted(MATRIX))
def test_fault(fault: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    expected, text = MATRIX[fault]
    with Sandbox(latency=0.05, faults=[fault]) as box:
        result, statuses = run_against(box, monkeypatch, tmp_path, "--step-timeout", "1.5", "--http-timeout", "1")
        assert box.org is not None and box.org.idle(10)
        assert box.org.users == {}, "the test user was left in the org"
    assert result.code == 1, result.all
    assert not_passed(statuses) == expected
    assert text in result.out
    assert "Traceback" not in result.all


def test_json_content_type_passes_with_a_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Sandbox(latency=0.05, faults=["json-content-type"]) as box:
        result, statuses = run_against(box, monkeypatch, tmp_path)
    assert result.code == 0 and not_passed(statuses) == {}
    assert result.out.count("not 'application/scim+json' (RFC 7644 §3.1)") == 1


def test_unresolvable_host(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Sandbox(latency=0.05) as box:
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("SCIM_URL", "https://scim.invalid/scim/v2")
        result = run_cli("run", "--junit-path", str(tmp_path / "j.xml"), "--step-timeout", "2")
        assert box.org is not None and box.org.users == {}
    assert result.code == 1
    assert "Could not resolve the host name 'scim.invalid'" in result.out and "SCIM_URL" in result.out


@pytest.fixture
def tls_scim(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A SCIM server over HTTPS with a self-signed certificate."""
    import ssl

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    app = ScimServer("2.0", token="tls-token-123")
    server = JsonServer(app)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
    server.start()
    yield server.url.replace("http://", "https://") + app.base_path, "Bearer tls-token-123", cert
    server.stop()


def test_tls_verification_failure_names_ca_bundle_and_ca_bundle_fixes_it(
    tls_scim: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scim_url, scim_auth, cert = tls_scim
    with Sandbox(latency=0.05, scim_url=scim_url, scim_auth=scim_auth, scim_verify=str(cert)) as box:
        for key, value in box.environment().items():
            monkeypatch.setenv(key, value)
        failed = run_cli("run", "--junit-path", str(tmp_path / "a.xml"), "--step-timeout", "2")
        assert failed.code == 1
        assert "TLS verification failed" in failed.out and "CA_BUNDLE" in failed.out
        passed = run_cli("run", "--junit-path", str(tmp_path / "b.xml"), "--ca-bundle", str(cert))
        assert passed.code == 0, passed.all


def test_parallel_runs_do_not_collide(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with Sandbox(latency=0.1) as box:
        env = {key.lower(): value for key, value in box.environment().items()}
        results = []

        def one(index: int) -> None:
            settings = load_settings(
                {**env, "junit_path": str(tmp_path / f"{index}" / "junit.xml")},
                required=REQUIRED_FOR_RUN,
                env_file=None,
            )
            redactor = Redactor()
            results.append(execute(plan(settings, redactor), redactor, lambda step: None))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert box.org is not None and box.org.users == {}
        assert box.scim is not None and len(box.scim.users) == 3
    assert [r.conclusion for r in results] == ["success"] * 3
    assert len({r.test_user_login for r in results}) == 3 and len({r.run_id for r in results}) == 3
