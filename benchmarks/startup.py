"""Startup benchmark: process start to first output for `--version` and `--help`, against `import requests`.

Prints the median of N runs of each command side by side, then the slowest imports of `--help`.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c 'import requests' (baseline)": [sys.executable, "-c", "import requests"],
    "python -c 'pass' (interpreter only)": [sys.executable, "-c", "pass"],
    "okta-scim-ci --version": [sys.executable, "-m", "okta_scim_ci", "--version"],
    "okta-scim-ci run --help": [sys.executable, "-m", "okta_scim_ci", "run", "--help"],
}


def time_command(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def import_breakdown(top: int = 8) -> list[tuple[int, str]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "okta_scim_ci", "run", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    results = {name: time_command(command, args.runs) for name, command in COMMANDS.items()}
    baseline = results["python -c 'import requests' (baseline)"]
    print(f"startup, median of {args.runs} runs")
    for name, seconds in results.items():
        print(f"  {name:<42} {seconds * 1000:7.1f} ms  {seconds / baseline:5.2f}x baseline")
    print("\nslowest imports of `run --help` (cumulative µs):")
    for micros, module in import_breakdown():
        print(f"  {micros:>9}  {module}")


if __name__ == "__main__":
    main()
