"""Helpers shared by command modules: the SPEC argument, --at parsing, --no-lift (mapped onto
``lift=`` of :mod:`gsmtheory.api`, which decides the lift), bounded numeric options.

Every number a user types is checked where argparse reads it, so a budget such as
``--samples 1000000000000`` is refused in one line (exit 2) before any work, instead of
allocating or running for hours.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from gsmtheory._errors import SpecError
from gsmtheory.symbolic import Spec, check_magnitude, load_spec

__all__ = [
    "MAX_SAMPLES",
    "add_lift_argument",
    "add_spec_argument",
    "bounded_int",
    "lift_option",
    "parse_at",
    "positive_float",
    "spec_from_args",
]

#: the largest Monte Carlo budget a command accepts (10⁸ draws: minutes in batches, never more)
MAX_SAMPLES = 100_000_000


def bounded_int(lo: int, hi: int, hint: str = "") -> Callable[[str], int]:
    """An argparse type: an integer in [lo, hi], else a one-line usage error naming the range."""
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is outside [{lo}, {hi:_}]{hint}")
        return value

    parse.__name__ = "integer"
    return parse


def positive_float(text: str) -> float:
    """An argparse type: a finite number > 0 (a tolerance)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} is not a positive finite number")
    return value


def add_spec_argument(parser: argparse.ArgumentParser) -> None:
    """SPEC (a TOML file or a catalogue name) and repeated --const NAME=VALUE overrides."""
    parser.add_argument("spec", metavar="SPEC", help="a TOML spec file or a catalogue name (e.g. double-well)")
    parser.add_argument("--const", action="append", default=[], metavar="NAME=VALUE",
                        help="override a [constants] entry (repeatable)")


def _pairs(text: str, flag: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise SpecError(f"{flag} {text!r} is not NAME=VALUE", f"write {flag} a=1.3 or {flag} a=-1,b=1")
        try:
            number = float(value)
        except ValueError:
            raise SpecError(f"{flag} value {value!r} for {name.strip()} is not a number",
                            "give a decimal number") from None
        if not math.isfinite(number):
            raise SpecError(f"{flag} value for {name.strip()} is not finite", "give a finite number")
        check_magnitude(number, f"{flag} {name.strip()}")
        out[name.strip()] = number
    return out


def parse_at(items: list[str]) -> list[dict[str, float]]:
    """--at a=1.3 --at a=-1,b=1 → [{"a": 1.3}, {"a": -1.0, "b": 1.0}]."""
    return [_pairs(item, "--at") for item in items]


def spec_from_args(args: argparse.Namespace) -> Spec:
    """Load the spec named on the command line, applying --const overrides."""
    consts: dict[str, float] = {}
    for item in getattr(args, "const", []) or []:
        consts.update(_pairs(item, "--const"))
    return load_spec(args.spec, constants=consts)


def add_lift_argument(parser: argparse.ArgumentParser) -> None:
    """--no-lift: ignore the spec's [ctld] table and compute on the unlifted target."""
    parser.add_argument("--no-lift", action="store_true",
                        help="ignore the spec's [ctld] table: compute on the unlifted target "
                             "(by default a [ctld] table lifts the target to (x, beta) by continuously "
                             "tempered Langevin dynamics)")


def lift_option(args: argparse.Namespace) -> bool | None:
    """``False`` with --no-lift, else ``None`` (the spec decides: lifted when it has a [ctld] table)."""
    return False if getattr(args, "no_lift", False) else None
