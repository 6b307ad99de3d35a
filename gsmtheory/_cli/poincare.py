"""`gsmtheory poincare SPEC`: the Poincaré constant C_P and spectral gap 1/C_P, with an error estimate.

A spec with a ``[ctld]`` table gives C_P of the CTLD lift on (x, β) (``"lifted": true`` and the
CTLD constants in the JSON); ``--no-lift`` gives the unlifted target's.
"""

from __future__ import annotations

import argparse
from typing import Any

from gsmtheory import api
from gsmtheory._cli._common import (
    add_lift_argument,
    add_spec_argument,
    lift_option,
    positive_float,
    spec_from_args,
)
from gsmtheory.solve import poincare_methods

NAME = "poincare"
HELP = "Poincaré constant C_P (Var g <= C_P E(g)) and spectral gap, with error estimate and method"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """SPEC, --rtol, --method, --quick, --no-lift."""
    add_spec_argument(parser)
    parser.add_argument("--rtol", type=positive_float, default=None,
                        help="target relative error (default 1e-8 in 1D, 1e-4 in 2D, 1e-3 in 3D and for a CTLD lift)")
    parser.add_argument("--method", default="auto",
                        choices=["auto", *poincare_methods().names()],
                        help="Poincaré method (default: the first registered one that applies; the "
                             "ctld* methods answer for a lifted spec)")
    parser.add_argument("--quick", action="store_true", help="looser default tolerances")
    add_lift_argument(parser)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The result record as a dict with the keys of docs/design.md §4 (poincare)."""
    spec = spec_from_args(args)
    problem = api.problem(spec, lift=lift_option(args))
    record = api.poincare(problem, rtol=args.rtol, method=args.method, quick=args.quick)
    return {"spec": spec.name, **api.as_dict(problem, record)}


def format_text(result: dict[str, Any]) -> str:
    """Human-readable summary."""
    lines = [
        f"spec               {result.get('spec')}" + ("  (CTLD lift over (x, beta))" if result.get("lifted") else ""),
        f"poincare_constant  {value_text(result)}",
        f"spectral_gap       {_gap_text(result)}",
        f"bounds             {_bounds_text(result)}",
        f"method             {result['method']}  status {result['status']}",
        f"domain used        {result['truncation']}",
        f"message            {result['message']}",
    ]
    if result.get("lifted"):
        c = result["ctld"]
        lines.append(f"ctld               lambda {c['lambda_min']:g}, diam {c['diameter']:g}, beta_max "
                     f"{c['beta_max']:g}, log r = {c['log_r']}  (defaults: {', '.join(c['defaults']) or 'none'})")
    return "\n".join(lines)


def value_text(result: dict[str, Any]) -> str:
    """C_P as what it certifies: a value with its error, or a bound that never reads as a value."""
    c, e, side = result["poincare_constant"], result["error_estimate"], result["side"]
    lo, up = result.get("lower"), result.get("upper")
    if result.get("status") == "not_converged":  # an error beyond rtol: never shown as a value
        known = "; ".join(t for t in (f"C_P >= {lo!s}" if lo is not None else "",
                                      f"C_P <= {up!s}" if up is not None else "") if t) or "no certified bound"
        return f"NOT CONVERGED: {known}  (the estimate {c!s} ± {e!s} is not converged: see message)"
    if side == "lower_bound":
        if lo is None and result.get("status") != "bound":
            return f"unknown  (no certified bound: {c!s} is an unresolved Ritz value, not a value)"
        return f">= {lo if lo is not None else c!s}  (lower bound only, not a value)"
    if side == "upper_bound":
        return f"<= {up if up is not None else c!s}  (upper bound only, not a value)"
    if side == "bracket" and lo is not None and up is not None:
        return f"in [{lo!s}, {up!s}]  (two-sided bound, not a value)"
    return f"{c!s}  (± {e!s}, {side})"


def _gap_text(result: dict[str, Any]) -> str:
    lo, up, side = result.get("lower"), result.get("upper"), result["side"]
    inv = (lambda v: "inf" if v == 0 else f"{1.0 / v!s}")  # noqa: E731
    if side == "bracket" and lo is not None and up is not None:
        return f"in [{inv(up)}, {inv(lo)}]"
    if side == "lower_bound":
        return f"<= {inv(lo)}" if lo is not None else "unknown"
    if side == "upper_bound" and up is not None:
        return f">= {inv(up)}"
    return f"{result['spectral_gap']!s}"


def _bounds_text(result: dict[str, Any]) -> str:
    lo, up = result.get("lower"), result.get("upper")
    parts = [f"C_P >= {lo!s} (certified lower bound)" if lo is not None else
             "no lower bound computed",
             f"C_P <= {up!s} (upper bound)" if up is not None else "no upper bound computed"]
    return "; ".join(parts)


def exit_code(result: dict[str, Any]) -> int:
    """0 when the value is trustworthy (or C_P = inf is the answer), 1 when it did not converge."""
    return 0 if result["status"] in ("ok", "bound", "no_poincare", "overflow") else 1
