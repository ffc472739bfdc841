"""Random JSON into every response parser: they return or raise the tool's own errors, never crash."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from okta_scim_ci.errors import OktaScimCiError
from okta_scim_ci.http import Response, Target
from okta_scim_ci.okta import describe_event, okta_error
from okta_scim_ci.scim import primary_email, scim_error, user_list
from okta_scim_ci.suites.crud import _active, _describe_active, _differences

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
user_like = st.dictionaries(
    st.sampled_from(["id", "userName", "name", "emails", "active", "Resources", "totalResults", "detail", "Errors"]),
    json_values,
    max_size=6,
)
TARGET = Target("the SCIM server", "scim_url")


def response(body: Any, status: int = 200) -> Response:
    return Response(TARGET, "GET", "https://x.example/scim/v2/Users", status, {}, json.dumps(body).encode())


@settings(max_examples=150, deadline=None)
@given(body=json_values | user_like)
def test_scim_list_parser(body: Any) -> None:
    try:
        users = user_list(response(body))
    except OktaScimCiError:
        return
    assert all(isinstance(user, dict) for user in users)


@settings(max_examples=150, deadline=None)
@given(body=json_values | user_like, status=st.integers(400, 599))
def test_error_parsers(body: Any, status: int) -> None:
    assert str(scim_error(response(body, status), "do it"))
    assert str(okta_error(response(body, status), "do it"))


@settings(max_examples=150, deadline=None)
@given(user=user_like)
def test_user_checks(user: dict[str, Any]) -> None:
    _differences(user, userName="a", email="a", givenName="b", familyName="c")
    _active(user)
    _describe_active(user)
    primary_email(user)


@settings(max_examples=100, deadline=None)
@given(event=st.dictionaries(st.sampled_from(["published", "eventType", "outcome", "displayMessage"]), json_values))
def test_event_description(event: dict[str, Any]) -> None:
    assert isinstance(describe_event(event), str)


@given(raw=st.binary(max_size=64))
def test_garbage_bodies(raw: bytes) -> None:
    broken = Response(TARGET, "GET", "https://x.example/Users", 200, {}, raw)
    with contextlib.suppress(OktaScimCiError):
        broken.json()
