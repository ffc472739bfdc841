"""One exception root and its few children.

Every message is written for the person running the tool: it names the setting or the server involved
and says how to fix the problem. The CLI is the only place these become text on a terminal and an exit
code; everywhere else they are raised or turned into step results.
"""

from __future__ import annotations


class OktaScimCiError(Exception):
    """Root of every error this tool raises on purpose."""

    #: Whether trying the same thing again later may succeed (used by polling).
    transient: bool = False


class ConfigError(OktaScimCiError):
    """A setting is missing, malformed or inconsistent (exit code 2)."""


class ReportError(OktaScimCiError):
    """A report could not be written (e.g. an unwritable path)."""


class TransportError(OktaScimCiError):
    """The request never got a usable HTTP answer: DNS, refused connection, TLS, timeout, redirect, size cap."""

    def __init__(self, message: str, *, transient: bool = True, never_sent: bool = False) -> None:
        super().__init__(message)
        self.transient = transient
        #: The connection was never made, so even a POST may be sent again without creating anything twice.
        self.never_sent = never_sent


class ResponseError(OktaScimCiError):
    """The server answered, but not with something usable: bad JSON, wrong shape, wrong content."""


class ApiError(OktaScimCiError):
    """The server answered with an HTTP error status."""

    def __init__(self, message: str, *, status: int, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def transient(self) -> bool:  # type: ignore[override]
        """5xx and 429 may pass; 4xx will not."""
        return self.status >= 500 or self.status == 429


class OktaApiError(ApiError):
    """Okta's Management API answered with an error (`errorCode`, `errorSummary`)."""


class ScimApiError(ApiError):
    """The SCIM server answered with an error status."""


class RunCancelled(BaseException):
    """SIGINT or SIGTERM arrived: stop the steps, clean up, report what ran.

    A BaseException so that no step's error handling swallows it.
    """

    def __init__(self, signal_name: str, exit_code: int) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.exit_code = exit_code
