"""The one HTTP session factory: timeouts, TLS, retries and rate limits, size cap, redirects, transcripts.

Retrying is our own loop around `Session.request` (not urllib3's `Retry`) so that clock and sleep can be
injected and tests never wait. Policy:

* 429 from any server, any method (the request was refused, not processed): wait until Okta's
  `X-Rate-Limit-Reset` (measured against the answer's `Date`, to survive clock skew) or `Retry-After`,
  capped, then send again.
* 502/503/504 and lost connections: exponential backoff with jitter, for idempotent methods only; a POST
  is re-sent only when the connection was never made, so nothing is created twice.
* Every request has an attempt limit and a time budget.

Redirects are never followed: credentials must not travel to another host.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests

from . import __version__
from .errors import TransportError
from .redact import Redactor
from .results import Exchange
from .settings import describe

log = logging.getLogger(__name__)

USER_AGENT = f"okta-scim-ci/{__version__} (+https://github.com/okta-scim-ci/okta-scim-ci)"
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})
TRANSCRIPT_BODY_LIMIT = 4000
DEFAULT_MAX_BODY = 5 * 1024 * 1024


@dataclass(frozen=True)
class Target:
    """Who we talk to, in the words an error message needs."""

    name: str
    """E.g. `Okta` or `the SCIM server`."""
    url_setting: str
    """The setting that holds its URL, e.g. `scim_url`."""


OKTA = Target("Okta", "okta_org_url")
SCIM = Target("the SCIM server", "scim_url")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request."""

    attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    max_wait: float = 60.0
    """Cap on one wait for a rate-limit reset."""
    budget: float = 180.0
    """Total seconds one request may spend waiting between attempts."""


@dataclass
class Transcript:
    """Collects the exchanges of the current step; the suite takes them after each step."""

    exchanges: list[Exchange] = field(default_factory=list)

    def record(self, exchange: Exchange) -> None:
        """Add one exchange."""
        self.exchanges.append(exchange)

    def take(self) -> list[Exchange]:
        """Return what was recorded since the last call, and forget it."""
        taken, self.exchanges = self.exchanges, []
        return taken


@dataclass(frozen=True)
class Response:
    """An HTTP answer, read whole (within the size cap)."""

    target: Target
    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    def where(self) -> str:
        """`GET /scim/v2/Users` — the request, for messages."""
        parts = urlsplit(self.url)
        return f"{self.method} {parts.path}"

    def json(self) -> Any:
        """The parsed JSON body, or a `ResponseError` that says what came instead."""
        from .errors import ResponseError

        if not self.body.strip():
            raise ResponseError(f"{self.target.name} answered {self.where()} with {self.status} and an empty body")
        try:
            return json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            if self.content_type == "text/html" or self.text.lstrip().lower().startswith(("<!doctype", "<html")):
                what = "an HTML page (an error page from a proxy or web server?)"
            else:
                what = f"invalid JSON ({exc})"
            raise ResponseError(
                f"{self.target.name} answered {self.where()} with {self.status} and {what}; "
                f"body starts: {_snippet(self.text)}"
            ) from None


