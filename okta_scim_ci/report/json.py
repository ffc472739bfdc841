"""The JSON report: a stable, versioned schema of the run, for dashboards and trends (docs/report-schema.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..redact import Redactor
from ..results import RunResult, Status
from . import write_text

SCHEMA = "okta-scim-ci/run-report"
SCHEMA_VERSION = 1


def document(run: RunResult) -> dict[str, Any]:
    """The report as plain data."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool_version": run.tool_version,
        "run_id": run.run_id,
        "started_at": run.started_at,
        "duration": round(run.duration, 3),
        "conclusion": run.conclusion,
        "cancelled_by": run.cancelled_by,
        "counts": {status.value: run.count(status) for status in Status},
        "okta_user_id": run.okta_user_id,
        "test_user_login": run.test_user_login,
        "properties": run.properties,
        "suites": [
            {
                "name": suite.name,
                "title": suite.title,
                "started_at": suite.started_at,
                "duration": round(suite.duration, 3),
                "steps": [
                    {
                        "id": step.id,
                        "number": step.number,
                        "name": step.name,
                        "status": step.status.value,
                        "reason": step.reason,
                        "expected": step.expected,
                        "actual": step.actual,
                        "diagnosis": step.diagnosis,
                        "duration": round(step.duration, 3),
                        "latency": None if step.latency is None else round(step.latency, 3),
                        "polls": step.polls,
                        "warnings": step.warnings,
                        "transcript": [asdict(exchange) for exchange in step.transcript],
                    }
                    for step in suite.steps
                ],
            }
            for suite in run.suites
        ],
    }


def render(run: RunResult, redactor: Redactor) -> str:
    """The report as JSON text, redacted."""
    return redactor.text(json.dumps(document(run), indent=2, ensure_ascii=False)) + "\n"


def write(run: RunResult, path: Path, redactor: Redactor) -> Path:
    """Write the JSON report (creating its directory)."""
    return write_text(path, render(run, redactor), "json_path")
