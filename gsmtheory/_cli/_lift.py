"""The ``--no-lift`` flag, mapped onto ``lift=`` of :mod:`gsmtheory.api` (which decides the lift)."""

from __future__ import annotations

import argparse

__all__ = ["add_lift_argument", "lift_option"]


def add_lift_argument(parser: argparse.ArgumentParser) -> None:
    """--no-lift: ignore the spec's [ctld] table and compute on the unlifted target."""
    parser.add_argument("--no-lift", action="store_true",
                        help="ignore the spec's [ctld] table: compute on the unlifted target "
                             "(by default a [ctld] table lifts the target to (x, beta) by continuously tempered "
                             "Langevin dynamics)")


def lift_option(args: argparse.Namespace) -> bool | None:
    """``False`` with --no-lift, else ``None`` (the spec decides: lifted when it has a [ctld] table)."""
    return False if getattr(args, "no_lift", False) else None
