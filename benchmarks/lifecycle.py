"""Lifecycle benchmark: okta-scim-ci's polling vs Okta's fixed-pause CRUD schedule, on the same sandbox.

For each provisioning latency L it runs the full lifecycle several times with okta-scim-ci (real HTTP on
loopback, real clock) and prints wall time, overhead beyond the provisioning latencies, detection lag (push
landed on the SCIM server -> our check saw it), HTTP requests, and peak RSS. In the same run it replays Okta's
Runscope CRUD schedule against the same kind of sandbox: its fixed pauses and one GET per check. The pauses are
replayed at a time scale (default 1/20, latency scaled alike, so the pass/fail outcome is what it would be at
full scale) and its wall time is reported at full scale: measured time minus scaled pauses plus real pauses.

    python benchmarks/lifecycle.py            # L = 0.2, 1, 5 s and a jittered 0.2-3 s, 3 runs each
    python benchmarks/lifecycle.py --quick    # L = 0.2, 1 s, 2 runs each
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from okta_scim_ci.http import OKTA, SCIM, HttpClient
from okta_scim_ci.okta import OktaClient
from okta_scim_ci.redact import Redactor
from okta_scim_ci.results import StepResult
from okta_scim_ci.runner import execute, plan
from okta_scim_ci.sandbox import Sandbox
from okta_scim_ci.scim import ScimClient
from okta_scim_ci.settings import REQUIRED_FOR_RUN, load_settings
from okta_scim_ci.suites.crud import new_run_id, new_test_user

SCIM_CHECKS = ("created", "updated", "deactivated", "reactivated", "unassigned")
# Okta's CRUD suite for SCIM 2.0: the pause after each Okta action, before its one verification GET.
RUNSCOPE_PAUSES_20 = {
    "assign": 20,
    "update": 20,
    "deactivate": 20,
    "reassign": 20,
    "before_unassign": 40,
    "unassign": 40,
}


@dataclass
class Ours:
    wall: float
    passed: bool
    lags: list[float]
    requests: int
    requests_per_check: float


@dataclass
class Fixed:
    wall_full_scale: float
    passed: bool
    requests: int


def run_ours(latency: float, jitter: float, tmp: Path) -> Ours:
    with Sandbox(latency=latency, jitter=jitter) as box:
        env = {key.lower(): value for key, value in box.environment().items()}
        settings = load_settings(
            {**env, "junit_path": str(tmp / "junit.xml"), "step_timeout": "120"},
            required=REQUIRED_FOR_RUN,
            env_file=None,
        )
        redactor = Redactor()
        detected: dict[str, float] = {}

        def on_step(step: StepResult) -> None:
            detected[step.id] = time.monotonic()

        started = time.monotonic()
        result = execute(plan(settings, redactor), redactor, on_step)
        wall = time.monotonic() - started
        assert box.scim is not None
        writes = sorted(box.scim.write_times)
    lags = []
    for step in result.steps:
        if step.id in SCIM_CHECKS and step.id in detected:
            landed = [t for t in writes if t <= detected[step.id]]
            if landed:
                lags.append(detected[step.id] - landed[-1])
    checks = [s for s in result.steps if s.id in SCIM_CHECKS]
    return Ours(
        wall=wall,
        passed=result.conclusion == "success",
        lags=lags,
        requests=int(result.properties["http_requests"]),
        requests_per_check=statistics.mean(len(s.transcript) for s in checks),
    )


def run_fixed(latency: float, jitter: float, scale: float) -> Fixed:
    """Okta's Runscope CRUD 2.0 schedule: Okta call, fixed pause, one SCIM GET; scaled in time."""
    with Sandbox(latency=latency * scale, jitter=jitter * scale) as box:
        redactor = Redactor()
        okta_http = HttpClient(OKTA, box.okta_url, f"SSWS {box.okta_token}", redactor=redactor)
        assert box.scim_url and box.scim_auth
        scim_http = HttpClient(SCIM, box.scim_url, box.scim_auth, redactor=redactor)
        okta, scim = OktaClient(okta_http), ScimClient(scim_http)
        user = new_test_user(new_run_id(), "example.com")
        app = box.app_id
        checks: list[bool] = []
        paused = 0.0

        def pause(seconds: float) -> None:
            nonlocal paused
            paused += seconds
            time.sleep(seconds * scale)

        started = time.monotonic()
        okta.get_app(app)
        uid = okta.create_user(user.profile(), user.password)["id"]
        okta.assign(app, uid, user.login, None)
        pause(RUNSCOPE_PAUSES_20["assign"])
        found = scim.find_users(user.login)
        checks.append(bool(found) and found[0].get("userName") == user.login)
        sid = found[0]["id"] if found else "missing"
        okta.update_profile(uid, {"firstName": user.updated_first_name})
        pause(RUNSCOPE_PAUSES_20["update"])
        name = _get(scim, sid, "name")
        checks.append(isinstance(name, dict) and name.get("givenName") == user.updated_first_name)
        okta.deactivate_user(uid)
        pause(RUNSCOPE_PAUSES_20["deactivate"])
        checks.append(_get(scim, sid, "active") is False)
        okta.activate_user(uid)
        okta.assign(app, uid, user.login, None)
        pause(RUNSCOPE_PAUSES_20["reassign"])
        checks.append(_get(scim, sid, "active") is True)
        pause(RUNSCOPE_PAUSES_20["before_unassign"])
        okta.unassign(app, uid)
        pause(RUNSCOPE_PAUSES_20["unassign"])
        checks.append(_get(scim, sid, "active") is False)
        measured = time.monotonic() - started
        okta.delete_user(uid)
        requests = okta_http.requests_made + scim_http.requests_made - 2
    return Fixed(wall_full_scale=measured - paused * scale + paused, passed=all(checks), requests=requests)