def _snippet(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return repr(flat[:limit] + ("…" if len(flat) > limit else ""))


def _truncate(text: str, limit: int = TRANSCRIPT_BODY_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def _parse_http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait before retrying a 429, from Okta's or a standard server's headers; None if unknown.

    Okta: `X-Rate-Limit-Reset` is the reset time in epoch seconds; measuring it against the answer's `Date`
    cancels clock skew between us and Okta. Others: `Retry-After` in seconds or as an HTTP date.
    """
    resets = []
    for value in headers.get("X-Rate-Limit-Reset", "").split(","):
        try:
            resets.append(float(value.strip()))
        except ValueError:
            continue
    if resets:
        server_now = _parse_http_date(headers.get("Date"))
        reference = server_now if server_now is not None else now
        return max(0.0, min(resets) - reference) + 1.0
    retry_after = headers.get("Retry-After")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            moment = _parse_http_date(retry_after)
            if moment is not None:
                return max(0.0, moment - now)
    return None


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection was never made, so even a POST may be sent again safely."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, requests.exceptions.ReadTimeout | requests.exceptions.ChunkedEncodingError
    ):
        text = str(exc)
        return "NewConnectionError" in text or "NameResolutionError" in text or "Connection refused" in text
    return False


class HttpClient:
    """Talks to one server: base URL, Authorization header, timeouts, TLS, retries, transcript.

    Clients built on it never print; what happened is in the transcript and in the errors they raise.
    """

    def __init__(
        self,
        target: Target,
        base_url: str,
        authorization: str | None,
        *,
        redactor: Redactor,
        timeout: float = 30.0,
        verify: bool | str = True,
        transcript: Transcript | None = None,
        user_agent: str = USER_AGENT,
        accept: str = "application/json",
        retry: RetryPolicy | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        session: requests.Session | None = None,
    ) -> None:
        self.target = target
        self.base_url = base_url.rstrip("/")
        self.redactor = redactor
        self.timeout = timeout
        self.transcript = transcript
        self.retry = retry or RetryPolicy()
        self.max_body = max_body
        self.clock = clock
        self.wall = wall
        self.sleep = sleep
        self.jitter = jitter
        self.requests_made = 0
        #: Clock time after which no retry wait starts (a polling step sets it to its own deadline).
        self.deadline: float | None = None
        self.session = session or requests.Session()
        # Passed with every request: requests lets REQUESTS_CA_BUNDLE override a session-level `verify`.
        self.verify = verify
        self.session.headers.update({"User-Agent": user_agent, "Accept": accept})
        if authorization:
            redactor.add(authorization)
            self.session.headers["Authorization"] = authorization

    def close(self) -> None:
        """Close the connection pool."""
        self.session.close()

    def url(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        """The absolute URL for `path`, with `params` percent-encoded the way Okta encodes them (%20)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params, quote_via=quote)}"
        return url

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one request (retrying as the policy allows) and return the answer, whatever its status.

        Raises `TransportError` when no usable answer came; HTTP error statuses are the caller's to judge.
        """
        url = self.url(path, params)
        body = None if json_body is None else json.dumps(json_body).encode("utf-8")
        send_headers = dict(headers or {})
        if body is not None:
            send_headers.setdefault("Content-Type", "application/json")
        elif method in {"POST", "PUT", "PATCH"}:
            # Okta answers 411 to a POST without Content-Length.
            send_headers["Content-Length"] = "0"
        started = self.clock()
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._send(method, url, body, send_headers)
            except TransportError as exc:
                delay = self._backoff(attempt)
                retryable = exc.transient and (method in IDEMPOTENT or exc.never_sent)
                if not retryable or not self._may_wait(attempt, waited, delay):
                    raise
                self._note_retry(method, url, str(exc), delay, attempt)
            else:
                if response.status == 429:
                    told = rate_limit_wait(response.headers, self.wall())
                    delay = min(self.retry.max_wait, told if told is not None else self._backoff(attempt))
                elif response.status in RETRY_STATUSES and method in IDEMPOTENT:
                    delay = self._backoff(attempt)
                else:
                    return response
                if not self._may_wait(attempt, waited, delay):
                    return response
                self._note_retry(method, url, f"HTTP {response.status}", delay, attempt)
            self.sleep(delay)
            waited += delay
            log.debug("%s %s: attempt %d after %.1fs", method, url, attempt + 1, self.clock() - started)

    def _may_wait(self, attempt: int, waited: float, delay: float) -> bool:
        if self.deadline is not None and self.clock() + delay > self.deadline:
            return False
        return attempt < self.retry.attempts and waited + delay <= self.retry.budget

    def _backoff(self, attempt: int) -> float:
        base = min(self.retry.backoff_max, self.retry.backoff_initial * 2 ** (attempt - 1))
        return float(base * (0.5 + self.jitter() / 2))

    def _note_retry(self, method: str, url: str, why: str, delay: float, attempt: int) -> None:
        message = (
            f"retrying {method} {url} in {delay:.1f}s after {why} (attempt {attempt + 1} of {self.retry.attempts})"
        )
        log.info("%s", self.redactor.text(message))
        if self.transcript is not None:
            self.transcript.record(
                Exchange(method, self.redactor.text(url), None, 0.0, note=self.redactor.text(message))
            )

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Response:
        started = self.clock()
        self.requests_made += 1
        try:
            raw = self.session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
                verify=self.verify,
            )
        except requests.RequestException as exc:
            error = self._transport_error(method, url, exc)
            self._record(method, url, body, headers, None, started, note=str(error))
            raise error from None
        with raw:
            content = self._read_capped(method, url, raw)
            response = Response(self.target, method, url, raw.status_code, raw.headers, content)
        note = ""
        if 300 <= raw.status_code < 400:
            location = raw.headers.get("Location", "(no Location header)")
            note = (
                f"{self.target.name} answered {method} {urlsplit(url).path} with {raw.status_code}, a redirect to "
                f"{location}. Redirects are not followed, so that credentials are never sent to another host: "
                f"set {describe(self.target.url_setting)} to the URL the server redirects to."
            )
        self._record(method, url, body, headers, response, started, note=note)
        if note:
            raise TransportError(self.redactor.text(note), transient=False)
        return response

    def _read_capped(self, method: str, url: str, raw: requests.Response) -> bytes:
        declared = raw.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise self._too_big(method, url, f"declares {int(declared):,} bytes")
        chunks = []
        size = 0
        try:
            for chunk in raw.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.max_body:
                    raise self._too_big(method, url, "kept sending")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise self._transport_error(method, url, exc) from None
        return b"".join(chunks)

    def _too_big(self, method: str, url: str, how: str) -> TransportError:
        return TransportError(
            f"{self.target.name} answered {method} {urlsplit(url).path} with a body that {how}, more than the "
            f"{self.max_body:,}-byte cap; reading stopped. A user resource should be a few kilobytes: check the "
            f"endpoint at {describe(self.target.url_setting)}.",
            transient=False,
        )

    def _transport_error(self, method: str, url: str, exc: requests.RequestException) -> TransportError:
        parts = urlsplit(url)
        where = f"{self.target.name} at {parts.scheme}://{parts.netloc}"
        fix_url = f"check {describe(self.target.url_setting)}"
        text = str(exc)
        transient = True
        if isinstance(exc, requests.exceptions.SSLError):
            transient = False
            message = (
                f"TLS verification failed for {where}: {_ssl_reason(text)}. If the server uses a private CA or your "
                f"network a TLS-inspecting proxy, set {describe('ca_bundle')} to a PEM file with that CA; "
                f"{describe('verify_tls')}=false turns verification off for throwaway test servers only."
            )
        elif isinstance(exc, requests.exceptions.ConnectTimeout):
            message = (
                f"Could not connect to {where} within {self.timeout:g}s; {fix_url} and that the host is reachable."
            )
        elif isinstance(exc, requests.exceptions.ReadTimeout):
            message = (
                f"{self.target.name} did not answer {method} {parts.path} within {self.timeout:g}s; raise "
                f"{describe('http_timeout')} if the server is slow, or check its health."
            )
        elif "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
            transient = False
            message = f"Could not resolve the host name {parts.hostname!r} of {self.target.name}; {fix_url}."
        elif isinstance(exc, requests.exceptions.ConnectionError) and _never_sent(exc):
            message = f"Could not connect to {where} (connection refused); {fix_url} and that the server is running."
        elif isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
            message = f"The connection to {where} broke while reading the answer to {method} {parts.path}."
        elif isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.InvalidSchema):
            transient = False
            message = f"The URL {url!r} for {self.target.name} is not valid; {fix_url}."
        else:
            message = f"Request {method} {parts.path} to {where} failed: {type(exc).__name__}: {_short(text)}."
        return TransportError(self.redactor.text(message), transient=transient, never_sent=_never_sent(exc))

    def _record(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        response: Response | None,
        started: float,
        note: str = "",
    ) -> None:
        if self.transcript is None:
            return
        redact = self.redactor.text
        sent = {**{k: str(v) for k, v in self.session.headers.items()}, **headers}
        self.transcript.record(
            Exchange(
                method=method,
                url=redact(url),
                status=response.status if response else None,
                elapsed=self.clock() - started,
                request_headers=self.redactor.headers(sent),
                request_body=_truncate(redact(body.decode("utf-8", errors="replace"))) if body else "",
                response_headers=self.redactor.headers(dict(response.headers)) if response else {},
                response_body=_truncate(redact(response.text)) if response else "",
                note=redact(note),
            )
        )


def _ssl_reason(text: str) -> str:
    for marker in ("CERTIFICATE_VERIFY_FAILED", "WRONG_VERSION_NUMBER", "hostname mismatch", "certificate"):
        index = text.find(marker)
        if index >= 0:
            return _short(text[index:], 160)
    return _short(text, 160)


def _short(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")
