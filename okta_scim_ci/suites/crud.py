"""Suite `crud`: Okta's CRUD provisioning lifecycle, step by step, polling instead of sleeping.

Okta steps are checked by status; every SCIM check polls until it holds or `step_timeout` passes, and
reports how long provisioning took. A step whose prerequisite did not pass is skipped with the reason.
The test user is always cleaned up, also after a failure or a cancel.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import OktaApiError, OktaScimCiError, RunCancelled
from ..http import Transcript
from ..okta import OktaClient, describe_event
from ..polling import Backoff, Observation, poll
from ..provisioner import Provisioner, UserProfile
from ..redact import Redactor
from ..results import StepResult, SuiteResult
from ..scim import ScimClient, name_part, primary_email
from ..settings import Settings
from .steps import CheckFailed, Step, run_suite

#: Every test user's login starts with this, so that users left behind can be recognised (and only those).
LOGIN_PREFIX = "oscitest."

# App features without which Okta will not push the lifecycle to the SCIM server.
# Ask Okta about the push on every this-many looks (not every look: Okta's rate limits are shared).
SYNC_CHECK_EVERY = 3

NEEDED_FEATURES = {
    "PUSH_NEW_USERS": "Create Users",
    "PUSH_PROFILE_UPDATES": "Update User Attributes",
    "PUSH_USER_DEACTIVATION": "Deactivate Users",
    "REACTIVATE_USERS": "reactivation of users",
}


@dataclass(frozen=True)
class TestUser:
    """The generated Okta user: recognisable login, mixed case kept on purpose (as in Okta's suite)."""

    __test__ = False  # not a pytest class

    login: str
    first_name: str
    updated_first_name: str
    last_name: str
    password: str

    @property
    def email(self) -> str:
        """The e-mail is the login, as in Okta's suite."""
        return self.login

    def profile(self) -> dict[str, str]:
        """The Okta profile to create."""
        return {
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "login": self.login,
        }


def new_test_user(run_id: str, domain: str) -> TestUser:
    """A fresh test user for run `run_id`: `oscitest.<run id>.<Mixed>@<domain>`, strong random password."""
    rand = secrets.SystemRandom()
    tag = rand.choice(string.ascii_uppercase) + "".join(rand.choices(string.ascii_lowercase, k=5))
    digits = "".join(rand.choices(string.digits, k=3))
    first = f"Scimci{digits}"
    last = tag + "".join(rand.choices(string.digits, k=3))
    # Okta's default password policy: 8+ characters, upper, lower, digit; no part of the login.
    password = secrets.token_urlsafe(18) + rand.choice(string.ascii_uppercase) + rand.choice(string.digits) + "!a"
    return TestUser(
        login=f"{LOGIN_PREFIX}{run_id}.{tag}@{domain}",
        first_name=first,
        updated_first_name=f"{first}Updated",
        last_name=last,
        password=password,
    )


def new_run_id() -> str:
    """A run id that sorts by time and is unique among runs started at the same second."""
    now = datetime.now(timezone.utc).strftime("%Y%m%dt%H%M%S")
    return f"{now}{secrets.token_hex(2)}"


@dataclass
class Lifecycle:
    """The state one run of the lifecycle builds up, and the clients it uses."""

    settings: Settings
    okta: OktaClient | None
    """The Okta org that makes the changes (driver `okta`), or None for driver `direct`."""
    scim: ScimClient
    transcript: Transcript
    redactor: Redactor
    user: TestUser
    app_id: str
    started_at: str
    provisioner: Provisioner | None = None
    """Driver `direct`: sends the SCIM requests Okta's provisioning would send."""
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    backoff: Backoff = field(default_factory=Backoff)
    on_created: Callable[[str, str], None] = lambda kind, ident: None
    okta_user_id: str | None = None
    scim_id: str | None = None

    # --- helpers ------------------------------------------------------------------------------------

    @property
    def direct(self) -> bool:
        """True for driver `direct`: no Okta org, this tool makes Okta's SCIM requests itself."""
        return self.okta is None

    def org(self) -> OktaClient:
        """The Okta client (driver `okta` only)."""
        assert self.okta is not None, "an Okta step ran under the direct driver"  # noqa: S101
        return self.okta

    def pusher(self) -> Provisioner:
        """The provisioner (driver `direct` only)."""
        assert self.provisioner is not None, "a direct step ran under the okta driver"  # noqa: S101
        return self.provisioner

    def take_warnings(self) -> list[str]:
        """Deviations the SCIM client noticed during the step."""
        return self.scim.take_warnings()

    def scim_profile(self, first_name: str) -> UserProfile:
        """The attributes Okta would push for the test user."""
        user = self.user
        return UserProfile(user.login, first_name, user.last_name, user.email, external_id=f"oscitest-{user.login}")

    def wait_for(
        self,
        what: str,
        result: StepResult,
        probe: Callable[[], Observation[Any]],
        expected: str,
        *,
        assigned: bool = True,
    ) -> Any:
        """Poll `probe`; on success record latency and polls, on timeout fail with Okta's view.

        While the user is `assigned`, every few looks also ask Okta how the push went: once Okta reports the
        push failed (`syncState` ERROR) waiting longer cannot help, so the check fails at once.
        """
        looks = 0

        def watched() -> Observation[Any]:
            nonlocal looks
            looks += 1
            seen = probe()
            if not seen.ok and assigned and looks % SYNC_CHECK_EVERY == 0:
                self._fail_if_push_failed(what, expected, seen)
            return seen

        # The poll is the retry loop here: no HTTP retry may wait past the step's deadline.
        self.scim.http.deadline = self.clock() + self.settings.step_timeout
        try:
            outcome = poll(
                watched, self.settings.step_timeout, backoff=self.backoff, clock=self.clock, sleep=self.sleep
            )
        finally:
            self.scim.http.deadline = None
        result.polls = outcome.polls
        if outcome.ok and outcome.last is not None:
            result.latency = outcome.elapsed
            return outcome.last.value
        if outcome.last is None and outcome.last_error is not None:
            # The server never gave a usable answer: that is the failure, not the missing change.
            raise outcome.last_error
        raise CheckFailed(
            f"{what} did not reach the SCIM server within {self.settings.step_timeout:g}s "
            f"({outcome.polls} polls over {outcome.elapsed:.1f}s)",
            expected=expected,
            actual=outcome.last_seen,
            diagnosis=self.okta_view(),
        )

    def _fail_if_push_failed(self, what: str, expected: str, seen: Observation[Any]) -> None:
        if self.okta is None or self.okta_user_id is None:
            return
        try:
            app_user = self.okta.get_app_user(self.app_id, self.okta_user_id)
        except OktaScimCiError:
            return
        if app_user.get("syncState") == "ERROR":
            raise CheckFailed(
                f"Okta reports that pushing {what[0].lower() + what[1:]} to the SCIM server failed (syncState "
                "ERROR); waiting longer cannot help",
                expected=expected,
                actual=seen.seen,
                diagnosis=self.okta_view(),
            )

    def okta_view(self) -> str:
        """What Okta says about pushing the test user: the assignment's state and System Log events."""
        if self.okta is None or self.okta_user_id is None:
            return ""
        parts = []
        try:
            app_user = self.okta.get_app_user(self.app_id, self.okta_user_id)
            parts.append(
                f"assignment status={app_user.get('status')}, syncState={app_user.get('syncState')}, "
                f"externalId={app_user.get('externalId')}"
            )
        except OktaApiError as exc:
            parts.append(
                "the user is not assigned to the app" if exc.status == 404 else f"assignment unreadable: {exc}"
            )
        except OktaScimCiError as exc:
            parts.append(f"assignment unreadable: {exc}")
        try:
            events = self.okta.provisioning_events(self.okta_user_id, since=self.started_at)
        except OktaScimCiError as exc:
            parts.append(f"System Log unreadable: {exc}")
        else:
            if events:
                parts.append("System Log: " + " | ".join(describe_event(event) for event in events[-5:]))
            else:
                parts.append("System Log: no provisioning events for this user (is provisioning enabled for the app?)")
        return "; ".join(parts)

    def need(self, value: str | None, what: str) -> str:
        """A value an earlier step should have produced."""
        if value is None:
            raise CheckFailed(f"no {what} from an earlier step")
        return value

    # --- Okta steps ---------------------------------------------------------------------------------

    def check_app(self, result: StepResult) -> None:
        """Step 1: the app exists, is ACTIVE, and has the provisioning features on (direct: the server answers)."""
        if self.direct:
            probe = f"{LOGIN_PREFIX}absent.{self.user.last_name}@{self.settings.test_user_domain}"
            found = self.scim.find_users(probe)
            if found:
                raise CheckFailed(f"a lookup of a userName nobody has ({probe!r}) found {len(found)} user(s)")
            result.actual = "GET /Users?filter=userName eq ... answers, and finds nobody for an unknown userName"
            return
        app = self.org().get_app(self.app_id)
        status = app.get("status")
        if status != "ACTIVE":
            raise CheckFailed(
                f"the app {app.get('label', self.app_id)!r} is {status}, so Okta will not provision to it; "
                "activate it in the Admin Console",
                expected="status ACTIVE",
                actual=f"status {status}",
            )
        features = app.get("features")
        if isinstance(features, list):
            for feature, label in NEEDED_FEATURES.items():
                if feature not in features:
                    result.warnings.append(
                        f"the app's provisioning feature {feature} ({label}) is off; steps that need it will time out. "
                        "Turn it on under Provisioning > To App."
                    )
        result.actual = f"{app.get('label', '?')} ({app.get('signOnMode', '?')}), status ACTIVE"

    def create_user(self, result: StepResult) -> None:
        """Step 2: create and activate the test user (direct: Okta's lookup before a create finds nobody)."""
        if self.direct:
            found = self.pusher().scim.find_users(self.user.login, paged=True)
            if found:
                raise CheckFailed(
                    f"the SCIM server already has a user with the new test login {self.user.login!r}",
                    expected="no user (the login is new)",
                    actual=f"{len(found)} user(s)",
                )
            result.actual = f"no user with userName {self.user.login!r} yet, as Okta expects before creating"
            return
        created = self.org().create_user(self.user.profile(), self.user.password)
        user_id = created.get("id")
        if not isinstance(user_id, str):
            raise CheckFailed("Okta's answer to creating the user has no id")
        self.okta_user_id = user_id
        self.on_created("okta_user", user_id)
        result.actual = f"{self.user.login} ({user_id})"

    def assign(self, result: StepResult) -> None:
        """Steps 3 and 10: assign the user to the app (direct: Okta's lookup, then create or reactivate)."""
        if self.direct:
            first = self.user.updated_first_name if self.scim_id else self.user.first_name
            scim_id = self.pusher().provision(self.scim_profile(first))
            result.actual = f"provisioned as id {scim_id}"
            return
        user_id = self.need(self.okta_user_id, "Okta user id")
        self.org().assign(self.app_id, user_id, self.user.login, self.settings.app_user_profile)

    def update_first_name(self, result: StepResult) -> None:
        """Step 5: change firstName (a partial update)."""
        if self.direct:
            self.pusher().push_profile(
                self.need(self.scim_id, "SCIM user id"), self.scim_profile(self.user.updated_first_name)
            )
        else:
            user_id = self.need(self.okta_user_id, "Okta user id")
            self.org().update_profile(user_id, {"firstName": self.user.updated_first_name})
        result.actual = f"firstName {self.user.first_name} -> {self.user.updated_first_name}"

    def deactivate(self, result: StepResult) -> None:
        """Step 7: deactivate the user in Okta (direct: PATCH or PUT `active: false`)."""
        if self.direct:
            self.pusher().set_active(self.need(self.scim_id, "SCIM user id"), False)
        else:
            self.org().deactivate_user(self.need(self.okta_user_id, "Okta user id"))

    def reactivate(self, result: StepResult) -> None:
        """Step 9: reactivate (activate from DEPROVISIONED, no e-mail); direct: nothing reaches the server yet."""
        if self.direct:
            result.actual = "no SCIM request: Okta pushes the reactivation with the reassignment"
        else:
            self.org().activate_user(self.need(self.okta_user_id, "Okta user id"))

    def unassign(self, result: StepResult) -> None:
        """Step 12: remove the assignment (direct: PATCH or PUT `active: false`, never DELETE)."""
        if self.direct:
            self.pusher().set_active(self.need(self.scim_id, "SCIM user id"), False)
        else:
            self.org().unassign(self.app_id, self.need(self.okta_user_id, "Okta user id"))

    # --- SCIM checks --------------------------------------------------------------------------------

    def user_created(self, result: StepResult) -> None:
        """Step 4: exactly one user with the login, with the right attributes; remember its id."""
        user = self.user
        expected = (
            f"one user with userName {user.login!r}, primary e-mail {user.email!r}, "
            f"name.givenName {user.first_name!r}, name.familyName {user.last_name!r}"
        )

        def probe() -> Observation[dict[str, Any]]:
            found = self.scim.find_users(user.login)
            if not found:
                return Observation(False, f"no user with userName {user.login!r}")
            strangers = [u for u in found if str(u.get("userName", "")).lower() != user.login.lower()]
            if strangers:
                return Observation(
                    False,
                    f"the server returned a different user than asked for: userName {strangers[0].get('userName')!r} "
                    "(does it ignore the filter?)",
                )
            if len(found) > 1:
                names = ", ".join(repr(u.get("userName")) for u in found[:5])
                return Observation(False, f"{len(found)} users for one userName ({names}): duplicates")
            candidate = found[0]
            problems = _differences(
                candidate,
                userName=user.login,
                email=user.email,
                givenName=user.first_name,
                familyName=user.last_name,
            )
            if problems:
                return Observation(False, "; ".join(problems), candidate)
            return Observation(True, "user found with matching attributes", candidate)

        found = self.wait_for("The new user", result, probe, expected)
        scim_id = found.get("id")
        if not isinstance(scim_id, str) or not scim_id:
            raise CheckFailed(
                "the SCIM server's user has no 'id'", expected="a non-empty string id", actual=repr(scim_id)
            )
        self.scim_id = scim_id
        result.actual = f"id {scim_id}"

    def name_updated(self, result: StepResult) -> None:
        """Step 6: name.givenName is the new firstName."""
        scim_id = self.need(self.scim_id, "SCIM user id")
        wanted = self.user.updated_first_name

        def probe() -> Observation[None]:
            given = name_part(self.scim.get_user(scim_id), "givenName")
            return Observation(given == wanted, f"name.givenName is {given!r}")

        self.wait_for("The firstName update", result, probe, f"name.givenName {wanted!r}")
        result.actual = f"name.givenName {wanted!r}"

    def _active_is(self, what: str, result: StepResult, wanted: bool) -> None:
        scim_id = self.need(self.scim_id, "SCIM user id")
        warnings: list[str] = []

        def probe() -> Observation[None]:
            user = self.scim.get_user(scim_id)
            if user.get("id") not in (None, scim_id):
                return Observation(False, f"GET /Users/{scim_id} returned a different user, id {user.get('id')!r}")
            active, warning = _active(user)
            warnings[:] = [warning] if warning else []
            return Observation(active is wanted, _describe_active(user))

        self.wait_for(what, result, probe, f"active is {str(wanted).lower()}", assigned=wanted)
        result.warnings += warnings
        result.actual = f"active is {str(wanted).lower()}"

    def deactivated(self, result: StepResult) -> None:
        """Step 8: active is false."""
        self._active_is("The deactivation", result, False)

    def reactivated(self, result: StepResult) -> None:
        """Step 11: active is true again, on the same user (no twin created)."""
        self._active_is("The reactivation", result, True)
        twins = self.scim.find_users(self.user.login)
        if len(twins) > 1:
            ids = ", ".join(str(u.get("id")) for u in twins[:5])
            raise CheckFailed(
                "reassignment left more than one user with the test userName on the SCIM server",
                expected=f"one user, id {self.scim_id}",
                actual=f"{len(twins)} users: {ids}",
            )

    def unassigned(self, result: StepResult) -> None:
        """Step 13: active is false after unassignment (Okta never DELETEs)."""
        self._active_is("The unassignment", result, False)

    # --- cleanup ------------------------------------------------------------------------------------

    def cleanup(self, result: StepResult) -> None:
        """Remove the Okta test user (deactivate + delete), and the SCIM user if `scim_cleanup` is set.

        Under the direct driver the test user exists only on the SCIM server, so it is deleted there.
        """
        done: list[str] = []
        problems: list[str] = []
        if not self.direct:
            self._remove_okta_user(done, problems)
        if self.scim_id is not None and (self.settings.scim_cleanup or self.direct):
            if self.direct and self.settings.keep_test_user:
                done.append(f"kept SCIM user {self.scim_id} as keep_test_user is set")
            else:
                try:
                    self.scim.delete_user(self.scim_id)
                    done.append(f"deleted SCIM user {self.scim_id}")
                except OktaScimCiError as exc:
                    problems.append(f"could not delete SCIM user {self.scim_id}: {exc}")
        result.actual = "; ".join(done)
        if problems:
            raise CheckFailed("; ".join(problems))

    def _remove_okta_user(self, done: list[str], problems: list[str]) -> None:
        if self.okta_user_id is None:
            done.append("no Okta user was created")
        elif self.settings.keep_test_user:
            done.append(f"kept Okta user {self.user.login} ({self.okta_user_id}) as keep_test_user is set")
        else:
            try:
                self.org().delete_user(self.okta_user_id)
                done.append(f"deleted Okta user {self.okta_user_id}")
            except OktaScimCiError as exc:
                problems.append(
                    f"could not delete Okta user {self.user.login} ({self.okta_user_id}): {exc}. The run's state "
                    "file keeps it: run `okta-scim-ci cleanup` once Okta answers again."
                )


def _differences(user: dict[str, Any], **wanted: str) -> list[str]:
    """What differs between a SCIM user and the expected attributes, in words."""
    seen = {
        "userName": user.get("userName"),
        "email": primary_email(user),
        "givenName": name_part(user, "givenName"),
        "familyName": name_part(user, "familyName"),
    }
    problems = []
    for key, expected in wanted.items():
        actual = seen[key]
        if actual == expected:
            continue
        label = {
            "email": "primary e-mail",
            "givenName": "name.givenName",
            "familyName": "name.familyName",
        }.get(key, key)
        if key == "userName" and isinstance(actual, str) and actual.lower() == expected.lower():
            problems.append(f"userName is {actual!r}: the server changed its case (Okta compares it exactly)")
        elif key == "userName":
            problems.append(f"the server returned a different user than asked for: userName {actual!r}")
        else:
            problems.append(f"{label} is {actual!r}")
    return problems


def _active(user: dict[str, Any]) -> tuple[bool | None, str]:
    """`active` as a boolean, and a warning when it is a string (accepted, as Okta's suite does)."""
    value = user.get("active")
    if isinstance(value, bool):
        return value, ""
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true", (
            f"active is the string {value!r}, not a JSON boolean (RFC 7643 §4.1.1); Okta's suite accepts it, "
            "strict SCIM clients do not"
        )
    return None, ""


