"""Okta Management API client: the calls the lifecycle, its diagnosis and cleanup need."""

from __future__ import annotations

from typing import Any

from .errors import OktaApiError, ResponseError, TransportError
from .http import HttpClient, Response
from .settings import describe

# Event types of Okta's System Log that tell what provisioning did for a user.
PROVISIONING_EVENT_PREFIX = "application.provision."

_HINTS = {
    401: f"check {describe('okta_token')} and {describe('okta_auth_scheme')}; API tokens expire after 30 days unused",
    403: "the token's admin role or OAuth scopes do not allow this (needs okta.users.manage and okta.apps.manage)",
    429: "Okta's rate limit was still exceeded after waiting; run fewer jobs against this org at once",
}


def okta_error(response: Response, doing: str) -> OktaApiError:
    """An `OktaApiError` from an Okta error answer: `errorCode`, `errorSummary` and `errorCauses` made readable."""
    code = summary = None
    causes: list[str] = []
    try:
        body = response.json()
    except ResponseError:
        body = None
    if isinstance(body, dict):
        code = body.get("errorCode") if isinstance(body.get("errorCode"), str) else None
        summary = body.get("errorSummary") if isinstance(body.get("errorSummary"), str) else None
        raw_causes = body.get("errorCauses")
        if isinstance(raw_causes, list):
            causes = [str(c.get("errorSummary")) for c in raw_causes if isinstance(c, dict) and c.get("errorSummary")]
    detail = " ".join(part for part in (code, summary) if part) or f"HTTP {response.status}"
    if causes:
        detail += ": " + "; ".join(causes)
    message = f"Okta refused to {doing} ({response.where()} answered {response.status} {detail})"
    hint = _HINTS.get(response.status)
    if response.status == 404 and "/apps/" in response.url:
        hint = f"check {describe('okta_app_id')}: no app (or no assignment) with that id in this org"
    if hint:
        message += f"; {hint}"
    request_id = response.headers.get("X-Okta-Request-Id")
    if request_id:
        message += f" [X-Okta-Request-Id {request_id}]"
    return OktaApiError(message, status=response.status, code=code)