def _get(scim: ScimClient, sid: str, attribute: str) -> object:
    try:
        return scim.get_user(sid).get(attribute)
    except Exception:  # a failed GET is a failed check in this replay
        return None


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer latencies and runs")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--scale", type=float, default=1 / 20, help="time scale of the fixed-pause replay")
    args = parser.parse_args()
    profiles = [(0.2, 0.0, "0.2 s"), (1.0, 0.0, "1 s")]
    if not args.quick:
        profiles += [(5.0, 0.0, "5 s"), (1.6, 1.4, "0.2-3 s jitter")]
    runs = args.runs or (2 if args.quick else 3)
    print(f"okta-scim-ci lifecycle benchmark: {runs} runs per latency; fixed-pause replay at time scale {args.scale:g}")
    header = (
        f"{'latency':<15} {'ours wall':>9} {'fixed wall':>10} {'speed-up':>8} {'overhead/check':>14} "
        f"{'lag med':>7} {'lag p95':>7} {'req/check':>9} {'req ours':>8} {'req fixed':>9} {'pass ours':>9} {'pass fixed':>10}"
    )
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        for latency, jitter, label in profiles:
            ours = [run_ours(latency, jitter, Path(tmp)) for _ in range(runs)]
            fixed = [run_fixed(latency, jitter, args.scale) for _ in range(runs)]
            wall = statistics.median(o.wall for o in ours)
            fixed_wall = statistics.median(f.wall_full_scale for f in fixed)
            # With jitter the pushes' real latencies are unknown here; the lag column measures what matters.
            overhead = (
                f"{(wall - len(SCIM_CHECKS) * latency) / len(SCIM_CHECKS):13.2f}s" if not jitter else f"{'n/a':>14}"
            )
            lags = [lag for o in ours for lag in o.lags]
            print(
                f"{label:<15} {wall:8.2f}s {fixed_wall:9.1f}s {fixed_wall / wall:7.1f}x {overhead} "
                f"{statistics.median(lags):6.2f}s {p95(lags):6.2f}s {statistics.mean(o.requests_per_check for o in ours):9.1f} "
                f"{statistics.median(o.requests for o in ours):8.0f} {statistics.median(f.requests for f in fixed):9.0f} "
                f"{sum(o.passed for o in ours)}/{runs:<7} {sum(f.passed for f in fixed)}/{runs}"
            )
        # Latency beyond Okta's 20 s pause: the fixed schedule fails; okta-scim-ci waits up to step_timeout.
        late = [run_fixed(25.0, 0.0, args.scale) for _ in range(runs)]
        print(
            f"{'25 s (> pause)':<15} {'(not run)':>9} {statistics.median(f.wall_full_scale for f in late):9.1f}s "
            f"{'':>8} {'':>14} {'':>7} {'':>7} {'':>9} {'':>8} {statistics.median(f.requests for f in late):9.0f} "
            f"{'':>9} {sum(f.passed for f in late)}/{runs}"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process (tool + both sandbox servers): {rss:.0f} MiB")
    print("overhead/check = (wall - 5 x L) / 5; lag = push landed on the SCIM server -> our check saw it")
    print("at L = 25 s okta-scim-ci would pass (it waits up to step_timeout, 120 s); it is not run here to save time")


if __name__ == "__main__":
    main()
