"""Suite `spec`: Okta's SCIM SPEC test (Runscope), straight against the SCIM server, without fixed pauses.

SCIM 2.0 has Okta's 12 checks, SCIM 1.1 its 16, each named as in Okta's suite ("Required Test: ...",
"Optional Test: ..."). Unlike Okta's suite this one needs no pre-existing user (it creates one if the list is
empty, and says so) and deletes every user it creates. An Optional test that fails is a warning unless
`strict` is set. Where a server deviates in a way Okta's provisioning accepts (a 404 for "not found", a string
`"true"`, `application/json`), the check passes with a warning that cites the source.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ResponseError, RunCancelled
from ..http import Response, Transcript
from ..redact import Redactor
from ..results import StepResult, SuiteResult
from ..scim import SCIM11_CORE, SCIM20_ERROR, SCIM20_LIST, SCIM20_USER, ScimClient
from ..settings import Settings
from .crud import LOGIN_PREFIX
from .steps import CheckFailed, Step, run_suite

OKTA_NOT_FOUND = (
    "Okta's provisioning accepts a 404 'User not found' for a lookup (Okta SCIM 2.0 reference, Create Users)"
)
USER_FIELDS = ("id", "name.familyName", "name.givenName", "userName", "active", "emails[0].value")


def _value(document: Any, path: str) -> Any:
    """`Resources[0].name.givenName`-style lookup; None when any part is missing."""
    current = document
    for part in path.replace("]", "").replace("[", ".").split("."):
        if isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass
class SpecRun:
    """State of one run of the SPEC suite."""

    settings: Settings
    scim: ScimClient
    transcript: Transcript
    redactor: Redactor
    clock: Callable[[], float] = time.monotonic
    created: list[str] = field(default_factory=list)
    first_id: str | None = None
    user_one: str | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        rand = secrets.SystemRandom()
        self.given = "Runscope" + "".join(rand.choices(string.digits, k=3))
        self.family = rand.choice(string.ascii_uppercase) + "".join(rand.choices(string.ascii_lowercase, k=8))
        self.family += "".join(rand.choices(string.digits, k=3))
        self.email = f"{LOGIN_PREFIX}spec.{self.given}{self.family}@{self.domain}"

    @property
    def domain(self) -> str:
        """E-mail domain of the users this suite creates."""
        return self.settings.test_user_domain

    @property
    def strict(self) -> bool:
        """Whether Optional tests fail the run."""
        return self.settings.strict

    @property
    def v2(self) -> bool:
        """SCIM 2.0 (else 1.1)."""
        return self.scim.version == "2.0"

    @property
    def list_schema(self) -> str:
        """The ListResponse schema URN of this version."""
        return SCIM20_LIST if self.v2 else SCIM11_CORE

    def take_warnings(self) -> list[str]:
        """Deviations and notes gathered during the step."""
        taken, self.notes = self.scim.take_warnings() + self.notes, []
        return taken

    # --- helpers ------------------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, params: Mapping[str, str | int] | None = None, **kwargs: Any
    ) -> Response:
        """One request to the SCIM server (no judgement of the status)."""
        return self.scim.http.request(method, path, params=params, **kwargs)

    def expect(self, response: Response, *statuses: int) -> None:
        """Fail unless the status is one of `statuses`."""
        if response.status not in statuses:
            raise CheckFailed(
                f"{response.where()} answered {response.status}",
                expected=" or ".join(f"HTTP {s}" for s in statuses),
                actual=f"HTTP {response.status}: {' '.join(response.text.split())[:300]}",
            )

    def document(self, response: Response) -> dict[str, Any]:
        """The JSON object of a successful answer (content type noted)."""
        self.scim.note_content_type(response)
        body = response.json()
        if not isinstance(body, dict):
            raise ResponseError(f"the SCIM server answered {response.where()} with JSON that is not an object")
        return body

    def not_empty(self, document: dict[str, Any], *paths: str, prefix: str = "") -> None:
        """Fail naming every attribute that is missing or empty."""
        missing = [prefix + path for path in paths if _empty(_value(document, prefix + path))]
        if missing:
            raise CheckFailed(f"missing or empty: {', '.join(missing)}", expected="every attribute present")

    def equal(self, document: dict[str, Any], **wanted: str) -> None:
        """Fail naming every attribute (dotted path, `__` for `.`) whose value differs."""
        wrong = []
        for key, expected in wanted.items():
            path = key.replace("__", ".")
            actual = _value(document, path)
            if actual != expected:
                wrong.append(f"{path} is {actual!r}, expected {expected!r}")
        if wrong:
            raise CheckFailed("; ".join(wrong))

    def has_schema(self, document: dict[str, Any], schema: str) -> None:
        """Fail unless `schemas` lists `schema`."""
        schemas = document.get("schemas")
        if not isinstance(schemas, list) or schema not in schemas:
            raise CheckFailed(f"schemas does not contain {schema!r}", expected=schema, actual=repr(schemas))

    def numbers(self, document: dict[str, Any], *names: str) -> None:
        """Fail unless each attribute is a JSON number (Okta: "exchanged as integers, not as strings")."""
        wrong = [f"{n} is {document.get(n)!r}" for n in names if type(document.get(n)) not in (int, float)]
        if wrong:
            raise CheckFailed("not numbers: " + ", ".join(wrong), expected="integers (Okta SCIM reference, Read)")

    def user_body(self, email: str | None = None) -> dict[str, Any]:
        """Okta's "realistic values" user (by default the suite's random user)."""
        email = email or self.email
        return {
            "schemas": [SCIM20_USER if self.v2 else SCIM11_CORE],
            "userName": email,
            "name": {"givenName": self.given, "familyName": self.family},
            "emails": [{"primary": True, "value": email, "type": "work"}],
            "displayName": f"{self.given} {self.family}",
            "active": True,
        }

    def lookup_absent(self, user_name: str, result: StepResult) -> None:
        """A lookup of a user that does not exist: 200 with totalResults 0 (or a 404, with a warning)."""
        response = self.request("GET", "/Users", params={"filter": f'userName eq "{user_name}"'})
        if response.status == 404:
            self.notes.append(
                f"the lookup answered 404 instead of an empty list: {OKTA_NOT_FOUND}; Okta's SPEC test wants 200"
            )
            return
        self.expect(response, 200)
        document = self.document(response)
        self.has_schema(document, self.list_schema)
        if document.get("totalResults") not in (0, "0"):
            raise CheckFailed(
                "a lookup of a user that does not exist found something",
                expected="totalResults 0",
                actual=f"totalResults {document.get('totalResults')!r}",
            )
        result.actual = "200, totalResults 0"

    def error_body(self, response: Response, status: int) -> None:
        """A SCIM error body: `detail` (2.0) or `Errors[].description` (1.1), and for 2.0 the Error schema."""
        try:
            document = response.json()
        except ResponseError as exc:
            raise CheckFailed(f"the {status} answer has no SCIM error body: {exc}") from None
        if not isinstance(document, dict):
            raise CheckFailed(f"the {status} answer's body is not a SCIM error object")
        if self.v2:
            self.not_empty(document, "detail")
            self.has_schema(document, SCIM20_ERROR)
            if str(document.get("status")) != str(status):
                raise CheckFailed(f"the error's status is {document.get('status')!r}", expected=f'"{status}"')
        elif _empty(document.get("detail")) and _empty(_value(document, "Errors[0].description")):
            raise CheckFailed("the error has neither detail nor Errors[0].description")

    # --- the checks ---------------------------------------------------------------------------------

    def users_endpoint(self, result: StepResult) -> None:
        """GET /Users?count=1&startIndex=1: a ListResponse with a complete first user."""
        response = self.request("GET", "/Users", params={"count": 1, "startIndex": 1})
        self.expect(response, 200)
        document = self.document(response)
        if _empty(document.get("Resources")):
            seeded = self.create(self.user_body(self.email.replace(f"{LOGIN_PREFIX}spec.", f"{LOGIN_PREFIX}seed.")))
            self.notes.append(f"the server had no users; created one ({seeded}) to test with, deleted at the end")
            response = self.request("GET", "/Users", params={"count": 1, "startIndex": 1})
            self.expect(response, 200)
            document = self.document(response)
        self.has_schema(document, self.list_schema)
        self.numbers(document, "itemsPerPage", "startIndex", "totalResults")
        self.not_empty(document, *USER_FIELDS, prefix="Resources[0].")
        self.first_id = str(_value(document, "Resources[0].id"))
        result.actual = f"first user {self.first_id}"

    def get_user(self, result: StepResult) -> None:
        """GET /Users/{id} of the first listed user."""
        if self.first_id is None:
            raise CheckFailed("no user id from 'Test Users endpoint'")
        response = self.request("GET", f"/Users/{self.first_id}")
        self.expect(response, 200)
        document = self.document(response)
        self.not_empty(document, *USER_FIELDS)
        self.equal(document, id=self.first_id)

    def invalid_user_by_name(self, result: StepResult) -> None:
        """A lookup of `abcdefgh@atko.com`-style nobody finds nothing."""
        self.lookup_absent(f"{LOGIN_PREFIX}nobody.{secrets.token_hex(4)}@{self.domain}", result)

    def invalid_user_by_id(self, result: StepResult) -> None:
        """GET /Users/<id that does not exist> is a 404 with a SCIM error."""
        response = self.request("GET", "/Users/010101001010101011001010101011")
        self.expect(response, 404)
        self.error_body(response, 404)

    def random_user_absent(self, result: StepResult) -> None:
        """The random user the suite is about to create does not exist yet."""
        self.lookup_absent(self.email, result)

    def create(self, body: dict[str, Any]) -> str:
        """POST a user, remember it for cleanup, return its id."""
        response = self.request("POST", "/Users", json_body=body)
        self.expect(response, 201)
        document = self.document(response)
        user_id = document.get("id")
        if _empty(user_id):
            raise CheckFailed("the created user has no id")
        self.created.append(str(user_id))
        return str(user_id)

    def create_user(self, result: StepResult) -> None:
        """POST /Users with realistic values: 201 and the user echoed back."""
        response = self.request("POST", "/Users", json_body=self.user_body())
        self.expect(response, 201)
        document = self.document(response)
        if not _empty(document.get("id")):
            self.created.append(str(document["id"]))
            self.user_one = str(document["id"])
        self.not_empty(document, "id")
        active = document.get("active")
        if isinstance(active, str) and active.lower() == "true":
            self.notes.append(
                "active is the string 'true', not a JSON boolean (RFC 7643 §4.1.1); Okta's suite accepts it"
            )
        elif active is not True:
            raise CheckFailed(f"active is {active!r}", expected="true")
        self.equal(document, name__familyName=self.family, name__givenName=self.given, userName=self.email)
        self.has_schema(document, SCIM20_USER if self.v2 else SCIM11_CORE)
        result.actual = f"201, id {self.user_one}"

    def verify_created(self, result: StepResult) -> None:
        """GET /Users/{id} of the created user."""
        if self.user_one is None:
            raise CheckFailed("no id from 'Create Okta user with realistic values'")
        response = self.request("GET", f"/Users/{self.user_one}")
        self.expect(response, 200)
        self.equal(
            self.document(response), userName=self.email, name__familyName=self.family, name__givenName=self.given
        )

    def recreate_fails(self, result: StepResult) -> None:
        """POSTing the same user again is a 409."""
        response = self.request("POST", "/Users", json_body=self.user_body())
        if response.status in (200, 201):
            document = response.json()
            if isinstance(document, dict) and document.get("id"):
                self.created.append(str(document["id"]))
        self.expect(response, 409)

    def case_sensitivity(self, result: StepResult) -> None:
        """2.0: a lookup with the userName in upper case answers 200 (it should find the user: RFC 7643 §2.2)."""
        response = self.request("GET", "/Users", params={"filter": f'userName eq "{self.email.upper()}"'})
        self.expect(response, 200)
        document = self.document(response)
        if document.get("totalResults") in (0, "0"):
            self.notes.append("userName lookups are case-sensitive here; RFC 7643 §2.2 makes userName case-insensitive")

    def malformed_filter(self, result: StepResult) -> None:
        """1.1: `filter=<USERNAME>` without attribute and operator is a 400."""
        response = self.request("GET", "/Users", params={"filter": self.email.upper()})
        self.expect(response, 400)

    def groups_endpoint(self, result: StepResult) -> None:
        """GET /Groups answers 200 with a list (1.1's suite also wants at least one group)."""
        response = self.request("GET", "/Groups")
        self.expect(response, 200)
        document = self.document(response)
        resources = document.get("Resources")
        if not self.v2 and not (isinstance(resources, list) and resources):
            raise CheckFailed("no groups listed", expected="Resources, an array with at least one group")
        if resources is not None and not isinstance(resources, list):
            raise CheckFailed("Resources is not an array")

    def status_401(self, result: StepResult) -> None:
        """A request with a wrong Authorization is a 401 with a SCIM error."""
        response = self.request(
            "GET",
            "/Users",
            params={"filter": f'userName eq "{self.email.upper()}"'},
            headers={"Authorization": "non-token"},
        )
        self.expect(response, 401)
        self.error_body(response, 401)

    def status_404(self, result: StepResult) -> None:
        """GET /Users/00919288221112222 is a 404 with a SCIM error."""
        response = self.request("GET", "/Users/00919288221112222")
        self.expect(response, 404)
        self.error_body(response, 404)

    def cleanup(self, result: StepResult) -> None:
        """DELETE every user this suite created (Okta's suite leaves them behind)."""
        failed = []
        for user_id in self.created:
            response = self.request("DELETE", f"/Users/{user_id}")
            if response.status not in (200, 204, 404):
                failed.append(f"{user_id} ({response.status})")
        result.actual = f"deleted {len(self.created) - len(failed)} user(s)"
        if failed:
            raise CheckFailed(f"could not delete the test user(s) {', '.join(failed)}; remove them by hand")


def discovery(path: str, *fields: str, list_schema: bool = False) -> Callable[[SpecRun, StepResult], None]:
    """1.1's optional discovery checks: GET answers 200 with the listed attributes."""

    def check(run: SpecRun, result: StepResult) -> None:
        response = run.request("GET", path)
        run.expect(response, 200)
        document = run.document(response)
        run.has_schema(document, f"{SCIM11_CORE}:ListResponse" if list_schema else SCIM11_CORE)
        run.not_empty(document, *fields)

    return check


def read_only(path: str) -> Callable[[SpecRun, StepResult], None]:
    """1.1's optional checks that a discovery endpoint refuses POST with 405."""

    def check(run: SpecRun, result: StepResult) -> None:
        run.expect(run.request("POST", path, json_body="test"), 405)

    return check


def _optional(check: Callable[[SpecRun, StepResult], None]) -> Callable[[SpecRun, StepResult], None]:
    """An Optional test: its failure is a warning unless `strict` is set."""

    def run(spec: SpecRun, result: StepResult) -> None:
        try:
            check(spec, result)
        except CheckFailed as exc:
            if spec.strict:
                raise
            spec.notes.append(f"Optional test failed (warning only; set strict to fail): {exc}")
            result.actual = "failed, as a warning"

    return run


def spec_steps(version: str) -> list[Step]:
    """Okta's SPEC checks for `version`, in Okta's order, named as in Okta's suite."""
    required = [
        Step("users", "Required Test: Test Users endpoint", SpecRun.users_endpoint),
        Step("get-user", "Required Test: Get Users/{{id}}", SpecRun.get_user, ("users",)),
        Step("invalid-name", "Required Test: Test invalid User by username", SpecRun.invalid_user_by_name),
        Step("invalid-id", "Required Test: Test invalid User by ID", SpecRun.invalid_user_by_id),
        Step("absent", "Required Test: Make sure random user doesn't exist", SpecRun.random_user_absent),
        Step("create", "Required Test: Create Okta user with realistic values", SpecRun.create_user, ("absent",)),
        Step("verify", "Required Test: Verify that user was created", SpecRun.verify_created, ("create",)),
        Step(
            "recreate",
            "Required Test: Expect failure when recreating user with same values",
            SpecRun.recreate_fails,
            ("create",),
        ),
    ]
    if version == "2.0":
        return [
            *required,
            Step("case", "Required Test: Username Case Sensitivity Check", SpecRun.case_sensitivity, ("create",)),
            Step("groups", "Optional Test: Verify Groups endpoint", _optional(SpecRun.groups_endpoint)),
            Step("401", "Required Test: Check status 401", SpecRun.status_401),
            Step("404", "Required Test: Check status 404", SpecRun.status_404),
        ]
    spc_fields = (
        "patch",
        "bulk",
        "filter",
        "changePassword",
        "sort",
        "etag",
        "authenticationSchemes",
        "filter.maxResults",
        "bulk.maxOperations",
        "bulk.maxPayloadSize",
    )
    type_fields = ("Resources[0].name", "Resources[0].endpoint", "Resources[0].schema")
    return [
        Step(
            "spc",
            "Optional Test: Test ServiceProviderConfig endpoint",
            _optional(discovery("/ServiceProviderConfigs", *spc_fields)),
        ),
        Step(
            "spc-ro",
            "Optional Test: Check if ServiceProviderConfig is read-only",
            _optional(read_only("/ServiceProviderConfigs")),
        ),
        Step(
            "types", "Optional Test: Check ResourceTypes endpoint", _optional(discovery("/ResourceTypes", *type_fields))
        ),
        Step("types-ro", "Optional Test: Check if ResourceTypes is read-only", _optional(read_only("/ResourceTypes"))),
        Step(
            "schemas",
            "Optional Test: Check Schemas endpoint",
            _optional(discovery("/Schemas", "Resources[0].id", "Resources[0].attributes", list_schema=True)),
        ),
        Step("schemas-ro", "Optional Test: Check if Schemas is read-only", _optional(read_only("/Schemas"))),
        *required,
        Step("case", "Required Test: Username Case Sensitivity Check", SpecRun.malformed_filter),
        Step("groups", "Optional Test: Verify Groups endpoint", _optional(SpecRun.groups_endpoint)),
    ]


SPEC_CLEANUP = Step("cleanup", "cleanup: delete the users this suite created", SpecRun.cleanup)


def run_spec(
    spec: SpecRun, on_step: Callable[[StepResult], None], started_at: str
) -> tuple[SuiteResult, RunCancelled | None]:
    """Run Okta's SPEC checks for the server's SCIM version, then delete what they created."""
    title = f"Okta SCIM {spec.scim.version} SPEC test"
    suite = SuiteResult(name="spec", title=title, started_at=started_at)
    cancelled = run_suite(suite, spec_steps(spec.scim.version), SPEC_CLEANUP, spec, on_step)
    return suite, cancelled
