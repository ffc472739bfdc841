"""The one result model every reporter reads.

Suites produce it, reporters consume it. It holds only plain data (strings, numbers, lists): no
exceptions and no HTTP objects, and every text in it has already been redacted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Status(str, enum.Enum):
    """How a step ended."""

    PASSED = "passed"
    """The check held."""
    FAILED = "failed"
    """The check did not hold, or a server answered with an error: a finding about the system under test."""
    ERROR = "error"
    """The step could not be carried out: unreachable host, TLS failure, timeout, unexpected crash."""
    SKIPPED = "skipped"
    """The step did not run: a prerequisite failed, the run was cancelled, or it does not apply."""


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its answer (or the reason there was none), redacted and truncated."""

    method: str
    url: str
    status: int | None
    elapsed: float
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    note: str = ""

    def render(self) -> str:
        """The exchange as text, the way it appears in transcripts."""
        status = str(self.status) if self.status is not None else "no answer"
        lines = [f"> {self.method} {self.url}"]
        lines += [f"> {name}: {value}" for name, value in self.request_headers.items()]
        if self.request_body:
            lines.append(f"> {self.request_body}")
        lines.append(f"< {status} ({self.elapsed * 1000:.0f} ms)")
        lines += [f"< {name}: {value}" for name, value in self.response_headers.items()]
        if self.response_body:
            lines.append(f"< {self.response_body}")
        if self.note:
            lines.append(f"! {self.note}")
        return "\n".join(lines)


@dataclass
class StepResult:
    """The outcome of one lifecycle step or check."""

    id: str
    number: int
    name: str
    status: Status = Status.SKIPPED
    reason: str = ""
    expected: str = ""
    actual: str = ""
    diagnosis: str = ""
    duration: float = 0.0
    latency: float | None = None
    """Seconds from the Okta change to the SCIM server showing it (SCIM checks only)."""
    polls: int = 0
    warnings: list[str] = field(default_factory=list)
    transcript: list[Exchange] = field(default_factory=list)

    @property
    def title(self) -> str:
        """Number and name, e.g. `04 user created on SCIM server`."""
        return f"{self.number:02d} {self.name}"

    def message(self) -> str:
        """The full failure text: reason, expected vs actual, Okta's diagnosis."""
        parts = [self.reason]
        if self.expected:
            parts.append(f"expected: {self.expected}")
        if self.actual:
            parts.append(f"actual: {self.actual}")
        if self.diagnosis:
            parts.append(f"Okta's view: {self.diagnosis}")
        return "\n".join(part for part in parts if part)

    def transcript_text(self) -> str:
        """All exchanges of the step, rendered."""
        return "\n\n".join(exchange.render() for exchange in self.transcript)


@dataclass
class SuiteResult:
    """One suite (e.g. `crud`) and its steps, in order."""

    name: str
    title: str
    steps: list[StepResult] = field(default_factory=list)
    started_at: str = ""
    duration: float = 0.0

    def count(self, status: Status) -> int:
        """How many steps ended with `status`."""
        return sum(1 for step in self.steps if step.status is status)


@dataclass
class RunResult:
    """A whole run: its suites, facts about it, and how it ended."""

    run_id: str
    tool_version: str
    started_at: str
    suites: list[SuiteResult] = field(default_factory=list)
    duration: float = 0.0
    properties: dict[str, str] = field(default_factory=dict)
    cancelled_by: str | None = None
    okta_user_id: str | None = None
    test_user_login: str | None = None

    @property
    def steps(self) -> list[StepResult]:
        """Every step of every suite, in order."""
        return [step for suite in self.suites for step in suite.steps]

    def count(self, status: Status) -> int:
        """How many steps of the whole run ended with `status`."""
        return sum(suite.count(status) for suite in self.suites)

    @property
    def conclusion(self) -> str:
        """`success`, `failure` or `cancelled`."""
        if self.cancelled_by:
            return "cancelled"
        if self.count(Status.FAILED) or self.count(Status.ERROR):
            return "failure"
        return "success"
