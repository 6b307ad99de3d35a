"""The numbers of a record's computed and theoretical values: flattened, counted, labelled by key
path, and compared (the relations the record constructors of docs/design.md §2 test).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "bound_relation", "count_numbers", "equality_relation", "flatten", "numbers", "read_numbers",
    "read_verdict_numbers", "short",
]


def numbers(value: Any) -> np.ndarray:
    """All numbers in a (nested) computed/theoretical value, flattened, float64."""
    return np.asarray(value, dtype=np.float64).ravel()


def short(x: float) -> str:
    return f"{x:.3g}"


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """(key path, number) for every number of a nested value; keys from dicts only."""
    if isinstance(value, Mapping):
        out: list[tuple[str, Any]] = []
        for k, v in value.items():
            out += flatten(v, f"{prefix}{k}" if not prefix else f"{prefix}, {k}")
        return out
    if isinstance(value, list | tuple):
        out = []
        for i, v in enumerate(value):
            out += flatten(v, f"{prefix}[{i}]" if prefix else "")
        return out
    return [] if value is None else [(prefix, value)]


def count_numbers(value: Any) -> int:
    """How many numbers a computed value holds (dict values in order, nested lists flattened)."""
    if isinstance(value, Mapping):
        return sum(count_numbers(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(count_numbers(v) for v in value)
    return 0 if value is None else 1


def equality_relation(computed: Any, theoretical: Any, tolerance: float, relative: bool) -> tuple[str, bool, float]:
    """(relation, passed, error) of equality within ``tolerance``, elementwise over nested values.

    relative: ``max |c − t| / max(|t|, tiny)``; absolute: ``max |c − t|``. NaN anywhere fails.
    """
    c, t = numbers(computed), numbers(theoretical)
    if c.shape != t.shape:
        raise ValueError(f"computed has {c.size} numbers, theoretical {t.size}; they must match")
    diff = np.abs(c - t)
    if relative:
        err = float(np.max(diff / np.maximum(np.abs(t), np.finfo(float).tiny))) if c.size else 0.0
        relation = f"|computed−theoretical|/|theoretical| ≤ {tolerance:.3g}"
    else:
        err = float(np.max(diff)) if c.size else 0.0
        relation = f"|computed−theoretical| ≤ {tolerance:.3g}"
    if c.size > 1:
        relation = "max over entries of " + relation
    return relation, bool(math.isfinite(err) and err <= tolerance), err


def bound_relation(computed: Any, theoretical: Any, tolerance: float, upper: bool) -> tuple[str, bool, float]:
    """(relation, passed, slack) of ``c ≤ t·(1 + tol)`` (upper) or ``c ≥ t·(1 − tol)`` (lower),
    elementwise; the slack is the smallest t/c (upper) or c/t (lower) ratio (1 = tight)."""
    c, t = numbers(computed), numbers(theoretical)
    if t.size == 1 and c.size > 1:
        t = np.full_like(c, t[0])
    if c.shape != t.shape:
        raise ValueError(f"computed has {c.size} numbers, theoretical {t.size}; they must match")
    margin = tolerance * np.abs(t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if upper:
            ok = c <= t + margin
            ratio = t / c
            relation = "computed ≤ theoretical" + (f"·(1 + {tolerance:.3g})" if tolerance else "")
        else:
            ok = c >= t - margin
            ratio = c / t
            relation = "computed ≥ theoretical" + (f"·(1 − {tolerance:.3g})" if tolerance else "")
    if c.size > 1:
        relation += ", for every entry"
    passed = bool(c.size > 0 and np.all(ok) and np.all(np.isfinite(c)))
    slack = float(np.nanmin(ratio)) if c.size and np.any(np.isfinite(ratio)) else float("nan")
    return relation, passed, slack


def read_numbers(v: Any) -> Any:
    """A JSON value with its non-finite floats (written as ``"inf"``, ``"-inf"``, ``"nan"``) read back."""
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    if isinstance(v, list):
        return [read_numbers(x) for x in v]
    if isinstance(v, dict):
        return {k: read_numbers(x) for k, x in v.items()}
    return v


def read_verdict_numbers(v: dict[str, Any]) -> dict[str, Any]:
    """A verdict's numbers back to floats (its texts, such as the witness spec, kept)."""
    out = dict(v)
    for key in ("slack", "fitted", "printed"):
        out[key] = read_numbers(out.get(key))
    if isinstance(out.get("witness"), dict):
        w = dict(out["witness"])
        for key in ("value", "bound", "tolerance"):
            w[key] = read_numbers(w.get(key))
        out["witness"] = w
    return out
