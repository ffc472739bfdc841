"""Known secrets -> masked, in text, headers and bodies.

Every output of the tool (console, logs, JUnit, summary, JSON, GitHub outputs and annotations, error
messages) passes through one `Redactor`. It knows each secret in the forms a server may echo it back in:
as is, URL-encoded, base64, JSON- and XML-escaped, and for `Basic` credentials the user:password pair and
the password alone.
"""

from __future__ import annotations

import base64
import html
import json
import threading
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

MASK = "***"

# Header names whose values are always masked, whatever they hold.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})

# Shorter values would mask ordinary words; every real credential is longer.
_MIN_SECRET_LENGTH = 4


def credential_parts(secret: str) -> set[str]:
    """The secret and what it carries: an Authorization value without its scheme, Basic's user:password and password."""
    parts = {secret}
    scheme, _, credential = secret.partition(" ")
    if credential and scheme.lower() in {"bearer", "ssws", "basic", "token"}:
        parts.add(credential)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credential, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            if decoded:
                parts.add(decoded)
                _user, _, password = decoded.partition(":")
                if password:
                    parts.add(password)
    return parts


def _variants(secret: str) -> set[str]:
    """Every form in which a server or a report may carry `secret`."""
    forms = credential_parts(secret)
    for form in list(forms):
        raw = form.encode("utf-8")
        forms.update(
            {
                quote(form, safe=""),
                quote_plus(form, safe=""),
                base64.b64encode(raw).decode("ascii"),
                base64.urlsafe_b64encode(raw).decode("ascii"),
                base64.b64encode(raw).decode("ascii").rstrip("="),
                json.dumps(form)[1:-1],
                html.escape(form),
                html.escape(form, quote=False),
            }
        )
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}


class Redactor:
    """Replaces every known secret, in every known encoding, by `***`.

    Thread-safe: the sandbox and the suite may add secrets while reporters read.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._forms: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember `secret` (and its encodings) from now on; empty values are ignored."""
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            return
        with self._lock:
            if secret in self._secrets:
                return
            self._secrets.add(secret)
            forms = set(self._forms) | _variants(secret)
            # Longest first, so that a secret containing another is masked whole.
            self._forms = sorted(forms, key=len, reverse=True)

    @property
    def secrets(self) -> frozenset[str]:
        """The secrets as added (not their variants), e.g. for GitHub's `::add-mask::`."""
        with self._lock:
            return frozenset(self._secrets)

    def text(self, value: str) -> str:
        """`value` with every secret form replaced by the mask."""
        forms = self._forms
        for form in forms:
            if form in value:
                value = value.replace(form, MASK)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy of `headers` with sensitive headers masked and secrets removed from the others."""
        return {
            name: MASK if name.lower() in SENSITIVE_HEADERS else self.text(value) for name, value in headers.items()
        }
