"""The whole lifecycle against scripted Okta and SCIM answers (requests-mock), with a fake clock."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import requests_mock

from okta_scim_ci.redact import Redactor
from okta_scim_ci.report import junit
from okta_scim_ci.report.console import Console
from okta_scim_ci.results import RunResult, Status
from okta_scim_ci.runner import Timing, execute, plan
from okta_scim_ci.settings import REQUIRED_FOR_RUN, load_settings

from .conftest import FakeClock, assert_no_secrets

OKTA = "https://dev-1.okta.com"
SCIM = "https://scim.example.com/scim/v2"
APP = "0oaAPP1"
OKTA_TOKEN = "00-okta-secret-token"
SCIM_TOKEN = "scim-secret-token"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "OKTA_ORG_URL": OKTA,
        "OKTA_TOKEN": OKTA_TOKEN,
        "OKTA_APP_ID": APP,
        "SCIM_URL": SCIM,
        "SCIM_TOKEN": SCIM_TOKEN,
        "STEP_TIMEOUT": "10",
    }.items():
        monkeypatch.setenv(key, value)


def scim_user(login: str, given: str, family: str, active: bool = True, **extra: Any) -> dict[str, Any]:
    return {
        "id": "scim1",
        "userName": login,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": login}],
        "active": active,
        **extra,
    }


def script(mock: requests_mock.Mocker, login: str, first: str, last: str, *, deactivates: bool = True) -> None:
    mock.get(
        f"{OKTA}/api/v1/apps/{APP}",
        json={
            "id": APP,
            "label": "My SCIM",
            "status": "ACTIVE",
            "features": [
                "PUSH_NEW_USERS",
                "PUSH_PROFILE_UPDATES",
                "PUSH_USER_DEACTIVATION",
                "REACTIVATE_USERS",
            ],
        },
    )
    mock.post(f"{OKTA}/api/v1/users?activate=true", json={"id": "00uTEST", "status": "ACTIVE"})
    mock.post(f"{OKTA}/api/v1/apps/{APP}/users", json={"id": "00uTEST", "status": "STAGED"})
    mock.post(f"{OKTA}/api/v1/users/00uTEST", json={"id": "00uTEST"})
    mock.post(f"{OKTA}/api/v1/users/00uTEST/lifecycle/deactivate", json={})
    mock.post(f"{OKTA}/api/v1/users/00uTEST/lifecycle/activate", json={})
    mock.delete(f"{OKTA}/api/v1/apps/{APP}/users/00uTEST", status_code=204)
    mock.delete(f"{OKTA}/api/v1/users/00uTEST", status_code=204)
    mock.get(
        f"{OKTA}/api/v1/apps/{APP}/users/00uTEST",
        status_code=404,
        json={"errorCode": "E0000007", "errorSummary": "Not found"},
    )
    mock.get(
        f"{OKTA}/api/v1/logs",
        json=[
            {
                "published": "t",
                "eventType": "application.provision.user.deactivate",
                "outcome": {"result": "SUCCESS"},
            }
        ],
    )
    updated = first + "Updated"
    mock.get(
        f"{SCIM}/Users",
        [
            {"json": {"totalResults": 0, "Resources": []}},
            {"json": {"totalResults": 1, "Resources": [scim_user(login, first, last)]}},
        ],
    )
    states = [
        scim_user(login, first, last),  # step 6, first look: not yet
        scim_user(login, updated, last),  # step 6: updated
        scim_user(login, updated, last, active=not deactivates),  # step 8
        scim_user(login, updated, last, active=True),  # step 11
        scim_user(login, updated, last, active=False),  # step 13
    ]
    if not deactivates:
        states = states[:3]  # stays active for ever
    mock.get(f"{SCIM}/Users/scim1", [{"json": s} for s in states])


def run(mock: requests_mock.Mocker, clock: FakeClock, **kwargs: bool) -> tuple[RunResult, str, Redactor]:
    settings = load_settings(required=REQUIRED_FOR_RUN)
    redactor = Redactor()
    the_plan = plan(settings, redactor)
    user = the_plan.user
    script(mock, user.login, user.first_name, user.last_name, **kwargs)
    out = io.StringIO()
    result = execute(
        the_plan,
        redactor,
        Console(out, redactor).step,
        timing=Timing(clock=clock, sleep=clock.sleep, wall=clock),
    )
    return result, out.getvalue(), redactor


def test_full_lifecycle_passes(env: None, clock: FakeClock, tmp_path: Path) -> None:
    with requests_mock.Mocker() as mock:
        result, out, redactor = run(mock, clock)
    statuses = {step.id: step.status for step in result.steps}
    assert set(statuses.values()) == {Status.PASSED}, out
    assert len(result.steps) == 14
    created = result.steps[3]
    assert created.latency == pytest.approx(0.25) and created.polls == 2
    assert "provisioned in 0.25s (2 polls)" in out
    assert result.conclusion == "success"
    secrets = [OKTA_TOKEN, SCIM_TOKEN, *[s for s in redactor.secrets if "Updated" not in s]]
    xml = junit.render(result, redactor)
    assert_no_secrets([out, xml], secrets)


def test_server_that_never_deactivates(env: None, clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        result, _, _ = run(mock, clock, deactivates=False)
        methods = [(r.method, r.path) for r in mock.request_history]
    by_id = {step.id: step for step in result.steps}
    failed = by_id["deactivated"]
    assert failed.status is Status.FAILED
    assert "did not reach the SCIM server within 10s" in failed.reason
    assert failed.expected == "active is false" and failed.actual == "active is true"
    assert "the user is not assigned to the app" in failed.diagnosis
    assert "application.provision.user.deactivate SUCCESS" in failed.diagnosis
    assert by_id["reactivated"].status is Status.SKIPPED
    assert "deactivation reached SCIM server" in by_id["reactivated"].reason
    assert by_id["unassigned"].status is Status.SKIPPED
    assert by_id["reactivate"].status is Status.PASSED  # Okta steps go on
    assert by_id["cleanup"].status is Status.PASSED
    assert ("DELETE", "/api/v1/users/00utest") in methods
    assert result.conclusion == "failure"
    assert sum(clock.sleeps) <= 10 * 5  # every wait bounded by the step timeout


def test_assignment_refused_with_e0000075(env: None, clock: FakeClock) -> None:
    with requests_mock.Mocker() as mock:
        settings = load_settings(required=REQUIRED_FOR_RUN)
        redactor = Redactor()
        the_plan = plan(settings, redactor)
        script(mock, the_plan.user.login, the_plan.user.first_name, the_plan.user.last_name)
        mock.post(
            f"{OKTA}/api/v1/apps/{APP}/users",
            status_code=403,
            json={
                "errorCode": "E0000075",
                "errorSummary": "Cannot modify the firstName attribute because it has a field mapping and "
                "profile push is enabled.",
            },
        )
        result = execute(the_plan, redactor, lambda step: None, timing=Timing(clock=clock, sleep=clock.sleep))
        deleted = [r for r in mock.request_history if r.method == "DELETE" and r.path == "/api/v1/users/00utest"]
    by_id = {step.id: step for step in result.steps}
    assert by_id["assign"].status is Status.FAILED
    assert "E0000075 Cannot modify the firstName attribute" in by_id["assign"].reason
    assert all(by_id[s].status is Status.SKIPPED for s in ("created", "update", "updated", "deactivate", "unassigned"))
    assert by_id["cleanup"].status is Status.PASSED and len(deleted) == 2


def test_junit_parsed_back_field_by_field(env: None, clock: FakeClock, tmp_path: Path) -> None:
    with requests_mock.Mocker() as mock:
        result, _, redactor = run(mock, clock, deactivates=False)
    path = junit.write(result, tmp_path / "deep" / "dir" / "junit.xml", redactor)
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "okta-scim-ci crud"
    assert suite.get("tests") == "14" and suite.get("failures") == "1" and suite.get("skipped") == "2"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["run_id"] == result.run_id and props["okta_org_url"] == OKTA and props["scim_version"] == "2.0"
    assert "okta_token" not in props and "scim_token" not in props
    cases = suite.findall("testcase")
    names = [(c.get("classname"), c.get("name")) for c in cases]
    assert len(set(names)) == 14
    assert all(classname == "okta-scim-ci-crud" and "." not in classname for classname, _ in names)
    assert names[0][1] == "01 app exists and can provision"
    failed = cases[7]
    failure = failed.find("failure")
    assert failure is not None and failed.get("name") == "08 deactivation reached SCIM server"
    assert failure.get("message", "").startswith("The deactivation did not reach the SCIM server")
    assert failure.text and "expected: active is false" in failure.text and "Okta's view:" in failure.text
    out = failed.find("system-out")
    assert out is not None and out.text and "GET https://scim.example.com/scim/v2/Users/scim1" in out.text
    skipped = cases[10].find("skipped")
    assert skipped is not None and "skipped: step '08 deactivation reached SCIM server' failed" in (
        skipped.get("message") or ""
    )
    assert float(cases[3].get("time") or 0) >= 0.25
    text = path.read_text()
    assert OKTA_TOKEN not in text and SCIM_TOKEN not in text
    assert re.search(r"Authorization: \*\*\*", text)


def test_junit_survives_control_characters(env: None, clock: FakeClock, tmp_path: Path) -> None:
    with requests_mock.Mocker() as mock:
        result, _, redactor = run(mock, clock)
    result.steps[0].status = Status.FAILED
    result.steps[0].reason = "bad \x00 byte \x1b[31m and \ud800 surrogate"
    ET.fromstring(junit.render(result, redactor).encode("utf-8"))


def test_json_report_schema(env: None, clock: FakeClock, tmp_path: Path) -> None:
    import json

    from okta_scim_ci.report import json as json_report

    with requests_mock.Mocker() as mock:
        result, _, redactor = run(mock, clock, deactivates=False)
    data = json.loads(json_report.write(result, tmp_path / "r.json", redactor).read_text())
    assert data["schema"] == "okta-scim-ci/run-report" and data["schema_version"] == 1
    assert data["conclusion"] == "failure" and data["counts"] == {"passed": 11, "failed": 1, "error": 0, "skipped": 2}
    steps = data["suites"][0]["steps"]
    assert [s["id"] for s in steps] == [
        "app", "create", "assign", "created", "update", "updated", "deactivate",
        "deactivated", "reactivate", "reassign", "reactivated", "unassign", "unassigned", "cleanup",
    ]  # fmt: skip
    assert steps[3]["latency"] == 0.25 and steps[0]["latency"] is None
    assert steps[7]["status"] == "failed" and steps[7]["expected"] == "active is false"
    assert steps[7]["transcript"][0]["request_headers"]["Authorization"] == "***"
    assert OKTA_TOKEN not in json.dumps(data) and SCIM_TOKEN not in json.dumps(data)
