"""A reference SCIM server (2.0 and 1.1 Users, in memory): what Okta needs from yours, and nothing more.

Read it to learn what Okta's provisioning expects:

* `GET /Users?filter=userName eq "..."` must find users case-insensitively (RFC 7643 §2.2: userName is
  not case-sensitive) and answer "not found" as a 200 ListResponse with `totalResults: 0`.
* `POST /Users` answers 201 with the stored user and its `id`; a second user with the same userName gets
  409 (Okta then looks the user up and links to it). The password Okta always sends is not stored.
* `userName` is echoed exactly as sent: Okta's suite compares it case-sensitively.
* `PUT /Users/{id}` replaces the user; `PATCH` supports `replace` of `active` with and without `path`.
* `active` is a JSON boolean; Okta never DELETEs, it sets `active: false`.

Fault switches make it misbehave in the ways real servers do, so a user can see what a failure looks like.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from ..faults import FAULTS
from ..scim import SCIM11_CORE, SCIM20_ERROR, SCIM20_LIST, SCIM20_PATCH, SCIM20_USER
from .httpd import Reply, Request

_FILTER = re.compile(r'^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class ScimServer:
    """The SCIM application: call it with a `Request`, get a `Reply`. Thread-safe."""

    def __init__(
        self,
        version: str = "2.0",
        *,
        token: str | None = None,
        basic: tuple[str, str] | None = None,
        faults: Iterable[str] = (),
    ) -> None:
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown SCIM fault(s): {', '.join(sorted(unknown))}")
        self.version = version
        self.base_path = "/scim/v2" if version == "2.0" else "/scim/v1"
        self.token = token
        self.basic = basic
        self.faults = frozenset(faults)
        self.users: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        #: `time.monotonic()` of every stored change, so benchmarks can tell when a push landed.
        self.write_times: list[float] = []
        self._lock = threading.Lock()

    # --- plumbing -----------------------------------------------------------------------------------

    @property
    def content_type(self) -> str:
        """`application/scim+json` for 2.0 (RFC 7644 §3.1), `application/json` for 1.1."""
        return "application/scim+json" if self.version == "2.0" else "application/json"

    def error(self, status: int, detail: str, scim_type: str | None = None, request: Request | None = None) -> Reply:
        """A SCIM error answer in this version's shape."""
        if "reflect-credentials" in self.faults and request is not None:
            sent = request.header("authorization")
            encoded = base64.b64encode(sent.encode()).decode()
            detail += f" (you sent Authorization: {sent}; base64 {encoded}; url {quote(sent, safe='')})"
        if self.version == "2.0":
            body: dict[str, Any] = {"schemas": [SCIM20_ERROR], "status": str(status), "detail": detail}
            if scim_type:
                body["scimType"] = scim_type
        else:
            body = {"Errors": [{"description": detail, "code": status}]}
        return self._reply(status, body)

    def _authorized(self, request: Request) -> bool:
        header = request.header("authorization")
        if self.token and header == f"Bearer {self.token}":
            return True
        if self.basic:
            expected = base64.b64encode(f"{self.basic[0]}:{self.basic[1]}".encode()).decode()
            return header == f"Basic {expected}"
        return not self.token

    def __call__(self, request: Request) -> Reply:
        """Route one request."""
        with self._lock:
            self.requests.append((request.method, request.path))
        if not request.path.startswith(self.base_path):
            return self.error(404, f"no such endpoint; the SCIM base path is {self.base_path}")
        path = request.path[len(self.base_path) :].rstrip("/")
        if not self._authorized(request):
            return self.error(401, "Authorization failed: missing or invalid credentials", request=request)
        if request.method == "GET" and not request.header("user-agent").startswith("Okta SCIM Client"):
            broken = self._broken_read(request, path)
            if broken is not None:
                return broken
        discovery = {
            "/ServiceProviderConfig": self.service_provider_config,
            "/ServiceProviderConfigs": self.service_provider_config,
            "/ResourceTypes": self.resource_types,
            "/Schemas": self.schemas,
        }
        if path in discovery:
            if request.method != "GET":
                return self.error(405, f"{request.path} is read-only")
            return self._reply(200, discovery[path]())
        if path == "/Groups" and request.method == "GET":
            return self._reply(200, self._list([GROUP], 1))
        if path == "/Users":
            if request.method == "GET":
                return self.list_users(request)
            if request.method == "POST":
                return self.create_user(request)
        match = re.fullmatch(r"/Users/([^/]+)", path)
        if match:
            handler = {
                "GET": self.get_user,
                "PUT": self.replace_user,
                "PATCH": self.patch_user,
                "DELETE": self.delete_user,
            }.get(request.method)
            if handler:
                return handler(request, match.group(1))
        if path in ("/Users", "/Groups") or match:
            return self.error(405, f"{request.method} is not supported on {request.path}")
        return self.error(404, f"no such endpoint: {request.path}")

    def _broken_read(self, request: Request, path: str) -> Reply | None:
        """The "reads" faults: what a broken server or proxy answers to a check's GET."""
        faults = self.faults
        if "slow-reads" in faults:
            time.sleep(3)
        if "html-errors" in faults:
            page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            return Reply(502, raw=page, content_type="text/html")
        if "invalid-json" in faults:
            return Reply(
                200,
                raw=b'{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Resources": [',
                content_type=self.content_type,
            )
        if "redirect" in faults:
            return Reply(302, headers={"Location": f"https://login.example.net{request.path}"})
        if path != "/Users":
            return None
        if "huge-body" in faults:
            filler = json.dumps({"schemas": [SCIM20_LIST], "totalResults": 0, "Resources": [], "pad": "x" * 6_300_000})
            return Reply(200, raw=filler.encode(), content_type=self.content_type)
        if "resources-not-list" in faults:
            return self._reply(200, {"schemas": [SCIM20_LIST], "totalResults": 1, "Resources": {"id": "1"}})
        if "wrong-user" in faults:
            decoy = {
                "id": "decoy",
                "userName": "someone.else@example.com",
                "active": True,
                "name": {"givenName": "Some", "familyName": "One"},
                "meta": {"created": "", "resourceType": "User"},
            }
            with self._lock:
                users = [decoy, *self.users.values()]
            return self._reply(200, self._list(users, 1))
        if "duplicate-users" in faults and "filter" in request.query:
            listed = self.list_users(request)
            if isinstance(listed.body, dict) and listed.body["Resources"]:
                twin = {**listed.body["Resources"][0], "id": str(uuid.uuid4())}
                listed.body["Resources"].append(twin)
                listed.body["totalResults"] += 1
            return listed
        return None

    def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        content_type = "application/json" if "json-content-type" in self.faults else self.content_type
        return Reply(status, body, headers or {}, content_type=content_type)

    def _out(self, user: dict[str, Any]) -> dict[str, Any]:
        shown = copy.deepcopy(user)
        if "string-active" in self.faults:
            shown["active"] = str(shown.get("active", True)).lower()
        if "no-active" in self.faults:
            shown.pop("active", None)
        return shown

    def _list(self, users: list[dict[str, Any]], start: int, count: int | None = None) -> dict[str, Any]:
        page = users[start - 1 : start - 1 + count] if count is not None else users[start - 1 :]
        return {
            "schemas": [SCIM20_LIST if self.version == "2.0" else SCIM11_CORE],
            "totalResults": len(users),
            "startIndex": start,
            "itemsPerPage": len(page),
            "Resources": [self._out(user) for user in page],
        }

    def service_provider_config(self) -> dict[str, Any]:
        """What the server supports (Okta itself does not read it)."""
        return {
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig" if self.version == "2.0" else SCIM11_CORE
            ],
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": 200},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "OAuth Bearer Token",
                    "description": "Bearer token in Authorization",
                }
            ],
        }

    def resource_types(self) -> dict[str, Any]:
        """The one resource type this server has: User."""
        user_type = {"id": "User", "name": "User", "endpoint": "/Users", "schema": self._user_schema_id}
        return {**self._list([], 1), "Resources": [user_type], "totalResults": 1, "itemsPerPage": 1}

    def schemas(self) -> dict[str, Any]:
        """The User schema's attributes this server keeps."""
        attributes = [
            {"name": name, "type": kind, "multiValued": name == "emails", "required": name == "userName"}
            for name, kind in (
                ("userName", "string"),
                ("name", "complex"),
                ("emails", "complex"),
                ("active", "boolean"),
            )
        ]
        listing = {**self._list([], 1), "totalResults": 1, "itemsPerPage": 1}
        listing["Resources"] = [{"id": self._user_schema_id, "name": "User", "attributes": attributes}]
        if self.version == "1.1":
            listing["schemas"] = [f"{SCIM11_CORE}:ListResponse"]
        return listing

    @property
    def _user_schema_id(self) -> str:
        return SCIM20_USER if self.version == "2.0" else SCIM11_CORE

    # --- Users --------------------------------------------------------------------------------------

    def list_users(self, request: Request) -> Reply:
        """`GET /Users`, with `filter=userName eq "..."`, `startIndex` and `count`."""
        try:
            start = max(1, int(request.query.get("startIndex", "1")))
            count = min(200, max(0, int(request.query["count"]))) if "count" in request.query else None
        except ValueError:
            return self.error(400, "startIndex and count must be integers", "invalidValue")
        with self._lock:
            users = sorted(self.users.values(), key=lambda u: u["meta"]["created"] + u["id"])
        expression = request.query.get("filter")
        if expression is not None:
            match = _FILTER.match(expression)
            if not match:
                return self.error(400, f'unsupported filter {expression!r}; only userName eq "..."', "invalidFilter")
            wanted = match.group(1).replace('\\"', '"').replace("\\\\", "\\")
            if "case-sensitive-filter" in self.faults:
                users = [user for user in users if user["userName"] == wanted]
            else:
                users = [user for user in users if user["userName"].lower() == wanted.lower()]
            if not users and "lookup-404" in self.faults:
                return self.error(404, "User not found")
        return self._reply(200, self._list(users, start, count))

    def create_user(self, request: Request) -> Reply:
        """`POST /Users`: 201 with the stored user, 409 if the userName is taken."""
        if "error-on-create" in self.faults:
            return self.error(500, "internal error while creating the user (fault error-on-create)", request=request)
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("userName"), str) or not body["userName"]:
            return self.error(400, "the request must be a User with a userName", "invalidValue", request)
        with self._lock:
            if self._taken(body["userName"]):
                return self.error(409, "User already exists in the database.", "uniqueness", request)
            user = self._store(body, str(uuid.uuid4()), created=_now())
        return self._reply(201, self._out(user), {"Location": user["meta"]["location"]})

    def _taken(self, user_name: str, except_id: str | None = None) -> bool:
        return any(u["userName"].lower() == user_name.lower() and u["id"] != except_id for u in self.users.values())

    def _store(self, body: dict[str, Any], user_id: str, created: str) -> dict[str, Any]:
        user = {key: value for key, value in body.items() if key not in ("password", "id", "meta")}
        user["schemas"] = [SCIM20_USER if self.version == "2.0" else SCIM11_CORE]
        user["id"] = user_id
        if "rename-username" in self.faults:
            user["userName"] = user["userName"].lower()
        active = user.get("active", True)
        user["active"] = active if isinstance(active, bool) else str(active).lower() == "true"
        user["meta"] = {
            "resourceType": "User",
            "created": created,
            "lastModified": _now(),
            "location": f"{self.base_path}/Users/{user_id}",
        }
        self.users[user_id] = user
        self.write_times.append(time.monotonic())
        return user

    def get_user(self, request: Request, user_id: str) -> Reply:
        """`GET /Users/{id}`."""
        with self._lock:
            user = self.users.get(user_id)
        if user is None:
            return self.error(404, f"User {user_id} not found", request=request)
        return self._reply(200, self._out(user))

    def replace_user(self, request: Request, user_id: str) -> Reply:
        """`PUT /Users/{id}`: replace every attribute except id and meta.created."""
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("userName"), str):
            return self.error(400, "the request must be a User with a userName", "invalidValue", request)
        with self._lock:
            old = self.users.get(user_id)
            if old is None:
                return self.error(404, f"User {user_id} not found", request=request)
            if self._taken(body["userName"], except_id=user_id):
                return self.error(409, "another user has that userName", "uniqueness", request)
            body = dict(body)
            if "drop-name-update" in self.faults:
                body["name"] = old.get("name")
            if "ignore-deactivate" in self.faults and _is_false(body.get("active")):
                body["active"] = old["active"]
            user = self._store(body, user_id, created=old["meta"]["created"])
        return self._reply(200, self._out(user))

    def patch_user(self, request: Request, user_id: str) -> Reply:
        """`PATCH /Users/{id}`: 2.0 PatchOp (`replace`/`add` with or without `path`), or a 1.1 partial body."""
        body = request.json()
        if not isinstance(body, dict):
            return self.error(400, "the request must be a JSON object", "invalidSyntax", request)
        changes: dict[str, Any] = {}
        if self.version == "2.0":
            if SCIM20_PATCH not in body.get("schemas", []) or not isinstance(body.get("Operations"), list):
                return self.error(400, f"a PATCH must be a {SCIM20_PATCH} with Operations", "invalidSyntax", request)
            for operation in body["Operations"]:
                if not isinstance(operation, dict) or str(operation.get("op", "")).lower() not in (
                    "replace",
                    "add",
                ):
                    return self.error(400, "only replace and add operations are supported", "invalidSyntax", request)
                path, value = operation.get("path"), operation.get("value")
                if path:
                    changes[str(path)] = value
                elif isinstance(value, dict):
                    changes.update(value)
                else:
                    return self.error(400, "an operation without path needs an object value", "invalidValue", request)
        else:
            changes = {key: value for key, value in body.items() if key not in ("schemas", "id", "meta")}
        with self._lock:
            old = self.users.get(user_id)
            if old is None:
                return self.error(404, f"User {user_id} not found", request=request)
            user = copy.deepcopy(old)
            for path, value in changes.items():
                if path == "active" and "ignore-deactivate" in self.faults and _is_false(value):
                    continue
                _set_path(user, path, value)
            user = self._store(user, user_id, created=old["meta"]["created"])
        if "patch-no-content" in self.faults:
            return self._reply(204)
        return self._reply(200, self._out(user))

    def delete_user(self, request: Request, user_id: str) -> Reply:
        """`DELETE /Users/{id}`: 204 (Okta never sends it; okta-scim-ci's optional cleanup does)."""
        with self._lock:
            if self.users.pop(user_id, None) is None:
                return self.error(404, f"User {user_id} not found", request=request)
        return self._reply(204)


#: One static group, so that clients listing /Groups see the shape of one.
GROUP = {"id": "okta-scim-ci-group", "displayName": "okta-scim-ci sandbox group", "members": []}


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def _set_path(user: dict[str, Any], path: str, value: Any) -> None:
    """Set a simple attribute path like `active` or `name.givenName`."""
    head, _, rest = path.partition(".")
    if rest:
        child = user.get(head)
        if not isinstance(child, dict):
            child = user[head] = {}
        child[rest] = value
    else:
        user[head] = value
