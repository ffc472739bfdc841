"""JUnit XML: one <testsuite> per suite, one <testcase> per step, as GitLab, Jenkins and GitHub read it.

* `classname` + `name` are unique (GitLab drops duplicates); no dots in `classname` (Jenkins would nest).
* The failure reason is in `message` (Jenkins' "Error Message") and in the element text (all GitLab shows).
* The redacted request/response transcript is in the case's <system-out>.
* Run facts (run id, settings without secrets, tool version) are suite <properties>.
"""

from __future__ import annotations

import re
from pathlib import Path

from junit_xml import TestCase, TestSuite, to_xml_report_string

from ..redact import Redactor
from ..results import RunResult, Status, StepResult
from . import write_text

# Characters XML 1.0 cannot carry, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _case(classname: str, step: StepResult) -> TestCase:
    out = step.transcript_text()
    if step.warnings:
        out = "\n".join(f"warning: {w}" for w in step.warnings) + ("\n\n" + out if out else "")
    case = TestCase(
        name=_clean(step.title),
        classname=classname,
        elapsed_sec=round(step.duration, 3),
        stdout=_clean(out) or None,
    )
    message = _clean(step.message())
    first_line = message.splitlines()[0] if message else step.status.value
    if step.status is Status.FAILED:
        case.add_failure_info(message=first_line, output=message, failure_type="AssertionError")
    elif step.status is Status.ERROR:
        case.add_error_info(message=first_line, output=message, error_type="Error")
    elif step.status is Status.SKIPPED:
        case.add_skipped_info(message=first_line, output=message)
    return case


def render(run: RunResult, redactor: Redactor) -> str:
    """The JUnit XML document for `run`, redacted once more as a whole."""
    suites = []
    for suite in run.suites:
        properties = {"run_id": run.run_id, "tool_version": run.tool_version, **run.properties}
        properties.update({f"latency.{s.id}": f"{s.latency:.3f}" for s in suite.steps if s.latency is not None})
        suites.append(
            TestSuite(
                name=f"okta-scim-ci {suite.name}",
                test_cases=[_case(f"okta-scim-ci-{suite.name}", step) for step in suite.steps],
                timestamp=suite.started_at or run.started_at,
                properties={key: _clean(value) for key, value in properties.items()},
            )
        )
    return redactor.text(to_xml_report_string(suites, prettyprint=True, encoding="utf-8"))


def write(run: RunResult, path: Path, redactor: Redactor) -> Path:
    """Write the JUnit file (creating its directory)."""
    return write_text(path, render(run, redactor), "junit_path")
