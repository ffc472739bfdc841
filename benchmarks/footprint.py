"""Install footprint: bytes on disk of okta-scim-ci and every distribution it pulls in (not test extras).

python benchmarks/footprint.py
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path


def closure(name: str) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = re.split(r"[ ;<>=!~\[]", todo.pop())[0].lower().replace("_", "-")
        if current in seen:
            continue
        try:
            dist = metadata.distribution(current)
        except metadata.PackageNotFoundError:
            continue
        seen.add(current)
        todo += [req for req in dist.requires or [] if "extra ==" not in req]
    return seen


def size(name: str) -> int:
    dist = metadata.distribution(name)
    total = 0
    for file in dist.files or []:
        path = dist.locate_file(file)
        try:
            total += Path(str(path)).stat().st_size
        except (OSError, AttributeError):
            continue
    return total


def main() -> None:
    names = sorted(closure("okta-scim-ci"))
    sizes = {name: size(name) for name in names}
    print("installed size of okta-scim-ci and its runtime dependencies")
    for name, bytes_ in sorted(sizes.items(), key=lambda item: -item[1]):
        print(f"  {name:<22} {bytes_ / 1024:9.0f} KiB")
    print(f"  {'total':<22} {sum(sizes.values()) / 1024 / 1024:9.1f} MiB")


if __name__ == "__main__":
    main()
