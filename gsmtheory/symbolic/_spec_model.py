"""The ``[model]`` table of a spec (docs/design.md §4): parameters, truth, and one of a log
density, an exponential family's statistics, or a Gaussian mixture's expressions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._model import MixtureExpressions, Model
from gsmtheory.symbolic._parse import (
    parse_expression,
)
from gsmtheory.symbolic._spec_values import parse_names, parse_number

__all__ = ["parse_model"]


def _isotropic(cov: Any, d: int) -> Any:
    """``covariance = s`` (a number or an expression) is shorthand for s·I in d coordinates."""
    if isinstance(cov, int | float | str) and not isinstance(cov, bool):
        return [[cov if i == j else 0 for j in range(d)] for i in range(d)]
    return cov


def parse_model(table: Any, coords: tuple[sp.Symbol, ...], names: Mapping[str, sp.Expr],
           consts: Mapping[str, sp.Expr]) -> Model:
    if not isinstance(table, dict):
        raise SpecError("[model] must be a table", "give params, truth and log_density")
    bad = set(table) - {"params", "truth", "log_density", "mixture", "statistics", "base"}
    if bad:
        raise SpecError(f"unknown [model] key(s) {', '.join(sorted(bad))}",
                        "use params, truth, log_density, statistics, base or [model.mixture]")
    pnames = parse_names(table.get("params"), "[model] params")
    for p in pnames:
        if p in names:
            raise SpecError(f"model parameter {p!r} clashes with a coordinate or constant", "rename it")
    params = tuple(sp.Symbol(p, real=True) for p in pnames)
    if "truth" not in table:
        raise SpecError("[model] has no truth", "give truth = {" + ", ".join(f"{p} = 0.0" for p in pnames) + "}")
    truth_table = table["truth"]
    if not isinstance(truth_table, dict):
        raise SpecError("[model] truth must be a table", "write truth = {a = 1.0}")
    unknown = set(truth_table) - set(pnames)
    if unknown:
        raise SpecError(f"[model] truth names unknown parameter(s) {', '.join(sorted(unknown))}",
                        "use names from [model] params")
    missing = [p for p in pnames if p not in truth_table]
    if missing:
        raise SpecError(f"[model] truth lacks {', '.join(missing)}", "give a value for every parameter")
    truth = tuple(parse_number(truth_table[p], consts, f"truth of {p}") for p in pnames)
    if any(not math.isfinite(t) for t in truth):
        raise SpecError("[model] truth must be finite", "give finite values")
    all_names = dict(names)
    all_names.update(zip(pnames, params, strict=True))
    given = [k for k in ("log_density", "mixture", "statistics") if k in table]
    if len(given) != 1:
        raise SpecError("[model] needs exactly one of log_density, statistics or [model.mixture]",
                        "keep one of them")
    if "mixture" in table:
        m = table["mixture"]
        if not isinstance(m, dict) or "means" not in m or "covariance" not in m:
            raise SpecError("[model.mixture] needs means and covariance", "give means, weights and covariance")
        d = len(coords)
        if not all(isinstance(r, list) and len(r) == d for r in m["means"]):
            raise SpecError(f"[model.mixture] means must be rows of length {d}", 'write means = [["-a"], ["a"]]')
        weights = m.get("weights", [1] * len(m["means"]))
        if len(weights) != len(m["means"]):
            raise SpecError("[model.mixture] needs one weight per mean", "match their numbers")
        mix = MixtureExpressions(
            tuple(tuple(parse_expression(v, all_names, what="model mean") for v in r) for r in m["means"]),
            tuple(parse_expression(w, all_names, what="model weight") for w in weights),
            tuple(tuple(parse_expression(v, all_names, what="model covariance") for v in r)
                  for r in _isotropic(m["covariance"], d)),
        )
        return Model.gaussian_mixture(coords, params, mix, truth)
    if "statistics" in table:
        stats = table["statistics"]
        if not isinstance(stats, list):
            raise SpecError("[model] statistics must be a list of expressions", 'write statistics = ["x", "x**2"]')
        T = [parse_expression(s, names, what="sufficient statistic") for s in stats]
        base = parse_expression(table.get("base", 0), names, what="base")
        return Model.exponential_family(coords, params, T, truth, base)
    ell = parse_expression(table["log_density"], all_names, what="model log_density")
    return Model.from_log_density(coords, params, ell, truth)
