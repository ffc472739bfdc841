from __future__ import annotations

import email.utils

import pytest
import requests
import requests_mock

from okta_scim_ci.errors import TransportError
from okta_scim_ci.http import HttpClient, RetryPolicy, Target, Transcript, rate_limit_wait
from okta_scim_ci.redact import Redactor

from .conftest import FakeClock

BASE = "https://scim.example.com/scim/v2"
TARGET = Target("the SCIM server", "scim_url")


def make(clock: FakeClock, **kwargs: object) -> tuple[HttpClient, Transcript]:
    transcript = Transcript()
    client = HttpClient(
        TARGET,
        BASE,
        "Bearer very-secret-token",
        redactor=Redactor(),
        transcript=transcript,
        clock=clock,
        wall=clock,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
        **kwargs,  # type: ignore[arg-type]
    )
    return client, transcript


def test_okta_429_waits_until_reset_measured_against_date(clock: FakeClock) -> None:
    client, _ = make(clock)
    server_now = 1_700_000_000
    headers = {
        "X-Rate-Limit-Reset": str(server_now + 7),
        "Date": email.utils.formatdate(server_now, usegmt=True),
    }
    with requests_mock.Mocker() as mock:
        mock.get(
            f"{BASE}/Users",
            [{"status_code": 429, "headers": headers, "json": {}}, {"json": {"Resources": []}}],
        )
        response = client.request("GET", "/Users")
    assert response.status == 200
    # Our own clock (1000) is far from Okta's: the Date header cancels the skew. +1 s as Okta's SDK does.
    assert clock.sleeps == [8.0]


def test_429_wait_is_capped(clock: FakeClock) -> None:
    client, _ = make(clock, retry=RetryPolicy(max_wait=5))
    headers = {"X-Rate-Limit-Reset": str(int(clock.now) + 3600)}
    with requests_mock.Mocker() as mock:
        mock.post(f"{BASE}/Users", [{"status_code": 429, "headers": headers}, {"status_code": 201, "json": {}}])
        assert client.request("POST", "/Users", json_body={}).status == 201
    assert clock.sleeps == [5]


def test_scim_429_honours_retry_after(clock: FakeClock) -> None:
    client, transcript = make(clock)
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users/1", [{"status_code": 429, "headers": {"Retry-After": "3"}}, {"json": {"id": "1"}}])
        assert client.request("GET", "/Users/1").status == 200
    assert clock.sleeps == [3.0]
    assert any("retrying GET" in e.note and "HTTP 429" in e.note for e in transcript.take())


def test_503_retried_with_backoff_for_get(clock: FakeClock) -> None:
    client, _ = make(clock)
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users/1", [{"status_code": 503}, {"status_code": 503}, {"json": {"id": "1"}}])
        assert client.request("GET", "/Users/1").status == 200
        assert mock.call_count == 3
    assert clock.sleeps == [0.5, 1.0]


def test_503_not_retried_for_post(clock: FakeClock) -> None:
    client, _ = make(clock)
    with requests_mock.Mocker() as mock:
        mock.post(f"{BASE}/Users", status_code=503)
        assert client.request("POST", "/Users", json_body={}).status == 503
        assert mock.call_count == 1


def test_attempts_are_bounded(clock: FakeClock) -> None:
    client, _ = make(clock, retry=RetryPolicy(attempts=3))
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users", status_code=502)
        assert client.request("GET", "/Users").status == 502
        assert mock.call_count == 3


def test_connection_refused_message_names_setting(clock: FakeClock) -> None:
    client, _ = make(clock, retry=RetryPolicy(attempts=1))
    error = requests.exceptions.ConnectionError("NewConnectionError: [Errno 111] Connection refused")
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users", exc=error)
        with pytest.raises(TransportError) as caught:
            client.request("GET", "/Users")
    assert "connection refused" in str(caught.value)
    assert "scim_url (SCIM_URL or --scim-url)" in str(caught.value)


