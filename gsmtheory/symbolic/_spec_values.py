"""The tables of a spec made of names and numbers: coordinates and parameters, ``[constants]``,
``[domain]``, the matrices D and Q, and the target's ``[mixture]`` (docs/design.md §4).

Names must be identifiers in NFKC form, not keywords, not a function or a constant; numbers are
parsed (never eval'd) by :func:`~gsmtheory.symbolic._parse.parse_expression` and capped.
"""

from __future__ import annotations

import keyword
import math
import unicodedata
from collections.abc import Mapping
from typing import Any

import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._parse import (
    ALLOWED_FUNCTIONS,
    MAX_MAGNITUDE,
    check_magnitude,
    parse_expression,
)

__all__ = [
    "MAX_DIMENSION", "check_name", "parse_constants", "parse_domain", "parse_matrix", "parse_mixture",
    "parse_names", "parse_number",
]


_RESERVED = {"beta"}  # the CTLD temperature coordinate


#: the most coordinates a spec may declare (a d = 1000 mixture parses in 0.5 s; d = 20 000 would
#: build a 4·10⁸-entry covariance before anything could refuse it)
MAX_DIMENSION = 2000


# ---------------------------------------------------------------------------- pieces
def check_name(v: str, what: str) -> None:
    """A declared name must be what Python's parser reads: an identifier in NFKC form (the parser
    folds '𝑥' into 'x', so both would name one symbol), not a keyword, not a function or constant."""
    if not v.isidentifier() or v.startswith("_") or v in ALLOWED_FUNCTIONS or v in {"pi", "E"}:
        raise SpecError(f"{v!r} cannot be a name in {what}", "use a plain identifier such as x or theta")
    folded = unicodedata.normalize("NFKC", v)
    if folded != v:
        raise SpecError(f"{v!r} in {what} reads as {folded!r} in expressions (Unicode NFKC)",
                        f"write it as {folded!r}, or pick a name that does not fold into another")
    if keyword.iskeyword(v):
        raise SpecError(f"{v!r} in {what} is a Python keyword, which expressions cannot use as a name",
                        f"rename it (e.g. {v}_)")


