from __future__ import annotations

import pytest
import requests
import requests_mock

from okta_scim_ci.errors import OktaApiError, ResponseError, ScimApiError
from okta_scim_ci.http import HttpClient, Target
from okta_scim_ci.okta import OktaClient
from okta_scim_ci.redact import Redactor
from okta_scim_ci.scim import ScimClient

from .conftest import FakeClock

OKTA = "https://dev-1.okta.com"
SCIM = "https://scim.example.com/scim/v2"


def okta_client(clock: FakeClock) -> OktaClient:
    http = HttpClient(
        Target("Okta", "okta_org_url"),
        OKTA,
        "SSWS tok",
        redactor=Redactor(),
        clock=clock,
        sleep=clock.sleep,
    )
    return OktaClient(http)


def scim_client(clock: FakeClock, version: str = "2.0") -> ScimClient:
    http = HttpClient(
        Target("the SCIM server", "scim_url"),
        SCIM,
        "Bearer t",
        redactor=Redactor(),
        clock=clock,
        sleep=clock.sleep,
    )
    return ScimClient(http, version)


def test_okta_error_body_becomes_readable_message(clock: FakeClock) -> None:
    body = {
        "errorCode": "E0000075",
        "errorSummary": "Cannot modify the firstName attribute because it has a field mapping and "
        "profile push is enabled.",
        "errorCauses": [],
    }
    with requests_mock.Mocker() as mock:
        mock.post(
            f"{OKTA}/api/v1/apps/0oa1/users",
            status_code=403,
            json=body,
            headers={"X-Okta-Request-Id": "req1"},
        )
        with pytest.raises(OktaApiError) as caught:
            okta_client(clock).assign("0oa1", "00u1", "login@example.com", None)
    message = str(caught.value)
    assert "E0000075 Cannot modify the firstName attribute" in message
    assert "POST /api/v1/apps/0oa1/users answered 403" in message
    assert "req1" in message
    assert caught.value.code == "E0000075"


def test_okta_error_causes_are_listed(clock: FakeClock) -> None:
    body = {
        "errorCode": "E0000001",
        "errorSummary": "Api validation failed: login",
        "errorCauses": [{"errorSummary": "login: An object with this field already exists"}],
    }
    with requests_mock.Mocker() as mock:
        mock.post(f"{OKTA}/api/v1/users", status_code=400, json=body)
        with pytest.raises(
            OktaApiError,
            match="E0000001 Api validation failed: login: login: An object with this field already exists",
        ):
            okta_client(clock).create_user({"login": "a@b.c"}, "pw")


