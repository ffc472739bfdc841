"""Settings -> clients -> suite -> `RunResult`. No printing here: progress goes to the `on_step` callback."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import __version__
from .errors import RunCancelled
from .http import OKTA, SCIM, HttpClient, RetryPolicy, Target, Transcript
from .okta import OktaClient
from .polling import Backoff
from .provisioner import USER_AGENT as PROVISIONER_AGENT
from .provisioner import Provisioner
from .redact import Redactor
from .results import RunResult, StepResult, SuiteResult
from .scim import ScimClient
from .settings import Settings
from .suites.crud import Lifecycle, TestUser, new_run_id, new_test_user, run_crud
from .suites.spec import SpecRun, run_spec


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
        names = []
        for name in settings.suites:
            if name == "crud":
                driver = settings.chosen_driver
                why = (
                    ""
                    if settings.driver
                    else (", chosen: Okta settings given" if driver == "okta" else ", chosen: no Okta settings given")
                )
                names.append(f"crud (driver {driver}{why})")
            else:
                names.append(f"spec ({'strict' if settings.strict else 'Optional tests only warn'})")
        facts = {"version": f"okta-scim-ci {__version__}", "run id": self.run_id, "suites": ", ".join(names)}
        if self.uses_okta:
            facts["Okta"] = f"{settings.okta_org_url}, app {settings.okta_app_id}"
        facts["SCIM"] = f"{settings.scim_url} (SCIM {settings.scim_version})"
        facts["test user"] = self.user.login
        facts["timeout"] = f"{settings.step_timeout:g}s per SCIM check"
        return facts

    @property
    def uses_okta(self) -> bool:
        """True when the run talks to an Okta org (suite crud with driver okta)."""
        return "crud" in self.settings.suites and self.settings.chosen_driver == "okta"


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
    """Run the suites the plan names and return the result (cancellation included, never raised)."""
    timing = timing or Timing()
    settings = the_plan.settings
    assert settings.scim_url  # noqa: S101 - load_settings required it
    transcript = Transcript()
    clients = [client(SCIM, settings.scim_url, settings.scim_authorization, settings, redactor, timing, transcript)]
    scim = ScimClient(clients[0], settings.scim_version)
    suites: list[SuiteResult] = []
    cancelled: RunCancelled | None = None
    life: Lifecycle | None = None
    started = timing.clock()
    try:
        for name in settings.suites:
            if cancelled is not None:
                break
            if name == "crud":
                life = _lifecycle(the_plan, redactor, timing, transcript, scim, clients, on_created)
                suite, cancelled = run_crud(life, on_step)
            else:
                spec = SpecRun(settings, scim, transcript, redactor, clock=timing.clock)
                suite, cancelled = run_spec(spec, on_step, the_plan.started_at)
            suites.append(suite)
    finally:
        for http in clients:
            http.close()
    properties = {"suites": ",".join(settings.suites), "test_user": the_plan.user.login, **settings.public_view()}
    properties["http_requests"] = str(sum(http.requests_made for http in clients))
    return RunResult(
        run_id=the_plan.run_id,
        tool_version=__version__,
        started_at=the_plan.started_at,
        suites=suites,
        duration=timing.clock() - started,
        properties={key: redactor.text(value) for key, value in properties.items()},
        cancelled_by=cancelled.signal_name if cancelled else None,
        okta_user_id=life.okta_user_id if life else None,
        test_user_login=the_plan.user.login,
    )


def _lifecycle(
    the_plan: Plan,
    redactor: Redactor,
    timing: Timing,
    transcript: Transcript,
    scim: ScimClient,
    clients: list[HttpClient],
    on_created: Callable[[str, str], None],
) -> Lifecycle:
    """The crud suite's context for the chosen driver; new HTTP clients are added to `clients`."""
    settings = the_plan.settings
    okta = provisioner = None
    if the_plan.uses_okta:
        assert settings.okta_org_url and settings.okta_app_id  # noqa: S101 - load_settings required them
        clients.append(
            client(OKTA, settings.okta_org_url, settings.okta_authorization, settings, redactor, timing, transcript)
        )
        okta = OktaClient(clients[-1])
    else:
        assert settings.scim_url  # noqa: S101 - load_settings required it
        pushes = client(SCIM, settings.scim_url, settings.scim_authorization, settings, redactor, timing, transcript)
        pushes.session.headers["User-Agent"] = PROVISIONER_AGENT
        clients.append(pushes)
        provisioner = Provisioner(ScimClient(pushes, settings.scim_version), settings.okta_update_method)
    return Lifecycle(
        settings=settings,
        okta=okta,
        provisioner=provisioner,
        scim=scim,
        transcript=transcript,
        redactor=redactor,
        user=the_plan.user,
        app_id=settings.okta_app_id or "",
        started_at=the_plan.started_at,
        clock=timing.clock,
        sleep=timing.sleep,
        backoff=timing.backoff,
        on_created=on_created,
    )
