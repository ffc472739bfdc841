"""Container entry point.

* No arguments (the GitHub Action's main step): `okta-scim-ci run`, settings from the `INPUT_*` variables.
* `post` (the action's post step): remove a test user that a cancelled or killed main step left behind.
* Anything else is passed to the CLI, so `docker run IMAGE demo` or `docker run IMAGE run` work in GitLab and
  Jenkins too.
"""

from __future__ import annotations

import sys

from okta_scim_ci.cli import main


def entry(argv: list[str]) -> int:
    """Map the container's arguments to a CLI call and return its exit code."""
    if not argv:
        return main(["run"])
    if argv == ["post"]:
        return main(["cleanup"])
    return main(argv)


if __name__ == "__main__":
    sys.exit(entry(sys.argv[1:]))
