"""The ``gsmtheory`` command line: a thin dispatcher over ``gsmtheory._cli`` command modules.

Each command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> dict`` (a JSON-able result; DESIGN.md §4 lists the keys) and may define
``format_text(result) -> str`` for the human-readable form and ``exit_code(result) -> int``.
User errors (:class:`gsmtheory.GSMError`, malformed files) exit with status 2 and one line
on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from gsmtheory._errors import GSMError

__all__ = ["COMMANDS", "main"]

#: command name -> module under gsmtheory._cli that implements it
COMMANDS: dict[str, str] = {
    "derive": "derive",
    "loss": "loss",
    "poincare": "poincare",
    "efficiency": "efficiency",
    "fit": "fit",
    "verify": "verify",
    "sweep": "sweep",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        sys.stderr.write(f"gsmtheory: {message}; see 'gsmtheory {self.prog.split()[-1]} --help'\n")
        raise SystemExit(2)


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"gsmtheory._cli.{COMMANDS[name]}")
    except ModuleNotFoundError as exc:  # a command whose module is not there yet
        if exc.name == f"gsmtheory._cli.{COMMANDS[name]}":
            return None
        raise


def _build_parser() -> tuple[_Parser, dict[str, ModuleType]]:
    from gsmtheory import __version__

    parser = _Parser(prog="gsmtheory", description="Generalized score matching, executable.")
    parser.add_argument("--version", action="version", version=f"gsmtheory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    modules: dict[str, ModuleType] = {}
    for name in COMMANDS:
        module = _load(name)
        if module is None:
            continue
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        module.add_arguments(p)
        modules[name] = module
    return parser, modules


def _to_json(obj: Any) -> Any:
    """Plain JSON: non-finite floats become strings ("inf", "nan") so the output stays valid JSON."""
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else str(obj)
    if isinstance(obj, dict):
        return {str(k): _to_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_to_json(v) for v in obj]
    return obj


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 a failed check, 2 a user error)."""
    parser, modules = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    module = modules[args.command]
    try:
        result = module.run(args)
    except GSMError as exc:
        sys.stderr.write(f"gsmtheory {args.command}: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"gsmtheory {args.command}: interrupted; finished work is kept\n")
        return 130
    if args.json:
        sys.stdout.write(json.dumps(_to_json(result)) + "\n")
    elif hasattr(module, "format_text"):
        sys.stdout.write(module.format_text(result).rstrip("\n") + "\n")
    else:
        sys.stdout.write(json.dumps(_to_json(result), indent=2) + "\n")
    sys.stdout.flush()
    return int(module.exit_code(result)) if hasattr(module, "exit_code") else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