def test_tls_failure_mentions_ca_bundle(clock: FakeClock) -> None:
    client, _ = make(clock)
    error = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users", exc=error)
        with pytest.raises(TransportError) as caught:
            client.request("GET", "/Users")
        assert mock.call_count == 1  # not retried: it will not fix itself
    assert "CA_BUNDLE" in str(caught.value) and "CERTIFICATE_VERIFY_FAILED" in str(caught.value)


def test_read_timeout_mentions_http_timeout(clock: FakeClock) -> None:
    client, _ = make(clock, retry=RetryPolicy(attempts=1))
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users", exc=requests.exceptions.ReadTimeout("read timed out"))
        with pytest.raises(TransportError, match="HTTP_TIMEOUT"):
            client.request("GET", "/Users")


def test_redirects_are_not_followed(clock: FakeClock) -> None:
    client, _ = make(clock)
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users", status_code=302, headers={"Location": "https://elsewhere.example/login"})
        mock.get("https://elsewhere.example/login", text="should not be reached")
        with pytest.raises(TransportError) as caught:
            client.request("GET", "/Users")
        assert mock.call_count == 1
    assert "credentials are never sent to another host" in str(caught.value)
    assert "elsewhere.example" in str(caught.value)


def test_body_over_cap_is_cut(clock: FakeClock) -> None:
    client, _ = make(clock, max_body=1000)
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users", content=b"x" * 5000)
        with pytest.raises(TransportError, match="1,000-byte cap"):
            client.request("GET", "/Users")


def test_transcript_is_redacted_even_when_server_echoes_secret(clock: FakeClock) -> None:
    client, transcript = make(clock)
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users", status_code=401, json={"detail": "bad token very-secret-token"})
        client.request("GET", "/Users", params={"filter": 'userName eq "a b"'})
    [exchange] = transcript.take()
    text = exchange.render()
    assert "very-secret-token" not in text
    assert "Authorization: ***" in text
    assert "filter=userName%20eq%20%22a%20b%22" in exchange.url


def test_post_without_body_sends_content_length_zero(clock: FakeClock) -> None:
    client, _ = make(clock)
    with requests_mock.Mocker() as mock:
        mock.post(f"{BASE}/x", json={})
        client.request("POST", "/x")
        assert mock.last_request.headers["Content-Length"] == "0"


def test_html_error_page_is_explained(clock: FakeClock) -> None:
    from okta_scim_ci.errors import ResponseError

    client, _ = make(clock)
    with requests_mock.Mocker() as mock:
        mock.get(
            f"{BASE}/Users",
            text="<html><body>502 Bad Gateway</body></html>",
            headers={"Content-Type": "text/html"},
        )
        response = client.request("GET", "/Users")
    with pytest.raises(ResponseError, match="HTML page"):
        response.json()


def test_rate_limit_wait_without_headers_is_unknown() -> None:
    assert rate_limit_wait({}, 0) is None
    assert rate_limit_wait({"Retry-After": "soon"}, 0) is None


def test_empty_and_invalid_json_are_explained(clock: FakeClock) -> None:
    from okta_scim_ci.errors import ResponseError

    client, _ = make(clock)
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users", [{"text": ""}, {"text": '{"Resources": ['}])
        empty = client.request("GET", "/Users")
        broken = client.request("GET", "/Users")
    with pytest.raises(ResponseError, match="with 200 and an empty body"):
        empty.json()
    with pytest.raises(ResponseError, match=r"invalid JSON .*body starts: '\{\"Resources\": \['"):
        broken.json()


def test_secrets_echoed_in_retry_logs_are_masked(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    client, _ = make(clock)
    caplog.set_level("INFO", logger="okta_scim_ci.http")
    with requests_mock.Mocker() as mock:
        mock.get(f"{BASE}/Users?token=very-secret-token", [{"status_code": 503}, {"json": {}}])
        client.request("GET", "/Users?token=very-secret-token")
    assert "retrying GET" in caplog.text and "very-secret-token" not in caplog.text
