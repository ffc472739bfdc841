"""Wait until a probe holds or a deadline passes, starting fast and backing off.

Provisioning usually lands within a few seconds, so for the first `fast_for` seconds the looks come every
0.25 s (a push is seen at most 0.25 s after it lands); after that the interval doubles up to `max_interval`,
so that a slow push does not hammer the server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .errors import OktaScimCiError

T = TypeVar("T")


@dataclass(frozen=True)
class Observation(Generic[T]):
    """What one look at the server found."""

    ok: bool
    seen: str
    """What was seen, in words, for the failure message ("active is true")."""
    value: T | None = None


@dataclass(frozen=True)
class PollOutcome(Generic[T]):
    """How the wait ended."""

    ok: bool
    last: Observation[T] | None
    elapsed: float
    polls: int
    last_error: OktaScimCiError | None = None

    @property
    def last_seen(self) -> str:
        """The last thing seen, or the last transient error if nothing was seen."""
        if self.last is not None:
            return self.last.seen
        return str(self.last_error) if self.last_error else "nothing"


@dataclass(frozen=True)
class Backoff:
    """Intervals between looks."""

    initial: float = 0.25
    fast_for: float = 5.0
    factor: float = 2.0
    max_interval: float = 2.0

    def next_interval(self, previous: float | None, elapsed: float) -> float:
        """Seconds to wait before the next look, given the last interval and the time spent so far."""
        if previous is None or elapsed < self.fast_for:
            return self.initial
        return min(self.max_interval, previous * self.factor)


def poll(
    probe: Callable[[], Observation[T]],
    timeout: float,
    *,
    backoff: Backoff | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> PollOutcome[T]:
    """Call `probe` until it holds or `timeout` seconds have passed; always looks at least once.

    Transient errors (timeouts, 5xx, refused connections) count as "not yet" and are reported if nothing
    better was seen; any other error is raised at once, as waiting will not fix it.
    """
    backoff = backoff or Backoff()
    started = clock()
    last: Observation[T] | None = None
    last_error: OktaScimCiError | None = None
    polls = 0
    interval: float | None = None
    while True:
        polls += 1
        try:
            last = probe()
            last_error = None
        except OktaScimCiError as exc:
            if not exc.transient:
                raise
            last_error = exc
        elapsed = clock() - started
        if last is not None and last.ok and last_error is None:
            return PollOutcome(True, last, elapsed, polls)
        remaining = timeout - elapsed
        if remaining <= 0:
            return PollOutcome(False, last, elapsed, polls, last_error)
        interval = backoff.next_interval(interval, elapsed)
        sleep(min(interval, remaining))
