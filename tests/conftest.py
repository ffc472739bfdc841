from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from okta_scim_ci import cli
from okta_scim_ci.polling import Backoff
from okta_scim_ci.runner import Timing
from okta_scim_ci.sandbox import Sandbox

ENV_PREFIXES = (
    "OKTA_",
    "SCIM_",
    "INPUT_",
    "GITHUB_",
    "JUNIT_",
    "STEP_TIMEOUT",
    "HTTP_TIMEOUT",
    "KEEP_TEST_USER",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's settings; each runs in its own directory (no stray .env)."""
    import os

    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@dataclass
class FakeClock:
    """A clock that only moves when something sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@dataclass
class CliRun:
    code: int
    out: str
    err: str

    @property
    def all(self) -> str:
        return self.out + self.err


#: Polling 10x faster than the default, so end-to-end tests over real HTTP stay quick; same code path.
FAST = Timing(backoff=Backoff(initial=0.025, fast_for=5.0))


def run_cli(*argv: str) -> CliRun:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err, timing=FAST)
    return CliRun(code, out.getvalue(), err.getvalue())


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(latency=0.05) as box:
        yield box


def assert_no_secrets(texts: list[str], secrets: list[str]) -> None:
    for secret in secrets:
        assert secret, "empty secret in the list"
        for text in texts:
            assert secret not in text, f"secret {secret[:4]}… leaked"
