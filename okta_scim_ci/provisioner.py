"""The SCIM requests Okta's provisioning sends, modelled after Okta's SCIM reference (2.0 and 1.1).

* Create: look up `userName eq "..."` (`startIndex=1&count=100`); not found -> POST the user (201), a 409
  -> look up again and link; found -> link to it, and reactivate it if it is inactive.
* Profile update: GET the user, change the attributes, PUT it back whole.
* Activate / deactivate: PATCH `active` (OIN catalog apps) or GET + PUT with `active` (App Integration
  Wizard apps), per `update_method`.
* Never DELETE: Okta does not delete users on SCIM servers.

Used by the sandbox's Okta org emulator; independent of it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Literal

from .errors import ResponseError
from .scim import SCIM11_CORE, SCIM20_PATCH, SCIM20_USER, ScimClient, scim_error

USER_AGENT = "Okta SCIM Client 1.0.0"
UpdateMethod = Literal["patch", "put"]


@dataclass(frozen=True)
class UserProfile:
    """The attributes of an Okta app user that reach the SCIM server."""

    user_name: str
    given_name: str
    family_name: str
    email: str
    external_id: str
    locale: str = "en-US"

    @property
    def display_name(self) -> str:
        """`Given Family`, as Okta sends it."""
        return f"{self.given_name} {self.family_name}"


class Provisioner:
    """Okta's provisioning client for one app: what it sends to the SCIM server, and in which order."""

    def __init__(self, scim: ScimClient, update_method: UpdateMethod = "patch") -> None:
        self.scim = scim
        self.update_method = update_method

    @property
    def version(self) -> str:
        """SCIM version of the app's connection."""
        return self.scim.version

    def create_body(self, profile: UserProfile) -> dict[str, Any]:
        """The body of Okta's `POST /Users`."""
        return {
            "schemas": [SCIM20_USER if self.version == "2.0" else SCIM11_CORE],
            "userName": profile.user_name,
            "name": {"givenName": profile.given_name, "familyName": profile.family_name},
            "emails": [{"primary": True, "value": profile.email, "type": "work"}],
            "displayName": profile.display_name,
            "locale": profile.locale if self.version == "2.0" else profile.locale.replace("-", "_"),
            "externalId": profile.external_id,
            "groups": [],
            # Okta always sends a password; its value is random and not relevant to the server.
            "password": secrets.token_urlsafe(9),
            "active": True,
        }

    def provision(self, profile: UserProfile) -> str:
        """Push a new assignment: link to an existing user (reactivating it) or create one. Returns its id."""
        found = self.scim.find_users(profile.user_name, paged=True)
        if not found:
            response = self.scim.create_user(self.create_body(profile))
            if response.status == 201 or response.status == 200:
                return _resource_id(response.json(), "the answer to POST /Users")
            if response.status != 409:
                raise scim_error(response, f"create user {profile.user_name!r}")
            found = self.scim.find_users(profile.user_name, paged=True)
            if not found:
                raise ResponseError(
                    f"The SCIM server answered POST /Users with 409 (user exists) for {profile.user_name!r}, "
                    "but a lookup by userName does not find it"
                )
        user = found[0]
        user_id = _resource_id(user, "the lookup result")
        if user.get("active") is not True:
            self.set_active(user_id, True)
        return user_id

    def push_profile(self, user_id: str, profile: UserProfile) -> None:
        """Push a profile change: GET the user, then PUT it back with the new attributes."""
        user = self.scim.get_user(user_id)
        user.update(
            {
                "userName": profile.user_name,
                "name": {
                    **_dict(user.get("name")),
                    "givenName": profile.given_name,
                    "familyName": profile.family_name,
                },
                "emails": [{"primary": True, "value": profile.email, "type": "work"}],
                "displayName": profile.display_name,
            }
        )
        self.scim.replace_user(user_id, user)

    def set_active(self, user_id: str, active: bool) -> None:
        """Activate or deactivate: PATCH `active`, or GET + PUT for App Integration Wizard apps."""
        if self.update_method == "put":
            user = self.scim.get_user(user_id)
            user["active"] = active
            self.scim.replace_user(user_id, user)
        elif self.version == "2.0":
            patch = {
                "schemas": [SCIM20_PATCH],
                "Operations": [{"op": "replace", "value": {"active": active}}],
            }
            self.scim.patch_user(user_id, patch)
        else:
            self.scim.patch_user(user_id, {"schemas": [SCIM11_CORE], "id": user_id, "active": active})


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _resource_id(body: Any, what: str) -> str:
    user_id = body.get("id") if isinstance(body, dict) else None
    if not isinstance(user_id, str) or not user_id:
        raise ResponseError(f"The SCIM server's user in {what} has no 'id' (Okta stores it as externalId)")
    return user_id
