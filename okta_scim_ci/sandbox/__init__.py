"""The embedded sandbox: an Okta org emulator and a reference SCIM server on loopback.

with Sandbox(latency=0.2) as sandbox:
    env = sandbox.environment()   # OKTA_ORG_URL, OKTA_TOKEN, OKTA_APP_ID, SCIM_URL, SCIM_AUTH
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..faults import FAULTS
from ..http import SCIM, HttpClient
from ..provisioner import USER_AGENT, Provisioner, UpdateMethod
from ..redact import Redactor
from ..scim import ACCEPT, ScimClient
from .httpd import JsonServer
from .okta_org import DEFAULT_FEATURES, OktaOrg
from .scim_server import ScimServer

__all__ = ["FAULTS", "OktaOrg", "Sandbox", "ScimServer"]


@dataclass
class Sandbox:
    """Both servers, started together; a context manager. Credentials are fresh random values each time.

    With `scim_url` and `scim_auth` given, only the Okta org emulator starts, and it provisions into that
    (external) SCIM server instead.
    """

    scim_version: str = "2.0"
    latency: float = 0.0
    jitter: float = 0.0
    faults: Iterable[str] = ()
    rate_limit: int | None = None
    rate_window: float = 60.0
    update_method: UpdateMethod = "patch"
    features: Iterable[str] | None = None
    scim_url: str | None = None
    scim_auth: str | None = None
    scim_verify: bool | str = True
    """TLS verification for the emulator's pushes to an external SCIM server (True, False or a CA file)."""
    okta_token: str = field(default_factory=lambda: "00" + secrets.token_urlsafe(30))
    scim_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    def __post_init__(self) -> None:
        self.faults = tuple(self.faults)
        self.scim: ScimServer | None = None
        self._servers: list[JsonServer] = []
        self.org: OktaOrg | None = None
        self.okta_url = ""

    def start(self) -> Sandbox:
        """Start the servers on free loopback ports."""
        if self.scim_url is None:
            self.scim = ScimServer(self.scim_version, token=self.scim_token, faults=self.faults)
            scim_http = JsonServer(self.scim).start()
            self._servers.append(scim_http)
            self.scim_url = scim_http.url + self.scim.base_path
            self.scim_auth = f"Bearer {self.scim_token}"
        elif self.faults:
            raise ValueError("faults apply to the sandbox's own SCIM server, not to an external one")
        push_http = HttpClient(
            SCIM,
            self.scim_url,
            self.scim_auth,
            redactor=Redactor(),
            user_agent=USER_AGENT,
            accept=ACCEPT[self.scim_version],
            timeout=60.0,
            verify=self.scim_verify,
        )
        provisioner = Provisioner(ScimClient(push_http, self.scim_version), self.update_method)
        self.org = OktaOrg(
            provisioner,
            token=self.okta_token,
            latency=self.latency,
            jitter=self.jitter,
            rate_limit=self.rate_limit,
            rate_window=self.rate_window,
            features=DEFAULT_FEATURES if self.features is None else self.features,
            reflect_credentials="reflect-credentials" in self.faults,
        )
        okta_http = JsonServer(self.org).start()
        self._servers.append(okta_http)
        self.okta_url = okta_http.url
        return self

    def stop(self) -> None:
        """Stop everything."""
        if self.org is not None:
            self.org.close()
        for server in self._servers:
            server.stop()
        self._servers.clear()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def app_id(self) -> str:
        """The emulated SCIM app's id."""
        assert self.org is not None, "start the sandbox first"  # noqa: S101
        return self.org.app_id

    def environment(self) -> dict[str, str]:
        """The settings that point a run at this sandbox, as environment variables."""
        assert self.scim_url and self.scim_auth  # noqa: S101 - set by start()
        return {
            "OKTA_ORG_URL": self.okta_url,
            "OKTA_TOKEN": self.okta_token,
            "OKTA_APP_ID": self.app_id,
            "SCIM_URL": self.scim_url,
            "SCIM_AUTH": self.scim_auth,
            "SCIM_VERSION": self.scim_version,
        }
