"""Running a suite's steps: prerequisites, outcomes, timing, transcripts, cancellation, cleanup.

Shared by every suite. A step is a function `(context, result) -> None` that passes by returning and fails by
raising `CheckFailed` (or any of the tool's errors); this module turns that into the result model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import OktaScimCiError, RunCancelled, TransportError
from ..http import Transcript
from ..redact import Redactor
from ..results import Status, StepResult, SuiteResult

log = logging.getLogger(__name__)


class CheckFailed(OktaScimCiError):
    """A check did not hold; carries what was expected, what was seen and Okta's view."""

    def __init__(self, reason: str, *, expected: str = "", actual: str = "", diagnosis: str = "") -> None:
        super().__init__(reason)
        self.expected = expected
        self.actual = actual
        self.diagnosis = diagnosis


class StepContext(Protocol):
    """What the runner needs from a suite's context."""

    @property
    def clock(self) -> Callable[[], float]:
        """Monotonic clock for step durations."""

    @property
    def transcript(self) -> Transcript:
        """Where the clients record the step's exchanges."""

    @property
    def redactor(self) -> Redactor:
        """Masks secrets in the step's texts."""

    def take_warnings(self) -> list[str]:
        """Deviations noticed while the step ran."""


@dataclass(frozen=True)
class Step:
    """One step: its id, its name, what it does, which steps must have passed first."""

    id: str
    name: str
    run: Callable[[Any, StepResult], None]
    requires: tuple[str, ...] = ()


def run_step(step: Step, number: int, context: StepContext, done: dict[str, StepResult]) -> StepResult:
    """Run one step (or skip it if a prerequisite did not pass) and return its result.

    `RunCancelled` propagates after the step's result is recorded in `done`.
    """
    result = StepResult(id=step.id, number=number, name=step.name)
    done[step.id] = result
    blocked = [done[req] for req in step.requires if done[req].status is not Status.PASSED]
    if blocked:
        result.status = Status.SKIPPED
        result.reason = "skipped: " + ", ".join(f"step {b.title!r} {b.status.value}" for b in blocked)
        return result
    started = context.clock()
    try:
        step.run(context, result)
        result.status = Status.PASSED
    except CheckFailed as exc:
        result.status = Status.FAILED
        result.reason, result.expected, result.actual = str(exc), exc.expected, exc.actual
        result.diagnosis = exc.diagnosis
    except TransportError as exc:
        result.status = Status.ERROR
        result.reason = str(exc)
    except OktaScimCiError as exc:
        result.status = Status.FAILED
        result.reason = str(exc)
    except RunCancelled as exc:
        result.status = Status.SKIPPED
        result.reason = f"cancelled by {exc.signal_name} while running"
        raise
    except Exception as exc:
        # A bug in this tool, not the user's fault: say so instead of blaming the server.
        log.debug("step %s crashed", step.id, exc_info=True)
        result.status = Status.ERROR
        result.reason = f"internal error in okta-scim-ci ({type(exc).__name__}: {exc}); please report it"
    finally:
        result.duration = context.clock() - started
        result.transcript = context.transcript.take()
        result.warnings += context.take_warnings()
        redact = context.redactor.text
        result.reason, result.actual, result.diagnosis = (
            redact(result.reason),
            redact(result.actual),
            redact(result.diagnosis),
        )
        result.expected = redact(result.expected)
        result.warnings = [redact(w) for w in result.warnings]
    return result


def run_suite(
    suite: SuiteResult,
    steps: Sequence[Step],
    cleanup: Step | None,
    context: StepContext,
    on_step: Callable[[StepResult], None],
) -> RunCancelled | None:
    """Run `steps` in order into `suite`, then `cleanup` whatever happened. Returns the cancel signal, if one came."""
    started = context.clock()
    done: dict[str, StepResult] = {}
    cancelled: RunCancelled | None = None
    try:
        for number, step in enumerate(steps, start=1):
            suite.steps.append(run_step(step, number, context, done))
            on_step(suite.steps[-1])
    except RunCancelled as exc:
        cancelled = exc
        interrupted = list(done.values())[-1] if done else None
        if interrupted is not None and interrupted not in suite.steps:
            suite.steps.append(interrupted)
            on_step(interrupted)
        for number, step in enumerate(steps, start=1):
            if step.id not in done:
                skipped = StepResult(step.id, number, step.name, Status.SKIPPED, f"run cancelled by {exc.signal_name}")
                suite.steps.append(skipped)
                on_step(skipped)
    finally:
        if cleanup is not None:
            suite.steps.append(run_step(cleanup, len(steps) + 1, context, done))
            on_step(suite.steps[-1])
        suite.duration = context.clock() - started
    return cancelled
