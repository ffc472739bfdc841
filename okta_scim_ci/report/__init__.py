"""Reporters: each reads a `RunResult` and writes one format. They never see exceptions or HTTP objects."""

from __future__ import annotations

from pathlib import Path

from ..errors import ReportError
from ..settings import describe


def write_text(path: Path, text: str, setting: str) -> Path:
    """Write a report file, creating its directory; an unwritable path becomes a `ReportError`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReportError(
            f"Could not write {path}: {exc.strerror or exc}. Set {describe(setting)} to a writable path."
        ) from None
    return path
