"""The run's state file: what it created, written before the creating step returns.

If the run is killed (SIGKILL, a runner that vanished), `okta-scim-ci cleanup` or the action's post step reads
the file and removes what it lists. Each run has its own file (named after its run id), so parallel runs
never touch each other's users. A run that cleaned up after itself deletes its file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

PREFIX = "okta-scim-ci-state-"


@dataclass
class StateFile:
    """One run's record of created objects."""

    path: Path
    run_id: str
    okta_org_url: str
    okta_app_id: str
    created: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def for_run(cls, directory: Path, run_id: str, okta_org_url: str, okta_app_id: str) -> StateFile:
        """The state file of a new run, in `directory`."""
        return cls(directory / f"{PREFIX}{run_id}.json", run_id, okta_org_url, okta_app_id)

    def record(self, kind: str, ident: str) -> None:
        """Remember a created object, on disk, atomically (a crash leaves the old or the new file)."""
        self.created.append({"kind": kind, "id": ident})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "run_id": self.run_id,
            "okta_org_url": self.okta_org_url,
            "okta_app_id": self.okta_app_id,
            "created": self.created,
        }
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(temporary, self.path)

    def remove(self) -> None:
        """Forget the run (it cleaned up after itself)."""
        self.path.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> StateFile:
        """Read a state file; a broken one is a `ConfigError` naming it."""
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            created = [{"kind": str(c["kind"]), "id": str(c["id"])} for c in data["created"]]
            return cls(path, str(data["run_id"]), str(data["okta_org_url"]), str(data["okta_app_id"]), created)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"Cannot read the state file {path}: {exc}") from None

    def okta_user_ids(self) -> list[str]:
        """The Okta users this run created."""
        return [entry["id"] for entry in self.created if entry["kind"] == "okta_user"]


def find(directory: Path) -> list[Path]:
    """State files left in `directory` by runs that did not finish their cleanup."""
    return sorted(directory.glob(f"{PREFIX}*.json")) if directory.is_dir() else []
