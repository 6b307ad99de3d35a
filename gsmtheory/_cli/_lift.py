"""The ``--no-lift`` flag: a spec with a ``[ctld]`` table is computed on its CTLD lift unless it is given."""

from __future__ import annotations

import argparse

from gsmtheory.symbolic import Spec

__all__ = ["add_lift_argument", "lifted"]


def add_lift_argument(parser: argparse.ArgumentParser) -> None:
    """--no-lift: ignore the spec's [ctld] table and compute on the unlifted target."""
    parser.add_argument("--no-lift", action="store_true",
                        help="ignore the spec's [ctld] table: compute on the unlifted target "
                             "(by default a [ctld] table lifts the target to (x, beta), DESIGN.md §4)")


def lifted(spec: Spec, args: argparse.Namespace) -> bool:
    """True when the command should run on the CTLD lift (a [ctld] table and no --no-lift)."""
    return spec.ctld is not None and not getattr(args, "no_lift", False)