def parse_names(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{what} must be a non-empty list of names", f'write {what} = ["x"]')
    if len(value) > MAX_DIMENSION:
        raise SpecError(f"{what} lists {len(value)} names, more than {MAX_DIMENSION}",
                        f"gsmtheory works in at most {MAX_DIMENSION} dimensions (a reducible mixture is "
                        "solved in the few directions its means span: keep d at most that)")
    for v in value:
        check_name(v, what)
        if v in _RESERVED:
            raise SpecError(f"{v!r} is reserved for the CTLD temperature", "rename it")
    if len(set(value)) != len(value):
        raise SpecError(f"{what} repeat a name", "give each a distinct name")
    return tuple(value)


def parse_number(value: Any, names: Mapping[str, sp.Expr], what: str) -> float:
    if isinstance(value, str) and value.strip().lower() in {"inf", "+inf", "infinity"}:
        return math.inf
    if isinstance(value, str) and value.strip().lower() in {"-inf", "-infinity"}:
        return -math.inf
    expr = parse_expression(value, names, what=what)
    if expr.free_symbols:
        raise SpecError(f"{what} must be a number, got {expr}", "use numbers or [constants]")
    try:
        out = float(expr)
    except (TypeError, ValueError):
        raise SpecError(f"{what} is not a real number ({expr})", "use a real number") from None
    if out != out:
        raise SpecError(f"{what} is NaN", "give a finite number")
    return out


def parse_constants(table: Any, overrides: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(table, dict):
        raise SpecError("[constants] must be a table", "write [constants] with name = number lines")
    out: dict[str, float] = {}
    for key, value in table.items():
        if not key.isidentifier() or key.startswith("_") or key in ALLOWED_FUNCTIONS or key in {"pi", "E"}:
            raise SpecError(f"constant name {key!r} is not allowed", "use a plain identifier")
        check_name(key, "[constants]")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"constant {key} = {value!r} is not a number", f"write {key} = 1.0")
        if isinstance(value, float) and not math.isfinite(value):
            raise SpecError(f"constant {key} is not finite", "give a finite number")
        check_magnitude(value, f"constant {key}")
        out[key] = float(value)
    for key, value in overrides.items():
        if key not in out:
            known = ", ".join(sorted(out)) or "none"
            raise SpecError(f"unknown constant {key!r}", f"use one declared in [constants] (declared: {known})")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise SpecError(f"constant {key} = {value!r} is not a number", "give a number") from None
        if not math.isfinite(v):
            raise SpecError(f"constant {key} = {value} is not finite", "give a finite number")
        check_magnitude(v, f"--const {key}")
        out[key] = v
    return out


def parse_domain(table: Any, coords: tuple[str, ...], names: Mapping[str, sp.Expr]) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
    if not isinstance(table, dict):
        raise SpecError("[domain] must be a table", "write [domain] with x = [lo, hi]")
    unknown = set(table) - set(coords)
    if unknown:
        raise SpecError(f"[domain] names undeclared coordinate(s) {', '.join(sorted(unknown))}",
                        "use names from coords")
    out = []
    for c in coords:
        if c not in table:
            out.append((-sp.oo, sp.oo))
            continue
        pair = table[c]
        if not isinstance(pair, list) or len(pair) != 2:
            raise SpecError(f"[domain] {c} must be [lo, hi]", f'write {c} = [0, 1] or {c} = [0, "inf"]')
        lo, hi = (parse_number(v, names, f"domain of {c}") for v in pair)
        if not lo < hi:
            raise SpecError(f"domain of {c} is empty ([{lo}, {hi}])", "give lo < hi")
        out.append((sp.oo * -1 if lo == -math.inf else sp.nsimplify(lo),
                    sp.oo if hi == math.inf else sp.nsimplify(hi)))
    return tuple(out)


def parse_matrix(value: Any, names: Mapping[str, sp.Expr], d: int, what: str) -> sp.ImmutableMatrix:
    if not isinstance(value, list) or len(value) != d or not all(isinstance(r, list) and len(r) == d for r in value):
        raise SpecError(f"{what} must be a {d}x{d} list of lists", f'write {what} = [["1"]] for d = 1')
    return sp.ImmutableMatrix([[parse_expression(v, names, what=f"{what}[{i}][{j}]")
                                for j, v in enumerate(row)] for i, row in enumerate(value)])


def parse_mixture(table: Any, names: Mapping[str, sp.Expr], d: int) -> GaussianMixture:
    if not isinstance(table, dict):
        raise SpecError("[mixture] must be a table", "give means, weights and covariance")
    missing = {"means", "covariance"} - set(table)
    if missing:
        raise SpecError(f"[mixture] lacks {', '.join(sorted(missing))}", "give means, weights and covariance")
    bad = set(table) - {"means", "weights", "covariance"}
    if bad:
        raise SpecError(f"unknown [mixture] key(s) {', '.join(sorted(bad))}", "use means, weights, covariance")
    means = table["means"]
    if not isinstance(means, list) or not means or not all(isinstance(m, list) and len(m) == d for m in means):
        raise SpecError(f"[mixture] means must be a list of rows of length {d}", "write means = [[-2.0], [2.0]]")
    weights = table.get("weights", [1.0] * len(means))
    cov = table["covariance"]
    if isinstance(cov, int | float | str) and not isinstance(cov, bool):
        # shorthand covariance = s for s·I (issue #14): one number parsed, not d² entries
        s = parse_number(cov, names, "mixture covariance")
        cov = [[s if i == j else 0.0 for j in range(d)] for i in range(d)]
    if not isinstance(weights, list) or not isinstance(cov, list):
        raise SpecError("[mixture] weights and covariance must be lists", "write weights = [0.5, 0.5]")
    if not all(isinstance(r, list) for r in cov):
        raise SpecError("[mixture] covariance must be a list of rows", "write covariance = [[1.0]]")
    return GaussianMixture(
        tuple(tuple(parse_number(v, names, "mixture mean") for v in m) for m in means),
        tuple(parse_number(w, names, "mixture weight") for w in weights),
        tuple(tuple(v if type(v) is float and math.isfinite(v) and abs(v) <= MAX_MAGNITUDE
                    else parse_number(v, names, "mixture covariance") for v in r)
              for r in cov),
    )
