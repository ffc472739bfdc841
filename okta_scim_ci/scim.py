"""SCIM client for the User resource, in the 2.0 (RFC 7644) and 1.1 dialects."""

from __future__ import annotations

from typing import Any

from .errors import ResponseError, ScimApiError
from .http import HttpClient, Response
from .settings import describe

SCIM20_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM20_LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCIM20_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM20_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM11_CORE = "urn:scim:schemas:core:1.0"

ACCEPT = {"2.0": "application/scim+json", "1.1": "application/json"}


def scim_error(response: Response, doing: str) -> ScimApiError:
    """A `ScimApiError` from a SCIM error answer, reading 2.0 (`detail`, `scimType`) and 1.1 (`Errors`) shapes."""
    detail = ""
    try:
        body = response.json()
    except ResponseError:
        body = None
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("scimType", "detail") if body.get(key)]
        errors = body.get("Errors")
        if isinstance(errors, list):
            parts += [str(e.get("description")) for e in errors if isinstance(e, dict) and e.get("description")]
        detail = ": ".join(parts)
    elif response.content_type == "text/html" or response.text.lstrip().startswith("<"):
        detail = "an HTML page instead of a SCIM error (from a proxy or web server in front of the SCIM server?)"
    elif response.body:
        detail = " ".join(response.text.split())[:200]
    message = f"The SCIM server refused to {doing} ({response.where()} answered {response.status}"
    message += f" {detail})" if detail else ")"
    if response.status == 401:
        message += (
            f"; check {describe('scim_auth')} (the whole header, e.g. 'Bearer <token>') or {describe('scim_token')}"
        )
    elif response.status == 403:
        message += "; the SCIM credential is valid but not allowed to do this"
    elif response.status == 404 and response.url.rstrip("/").endswith("/Users"):
        message += f"; no /Users endpoint there: check the path in {describe('scim_url')} (e.g. .../scim/v2)"
    return ScimApiError(message, status=response.status)


def user_list(response: Response) -> list[dict[str, Any]]:
    """The `Resources` of a list answer, checked for shape."""
    body = response.json()
    if not isinstance(body, dict):
        raise ResponseError(f"The SCIM server answered {response.where()} with JSON that is not a ListResponse object")
    resources = body.get("Resources", [])
    total = body.get("totalResults")
    if resources is None:
        resources = []
    if not isinstance(resources, list):
        raise ResponseError(
            f"The SCIM server answered {response.where()} with 'Resources' of type {type(resources).__name__}, "
            "not a list (RFC 7644 §3.4.2)"
        )
    if not resources and total not in (0, None):
        raise ResponseError(f"The SCIM server answered {response.where()} with totalResults={total!r} but no Resources")
    bad = [item for item in resources if not isinstance(item, dict)]
    if bad:
        raise ResponseError(f"The SCIM server answered {response.where()} with Resources that are not objects")
    return resources


class ScimClient:
    """Users on a SCIM server. Every method raises `ScimApiError` on an error answer."""

    def __init__(self, http: HttpClient, version: str = "2.0") -> None:
        self.http = http
        self.version = version
        http.session.headers["Accept"] = ACCEPT[version]
        self._warned: set[str] = set()
        self._warnings: list[str] = []

    def take_warnings(self) -> list[str]:
        """Deviations noticed since the last call (each reported once per run)."""
        taken, self._warnings = self._warnings, []
        return taken

    def note_content_type(self, response: Response) -> None:
        """Warn (once) when a 2.0 server answers with another media type than application/scim+json."""
        if self.version == "2.0" and response.content_type != "application/scim+json" and response.body:
            warning = (
                f"the SCIM server answers with Content-Type {response.content_type or '(none)'!r}, not "
                "'application/scim+json' (RFC 7644 §3.1); Okta accepts it, strict SCIM clients may not"
            )
            if warning not in self._warned:
                self._warned.add(warning)
                self._warnings.append(warning)

    def find_users(self, user_name: str, *, paged: bool = False) -> list[dict[str, Any]]:
        """Users whose `userName` equals `user_name` (the server decides case sensitivity).

        Both "not found" answers Okta accepts count as an empty list: 200 with no Resources, and 404.
        """
        escaped = user_name.replace("\\", "\\\\").replace('"', '\\"')
        params: dict[str, str | int] = {"filter": f'userName eq "{escaped}"'}
        if paged:
            params.update({"startIndex": 1, "count": 100})
        response = self.http.request("GET", "/Users", params=params)
        if response.status == 404:
            return []
        if response.status != 200:
            raise scim_error(response, f"look up userName {user_name!r}")
        self.note_content_type(response)
        return user_list(response)

    def get_user(self, user_id: str) -> dict[str, Any]:
        """One user by its SCIM `id`."""
        response = self.http.request("GET", f"/Users/{user_id}")
        if response.status != 200:
            raise scim_error(response, f"return user {user_id}")
        return self._resource(response)

    def create_user(self, resource: dict[str, Any]) -> Response:
        """POST a user; the answer is returned whatever its status (409 has a meaning to callers)."""
        return self.http.request("POST", "/Users", json_body=resource)

    def replace_user(self, user_id: str, resource: dict[str, Any]) -> dict[str, Any]:
        """PUT the whole user."""
        response = self.http.request("PUT", f"/Users/{user_id}", json_body=resource)
        if response.status != 200:
            raise scim_error(response, f"replace user {user_id}")
        return self._resource(response)

    def patch_user(self, user_id: str, patch: dict[str, Any]) -> dict[str, Any] | None:
        """PATCH a user; 204 (no body) is a valid answer and gives None."""
        response = self.http.request("PATCH", f"/Users/{user_id}", json_body=patch)
        if response.status == 204:
            return None
        if response.status != 200:
            raise scim_error(response, f"update user {user_id}")
        return self._resource(response)

    def delete_user(self, user_id: str) -> None:
        """DELETE a user (never sent by Okta; used only by the optional cleanup)."""
        response = self.http.request("DELETE", f"/Users/{user_id}")
        if response.status not in (200, 204, 404):
            raise scim_error(response, f"delete user {user_id}")

    def _resource(self, response: Response) -> dict[str, Any]:
        self.note_content_type(response)
        body = response.json()
        if not isinstance(body, dict):
            raise ResponseError(f"The SCIM server answered {response.where()} with JSON that is not a User object")
        return body


def primary_email(user: dict[str, Any]) -> str | None:
    """The primary e-mail value (or the first one), as Okta's suite reads `emails[0].value`."""
    emails = user.get("emails")
    if not isinstance(emails, list):
        return None
    entries = [entry for entry in emails if isinstance(entry, dict)]
    primary = [entry for entry in entries if entry.get("primary") is True] or entries
    value = primary[0].get("value") if primary else None
    return value if isinstance(value, str) else None


def name_part(user: dict[str, Any], part: str) -> Any:
    """`name.givenName` / `name.familyName`, or None when absent."""
    name = user.get("name")
    return name.get(part) if isinstance(name, dict) else None
