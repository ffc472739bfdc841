"""Console: a header, one line per step as it finishes, failure details, and a closing verdict."""

from __future__ import annotations

from typing import TextIO

from ..github import GitHub
from ..redact import Redactor
from ..results import RunResult, Status, StepResult

LABELS = {Status.PASSED: "PASS ", Status.FAILED: "FAIL ", Status.ERROR: "ERROR", Status.SKIPPED: "SKIP "}
NAME_WIDTH = 40


class Console:
    """Writes progress to a text stream; every line passes the redactor."""

    def __init__(
        self, stream: TextIO, redactor: Redactor, *, github: GitHub | None = None, verbose: bool = False
    ) -> None:
        self.stream = stream
        self.redactor = redactor
        self.github = github or GitHub(stream, redactor, environ={})
        self.verbose = verbose
        self._last_number = 0

    def line(self, text: str = "") -> None:
        """Print one (redacted) line and flush, so CI logs show progress live."""
        self.stream.write(self.redactor.text(text) + "\n")
        self.stream.flush()

    def header(self, facts: dict[str, str]) -> None:
        """What this run is about to do."""
        for key, value in facts.items():
            self.line(f"{key + ':':<11} {value}")
        self.line()

    def step(self, step: StepResult) -> None:
        """The live line of a finished step, then its reason and warnings if any."""
        if step.number < self._last_number:
            self.line()  # the next suite begins
        self._last_number = step.number
        timing = f"{step.duration:6.2f}s" if step.status is not Status.SKIPPED else " " * 7
        extra = ""
        if step.latency is not None:
            extra = f"  provisioned in {step.latency:.2f}s ({step.polls} poll{'s' if step.polls != 1 else ''})"
        self.line(f"  {LABELS[step.status]}  {step.title:<{NAME_WIDTH}} {timing}{extra}")
        if step.status is Status.SKIPPED and step.reason:
            self.line(f"           {step.reason}")
        elif step.status in (Status.FAILED, Status.ERROR):
            for text in step.message().splitlines():
                self.line(f"           {text}")
        for warning in step.warnings:
            self.line(f"           warning: {warning}")
        failed = step.status in (Status.FAILED, Status.ERROR)
        if step.transcript and (self.verbose or (failed and self.github.active)):
            self.github.group(f"Requests and responses of {step.title}", step.transcript_text().splitlines())

    def summary(self, run: RunResult, reports: dict[str, str]) -> None:
        """The closing verdict and where the reports are."""
        counts = ", ".join(
            f"{run.count(status)} {status.value}"
            for status in (Status.PASSED, Status.FAILED, Status.ERROR, Status.SKIPPED)
        )
        verdict = {"success": "PASSED", "failure": "FAILED", "cancelled": "CANCELLED"}[run.conclusion]
        self.line()
        self.line(f"{verdict}: {counts} in {run.duration:.1f}s")
        for name, path in reports.items():
            self.line(f"{name + ':':<11} {path}")
