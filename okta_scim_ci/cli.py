"""The command line: `run`, `demo`, `sandbox`, `cleanup`.

This is the one place where errors become messages and exit codes:
0 every step passed, 1 a check failed, 2 bad configuration (or an unwritable report), 130/143 cancelled.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal, TextIO, get_args, get_origin

from . import __version__
from .errors import ConfigError, OktaScimCiError, ReportError, RunCancelled
from .redact import Redactor

if TYPE_CHECKING:
    from .cleanup import Sweep
    from .runner import Timing
    from .settings import Settings

# pydantic, requests and the sandbox are imported inside the commands, so that `--version` starts fast.

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2

# Settings the demo and sandbox decide themselves (they point at the embedded servers).
CONNECTION_SETTINGS = (
    "okta_org_url",
    "okta_token",
    "okta_auth_scheme",
    "okta_app_id",
    "scim_url",
    "scim_auth",
    "scim_token",
    "ca_bundle",
    "verify_tls",
    "allow_http",
)
DEMO_STEP_TIMEOUT = 15.0

log = logging.getLogger("okta_scim_ci")


@dataclass(frozen=True)
class Io:
    """What every command writes with: the redactor, standard output, and the (injectable) timing."""

    redactor: Redactor
    out: TextIO
    timing: Timing | None = None


class _RedactingFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = None
        return True


def _setting_flags(parser: argparse.ArgumentParser, exclude: Sequence[str] = ()) -> None:
    from .settings import Settings, env_name, flag_name

    group = parser.add_argument_group("settings (each also read from the environment variable shown)")
    for name, info in Settings.model_fields.items():
        if name in exclude:
            continue
        default = "" if info.default is None else f", default {info.default}"
        secret = (
            "; prefer the environment variable, flags show in process lists" if name in Settings.secret_fields else ""
        )
        help_text = f"{info.description} [{env_name(name)}{default}{secret}]"
        kwargs: dict[str, Any] = {"dest": name, "default": None, "help": help_text}
        if info.annotation is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["metavar"] = env_name(name)
            if get_origin(info.annotation) is Literal:
                kwargs["choices"] = list(get_args(info.annotation))
        group.add_argument(flag_name(name), **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every setting as a flag."""
    from .faults import FAULTS

    parser = argparse.ArgumentParser(
        prog="okta-scim-ci",
        description="Run Okta's SCIM provisioning lifecycle (create, update, deactivate, reactivate, unassign) "
        "against an Okta org and your SCIM server, polling instead of sleeping, and write JUnit XML.",
        epilog="Exit codes: 0 all steps passed, 1 a step failed, 2 bad configuration, 130/143 cancelled.",
    )
    parser.add_argument("--version", action="version", version=f"okta-scim-ci {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="run the lifecycle against your Okta org and SCIM server")
    run.add_argument("-v", "--verbose", action="store_true", help="show transcripts and retries")
    run.add_argument(
        "--suite", action="append", choices=["crud", "spec"], help="a suite to run (repeatable; = --suites)"
    )
    _setting_flags(run)

    fault_help = "switch on a SCIM server fault (repeatable): " + "; ".join(f"{k}: {v}" for k, v in FAULTS.items())
    demo = commands.add_parser("demo", help="run the lifecycle against the embedded sandbox (needs nothing)")
    demo.add_argument("-v", "--verbose", action="store_true", help="show transcripts and retries")
    demo.add_argument("--latency", type=float, default=0.2, help="seconds Okta's provisioning takes per push")
    demo.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS), help=fault_help)
    demo.add_argument(
        "--suite", action="append", choices=["crud", "spec"], help="a suite to run (repeatable; = --suites)"
    )
    _setting_flags(demo, exclude=(*CONNECTION_SETTINGS, "sandbox"))

    sandbox = commands.add_parser("sandbox", help="keep the sandbox running and print its settings")
    sandbox.add_argument("--scim-version", choices=["2.0", "1.1"], default="2.0")
    sandbox.add_argument("--latency", type=float, default=1.0, help="seconds Okta's provisioning takes per push")
    sandbox.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS), help=fault_help)
    sandbox.add_argument("--scim-url", help="provision into this SCIM server instead of the embedded one")
    sandbox.add_argument("--scim-auth", help="Authorization header value for --scim-url")

    cleanup = commands.add_parser("cleanup", help="delete test users that earlier runs left in the Okta org")
    cleanup.add_argument(
        "--state",
        action="append",
        default=[],
        metavar="FILE",
        help="a state file of a run that did not finish; by default every state file next to junit_path, and the "
        "one GitHub's post step is given",
    )
    cleanup.add_argument(
        "--stale",
        metavar="DURATION",
        help="also delete okta-scim-ci test users older than this (e.g. 24h, 30m) from the org. Only logins of the "
        "exact shape okta-scim-ci generates are touched.",
    )
    _setting_flags(cleanup, exclude=("scim_url", "scim_auth", "scim_token", "scim_version"))
    return parser


