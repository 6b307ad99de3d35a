r"""The per-axis refinement ladder for tensor grids in d ≥ 3 (:mod:`gsmtheory.numeric._ladder`, step 2).

C(h) = C + Σ_k a_k h_k^p + (cross terms): each axis is refined alone from the base grid and
extrapolated at the declared order p (:func:`gsmtheory.numeric._ladder.richardson_limit`), its
observed order checked (:func:`gsmtheory.numeric._ladder.observed_order`); one grid refined on all
axes measures the neglected cross terms, which are added to the error (docs/design.md §3).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gsmtheory._errors import SpecError
from gsmtheory.numeric._ladder import ORDER_SLACK, observed_order, richardson_limit

__all__ = ["EXTRA_AXIS_LEVELS", "AxesRefinement", "refine_axes"]

#: levels an axis may add, on the geometric continuation of the ladder, when its first three do not
#: show the declared order (a pre-asymptotic coarsest grid is the usual reason)
EXTRA_AXIS_LEVELS = 2


@dataclass(frozen=True)
class AxesRefinement:
    """The result of :func:`refine_axes`: the limit, its error, and what was solved."""

    value: float
    error: float
    base: list[int]
    axes: list[dict[str, Any]]
    cross: dict[str, Any] | None
    order_ok: bool = True
    note: str = ""


def _axis_check(cs: list[float], ns: list[int], order: float) -> tuple[list[float], float | None, bool]:
    """(relative widths, observed order of the last three levels, whether the order is shown)."""
    hs = [ns[0] / v for v in ns]
    q = observed_order(cs, hs)
    spread = max(cs[-3:]) - min(cs[-3:])
    ok = len(cs) < 3 or spread <= 64e-9 * abs(cs[0]) or (q is not None and q >= order - ORDER_SLACK)
    return hs, q, ok


def _one_axis(solve: Callable[[list[int]], float | None], base: list[int], c0: float, k: int,
              shape: Sequence[int], lv: list[float], order: float) -> dict[str, Any]:
    """Axis k refined alone through the levels (more, up to EXTRA_AXIS_LEVELS, while the order does
    not show); its Richardson limit over the last three, error and observed order."""
    ns, cs = [base[k]], [c0]
    growth = lv[-1] / lv[-2] if len(lv) > 1 else 1.5
    factors = lv[1:] + [lv[-1] * growth ** (j + 1) for j in range(EXTRA_AXIS_LEVELS)]
    for i, f in enumerate(factors):
        if i >= len(lv) - 1 and _axis_check(cs, ns, order)[2]:
            break
        n = list(base)
        n[k] = math.ceil(f * int(shape[k]))
        out = solve(n)
        if out is None:
            break
        ns.append(n[k])
        cs.append(out)
    hs, q, ok = _axis_check(cs, ns, order)
    lim, e = richardson_limit(cs, hs, order)
    if not ok:  # slower than declared (or not monotone): twice the geometric tail at the observed
        # order, or twice the last two changes where no order shows — a conservative error the status judges
        last = abs(cs[-1] - cs[-2])
        r = hs[-2] / hs[-1]
        tail = 2 * (last / (r**q - 1) if q is not None and q > 0.2 else max(last, abs(cs[-2] - cs[-3])))
        e = max(e, tail)
        lim = cs[-1]
    return {"cells": ns, "values": cs, "limit": lim, "error": e, "observed_order": q, "order_ok": ok}


def refine_axes(solve: Callable[[list[int]], float | None], shape: Sequence[int],
                levels: Sequence[float], order: float = 2.0) -> AxesRefinement:
    r"""C(h) = C + Σ_k a_k h_k^p + Σ_{k<l} a_kl h_k^p h_l^p + …, fitted axis by axis (p = ``order``).

    ``solve(cells)`` returns the grid's value (None when skipped). The base grid
    ceil(levels[0]·shape) is solved, then each axis refined alone through ``levels`` and
    extrapolated at the declared order (:func:`richardson_limit`), its observed order checked
    (three levels: :func:`observed_order`; below p − ½ that axis is not extrapolated: its value is
    the finest one and its error twice the geometric tail at the observed order, or twice its
    last changes where it is not monotone — never Richardson's tight error — and the note says so);
    the limits are summed, C ≈ c_0 + Σ_k (C_k − c_0), which is
    off by Σ a_kl. One grid refined on all axes at ``levels[1]`` differs from the additive
    prediction by Σ a_kl (1 − g_k)(1 − g_l), g_k = (h_k'/h_k)^p; that measured |Σ a_kl| is added
    to the error (infinite when it could not be measured). The error is at least 1e-9 of the value.
    """
    lv = [float(v) for v in levels]
    d = len(shape)
    base = [math.ceil(lv[0] * int(s)) for s in shape]
    c0 = solve(base)
    if c0 is None:
        raise SpecError("the base grid exceeds max_cells", "raise max_cells or pass a smaller shape")
    axes = [_one_axis(solve, base, c0, k, shape, lv, order) for k in range(d)]
    best = c0 + sum(a["limit"] - c0 for a in axes)
    err = sum(a["error"] for a in axes)
    cross: dict[str, Any] | None = None
    if all(len(a["values"]) > 1 for a in axes):
        n1 = [a["cells"][1] for a in axes]
        out = solve(n1)
        if out is not None:
            g = [(a["cells"][0] / a["cells"][1]) ** order for a in axes]
            pred = c0 + sum(a["values"][1] - c0 for a in axes)
            pairs = list(itertools.combinations(range(d), 2))
            factor = sum((1 - g[i]) * (1 - g[j]) for i, j in pairs) / len(pairs)
            cross = {"cells": n1, "value": out, "predicted": pred, "error": abs(out - pred) / factor}
            err += cross["error"]
    if cross is None:
        err = math.inf
    err = max(err, 1e-9 * abs(best))
    bad = [k for k, a in enumerate(axes) if not a["order_ok"]]
    note = (f"axis {', '.join(str(k + 1) for k in bad)}: observed order below the declared {order:g} "
            "(its error is the tail at the observed order, not Richardson's)" if bad else "")
    # three levels per axis are all a 3D grid can afford: an axis slower than declared carries a
    # conservative error (above) instead of failing the whole answer; the error then decides
    return AxesRefinement(best, err, base, axes, cross, True, note)
