"""The ``gsmtheory`` command line: a thin dispatcher over ``gsmtheory._cli`` command modules.

Each command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> dict`` (a JSON-able result; docs/design.md §4 lists the keys) and may define
``format_text(result) -> str`` for the human-readable form and ``exit_code(result) -> int``.
User errors (:class:`gsmtheory.GSMError`, malformed files, a missing optional dependency)
exit with status 2 and one line on stderr, never a traceback. ``--json`` output carries
``schema_version`` and the ``versions`` of the packages that computed it. Diagnostics go
through :mod:`logging` (logger ``gsmtheory``): ``-q`` keeps only errors, ``-v``/``-vv`` adds
progress and library warnings.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import signal
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from gsmtheory import __version__
from gsmtheory._errors import GSMError
from gsmtheory._extras import extra_hint, missing_extra
from gsmtheory._json import plain, provenance
from gsmtheory._progress import progress_bars

__all__ = ["COMMANDS", "main"]

#: command name -> (module under gsmtheory._cli, one-line help). Only the module of the command
#: being run is imported, so `gsmtheory derive` does not pay for torch or dask.
COMMANDS: dict[str, tuple[str, str]] = {
    "derive": ("derive", "derive drift, generator, stationarity, Dirichlet form and GSM losses"),
    "loss": ("loss", "evaluate explicit and implicit GSM losses and their boundary terms"),
    "poincare": ("poincare", "Poincare constant and spectral gap with an error estimate"),
    "efficiency": ("efficiency", "asymptotic covariance of GSM against MLE"),
    "fit": ("fit", "fit a model to data by GSM, CTLD or MLE"),
    "verify": ("verify", "run every claim of the theory as an executable check"),
    "sweep": ("sweep", "resumable parameter sweeps on local cores or a Dask cluster"),
    "sample": ("sample", "exact samples of a spec's target into a new .npy or .csv file"),
    "catalogue": ("catalogue", "list the catalogue's specs with their descriptions"),
}

_LOG = logging.getLogger("gsmtheory")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        sys.stderr.write(f"gsmtheory: {message}; see '{self.prog} --help'\n")
        raise SystemExit(2)


def _add_verbosity(parser: argparse.ArgumentParser, default: Any) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_const", const=-1, dest="verbosity", default=default,
                       help="print only results and errors (no warnings, no progress bars)")
    group.add_argument("-v", "--verbose", action="count", dest="verbosity", default=default,
                       help="say more on stderr: -v progress notes, -vv library warnings too")


def _build_parser(command: str | None) -> tuple[_Parser, ModuleType | None]:
    parser = _Parser(prog="gsmtheory", description="Generalized score matching, executable.",
                     epilog="'gsmtheory COMMAND --help' describes a command; 'gsmtheory catalogue' "
                            "lists the specs that need no file.")
    parser.add_argument("--version", action="version", version=f"gsmtheory {__version__}")
    _add_verbosity(parser, 0)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    module = None
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(f"gsmtheory._cli.{module_name}")
            p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
            _add_verbosity(p, argparse.SUPPRESS)
            module.add_arguments(p)
    return parser, module


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = " ".join(record.getMessage().split())
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return f"gsmtheory: {level}{text}"


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A warning becomes one log line: the package's own at WARNING; floating-point noise
    (NumPy's "overflow encountered in exp"), deprecations and other libraries' at DEBUG (-vv)."""
    ours = "gsmtheory" in filename.replace("\\", "/").split("/")
    noise = (issubclass(category, DeprecationWarning | PendingDeprecationWarning | FutureWarning)
             or " encountered in " in str(message))
    _LOG.log(logging.WARNING if ours and not noise else logging.DEBUG, "%s", message)


def _configure_logging(verbosity: int) -> int:
    """Level of the ``gsmtheory`` logger for -q (-1), default (0), -v (1), -vv (2+)."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    _LOG.handlers[:] = [handler]
    _LOG.setLevel(level)
    _LOG.propagate = False
    return level


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM is handled like Ctrl-C: the command keeps what it says it keeps, then exits."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a failed check, 2 a user error,
    130 interrupted by Ctrl-C or SIGTERM, with one line saying what was kept)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    try:
        parser, module = _build_parser(command if command in COMMANDS else None)
    except ImportError as exc:  # a command module whose import needs an extra
        if missing_extra(exc) is None:
            raise
        sys.stderr.write(f"gsmtheory {command}: {extra_hint(exc.name or '', command or 'this')}\n")
        return 2
    args = parser.parse_args(argv)
    if args.command is None or module is None:
        parser.print_help()
        return 2
    level = _configure_logging(getattr(args, "verbosity", 0))
    previous = signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (an embedding program): leave SIGTERM alone
        previous = None
    shown = warnings.showwarning
    warnings.showwarning = _show_warning
    args.progress = None if level <= logging.WARNING else False  # a bar only on a terminal, never with -q
    try:
        with warnings.catch_warnings():  # the record's status and message say what a warning would
            warnings.simplefilter("ignore", RuntimeWarning)
            with progress_bars(False if getattr(args, "json", False) else args.progress):
                result = module.run(args)
    except GSMError as exc:
        sys.stderr.write(f"gsmtheory {args.command}: {exc}\n")
        return 2
    except ImportError as exc:
        if missing_extra(exc) is None:
            raise
        sys.stderr.write(f"gsmtheory {args.command}: {extra_hint(exc.name or '', args.command)}\n")
        return 2
    except KeyboardInterrupt as exc:
        said = str(exc.args[0]) if exc.args else "interrupted; nothing was written"
        sys.stderr.write(f"gsmtheory {args.command}: {said}\n")
        return 130
    finally:
        warnings.showwarning = shown
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if args.json:
        sys.stdout.write(json.dumps({**plain(result, finite=True), **provenance()}) + "\n")
    elif hasattr(module, "format_text"):
        sys.stdout.write(module.format_text(result).rstrip("\n") + "\n")
    else:
        sys.stdout.write(json.dumps(plain(result, finite=True), indent=2) + "\n")
    sys.stdout.flush()
    return int(module.exit_code(result)) if hasattr(module, "exit_code") else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