@contextlib.contextmanager
def _cancellable() -> Iterator[None]:
    """Turn the first SIGINT/SIGTERM into `RunCancelled` (so cleanup runs); ignore later ones meanwhile."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[str] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        if fired:
            return
        name = signal.Signals(signum).name
        fired.append(name)
        raise RunCancelled(name, 128 + signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    from .settings import Settings

    overrides = {name: getattr(args, name) for name in Settings.model_fields if getattr(args, name, None) is not None}
    if getattr(args, "suite", None):
        overrides["suites"] = ",".join(args.suite)
    return overrides


def _check_writable(path: Path, setting: str) -> None:
    """Fail before creating anything in Okta if a report cannot be written."""
    directory = path.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    if path.is_dir() or not directory.is_dir() or not os.access(directory, os.W_OK):
        raise ConfigError(f"Cannot write a report to {path}; set {setting} ({setting.upper()}) to a writable path")


def _run_lifecycle(settings: Settings, io: Io, *, sandbox_note: str | None = None) -> int:
    from .github import STATE_KEY, GitHub
    from .report import json as json_report
    from .report import junit, summary, write_text
    from .report.console import Console
    from .results import Status
    from .runner import execute, plan
    from .state import StateFile

    redactor, out = io.redactor, io.out
    gh = GitHub(out, redactor)
    paths = {
        "junit_path": gh.resolve(settings.junit_path),
        "json_path": gh.resolve(settings.json_path),
        "summary_path": gh.resolve(settings.summary_path),
    }
    for setting, path in paths.items():
        _check_writable(path, setting)
    the_plan = plan(settings, redactor)
    gh.mask(sorted(redactor.secrets))
    console = Console(out, redactor, github=gh, verbose=log.isEnabledFor(logging.INFO))
    console.header({**({"sandbox": sandbox_note} if sandbox_note else {}), **the_plan.facts()})
    state = None
    if sandbox_note is None and the_plan.uses_okta:
        assert settings.okta_org_url and settings.okta_app_id  # noqa: S101 - required for run
        state = StateFile.for_run(
            paths["junit_path"].parent, the_plan.run_id, settings.okta_org_url, settings.okta_app_id
        )
        gh.save_state(STATE_KEY, str(state.path))
    with _cancellable():
        record = state.record if state else lambda kind, ident: None
        result = execute(the_plan, redactor, console.step, timing=io.timing, on_created=record)
    crud_cleanup = next((suite.steps[-1] for suite in result.suites if suite.name == "crud" and suite.steps), None)
    if state is not None and crud_cleanup is not None and crud_cleanup.status is Status.PASSED:
        state.remove()
    junit.write(result, paths["junit_path"], redactor)
    json_report.write(result, paths["json_path"], redactor)
    markdown = summary.render(result, redactor)
    write_text(paths["summary_path"], markdown, "summary_path")
    gh.append_summary(markdown)
    gh.annotate(result)
    gh.set_outputs(
        {
            "conclusion": result.conclusion,
            "passed": str(result.count(Status.PASSED)),
            "failed": str(result.count(Status.FAILED) + result.count(Status.ERROR)),
            "skipped": str(result.count(Status.SKIPPED)),
            "duration": f"{result.duration:.1f}",
            "junit_path": str(paths["junit_path"]),
            "json_path": str(paths["json_path"]),
            "summary_path": str(paths["summary_path"]),
            "okta_user_id": result.okta_user_id or "",
            "run_id": result.run_id,
        }
    )
    console.summary(
        result,
        {"JUnit": str(paths["junit_path"]), "JSON": str(paths["json_path"]), "summary": str(paths["summary_path"])},
    )
    if result.cancelled_by:
        return 143 if result.cancelled_by == "SIGTERM" else 130
    return EXIT_OK if result.conclusion == "success" else EXIT_FAILED


def _cmd_run(args: argparse.Namespace, io: Io) -> int:
    from .settings import load_settings

    overrides = _overrides(args)
    first = load_settings(overrides)
    if first.sandbox:
        return _in_sandbox(overrides, io, latency=0.2, faults=[])
    settings = load_settings(overrides, required=first.required())
    return _run_lifecycle(settings, io)


def _in_sandbox(overrides: dict[str, Any], io: Io, *, latency: float, faults: list[str]) -> int:
    from .sandbox import Sandbox
    from .settings import REQUIRED_FOR_RUN, load_settings

    overrides = {key: value for key, value in overrides.items() if key not in CONNECTION_SETTINGS}
    overrides.setdefault("step_timeout", max(DEMO_STEP_TIMEOUT, latency * 4 + 5))
    scim_version = str(overrides.get("scim_version") or load_settings(overrides).scim_version)
    with Sandbox(scim_version=scim_version, latency=latency, faults=faults) as sandbox:
        note = f"Okta org emulator and SCIM {scim_version} server on loopback"
        if faults:
            note += f", faults: {', '.join(faults)}"
        targets = {name.lower(): value for name, value in sandbox.environment().items()}
        settings = load_settings({**overrides, **targets}, required=REQUIRED_FOR_RUN, env_file=None)
        return _run_lifecycle(settings, io, sandbox_note=note)


def _cmd_demo(args: argparse.Namespace, io: Io) -> int:
    return _in_sandbox(_overrides(args), io, latency=args.latency, faults=args.fault)


def _cmd_sandbox(args: argparse.Namespace, io: Io) -> int:
    from .sandbox import Sandbox

    out = io.out
    if bool(args.scim_url) != bool(args.scim_auth):
        raise ConfigError("--scim-url and --scim-auth go together: give both to provision into your SCIM server")
    sandbox = Sandbox(
        scim_version=args.scim_version,
        latency=args.latency,
        faults=args.fault,
        scim_url=args.scim_url,
        scim_auth=args.scim_auth,
    )
    with sandbox, _cancellable():
        out.write("# okta-scim-ci sandbox is running; paste these settings, then Ctrl-C to stop.\n")
        for name, value in sandbox.environment().items():
            out.write(f"{name}={shlex.quote(value)}\n")
        out.flush()
        try:
            threading.Event().wait()
        except RunCancelled:
            out.write("sandbox stopped\n")
    return EXIT_OK


def _cmd_cleanup(args: argparse.Namespace, io: Io) -> int:
    from .cleanup import parse_duration, remove_recorded, sweep_stale
    from .github import STATE_KEY, GitHub
    from .http import OKTA
    from .okta import OktaClient
    from .runner import Timing, client
    from .settings import load_settings
    from .state import find

    redactor, out = io.redactor, io.out
    older_than = parse_duration(args.stale) if args.stale else None
    overrides = _overrides(args)
    gh = GitHub(out, redactor)
    state_files = [Path(p) for p in args.state]
    posted = os.environ.get(f"STATE_{STATE_KEY}")
    if posted:
        state_files.append(Path(posted))
    state_files += find(gh.resolve(load_settings(overrides).junit_path).parent)
    state_files = sorted({path for path in state_files if path.is_file()})
    if not state_files and older_than is None:
        out.write("nothing to clean up: no state files of unfinished runs (use --stale 24h to sweep the org)\n")
        return EXIT_OK
    settings = load_settings(overrides, required=("okta_org_url", "okta_token"))
    for secret in settings.secret_values():
        redactor.add(secret)
    gh.mask(sorted(redactor.secrets))
    assert settings.okta_org_url  # noqa: S101 - required above
    http = client(OKTA, settings.okta_org_url, settings.okta_authorization, settings, redactor, Timing(), None)
    okta = OktaClient(http)
    sweeps = []
    for path in state_files:
        sweeps.append(remove_recorded(okta, path, settings.okta_org_url))
        _print_sweep(sweeps[-1], redactor, out, kept="skipped")
    if older_than is not None:
        sweeps.append(sweep_stale(okta, older_than))
        _print_sweep(sweeps[-1], redactor, out)
        out.write(
            f"stale sweep: {len(sweeps[-1].removed)} deleted, {len(sweeps[-1].kept)} newer than {args.stale} kept\n"
        )
    return EXIT_FAILED if any(sweep.failed for sweep in sweeps) else EXIT_OK


def _print_sweep(sweep: Sweep, redactor: Redactor, out: TextIO, *, kept: str | None = None) -> None:
    lines = [f"deleted {entry}" for entry in sweep.removed] + [f"could not delete {entry}" for entry in sweep.failed]
    if kept:
        lines += [f"{kept} {entry}" for entry in sweep.kept]
    for line in lines:
        out.write(redactor.text(line) + "\n")


def _report_error(out: TextIO, err: TextIO, redactor: Redactor, kind: str, message: str) -> None:
    """The one place an error becomes text: stderr, and an error annotation in GitHub."""
    from .github import GitHub, command

    err.write(redactor.text(f"okta-scim-ci: {kind}: {message}\n"))
    if GitHub(out, redactor).active:
        out.write(redactor.text(command("error", message, title=f"okta-scim-ci {kind}")) + "\n")


COMMANDS = {"run": _cmd_run, "demo": _cmd_demo, "sandbox": _cmd_sandbox, "cleanup": _cmd_cleanup}


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    timing: Timing | None = None,
) -> int:
    """Run the CLI; returns the exit code. Every user error ends here as a message, never a traceback.

    `timing` replaces the clocks and polling intervals (tests use faster polling).
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        # Answered before the parser is built: building it imports pydantic for the settings flags.
        out.write(f"okta-scim-ci {__version__}\n")
        return EXIT_OK
    args = build_parser().parse_args(argv)
    redactor = Redactor()
    handler = logging.StreamHandler(err)
    handler.addFilter(_RedactingFilter(redactor))
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO if getattr(args, "verbose", False) else logging.WARNING)
    try:
        return COMMANDS[args.command](args, Io(redactor, out, timing))
    except ConfigError as exc:
        _report_error(out, err, redactor, "configuration error", str(exc))
        return EXIT_CONFIG
    except ReportError as exc:
        _report_error(out, err, redactor, "report error", str(exc))
        return EXIT_CONFIG
    except OktaScimCiError as exc:
        _report_error(out, err, redactor, "error", str(exc))
        return EXIT_FAILED
    except (KeyboardInterrupt, RunCancelled):
        err.write("okta-scim-ci: interrupted\n")
        return 130
    finally:
        log.removeHandler(handler)


def console_main() -> None:
    """Entry point of the `okta-scim-ci` script."""
    sys.exit(main())
