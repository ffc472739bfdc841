"""The reference SCIM server and the Okta org emulator, over HTTP, one behaviour at a time."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
import requests

from okta_scim_ci.sandbox import Sandbox
from okta_scim_ci.sandbox.httpd import JsonServer
from okta_scim_ci.sandbox.scim_server import ScimServer


@pytest.fixture
def scim() -> Iterator[tuple[str, ScimServer]]:
    app = ScimServer("2.0", basic=("svc", "pw-123"))
    with JsonServer(app) as server:
        yield server.url + app.base_path, app


def basic() -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(b"svc:pw-123").decode()}


def user(name: str) -> dict[str, object]:
    return {"userName": name, "name": {"givenName": "A", "familyName": "B"}, "active": True, "password": "x"}


def test_basic_auth_and_scim_401(scim: tuple[str, ScimServer]) -> None:
    url, _ = scim
    denied = requests.get(f"{url}/Users", headers={"Authorization": "Basic bm9wZTpub3Bl"}, timeout=5)
    assert denied.status_code == 401
    assert denied.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert requests.get(f"{url}/Users", headers=basic(), timeout=5).status_code == 200


def test_create_conflict_filter_pagination(scim: tuple[str, ScimServer]) -> None:
    url, app = scim
    for index in range(3):
        created = requests.post(f"{url}/Users", json=user(f"User{index}@Example.com"), headers=basic(), timeout=5)
        assert created.status_code == 201 and "password" not in created.json()
    assert requests.post(f"{url}/Users", json=user("user0@example.COM"), headers=basic(), timeout=5).status_code == 409
    found = requests.get(
        f"{url}/Users", params={"filter": 'userName eq "USER1@example.com"'}, headers=basic(), timeout=5
    )
    assert [u["userName"] for u in found.json()["Resources"]] == ["User1@Example.com"]  # case kept as sent
    page = requests.get(f"{url}/Users", params={"startIndex": 2, "count": 1}, headers=basic(), timeout=5).json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
    bad = requests.get(f"{url}/Users", params={"filter": "title pr"}, headers=basic(), timeout=5)
    assert bad.status_code == 400 and bad.json()["scimType"] == "invalidFilter"
    assert len(app.users) == 3


def test_patch_with_and_without_path_put_and_delete(scim: tuple[str, ScimServer]) -> None:
    url, _ = scim
    uid = requests.post(f"{url}/Users", json=user("p@example.com"), headers=basic(), timeout=5).json()["id"]
    op = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    no_path = {"schemas": [op], "Operations": [{"op": "replace", "value": {"active": False}}]}
    assert requests.patch(f"{url}/Users/{uid}", json=no_path, headers=basic(), timeout=5).json()["active"] is False
    with_path = {"schemas": [op], "Operations": [{"op": "replace", "path": "active", "value": True}]}
    assert requests.patch(f"{url}/Users/{uid}", json=with_path, headers=basic(), timeout=5).json()["active"] is True
    replaced = requests.put(
        f"{url}/Users/{uid}", json={**user("p@example.com"), "active": False}, headers=basic(), timeout=5
    )
    assert replaced.status_code == 200 and replaced.json()["id"] == uid
    assert requests.delete(f"{url}/Users/{uid}", headers=basic(), timeout=5).status_code == 204
    missing = requests.get(f"{url}/Users/{uid}", headers=basic(), timeout=5)
    assert missing.status_code == 404 and missing.json()["detail"]


def test_scim_1_1_shapes() -> None:
    app = ScimServer("1.1", token="t-123456")
    with JsonServer(app) as server:
        url = server.url + app.base_path
        auth = {"Authorization": "Bearer t-123456"}
        assert requests.get(f"{url}/Users", headers=auth, timeout=5).json()["schemas"] == ["urn:scim:schemas:core:1.0"]
        error = requests.get(f"{url}/Users/nope", headers=auth, timeout=5)
        assert error.status_code == 404 and error.json()["Errors"][0]["code"] == 404
        assert requests.get(f"{url}/ServiceProviderConfigs", headers=auth, timeout=5).status_code == 200


def test_okta_emulator_errors_in_okta_shape() -> None:
    with Sandbox() as box:
        auth = {"Authorization": f"SSWS {box.okta_token}"}
        base = f"{box.okta_url}/api/v1"
        assert requests.get(f"{base}/apps/{box.app_id}", timeout=5).json()["errorCode"] == "E0000011"
        body = {
            "profile": {"firstName": "A", "lastName": "B", "email": "a@b.co", "login": "a@b.co"},
            "credentials": {"password": {"value": "Pw-12345678"}},
        }
        created = requests.post(f"{base}/users?activate=true", json=body, headers=auth, timeout=5)
        assert created.status_code == 200 and created.json()["status"] == "ACTIVE"
        assert "X-Rate-Limit-Remaining" in created.headers
        duplicate = requests.post(f"{base}/users?activate=true", json=body, headers=auth, timeout=5)
        assert duplicate.status_code == 400 and duplicate.json()["errorCode"] == "E0000001"
        uid = created.json()["id"]
        again = requests.post(f"{base}/users/{uid}/lifecycle/activate", headers=auth, timeout=5)
        assert again.json()["errorCode"] == "E0000016"
        assign = {"id": uid, "scope": "USER", "credentials": {"userName": "a@b.co"}}
        assert requests.post(f"{base}/apps/{box.app_id}/users", json=assign, headers=auth, timeout=5).status_code == 200
        twice = requests.post(f"{base}/apps/{box.app_id}/users", json=assign, headers=auth, timeout=5)
        assert twice.json()["errorCode"] == "E0000062"
        requests.post(f"{base}/users/{uid}/lifecycle/deactivate", headers=auth, timeout=5)
        gone = requests.get(f"{base}/apps/{box.app_id}/users/{uid}", headers=auth, timeout=5)
        assert gone.json()["errorCode"] == "E0000007"  # deactivation removed the assignment
        inactive = requests.post(f"{base}/apps/{box.app_id}/users", json=assign, headers=auth, timeout=5)
        assert inactive.json()["errorCode"] == "E0000117"
        assert box.org is not None and box.org.idle()
        events = requests.get(
            f"{base}/logs", params={"filter": f'target.id eq "{uid}"'}, headers=auth, timeout=5
        ).json()
        assert [e["eventType"] for e in events] == [
            "application.provision.user.push",
            "application.provision.user.deactivate",
        ]


def test_emulator_provisions_into_an_external_scim_server() -> None:
    with Sandbox() as target, Sandbox(scim_url=target.scim_url, scim_auth=target.scim_auth) as emulator:
        assert emulator.scim is None and emulator.environment()["SCIM_URL"] == target.scim_url
        assert emulator.org is not None and target.scim is not None
        auth = {"Authorization": f"SSWS {emulator.okta_token}"}
        base = f"{emulator.okta_url}/api/v1"
        body = {
            "profile": {"firstName": "A", "lastName": "B", "email": "x@b.co", "login": "x@b.co"},
            "credentials": {"password": {"value": "Pw-12345678"}},
        }
        uid = requests.post(f"{base}/users", json=body, headers=auth, timeout=5).json()["id"]
        assign = {"id": uid, "scope": "USER", "credentials": {"userName": "x@b.co"}}
        requests.post(f"{base}/apps/{emulator.app_id}/users", json=assign, headers=auth, timeout=5)
        assert emulator.org.idle()
        assert [u["userName"] for u in target.scim.users.values()] == ["x@b.co"]