def test_okta_401_hint_names_token_setting(clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(
            f"{OKTA}/api/v1/apps/0oa1",
            status_code=401,
            json={"errorCode": "E0000011", "errorSummary": "Invalid token provided"},
        )
        with pytest.raises(OktaApiError, match="OKTA_TOKEN"):
            okta_client(clock).get_app("0oa1")


def test_okta_calls_use_documented_requests(clock: FakeClock) -> None:
    client = okta_client(clock)
    with requests_mock.Mocker() as mock:
        mock.post(f"{OKTA}/api/v1/users?activate=true", json={"id": "00u1"})
        mock.post(f"{OKTA}/api/v1/users/00u1", json={"id": "00u1"})
        mock.post(f"{OKTA}/api/v1/users/00u1/lifecycle/deactivate", json={})
        mock.post(f"{OKTA}/api/v1/users/00u1/lifecycle/activate?sendEmail=false", json={})
        mock.post(f"{OKTA}/api/v1/apps/0oa1/users", json={"id": "00u1"})
        mock.delete(f"{OKTA}/api/v1/apps/0oa1/users/00u1", status_code=204)
        mock.delete(f"{OKTA}/api/v1/users/00u1", [{"status_code": 204}, {"status_code": 204}])
        client.create_user({"login": "a@b.c"}, "pw-123")
        assert mock.last_request.json()["credentials"] == {"password": {"value": "pw-123"}}
        client.update_profile("00u1", {"firstName": "New"})
        assert mock.last_request.json() == {"profile": {"firstName": "New"}}
        client.deactivate_user("00u1")
        client.activate_user("00u1")
        assert mock.last_request.qs == {"sendemail": ["false"]}
        client.assign("0oa1", "00u1", "a@b.c", {"department": "QA"})
        assert mock.last_request.json() == {
            "id": "00u1",
            "scope": "USER",
            "credentials": {"userName": "a@b.c"},
            "profile": {"department": "QA"},
        }
        client.unassign("0oa1", "00u1")
        client.delete_user("00u1")
        assert [r.method for r in mock.request_history[-2:]] == ["DELETE", "DELETE"]
        assert all(r.headers["Authorization"] == "SSWS tok" for r in mock.request_history)


def test_lost_create_answer_finds_user_instead_of_creating_twice(clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        mock.post(f"{OKTA}/api/v1/users?activate=true", exc=requests.exceptions.ReadTimeout("read timed out"))
        mock.get(f"{OKTA}/api/v1/users", json=[{"id": "00uFOUND", "profile": {"login": "a@b.c"}}])
        user = okta_client(clock).create_user({"login": "a@b.c"}, "pw")
        assert user["id"] == "00uFOUND"
        assert sum(1 for r in mock.request_history if r.method == "POST") == 1
        assert 'profile.login eq "a@b.c"' in mock.last_request.qs["filter"][0]


def test_okta_list_follows_link_header(clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(
            f"{OKTA}/api/v1/users?limit=200",
            json=[{"id": "1"}],
            headers={"Link": f'<{OKTA}/api/v1/users?after=1>; rel="next"'},
        )
        mock.get(f"{OKTA}/api/v1/users?after=1", json=[{"id": "2"}])
        assert [u["id"] for u in okta_client(clock).list_users()] == ["1", "2"]


def test_scim_find_encodes_filter_and_accepts_empty_list(clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(f"{SCIM}/Users", json={"schemas": [], "totalResults": 0, "Resources": []})
        assert scim_client(clock).find_users("Mixed.Case@Example.com") == []
        assert "filter=userName%20eq%20%22Mixed.Case%40Example.com%22" in mock.last_request.url
        assert mock.last_request.headers["Accept"] == "application/scim+json"


def test_scim_find_accepts_404_as_not_found(clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(f"{SCIM}/Users", status_code=404, json={"detail": "User not found", "status": 404})
        assert scim_client(clock).find_users("a@b.c") == []


def test_scim_resources_must_be_a_list(clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(f"{SCIM}/Users", json={"totalResults": 1, "Resources": {"id": "1"}})
        with pytest.raises(ResponseError, match="'Resources' of type dict, not a list"):
            scim_client(clock).find_users("a@b.c")


def test_scim_2_and_1_1_error_shapes(clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(
            f"{SCIM}/Users/x",
            status_code=401,
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "detail": "Bad token",
                "status": "401",
            },
        )
        with pytest.raises(ScimApiError, match=r"answered 401 Bad token.*SCIM_AUTH"):
            scim_client(clock).get_user("x")
        mock.get(f"{SCIM}/Users/y", status_code=500, json={"Errors": [{"description": "db down", "code": 500}]})
        with pytest.raises(ScimApiError, match="answered 500 db down"):
            scim_client(clock, "1.1").get_user("y")


def test_scim_users_404_names_path_setting(clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        mock.get(f"{SCIM}/Users", status_code=405, text="")
        with pytest.raises(ScimApiError):
            scim_client(clock).find_users("a@b.c")
        mock.get(f"{SCIM}/Users/1", status_code=404, text="nope")
        with pytest.raises(ScimApiError, match="404 nope"):
            scim_client(clock).get_user("1")
