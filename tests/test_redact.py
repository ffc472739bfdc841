from __future__ import annotations

import base64
import json
from urllib.parse import quote

from okta_scim_ci.redact import MASK, Redactor


def test_redacts_plain_encoded_and_escaped_forms() -> None:
    secret = 's3cr&t/va+lue"x'
    redactor = Redactor([secret])
    for form in (
        secret,
        quote(secret, safe=""),
        base64.b64encode(secret.encode()).decode(),
        json.dumps(secret)[1:-1],
    ):
        assert redactor.text(f"before {form} after") == f"before {MASK} after"


def test_redacts_basic_credentials_and_their_parts() -> None:
    header = "Basic " + base64.b64encode(b"svc-user:pa55word!").decode()
    redactor = Redactor([header])
    assert "pa55word!" not in redactor.text("echo pa55word! back")
    assert "svc-user:pa55word!" not in redactor.text("creds svc-user:pa55word!")
    assert redactor.text(header) == MASK


def test_redacts_bearer_token_without_scheme() -> None:
    redactor = Redactor(["Bearer tok-123456"])
    assert redactor.text("token=tok-123456") == f"token={MASK}"


def test_sensitive_headers_always_masked() -> None:
    redactor = Redactor()
    assert redactor.headers({"Authorization": "anything", "Accept": "x"}) == {
        "Authorization": MASK,
        "Accept": "x",
    }


def test_ignores_empty_and_tiny_values() -> None:
    redactor = Redactor(["", None, "ab"])
    assert redactor.text("ab cd") == "ab cd"
