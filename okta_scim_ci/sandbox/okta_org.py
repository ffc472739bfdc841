"""An Okta org emulator: the Management API subset the lifecycle uses, with Okta's asynchronous provisioning.

Modelled on Okta's documented behaviour (see docs/sandbox.md):

* Users: create (`activate=true`), partial update, deactivate (removes app assignments), activate from
  STAGED/DEPROVISIONED only, delete (first DELETE deactivates, the second deletes), search by login.
* Apps and assignments: `GET /api/v1/apps/{id}`, assign (403 E0000117 for inactive users, 409 E0000062 when
  already assigned, 403 E0000075 for a mapped attribute with a conflicting value), read, unassign.
* Provisioning: each change is pushed to the SCIM server by a background worker after `latency` seconds,
  through `Provisioner` (the requests Okta sends). The assignment shows `status` STAGED -> PROVISIONED with
  `externalId`, `syncState` SYNCING -> SYNCHRONIZED, or ERROR on failure, and every push writes a System Log
  event (`application.provision.user.*`) with the outcome and the SCIM server's answer.
* Errors in Okta's shape; `X-Rate-Limit-*` headers; an optional rate limit answering 429 E0000047.
"""

from __future__ import annotations

import base64
import math
import queue
import random
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Any

from ..errors import OktaScimCiError
from ..provisioner import Provisioner, UserProfile
from .httpd import Reply, Request

DEFAULT_FEATURES = ("PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES", "PUSH_USER_DEACTIVATION", "REACTIVATE_USERS")

# Okta profile attribute -> app user profile attribute (the "SCIM 2.0 Test App" mappings).
MAPPINGS = {"firstName": "givenName", "lastName": "familyName", "email": "email"}


def _okta_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(17))


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _quoted(expression: str, attribute: str, operator: str) -> str | None:
    """The value of `attribute operator "value"` in a filter expression, or None."""
    prefix = f"{attribute} {operator} "
    expression = expression.strip()
    if expression.lower().startswith(prefix.lower()) and expression.endswith('"'):
        value = expression[len(prefix) :]
        if value.startswith('"'):
            return value[1:-1]
    return None


