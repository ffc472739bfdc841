"""Settings: one frozen object, read from CLI flags, the environment, GitHub inputs, `.env` and secret files.

Every setting has one name used everywhere: the field `okta_org_url` is the CLI flag `--okta-org-url`, the
environment variable `OKTA_ORG_URL`, the GitHub Action input `okta_org_url` (`INPUT_OKTA_ORG_URL`), a line
`OKTA_ORG_URL=...` in `.env`, and a file `okta_org_url` in the secrets directory. Earlier sources win in
that order. An empty value counts as unset.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from .errors import ConfigError

SECRETS_DIR_ENV = "OKTA_SCIM_CI_SECRETS_DIR"
DEFAULT_SECRETS_DIR = Path("/run/secrets")


def env_name(field: str) -> str:
    """The environment variable of a setting: `okta_org_url` -> `OKTA_ORG_URL`."""
    return field.upper()


def flag_name(field: str) -> str:
    """The CLI flag of a setting: `okta_org_url` -> `--okta-org-url`."""
    return "--" + field.replace("_", "-")


def describe(field: str) -> str:
    """How a user can set `field`, for error messages: `okta_org_url (OKTA_ORG_URL or --okta-org-url)`."""
    return f"{field} ({env_name(field)} or {flag_name(field)})"


def default_text(value: object) -> str | None:
    """A setting's value as text, the way action.yml, the README and reports write it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Everything a run needs. Frozen: built once by the CLI and passed down."""

    model_config = SettingsConfigDict(
        frozen=True,
        env_ignore_empty=True,
        env_file=".env",
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    #: Settings that hold credentials: masked everywhere, never echoed in errors.
    secret_fields: ClassVar[frozenset[str]] = frozenset({"okta_token", "scim_auth", "scim_token"})

    okta_org_url: str | None = Field(
        None, description="Okta org URL, e.g. https://dev-123456.okta.com (not the -admin URL)."
    )
    okta_token: SecretStr | None = Field(
        None, description="Okta API token (SSWS) or OAuth 2.0 access token (with okta_auth_scheme=Bearer)."
    )
    okta_auth_scheme: Literal["SSWS", "Bearer"] = Field(
        "SSWS", description="How okta_token is sent: SSWS (API token) or Bearer (OAuth access token)."
    )
    okta_app_id: str | None = Field(None, description="Id of the SCIM app instance in Okta, e.g. 0oa1b2c3d4E5F6g7h8i9.")
    scim_url: str | None = Field(None, description="Base URL of your SCIM server, e.g. https://example.com/scim/v2.")
    scim_auth: SecretStr | None = Field(
        None,
        description="Whole Authorization header value for the SCIM server, e.g. 'Bearer abc...' or 'Basic ...' "
        "(as Okta's suite takes it).",
    )
    scim_token: SecretStr | None = Field(
        None, description="SCIM bearer token, sent as 'Bearer <token>'. Use this or scim_auth, not both."
    )
    scim_version: Literal["2.0", "1.1"] = Field("2.0", description="SCIM protocol version of the server: 2.0 or 1.1.")
    step_timeout: float = Field(
        120.0, gt=0, le=3600, description="Seconds each SCIM check waits for Okta's provisioning to land."
    )
    http_timeout: float = Field(30.0, gt=0, le=600, description="Seconds to wait for any single HTTP answer.")
    test_user_domain: str = Field(
        "example.com", description="E-mail domain of the generated test user's login (never mailed)."
    )
    app_user_profile: Annotated[dict[str, Any] | None, NoDecode] = Field(
        None,
        description="JSON object merged into the app assignment's profile, for apps whose profile needs "
        'attributes, e.g. {"department": "QA"}.',
    )
    keep_test_user: bool = Field(False, description="Leave the Okta test user in place after the run (debugging).")
    scim_cleanup: bool = Field(
        False, description="After the run, DELETE the test user on the SCIM server too (Okta never does)."
    )
    junit_path: Path = Field(Path("okta-scim-ci-reports/junit.xml"), description="Where to write the JUnit XML report.")
    json_path: Path = Field(
        Path("okta-scim-ci-reports/report.json"), description="Where to write the JSON report (docs/report-schema.md)."
    )
    summary_path: Path = Field(
        Path("okta-scim-ci-reports/summary.md"),
        description="Where to write the Markdown summary (also the job summary).",
    )
    driver: Literal["okta", "direct"] | None = Field(
        None,
        description="Who makes the lifecycle's changes: okta (your Okta org, through its API) or direct (no Okta: "
        "this tool sends the SCIM requests Okta's provisioning would send). Default: okta when any Okta setting "
        "is given, else direct.",
    )
    okta_update_method: Literal["patch", "put"] = Field(
        "patch",
        description="Driver direct: how Okta changes active on your app: patch (OIN catalog apps) or put "
        "(App Integration Wizard apps).",
    )
    suites: Annotated[tuple[Literal["crud", "spec"], ...], NoDecode] = Field(
        ("crud",),
        description="Suites to run, comma-separated: crud (the provisioning lifecycle), spec (Okta's SCIM SPEC test).",
    )
    strict: bool = Field(False, description="Suite spec: Optional tests fail the run too (else they only warn).")
    sandbox: bool = Field(
        False,
        description="Run against the embedded sandbox (Okta org emulator and reference SCIM server) instead of a "
        "real org; connection settings are then ignored. For trying the tool or the action.",
    )
    ca_bundle: Path | None = Field(None, description="PEM file of CA certificates to trust (private CAs, TLS proxies).")
    verify_tls: bool = Field(True, description="Verify TLS certificates. Turn off only for throwaway test servers.")
    allow_http: bool = Field(False, description="Allow plain http:// URLs to hosts other than loopback.")

    @field_validator("okta_org_url", "scim_url", mode="after")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"must be an http(s) URL with a host, got {value!r}")
        return value

    @field_validator("okta_org_url", mode="after")
    @classmethod
    def _org_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        host = parts.hostname or ""
        if "-admin." in host:
            raise ValueError(
                f"{value!r} is the Admin Console URL; use the org URL without '-admin' "
                f"(e.g. https://{host.replace('-admin.', '.')})"
            )
        if parts.path not in {"", "/"}:
            raise ValueError(f"must be the org URL only, without a path, got {value!r}")
        return value

    @field_validator("okta_app_id", mode="after")
    @classmethod
    def _app_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not value.isalnum():
            raise ValueError(
                "must be the app instance id (letters and digits, from the app's URL in the Admin Console), "
                f"got {value!r}"
            )
        return value

    @field_validator("okta_token", "scim_auth", "scim_token", mode="after")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        stripped = value.get_secret_value().strip()
        if any(ch in stripped for ch in "\r\n"):
            raise ValueError("must be a single line (it is sent as an HTTP header)")
        return SecretStr(stripped)

    @field_validator("test_user_domain", mode="after")
    @classmethod
    def _domain(cls, value: str) -> str:
        value = value.strip().lstrip("@")
        if not value or "." not in value or any(ch in value for ch in " @/\"'"):
            raise ValueError(f"must be a domain name like example.com, got {value!r}")
        return value

    @field_validator("app_user_profile", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f'must be a JSON object, e.g. \'{{"department": "QA"}}\' ({exc.msg})') from None
        if value is not None and not isinstance(value, dict):
            raise ValueError('must be a JSON object, e.g. \'{"department": "QA"}\'')
        return value

    @field_validator("suites", mode="before")
    @classmethod
    def _suite_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            if not value:
                raise ValueError("name at least one suite: crud, spec")
            return tuple(dict.fromkeys(value))
        return value

    @field_validator("ca_bundle", mode="after")
    @classmethod
    def _ca_bundle(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file {str(value)!r} does not exist; give the path of a PEM file of CA certificates")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems = []
        if self.scim_auth is not None and self.scim_token is not None:
            problems.append(f"{describe('scim_auth')} and {describe('scim_token')} are both set; keep one of them")
        for field in ("okta_org_url", "scim_url"):
            url = getattr(self, field)
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme == "http" and not self.allow_http and not _is_loopback(parts.hostname or ""):
                problems.append(
                    f"{describe(field)} uses plain http:// to a non-loopback host, which would send credentials "
                    f"in clear text; use https://, or set allow_http=true (ALLOW_HTTP) if you must"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # --- derived values -------------------------------------------------------------------------------

    @property
    def chosen_driver(self) -> Literal["okta", "direct"]:
        """The driver: as set, else okta when any Okta setting is given, else direct."""
        if self.driver is not None:
            return self.driver
        return "okta" if any((self.okta_org_url, self.okta_token, self.okta_app_id)) else "direct"

    def required(self) -> tuple[str, ...]:
        """The settings `run` needs for the chosen suites and driver."""
        if "crud" in self.suites and self.chosen_driver == "okta":
            return REQUIRED_FOR_RUN
        return ("scim_url",)

    @property
    def okta_authorization(self) -> str | None:
        """The Authorization header value for Okta, accepting a token pasted with its scheme."""
        if self.okta_token is None:
            return None
        token = self.okta_token.get_secret_value()
        scheme, _, rest = token.partition(" ")
        if rest and scheme.upper() in {"SSWS", "BEARER"}:
            return token
        return f"{self.okta_auth_scheme} {token}"

    @property
    def scim_authorization(self) -> str | None:
        """The Authorization header value for the SCIM server."""
        if self.scim_auth is not None:
            return self.scim_auth.get_secret_value()
        if self.scim_token is not None:
            return f"Bearer {self.scim_token.get_secret_value()}"
        return None

    @property
    def tls_verify(self) -> bool | str:
        """The value for requests' `verify`."""
        if not self.verify_tls:
            return False
        return str(self.ca_bundle) if self.ca_bundle else True

    def secret_values(self) -> list[str]:
        """Every credential in these settings, for the redactor and `::add-mask::`."""
        values = [self.okta_authorization, self.scim_authorization]
        for field in self.secret_fields:
            secret = getattr(self, field)
            if secret is not None:
                values.append(secret.get_secret_value())
        return [value for value in values if value]

    def public_view(self) -> dict[str, str]:
        """The settings without credentials, as strings, for report properties."""
        view = {}
        for name, value in self:
            if value is None or name in self.secret_fields:
                continue
            view[name] = json.dumps(value) if isinstance(value, dict) else str(default_text(value))
        view["driver"] = self.chosen_driver
        return view

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """CLI flags, then GitHub inputs (`INPUT_*`), then plain env, then `.env`, then secret files."""
        github_inputs = EnvSettingsSource(settings_cls, env_prefix="INPUT_", env_ignore_empty=True)
        return init_settings, github_inputs, env_settings, dotenv_settings, file_secret_settings


#: Settings that `okta-scim-ci run` needs.
REQUIRED_FOR_RUN = ("okta_org_url", "okta_token", "okta_app_id", "scim_url")


def _secrets_dir(environ: Mapping[str, str]) -> Path | None:
    configured = environ.get(SECRETS_DIR_ENV)
    if configured:
        path = Path(configured)
        if not path.is_dir():
            raise ConfigError(f"{SECRETS_DIR_ENV} points to {configured!r}, which is not a directory")
        return path
    return DEFAULT_SECRETS_DIR if DEFAULT_SECRETS_DIR.is_dir() else None


def _problem(field: str, message: str) -> str:
    if field in Settings.model_fields:
        return f"{describe(field)}: {message}"
    return message


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    *,
    required: tuple[str, ...] = (),
    env_file: Path | None = Path(".env"),
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Build the settings, or raise one `ConfigError` that lists every problem and how to fix it.

    `overrides` are CLI flag values (`None` means the flag was not given). `required` names settings that
    must end up with a value; the SCIM credential counts as one setting (scim_auth or scim_token).
    """
    given = {key: value for key, value in (overrides or {}).items() if value is not None and value != ""}
    problems: list[str] = []
    bad: dict[str, Any] = {}
    kwargs: dict[str, Any] = {"_env_file": env_file if env_file and env_file.is_file() else None}
    secrets_dir = _secrets_dir(environ)
    if secrets_dir is not None:
        kwargs["_secrets_dir"] = secrets_dir
    try:
        settings = Settings(**given, **kwargs)
    except ValidationError as exc:
        for error in exc.errors(include_input=False, include_url=False):
            field = str(error["loc"][0]) if error["loc"] else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(_problem(field, message))
            if field in Settings.model_fields:
                bad[field] = Settings.model_fields[field].default
        # Build again with the bad fields at their defaults, so missing ones are reported in the same message.
        try:
            settings = Settings(**{**given, **bad}, **kwargs)
        except (ValidationError, SettingsError):
            settings = None
    except SettingsError as exc:
        raise ConfigError(f"Could not read the settings: {exc}") from None
    if settings is not None:
        for field in required:
            if getattr(settings, field) is None and field not in bad:
                problems.append(f"{describe(field)} is required: {Settings.model_fields[field].description}")
        if "scim_url" in required and settings.scim_authorization is None:
            problems.append(
                f"{describe('scim_auth')} or {describe('scim_token')} is required: the credential Okta uses "
                "for your SCIM server"
            )
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        if settings is not None and required and settings.driver is None and settings.chosen_driver == "direct":
            listing += (
                "\n  (No Okta setting is given, so the crud suite would use driver direct, without an Okta org. "
                "To drive your Okta org, set okta_org_url, okta_token and okta_app_id too.)"
            )
        raise ConfigError(f"Invalid settings ({len(problems)} problem(s)):\n{listing}")
    assert settings is not None  # noqa: S101 - no problems means the second build succeeded
    return settings