class OktaClient:
    """The Management API subset the lifecycle uses. Every method raises `OktaApiError` on an error answer."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def _call(self, method: str, path: str, doing: str, *, expect: tuple[int, ...] = (200,), **kwargs: Any) -> Response:
        response = self.http.request(method, path, **kwargs)
        if response.status not in expect:
            raise okta_error(response, doing)
        return response

    def _object(self, response: Response) -> dict[str, Any]:
        body = response.json()
        if not isinstance(body, dict):
            raise ResponseError(f"Okta answered {response.where()} with JSON that is not an object")
        return body

    def get_app(self, app_id: str) -> dict[str, Any]:
        """The app instance (`status`, `features`, `signOnMode`, ...)."""
        return self._object(self._call("GET", f"/api/v1/apps/{app_id}", "read the app"))

    def create_user(self, profile: dict[str, str], password: str) -> dict[str, Any]:
        """Create and activate a user with a password (so no activation e-mail is sent).

        If the answer is lost on the way (a read timeout, a dropped connection), Okta may still have created the
        user: look the login up before giving up, so a retry never leaves a twin behind.
        """
        body = {"profile": profile, "credentials": {"password": {"value": password}}}
        try:
            response = self._call(
                "POST", "/api/v1/users", "create the test user", params={"activate": "true"}, json_body=body
            )
        except TransportError as exc:
            if exc.never_sent:
                raise
            existing = self.find_user_by_login(profile["login"])
            if existing is None:
                raise
            return existing
        return self._object(response)

    def find_user_by_login(self, login: str) -> dict[str, Any] | None:
        """The user with exactly this login, or None."""
        users = self.list_users(filter_expr=f'profile.login eq "{login}"')
        return users[0] if users else None

    def list_users(self, *, filter_expr: str | None = None, search: str | None = None) -> list[dict[str, Any]]:
        """Users matching a `filter` or `search` expression, following Okta's `Link: rel="next"` pages."""
        params: dict[str, str | int] = {"limit": 200}
        if filter_expr:
            params["filter"] = filter_expr
        if search:
            params["search"] = search
        found: list[dict[str, Any]] = []
        path: str | None = "/api/v1/users"
        while path is not None and len(found) < 10_000:
            response = self._call("GET", path, "list users", params=params)
            body = response.json()
            if not isinstance(body, list):
                raise ResponseError(f"Okta answered {response.where()} with JSON that is not a list of users")
            found += [user for user in body if isinstance(user, dict)]
            path = _next_link(response)
            params = {}
        return found

    def get_user(self, user_id: str) -> dict[str, Any]:
        """One user."""
        return self._object(self._call("GET", f"/api/v1/users/{user_id}", "read the test user"))

    def update_profile(self, user_id: str, changes: dict[str, str]) -> dict[str, Any]:
        """Partial profile update (`POST`, so attributes not named are kept)."""
        return self._object(
            self._call("POST", f"/api/v1/users/{user_id}", "update the test user", json_body={"profile": changes})
        )

    def deactivate_user(self, user_id: str) -> None:
        """Deactivate (Okta also removes the user's app assignments and pushes the deactivation)."""
        self._call("POST", f"/api/v1/users/{user_id}/lifecycle/deactivate", "deactivate the test user")

    def activate_user(self, user_id: str) -> None:
        """Activate a STAGED or DEPROVISIONED user without sending an activation e-mail."""
        self._call(
            "POST",
            f"/api/v1/users/{user_id}/lifecycle/activate",
            "reactivate the test user",
            params={"sendEmail": "false"},
        )

    def assign(self, app_id: str, user_id: str, user_name: str, profile: dict[str, Any] | None) -> dict[str, Any]:
        """Assign the user to the app (which makes Okta provision it)."""
        body: dict[str, Any] = {"id": user_id, "scope": "USER", "credentials": {"userName": user_name}}
        if profile:
            body["profile"] = profile
        return self._object(
            self._call("POST", f"/api/v1/apps/{app_id}/users", "assign the test user to the app", json_body=body)
        )

    def get_app_user(self, app_id: str, user_id: str) -> dict[str, Any]:
        """The assignment, with Okta's provisioning state (`status`, `syncState`, `externalId`)."""
        return self._object(self._call("GET", f"/api/v1/apps/{app_id}/users/{user_id}", "read the assignment"))

    def unassign(self, app_id: str, user_id: str) -> None:
        """Remove the assignment (Okta then deactivates the user on the SCIM server)."""
        self._call("DELETE", f"/api/v1/apps/{app_id}/users/{user_id}", "unassign the test user", expect=(204, 200))

    def delete_user(self, user_id: str) -> None:
        """Delete a user: the first DELETE deactivates an active user, the second deletes it."""
        for _ in range(2):
            response = self.http.request("DELETE", f"/api/v1/users/{user_id}")
            if response.status == 404:
                return
            if response.status not in (200, 204):
                raise okta_error(response, "delete the test user")

    def provisioning_events(self, user_id: str, since: str | None = None) -> list[dict[str, Any]]:
        """System Log events about provisioning this user, oldest first."""
        params: dict[str, str | int] = {"filter": f'target.id eq "{user_id}"', "limit": 100}
        if since:
            params["since"] = since
        response = self._call("GET", "/api/v1/logs", "read the System Log", params=params)
        body = response.json()
        if not isinstance(body, list):
            return []
        return [
            event
            for event in body
            if isinstance(event, dict) and str(event.get("eventType", "")).startswith(PROVISIONING_EVENT_PREFIX)
        ]


def _next_link(response: Response) -> str | None:
    for part in response.headers.get("Link", "").split(","):
        if 'rel="next"' in part and "<" in part and ">" in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None


def describe_event(event: dict[str, Any]) -> str:
    """One System Log event as a line: time, type, outcome and reason."""
    outcome = event.get("outcome")
    if not isinstance(outcome, dict):
        outcome = {}
    result = outcome.get("result", "?")
    reason = outcome.get("reason") or ""
    text = f"{event.get('published', '?')} {event.get('eventType', '?')} {result}"
    if event.get("displayMessage"):
        text += f" ({event['displayMessage']})"
    if reason:
        text += f": {reason}"
    return text