def _describe_active(user: dict[str, Any]) -> str:
    if "active" not in user:
        return "the user has no 'active' attribute"
    return (
        f"active is {user['active']!r}"
        if not isinstance(user["active"], bool)
        else f"active is {str(user['active']).lower()}"
    )


STEPS = (
    Step("app", "app exists and can provision", Lifecycle.check_app),
    Step("create", "create test user", Lifecycle.create_user, ("app",)),
    Step("assign", "assign user to app", Lifecycle.assign, ("create",)),
    Step("created", "user created on SCIM server", Lifecycle.user_created, ("assign",)),
    Step("update", "update firstName", Lifecycle.update_first_name, ("assign",)),
    Step("updated", "update reached SCIM server", Lifecycle.name_updated, ("created", "update")),
    Step("deactivate", "deactivate user", Lifecycle.deactivate, ("assign",)),
    Step("deactivated", "deactivation reached SCIM server", Lifecycle.deactivated, ("created", "deactivate")),
    Step("reactivate", "reactivate user", Lifecycle.reactivate, ("deactivate",)),
    Step("reassign", "reassign app", Lifecycle.assign, ("reactivate",)),
    Step("reactivated", "reactivation reached SCIM server", Lifecycle.reactivated, ("deactivated", "reassign")),
    Step("unassign", "unassign app", Lifecycle.unassign, ("reassign",)),
    Step("unassigned", "unassignment reached SCIM server", Lifecycle.unassigned, ("reactivated", "unassign")),
)
CLEANUP = Step("cleanup", "cleanup", Lifecycle.cleanup)

# Step names under the direct driver, where this tool sends the SCIM requests Okta's provisioning would send.
DIRECT_NAMES = {
    "app": "SCIM server answers user lookups",
    "create": "lookup before create finds nobody",
    "assign": "create user (POST /Users, as Okta does)",
    "update": "update firstName (GET + PUT, as Okta does)",
    "deactivate": "deactivate user (as Okta does)",
    "reactivate": "reactivate user (no request yet)",
    "reassign": "reassign: lookup, then reactivate",
    "unassign": "unassign: deactivate, never DELETE",
}


def run_crud(life: Lifecycle, on_step: Callable[[StepResult], None]) -> tuple[SuiteResult, RunCancelled | None]:
    """Run the 13 steps and the cleanup. Returns the suite result and the cancel signal, if one came."""
    suite = SuiteResult(name="crud", title="Okta CRUD provisioning lifecycle", started_at=life.started_at)
    steps = [Step(step.id, DIRECT_NAMES.get(step.id, step.name), step.run, step.requires) for step in STEPS]
    cancelled = run_suite(suite, steps if life.direct else STEPS, CLEANUP, life, on_step)
    return suite, cancelled