class OktaOrg:
    """The emulated org: call it with a `Request`, get a `Reply`. Thread-safe; `close()` stops the pusher."""

    def __init__(
        self,
        provisioner: Provisioner,
        *,
        token: str,
        app_id: str | None = None,
        latency: float = 0.0,
        jitter: float = 0.0,
        features: Iterable[str] = DEFAULT_FEATURES,
        rate_limit: int | None = None,
        rate_window: float = 60.0,
        clock: Callable[[], float] = time.time,
        reflect_credentials: bool = False,
    ) -> None:
        self.provisioner = provisioner
        self.token = token
        self.app_id = app_id or _okta_id("0oa")
        self.latency = latency
        self.jitter = jitter
        self.features = list(features)
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.clock = clock
        self.reflect_credentials = reflect_credentials
        self.users: dict[str, dict[str, Any]] = {}
        self.app_users: dict[str, dict[str, Any]] = {}
        self.external_ids: dict[str, str] = {}
        self.events: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self._window_start = clock()
        self._window_count = 0
        self._lock = threading.RLock()
        self._jobs: queue.Queue[tuple[float, Callable[[], None]] | None] = queue.Queue()
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._push_loop, name="okta-provisioning", daemon=True)
        self._worker.start()

    def close(self) -> None:
        """Stop the provisioning worker (pending pushes are dropped)."""
        self._stop.set()
        self._jobs.put(None)
        self._worker.join(timeout=5)

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued push has run (tests use it); True if it got there in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._jobs.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return False

    # --- the HTTP surface ---------------------------------------------------------------------------

    def _headers(self, remaining: int, reset: float) -> dict[str, str]:
        return {
            "X-Okta-Request-Id": _okta_id("req"),
            "X-Rate-Limit-Limit": str(self.rate_limit or 600),
            "X-Rate-Limit-Remaining": str(max(0, remaining)),
            "X-Rate-Limit-Reset": str(math.ceil(reset)),
            "Date": formatdate(self.clock(), usegmt=True),
        }

    def error(self, status: int, code: str, summary: str, causes: Iterable[str] = ()) -> Reply:
        """An error in Okta's shape."""
        return Reply(
            status,
            {
                "errorCode": code,
                "errorSummary": summary,
                "errorLink": code,
                "errorId": _okta_id("oae"),
                "errorCauses": [{"errorSummary": cause} for cause in causes],
            },
        )

    def __call__(self, request: Request) -> Reply:
        """Authenticate, rate-limit and route one request."""
        with self._lock:
            self.requests.append((request.method, request.path))
            now = self.clock()
            if now - self._window_start >= self.rate_window:
                self._window_start, self._window_count = now, 0
            self._window_count += 1
            limit = self.rate_limit or 600
            remaining = limit - self._window_count
            reset = self._window_start + self.rate_window
        if self.rate_limit is not None and remaining < 0:
            reply = self.error(429, "E0000047", "API call exceeded rate limit due to too many requests.")
        elif request.header("authorization") not in (f"SSWS {self.token}", f"Bearer {self.token}"):
            summary = "Invalid token provided"
            if self.reflect_credentials:
                sent = request.header("authorization")
                summary += f" (you sent {sent}; base64 {base64.b64encode(sent.encode()).decode()})"
            reply = self.error(401, "E0000011", summary)
        else:
            reply = self.route(request)
        reply.headers.update(self._headers(remaining, reset))
        return reply

    def route(self, request: Request) -> Reply:
        """Dispatch to the handler for the path."""
        parts = request.path.rstrip("/").split("/")[1:]
        if parts[:2] != ["api", "v1"]:
            return self.error(
                404, "E0000022", f"The endpoint does not support the provided HTTP method: {request.path}"
            )
        parts = parts[2:]
        method = request.method
        with self._lock:
            if parts == ["users"]:
                return self.create_user(request) if method == "POST" else self.list_users(request)
            if parts == ["logs"] and method == "GET":
                return self.list_events(request)
            if len(parts) >= 2 and parts[0] == "users":
                user = self._find_user(parts[1])
                if user is None:
                    return self.error(404, "E0000007", f"Not found: Resource not found: {parts[1]} (User)")
                if len(parts) == 2:
                    return {"GET": self.get_user, "POST": self.update_user, "DELETE": self.delete_user}.get(
                        method, self._not_allowed
                    )(request, user)
                if parts[2:] == ["lifecycle", "deactivate"] and method == "POST":
                    return self.deactivate_user(request, user)
                if parts[2:] == ["lifecycle", "activate"] and method == "POST":
                    return self.activate_user(request, user)
            if len(parts) >= 2 and parts[0] == "apps":
                if parts[1] != self.app_id:
                    return self.error(404, "E0000007", f"Not found: Resource not found: {parts[1]} (AppInstance)")
                if len(parts) == 2 and method == "GET":
                    return Reply(200, self.app())
                if len(parts) == 3 and parts[2] == "users" and method == "POST":
                    return self.assign(request)
                if len(parts) == 4 and parts[2] == "users":
                    app_user = self.app_users.get(parts[3])
                    if app_user is None:
                        return self.error(404, "E0000007", f"Not found: Resource not found: {parts[3]} (AppUser)")
                    if method == "GET":
                        return Reply(200, dict(app_user))
                    if method == "DELETE":
                        return self.unassign(parts[3])
            return self._not_allowed(request, {})

    def _not_allowed(self, request: Request, _user: dict[str, Any]) -> Reply:
        return self.error(405, "E0000022", f"The endpoint does not support the provided HTTP method: {request.method}")

    # --- users --------------------------------------------------------------------------------------

    def _find_user(self, key: str) -> dict[str, Any] | None:
        user = self.users.get(key)
        if user is None:
            user = next((u for u in self.users.values() if u["profile"]["login"].lower() == key.lower()), None)
        return user

    def _public(self, user: dict[str, Any]) -> dict[str, Any]:
        shown = {key: value for key, value in user.items() if key != "password"}
        shown["credentials"] = {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}
        return shown

    def create_user(self, request: Request) -> Reply:
        """`POST /api/v1/users?activate=true`."""
        body = request.json()
        profile = body.get("profile") if isinstance(body, dict) else None
        if not isinstance(profile, dict):
            return self.error(400, "E0000003", "The request body was not well-formed.")
        missing = [
            f"{name}: The field cannot be left blank"
            for name in ("firstName", "lastName", "email", "login")
            if not profile.get(name)
        ]
        if missing:
            return self.error(400, "E0000001", "Api validation failed: login", missing)
        if self._find_user(str(profile["login"])) is not None:
            return self.error(
                400,
                "E0000001",
                "Api validation failed: login",
                ["login: An object with this field already exists in the current organization"],
            )
        password = ((body.get("credentials") or {}).get("password") or {}).get("value")
        activate = request.query.get("activate", "true").lower() != "false"
        now = _iso(self.clock())
        user: dict[str, Any] = {
            "id": _okta_id("00u"),
            "status": ("ACTIVE" if password else "PROVISIONED") if activate else "STAGED",
            "created": now,
            "activated": now if activate else None,
            "statusChanged": now,
            "lastUpdated": now,
            "profile": dict(profile),
            "password": password,
            "_links": {},
        }
        self.users[user["id"]] = user
        return Reply(200, self._public(user))

    def list_users(self, request: Request) -> Reply:
        """`GET /api/v1/users` with `filter=profile.login eq "..."`, `search=profile.login sw "..."` or `q`."""
        users = list(self.users.values())
        expression = request.query.get("filter") or request.query.get("search") or ""
        exact = _quoted(expression, "profile.login", "eq")
        prefix = _quoted(expression, "profile.login", "sw")
        if exact is not None:
            users = [u for u in users if u["profile"]["login"].lower() == exact.lower()]
        elif prefix is not None:
            users = [u for u in users if u["profile"]["login"].lower().startswith(prefix.lower())]
        elif expression:
            return self.error(400, "E0000031", f"Invalid search criteria: {expression}")
        if request.query.get("q"):
            q = request.query["q"].lower()
            users = [
                u
                for u in users
                if any(
                    str(u["profile"].get(k, "")).lower().startswith(q)
                    for k in ("login", "email", "firstName", "lastName")
                )
            ]
        return Reply(200, [self._public(u) for u in users])

    def get_user(self, request: Request, user: dict[str, Any]) -> Reply:
        """`GET /api/v1/users/{id}`."""
        return Reply(200, self._public(user))

    def update_user(self, request: Request, user: dict[str, Any]) -> Reply:
        """`POST /api/v1/users/{id}`: partial profile update, pushed if the user is assigned."""
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("profile", {}), dict):
            return self.error(400, "E0000003", "The request body was not well-formed.")
        user["profile"].update(body.get("profile", {}))
        user["lastUpdated"] = _iso(self.clock())
        app_user = self.app_users.get(user["id"])
        if app_user is not None:
            self._map_profile(app_user, user)
            if "PUSH_PROFILE_UPDATES" in self.features:
                self._schedule(user["id"], "push_profile", "Push user profile update to external application")
        return Reply(200, self._public(user))

    def deactivate_user(self, request: Request, user: dict[str, Any]) -> Reply:
        """`POST .../lifecycle/deactivate`: DEPROVISIONED, assignments removed and deactivation pushed."""
        if user["status"] == "DEPROVISIONED":
            return self.error(403, "E0000038", "This operation is not allowed in the user's current status.")
        self._deprovision(user)
        return Reply(200, {})

    def _deprovision(self, user: dict[str, Any]) -> None:
        user["status"] = "DEPROVISIONED"
        user["statusChanged"] = _iso(self.clock())
        if user["id"] in self.app_users:
            self.unassign(user["id"])

    def activate_user(self, request: Request, user: dict[str, Any]) -> Reply:
        """`POST .../lifecycle/activate`: only from STAGED or DEPROVISIONED."""
        if user["status"] not in ("STAGED", "DEPROVISIONED"):
            return self.error(403, "E0000016", "Activation failed because the user is already active")
        user["status"] = "ACTIVE" if user.get("password") else "PROVISIONED"
        user["statusChanged"] = _iso(self.clock())
        return Reply(200, {})

    def delete_user(self, request: Request, user: dict[str, Any]) -> Reply:
        """`DELETE /api/v1/users/{id}`: deactivates first; deletes a DEPROVISIONED user."""
        if user["status"] != "DEPROVISIONED":
            self._deprovision(user)
        else:
            del self.users[user["id"]]
        return Reply(204)

    # --- app and assignments ------------------------------------------------------------------------

    def app(self) -> dict[str, Any]:
        """The app instance."""
        return {
            "id": self.app_id,
            "name": "scim2testapp" if self.provisioner.version == "2.0" else "scim1testapp",
            "label": f"SCIM {self.provisioner.version} Test App (okta-scim-ci sandbox)",
            "status": "ACTIVE",
            "signOnMode": "BOOKMARK",
            "features": list(self.features),
        }

    def _map_profile(self, app_user: dict[str, Any], user: dict[str, Any]) -> None:
        for okta_name, app_name in MAPPINGS.items():
            app_user["profile"][app_name] = user["profile"].get(okta_name)

    def assign(self, request: Request) -> Reply:
        """`POST /api/v1/apps/{id}/users`: assign, then push the new user."""
        body = request.json()
        user_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(user_id, str):
            return self.error(400, "E0000001", "Api validation failed: id", ["id: The field cannot be left blank"])
        user = self.users.get(user_id)
        if user is None:
            return self.error(404, "E0000007", f"Not found: Resource not found: {user_id} (User)")
        if user["status"] not in ("ACTIVE", "PROVISIONED"):
            return self.error(403, "E0000117", "Cannot assign apps or update app profiles for an inactive user.")
        if user_id in self.app_users:
            return self.error(409, "E0000062", "The specified user is already assigned to the application.")
        app_user: dict[str, Any] = {
            "id": user_id,
            "externalId": None,
            "scope": str(body.get("scope", "USER")),
            "status": "STAGED",
            "syncState": "SYNCING",
            "created": _iso(self.clock()),
            "credentials": {"userName": (body.get("credentials") or {}).get("userName", user["profile"]["login"])},
            "profile": {},
        }
        self._map_profile(app_user, user)
        extra = body.get("profile") or {}
        for app_name, value in extra.items():
            if app_name in MAPPINGS.values() and app_user["profile"].get(app_name) != value:
                okta_name = next(k for k, v in MAPPINGS.items() if v == app_name)
                return self.error(
                    403,
                    "E0000075",
                    f"Cannot modify the {okta_name} attribute because it has a field mapping and profile push "
                    "is enabled.",
                )
        app_user["profile"].update(extra)
        self.app_users[user_id] = app_user
        if "PUSH_NEW_USERS" in self.features:
            self._schedule(user_id, "push", "Push new user to external application")
        return Reply(200, dict(app_user))

    def unassign(self, user_id: str) -> Reply:
        """`DELETE /api/v1/apps/{id}/users/{userId}`: remove, then push the deactivation."""
        self.app_users.pop(user_id)
        # Queued even if the create push has not finished yet: pushes run in order, so it will have by then.
        if "PUSH_USER_DEACTIVATION" in self.features:
            self._schedule(user_id, "deactivate", "Deactivate user in external application")
        return Reply(204)

    # --- provisioning -------------------------------------------------------------------------------

    def _schedule(self, user_id: str, action: str, message: str) -> None:
        delay = max(0.0, self.latency + random.uniform(-self.jitter, self.jitter))
        due = time.monotonic() + delay
        self._jobs.put((due, lambda: self._push(user_id, action, message)))

    def _push_loop(self) -> None:
        while not self._stop.is_set():
            job = self._jobs.get()
            try:
                if job is None:
                    return
                due, run = job
                if self._stop.wait(max(0.0, due - time.monotonic())):
                    return
                run()
            finally:
                self._jobs.task_done()

    def _profile(self, user: dict[str, Any], external: str) -> UserProfile:
        profile = user["profile"]
        return UserProfile(
            user_name=profile["login"],
            given_name=profile["firstName"],
            family_name=profile["lastName"],
            email=profile["email"],
            external_id=external,
        )

    def _push(self, user_id: str, action: str, message: str) -> None:
        """Run one push against the SCIM server and record its outcome as Okta does."""
        with self._lock:
            user = self.users.get(user_id)
            app_user = self.app_users.get(user_id)
            external = self.external_ids.get(user_id)
            if (
                user is None
                or (action != "deactivate" and app_user is None)
                or (action == "deactivate" and not external)
            ):
                return
            profile = self._profile(user, user_id)
        event_type = {
            "push": "application.provision.user.push",
            "push_profile": "application.provision.user.push_profile",
            "deactivate": "application.provision.user.deactivate",
        }[action]
        try:
            if action == "push":
                external = self.provisioner.provision(profile)
            elif action == "push_profile" and external:
                self.provisioner.push_profile(external, profile)
            elif action == "deactivate" and external:
                self.provisioner.set_active(external, False)
        except OktaScimCiError as exc:
            with self._lock:
                if app_user is not None:
                    app_user["syncState"] = "ERROR"
                self._event(
                    event_type,
                    user,
                    "FAILURE",
                    f"Automatic provisioning of user {profile.user_name} to app failed: {exc}",
                    message,
                )
            return
        with self._lock:
            if app_user is not None and user_id in self.app_users:
                app_user.update({"status": "PROVISIONED", "syncState": "SYNCHRONIZED", "externalId": external})
                app_user["lastSync"] = _iso(self.clock())
            if external:
                self.external_ids[user_id] = external
            self._event(event_type, user, "SUCCESS", None, message)

    def _event(self, event_type: str, user: dict[str, Any], result: str, reason: str | None, message: str) -> None:
        self.events.append(
            {
                "uuid": _okta_id(""),
                "published": _iso(self.clock()),
                "eventType": event_type,
                "displayMessage": message,
                "severity": "INFO" if result == "SUCCESS" else "WARN",
                "outcome": {"result": result, "reason": reason},
                "actor": {
                    "id": "0oa-provisioning",
                    "type": "PublicClientApp",
                    "displayName": "Okta Provisioning",
                },
                "target": [
                    {"id": user["id"], "type": "User", "alternateId": user["profile"]["login"]},
                    {"id": self.app_id, "type": "AppInstance", "alternateId": self.app()["label"]},
                ],
            }
        )

    def list_events(self, request: Request) -> Reply:
        """`GET /api/v1/logs` with `filter=target.id eq "..."` and `since`."""
        events = list(self.events)
        target = _quoted(request.query.get("filter", ""), "target.id", "eq")
        if target is not None:
            events = [e for e in events if any(t["id"] == target for t in e["target"])]
        since = request.query.get("since")
        if since:
            events = [e for e in events if e["published"] >= since]
        return Reply(200, events)
