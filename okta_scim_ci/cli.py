"""The command line: `run`, `demo`, `sandbox`, `cleanup`.

This is the one place where errors become messages and exit codes:
0 every step passed, 1 a check failed, 2 bad configuration (or an unwritable report), 130/143 cancelled.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import shlex
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal, TextIO, get_args, get_origin

from . import __version__
from .errors import ConfigError, OktaScimCiError, ReportError, RunCancelled
from .redact import Redactor

if TYPE_CHECKING:
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
    _setting_flags(run)

    fault_help = "switch on a SCIM server fault (repeatable): " + "; ".join(f"{k}: {v}" for k, v in FAULTS.items())
    demo = commands.add_parser("demo", help="run the lifecycle against the embedded sandbox (needs nothing)")
    demo.add_argument("-v", "--verbose", action="store_true", help="show transcripts and retries")
    demo.add_argument("--latency", type=float, default=0.2, help="seconds Okta's provisioning takes per push")
    demo.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS), help=fault_help)
    _setting_flags(demo, exclude=CONNECTION_SETTINGS)

    sandbox = commands.add_parser("sandbox", help="keep the sandbox running and print its settings")
    sandbox.add_argument("--scim-version", choices=["2.0", "1.1"], default="2.0")
    sandbox.add_argument("--latency", type=float, default=1.0, help="seconds Okta's provisioning takes per push")
    sandbox.add_argument("--fault", action="append", default=[], choices=sorted(FAULTS), help=fault_help)
    sandbox.add_argument("--scim-url", help="provision into this SCIM server instead of the embedded one")
    sandbox.add_argument("--scim-auth", help="Authorization header value for --scim-url")

    cleanup = commands.add_parser("cleanup", help="delete test users that earlier runs left in the Okta org")
    cleanup.add_argument(
        "--stale",
        default="24h",
        metavar="DURATION",
        help="delete okta-scim-ci test users older than this (e.g. 24h, 30m; default 24h). Only logins of the "
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

    return {name: getattr(args, name) for name in Settings.model_fields if getattr(args, name, None) is not None}


def _check_writable(path: Path) -> None:
    """Fail before creating anything in Okta if the report cannot be written."""
    directory = path.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    if path.is_dir() or not directory.is_dir() or not (directory.stat().st_mode & 0o222):
        raise ConfigError(f"Cannot write the JUnit report to {path}; set junit_path (JUNIT_PATH or --junit-path)")


def _run_lifecycle(settings: Settings, redactor: Redactor, out: TextIO) -> int:
    from .report import junit
    from .report.console import Console
    from .runner import execute, plan

    _check_writable(settings.junit_path)
    console = Console(out, redactor, verbose=log.isEnabledFor(logging.INFO))
    the_plan = plan(settings, redactor)
    console.header(the_plan.facts())
    with _cancellable():
        result = execute(the_plan, redactor, console.step)
    path = junit.write(result, settings.junit_path, redactor)
    console.summary(result, {"JUnit": str(path)})
    if result.cancelled_by:
        return 143 if result.cancelled_by == "SIGTERM" else 130
    return EXIT_OK if result.conclusion == "success" else EXIT_FAILED


def _cmd_run(args: argparse.Namespace, redactor: Redactor, out: TextIO) -> int:
    from .settings import REQUIRED_FOR_RUN, load_settings

    settings = load_settings(_overrides(args), required=REQUIRED_FOR_RUN)
    return _run_lifecycle(settings, redactor, out)


def _cmd_demo(args: argparse.Namespace, redactor: Redactor, out: TextIO) -> int:
    from .sandbox import Sandbox
    from .settings import REQUIRED_FOR_RUN, load_settings

    overrides = _overrides(args)
    overrides.setdefault("step_timeout", max(DEMO_STEP_TIMEOUT, args.latency * 4 + 5))
    scim_version = overrides.get("scim_version", "2.0")
    with Sandbox(scim_version=scim_version, latency=args.latency, faults=args.fault) as sandbox:
        out.write(f"Sandbox: Okta org emulator at {sandbox.okta_url}, SCIM {scim_version} server at {sandbox.scim_url}")
        out.write(f" (faults: {', '.join(args.fault)})\n" if args.fault else "\n")
        env = sandbox.environment()
        targets = {name.lower(): value for name, value in env.items()}
        settings = load_settings({**overrides, **targets}, required=REQUIRED_FOR_RUN, env_file=None)
        return _run_lifecycle(settings, redactor, out)


def _cmd_sandbox(args: argparse.Namespace, redactor: Redactor, out: TextIO) -> int:
    from .sandbox import Sandbox

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


def _cmd_cleanup(args: argparse.Namespace, redactor: Redactor, out: TextIO) -> int:
    from .cleanup import parse_duration, sweep_stale
    from .okta import OktaClient
    from .runner import OKTA, Timing, client
    from .settings import load_settings

    older_than = parse_duration(args.stale)
    settings = load_settings(_overrides(args), required=("okta_org_url", "okta_token"))
    for secret in settings.secret_values():
        redactor.add(secret)
    assert settings.okta_org_url  # noqa: S101 - required above
    http = client(OKTA, settings.okta_org_url, settings.okta_authorization, settings, redactor, Timing(), None)
    sweep = sweep_stale(OktaClient(http), older_than)
    for line in sweep.removed:
        out.write(redactor.text(f"deleted {line}\n"))
    for line in sweep.failed:
        out.write(redactor.text(f"could not delete {line}\n"))
    out.write(
        f"{len(sweep.removed)} deleted, {len(sweep.kept)} newer than {args.stale} kept, {len(sweep.failed)} failed\n"
    )
    return EXIT_FAILED if sweep.failed else EXIT_OK


COMMANDS = {"run": _cmd_run, "demo": _cmd_demo, "sandbox": _cmd_sandbox, "cleanup": _cmd_cleanup}


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code. Every user error ends here as a message, never a traceback."""
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
        return COMMANDS[args.command](args, redactor, out)
    except ConfigError as exc:
        err.write(redactor.text(f"okta-scim-ci: configuration error: {exc}\n"))
        return EXIT_CONFIG
    except ReportError as exc:
        err.write(redactor.text(f"okta-scim-ci: report error: {exc}\n"))
        return EXIT_CONFIG
    except OktaScimCiError as exc:
        err.write(redactor.text(f"okta-scim-ci: {exc}\n"))
        return EXIT_FAILED
    except (KeyboardInterrupt, RunCancelled):
        err.write("okta-scim-ci: interrupted\n")
        return 130
    finally:
        log.removeHandler(handler)


def console_main() -> None:
    """Entry point of the `okta-scim-ci` script."""
    sys.exit(main())
