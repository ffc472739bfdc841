"""Settings -> clients -> suite -> `RunResult`. No printing here: progress goes to the `on_step` callback."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import __version__
from .http import HttpClient, RetryPolicy, Target, Transcript
from .okta import OktaClient
from .polling import Backoff
from .redact import Redactor
from .results import RunResult, StepResult
from .scim import ScimClient
from .settings import Settings
from .suites.crud import Lifecycle, TestUser, new_run_id, new_test_user, run_crud

OKTA = Target("Okta", "okta_org_url", "okta_token")
SCIM = Target("the SCIM server", "scim_url", "scim_auth")


@dataclass(frozen=True)
class Timing:
    """Clocks, sleeps and intervals; tests and benchmarks swap them in."""

    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    backoff: Backoff = field(default_factory=Backoff)
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass
class Plan:
    """What a run is about to do, decided before anything is sent (so it can be printed first)."""

    settings: Settings
    run_id: str
    user: TestUser
    started_at: str

    def facts(self) -> dict[str, str]:
        """Header lines for the console and properties for reports."""
        settings = self.settings
        return {
            "okta-scim-ci": __version__,
            "run id": self.run_id,
            "suite": "crud (driver okta)",
            "Okta": f"{settings.okta_org_url}, app {settings.okta_app_id}",
            "SCIM": f"{settings.scim_url} (SCIM {settings.scim_version})",
            "test user": self.user.login,
            "timeout": f"{settings.step_timeout:g}s per SCIM check",
        }


def plan(settings: Settings, redactor: Redactor) -> Plan:
    """Choose the run id and the test user; register every secret with the redactor."""
    for secret in settings.secret_values():
        redactor.add(secret)
    run_id = new_run_id()
    user = new_test_user(run_id, settings.test_user_domain)
    redactor.add(user.password)
    started = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Plan(settings, run_id, user, started)


def client(
    target: Target,
    base_url: str,
    authorization: str | None,
    settings: Settings,
    redactor: Redactor,
    timing: Timing,
    transcript: Transcript | None,
) -> HttpClient:
    """An `HttpClient` configured from the settings."""
    return HttpClient(
        target,
        base_url,
        authorization,
        redactor=redactor,
        timeout=settings.http_timeout,
        verify=settings.tls_verify,
        transcript=transcript,
        retry=timing.retry,
        clock=timing.clock,
        wall=timing.wall,
        sleep=timing.sleep,
    )


def execute(
    the_plan: Plan,
    redactor: Redactor,
    on_step: Callable[[StepResult], None],
    *,
    timing: Timing | None = None,
    on_created: Callable[[str, str], None] = lambda kind, ident: None,
) -> RunResult:
    """Run the lifecycle the plan describes and return the result (cancellation included, never raised)."""
    timing = timing or Timing()
    settings = the_plan.settings
    assert settings.okta_org_url and settings.scim_url and settings.okta_app_id  # noqa: S101 - load_settings required them
    transcript = Transcript()
    okta_http = client(OKTA, settings.okta_org_url, settings.okta_authorization, settings, redactor, timing, transcript)
    scim_http = client(SCIM, settings.scim_url, settings.scim_authorization, settings, redactor, timing, transcript)
    life = Lifecycle(
        settings=settings,
        okta=OktaClient(okta_http),
        scim=ScimClient(scim_http, settings.scim_version),
        transcript=transcript,
        redactor=redactor,
        user=the_plan.user,
        app_id=settings.okta_app_id,
        started_at=the_plan.started_at,
        clock=timing.clock,
        sleep=timing.sleep,
        backoff=timing.backoff,
        on_created=on_created,
    )
    started = timing.clock()
    try:
        suite, cancelled = run_crud(life, on_step)
    finally:
        okta_http.close()
        scim_http.close()
    properties = {
        "suite": "crud",
        "driver": "okta",
        "test_user": the_plan.user.login,
        **settings.public_view(),
    }
    properties["http_requests"] = str(okta_http.requests_made + scim_http.requests_made)
    return RunResult(
        run_id=the_plan.run_id,
        tool_version=__version__,
        started_at=the_plan.started_at,
        suites=[suite],
        duration=timing.clock() - started,
        properties={key: redactor.text(value) for key, value in properties.items()},
        cancelled_by=cancelled.signal_name if cancelled else None,
        okta_user_id=life.okta_user_id,
        test_user_login=the_plan.user.login,
    )
