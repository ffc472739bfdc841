from __future__ import annotations

from pathlib import Path

import pytest

from okta_scim_ci.errors import ConfigError
from okta_scim_ci.settings import REQUIRED_FOR_RUN, load_settings

FULL = {
    "OKTA_ORG_URL": "https://dev-1.okta.com",
    "OKTA_TOKEN": "00okta-token-value",
    "OKTA_APP_ID": "0oaAPP123",
    "SCIM_URL": "https://scim.example.com/scim/v2",
    "SCIM_AUTH": "Bearer scim-token-value",
}


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, FULL)
    settings = load_settings(required=REQUIRED_FOR_RUN)
    assert settings.okta_org_url == "https://dev-1.okta.com"
    assert settings.okta_authorization == "SSWS 00okta-token-value"
    assert settings.scim_authorization == "Bearer scim-token-value"


def test_cli_beats_github_input_beats_env_beats_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("STEP_TIMEOUT=11\nHTTP_TIMEOUT=12\nTEST_USER_DOMAIN=dotenv.example\n")
    monkeypatch.setenv("STEP_TIMEOUT", "21")
    monkeypatch.setenv("HTTP_TIMEOUT", "22")
    monkeypatch.setenv("INPUT_STEP_TIMEOUT", "31")
    settings = load_settings({"step_timeout": "41"})
    assert settings.step_timeout == 41
    settings = load_settings()
    assert (settings.step_timeout, settings.http_timeout, settings.test_user_domain) == (
        31,
        22,
        "dotenv.example",
    )


def test_empty_values_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INPUT_STEP_TIMEOUT", "")
    monkeypatch.setenv("STEP_TIMEOUT", "7")
    assert load_settings({"http_timeout": ""}).step_timeout == 7


def test_secrets_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "okta_token").write_text("from-a-file-123\n")
    monkeypatch.setenv("OKTA_SCIM_CI_SECRETS_DIR", str(secrets))
    settings = load_settings()
    assert settings.okta_token is not None and settings.okta_token.get_secret_value() == "from-a-file-123"


def test_missing_settings_listed_together(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(required=REQUIRED_FOR_RUN)
    message = str(caught.value)
    for name in ("OKTA_ORG_URL", "OKTA_TOKEN", "OKTA_APP_ID", "SCIM_URL", "SCIM_AUTH"):
        assert name in message
    assert "5 problem(s)" in message


def test_format_errors_and_missing_ones_in_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_ORG_URL", "dev-1.okta.com")
    monkeypatch.setenv("STEP_TIMEOUT", "soon")
    with pytest.raises(ConfigError) as caught:
        load_settings(required=REQUIRED_FOR_RUN)
    message = str(caught.value)
    assert "okta_org_url (OKTA_ORG_URL or --okta-org-url): must be an http(s) URL" in message
    assert "step_timeout (STEP_TIMEOUT" in message
    assert "okta_token (OKTA_TOKEN or --okta-token) is required" in message


def test_admin_url_refused_with_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_ORG_URL", "https://dev-1-admin.okta.com")
    with pytest.raises(ConfigError, match=r"use the org URL without '-admin' \(e.g. https://dev-1.okta.com\)"):
        load_settings()


def test_plain_http_refused_except_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCIM_URL", "http://scim.example.com/scim/v2")
    with pytest.raises(ConfigError, match="ALLOW_HTTP"):
        load_settings()
    monkeypatch.setenv("ALLOW_HTTP", "true")
    assert load_settings().scim_url == "http://scim.example.com/scim/v2"
    monkeypatch.delenv("ALLOW_HTTP")
    monkeypatch.setenv("SCIM_URL", "http://127.0.0.1:8080/scim/v2/")
    assert load_settings().scim_url == "http://127.0.0.1:8080/scim/v2"


def test_scim_auth_and_token_exclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, {"SCIM_AUTH": "Bearer a-long-one", "SCIM_TOKEN": "other-token"})
    with pytest.raises(ConfigError, match="both set; keep one"):
        load_settings()


def test_scim_token_is_sent_as_bearer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCIM_TOKEN", "tok-abcdef")
    assert load_settings().scim_authorization == "Bearer tok-abcdef"


def test_token_pasted_with_scheme_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_TOKEN", "SSWS 00abc-def")
    assert load_settings().okta_authorization == "SSWS 00abc-def"
    monkeypatch.setenv("OKTA_AUTH_SCHEME", "Bearer")
    monkeypatch.setenv("OKTA_TOKEN", "eyJaccess")
    assert load_settings().okta_authorization == "Bearer eyJaccess"


def test_app_user_profile_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_USER_PROFILE", '{"department": "QA"}')
    assert load_settings().app_user_profile == {"department": "QA"}
    monkeypatch.setenv("APP_USER_PROFILE", "[1, 2]")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        load_settings()
    monkeypatch.setenv("APP_USER_PROFILE", "{not json")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        load_settings()


def test_secret_values_never_echoed_in_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_TOKEN", "line-one\nline-two-secret")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "line-two-secret" not in str(caught.value)
    assert "single line" in str(caught.value)


def test_ca_bundle_must_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CA_BUNDLE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigError, match=r"ca_bundle .*does not exist"):
        load_settings()


def test_public_view_has_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, FULL)
    view = load_settings().public_view()
    assert "okta_token" not in view and "scim_auth" not in view
    assert all("token-value" not in value for value in view.values())
