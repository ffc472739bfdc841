from __future__ import annotations

import pytest

from okta_scim_ci.errors import ApiError, TransportError
from okta_scim_ci.polling import Backoff, Observation, PollOutcome, poll

from .conftest import FakeClock


def test_poll_returns_at_once_when_probe_holds(clock: FakeClock) -> None:
    outcome: PollOutcome[int] = poll(lambda: Observation(True, "there", 5), 10, clock=clock, sleep=clock.sleep)
    assert outcome.ok and outcome.polls == 1 and outcome.last and outcome.last.value == 5
    assert clock.sleeps == []


def test_poll_is_fast_at_first_then_backs_off_to_cap(clock: FakeClock) -> None:
    outcome: PollOutcome[None] = poll(lambda: Observation(False, "not yet"), 10, clock=clock, sleep=clock.sleep)
    assert not outcome.ok
    assert clock.sleeps[:20] == [0.25] * 20
    assert clock.sleeps[20:23] == [0.5, 1.0, 2.0]
    assert max(clock.sleeps) == 2.0
    assert sum(clock.sleeps) == pytest.approx(10)
    assert outcome.last_seen == "not yet"
    assert outcome.elapsed == pytest.approx(10)
    assert outcome.polls == len(clock.sleeps) + 1


def test_poll_reports_latency_until_the_probe_held(clock: FakeClock) -> None:
    seen = iter([False, False, True])
    outcome: PollOutcome[None] = poll(lambda: Observation(next(seen), "x"), 10, clock=clock, sleep=clock.sleep)
    assert outcome.ok and outcome.polls == 3 and outcome.elapsed == pytest.approx(0.5)


def test_poll_treats_transient_errors_as_not_yet(clock: FakeClock) -> None:
    calls: list[TransportError | Observation[None]] = [TransportError("refused"), Observation(True, "ok")]

    def probe() -> Observation[None]:
        item = calls.pop(0)
        if isinstance(item, TransportError):
            raise item
        return item

    assert poll(probe, 5, clock=clock, sleep=clock.sleep).ok


def test_poll_raises_permanent_errors_at_once(clock: FakeClock) -> None:
    def probe() -> Observation[None]:
        raise ApiError("401", status=401)

    with pytest.raises(ApiError):
        poll(probe, 5, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


def test_poll_reports_last_transient_error_when_nothing_seen(clock: FakeClock) -> None:
    def probe() -> Observation[None]:
        raise TransportError("connection refused by host")

    outcome = poll(probe, 1, clock=clock, sleep=clock.sleep)
    assert not outcome.ok and "connection refused" in outcome.last_seen


def test_backoff_is_polite() -> None:
    backoff = Backoff()
    assert backoff.next_interval(None, 0) == 0.25
    assert backoff.next_interval(0.25, 4.9) == 0.25
    assert backoff.next_interval(2.0, 60) == 2.0
