r"""The refinement ladder every discretisation climbs: extrapolate at its declared order, check it.

A discretisation of C_P (1D, 2D and 3D finite volumes, the lifted CTLD chains, the ridge-coordinate
finite elements) declares the order p of its error, C(h) = C + a h^p + o(h^p) (docs/design.md §3:
"Discretisations share one refinement ladder"; the Poincaré methods mirror it in
``Theory.order``). The ladder is, for each of them:

1. validate the input and truncate the domain (the solver's own);
2. refine: values c_k on grids of relative widths h_k (coarse to fine);
3. extrapolate at the *declared* order (:func:`extrapolate_at`: Richardson through the last two
   grids; error = its distance from the Richardson value through the previous two; with three
   grids only, also the size of the correction: one difference of extrapolations cannot show
   that the values are in the asymptotic regime);
4. check the observed order q = log(δ_{k−1}/δ_k)/log(h_{k−1}/h_k)-type estimate from three
   grids (:func:`observed_order`) against p: q < p − ½ (the error decays more slowly than
   declared, so a Richardson error estimate would be too small) makes the value
   ``not_converged`` with a conservative error, never a tight one; q ≥ p + 1 on two
   successive triples (superconvergence) extrapolates at that observed order instead;
5. the cut-off: the domain cut at p = e^{-tail} and at e^{-(tail + TAIL_STEP)} with the same cells
   (:func:`cutoff_step`), at a resolution where the mode is resolved, and there a third cut-off
   extrapolates what is left at the slower of a geometric and a power-law decay
   (:func:`cutoff_tail`: an eigenfunction at the continuum's edge does not decay);
6. bounds, and the bracket check (:func:`below_lower_bound`, :func:`check_bracket`);
7. the status (:func:`settle`): ``ok`` if and only if the whole stated error meets rtol and the
   order check passed.

:func:`refine_axes` is the per-axis variant for tensor grids in d ≥ 3 (each axis refined alone,
the cross terms measured on one grid refined on all axes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gsmtheory._errors import NumericalError, SpecError

__all__ = [
    "MAX_TAIL",
    "ORDER_SLACK",
    "TAIL_STEP",
    "AxesRefinement",
    "Extrapolation",
    "below_lower_bound",
    "check_bracket",
    "cutoff_step",
    "cutoff_tail",
    "extrapolate_at",
    "observed_order",
    "refine_axes",
    "richardson",
    "richardson_limit",
    "settle",
]

#: the cut-off is pushed out by this many nats of density per step, to at most MAX_TAIL
TAIL_STEP = 20.0
MAX_TAIL = 100.0
#: an observed order this far below the declared one fails the check
ORDER_SLACK = 0.5


# ----------------------------------------------------------------------------- Richardson
def richardson(c: Sequence[float], h: Sequence[float], i: int, j: int, order: float = 2.0) -> float:
    """The C of c = C + a h^order through points i and j (h relative grid widths)."""
    hi, hj = float(h[i]) ** order, float(h[j]) ** order
    return float((c[j] * hi - c[i] * hj) / (hi - hj))


def observed_order(c: Sequence[float], h: Sequence[float]) -> float | None:
    """q with c = C + a h^q through the last three values (None when the differences do not
    shrink monotonically: oscillating, stagnating or diverging values).

    For a constant ratio r = h_{k−1}/h_k, q = log(δ_{k−1}/δ_k)/log r; otherwise the equation
    (h₁^q − h₂^q)/(h₂^q − h₃^q) = δ₁/δ₂ is solved for q by bisection on (0, 16).
    """
    if len(c) < 3:
        return None
    c1, c2, c3 = (float(v) for v in c[-3:])
    h1, h2, h3 = (float(v) for v in h[-3:])
    d1, d2 = c2 - c1, c3 - c2
    if d1 == 0 or d2 == 0 or d1 * d2 < 0:
        return None
    target = d1 / d2
    if not target > 1:
        return None

    def ratio(q: float) -> float:
        return (h1**q - h2**q) / (h2**q - h3**q)

    lo, hi = 1e-6, 16.0
    if ratio(hi) < target:
        return hi
    if ratio(lo) > target:
        return None
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Extrapolation:
    """The extrapolated value of a ladder, its error and the order check.

    Attributes
    ----------
    value, error : float
        The limit and its error estimate (never below the round-off floor).
    declared_order : float
        p of the discretisation.
    observed_order : float or None
        q from the last three grids (None: fewer grids, or not monotone).
    order_ok : bool
        The check passed: q ≥ p − ½, or the values agree to the round-off floor. False means
        ``not_converged`` whatever the error says.
    note : str
        Why the check failed, in words ("" when it passed).
    """

    value: float
    error: float
    declared_order: float
    observed_order: float | None = None
    order_ok: bool = False
    note: str = ""
    info: dict[str, Any] = field(default_factory=dict)


def _at_floor(c: Sequence[float], floor: float) -> bool:
    """The last differences are round-off: the values have converged as far as float allows."""
    d_last, d_prev = abs(c[-1] - c[-2]), abs(c[-2] - c[-3])
    return d_last <= 2 * floor and d_prev <= 64 * max(floor, d_last)


def extrapolate_at(values: Sequence[float], widths: Sequence[float], order: float, *,
                   floor: float = 0.0) -> Extrapolation:
    r"""Richardson at the declared ``order`` with the observed order checked (module docstring).

    Parameters
    ----------
    values : sequence of float
        c_k, coarse to fine.
    widths : sequence of float
        Relative grid widths h_k (any scale), decreasing.
    order : float
        The discretisation's declared order p.
    floor : float
        Absolute round-off floor of the values (differences below it carry no order).
    """
    c = [float(v) for v in values]
    h = [float(v) for v in widths]
    p = float(order)
    if len(c) == 1:
        return Extrapolation(c[0], math.inf, p, note="one grid: no error estimate")
    if len(c) == 2:
        lim = richardson(c, h, 0, 1, p)
        return Extrapolation(lim, max(abs(lim - c[1]), floor), p,
                             note="two grids: the order cannot be checked")
    if _at_floor(c, floor):
        return Extrapolation(c[-1], max(abs(c[-1] - c[-2]), floor), p, None, True,
                             info={"at_round_off": True})
    n = len(c)
    lim = richardson(c, h, n - 2, n - 1, p)
    prev = richardson(c, h, n - 3, n - 2, p)
    err = abs(lim - prev)
    if n == 3:  # one difference of extrapolations cannot show it is asymptotic: the correction
        err = max(err, abs(lim - c[-1]))
    q = observed_order(c, h)
    q_prev = observed_order(c[:-1], h[:-1]) if n >= 4 else None
    if q is not None and q_prev is not None and min(q, q_prev) >= p + 1:
        # superconvergence seen on two triples (a smooth target on a symmetric grid): the
        # declared order would only inflate the error, so extrapolate at the slower observed one
        # (at the last triple's own order both pairs agree by construction: the error comes from
        # the previous triple's order and from the spread between the two orders)
        lim_e = richardson(c, h, n - 2, n - 1, min(q, q_prev))
        err_e = max(abs(richardson(c, h, n - 2, n - 1, q_prev) - richardson(c, h, n - 3, n - 2, q_prev)),
                    abs(richardson(c, h, n - 2, n - 1, q) - richardson(c, h, n - 2, n - 1, q_prev)))
        return Extrapolation(lim_e, max(err_e, floor), p, q, True, info={"extrapolated_at": min(q, q_prev)})
    if q is not None and q >= p - ORDER_SLACK:
        return Extrapolation(lim, max(err, floor), p, q, True)
    # the error does not decay at the declared order: a conservative error, never a tight one
    d = abs(c[-1] - c[-2])
    r = h[-2] / h[-1]
    q_tail = q
    if q is not None and q_prev is not None and q < q_prev:  # still slowing: project the trend one level
        q_tail = max(min(q, 2 * q - q_prev), 0.1)
    tail = d / (r**q_tail - 1) if q_tail is not None and q_tail > 0.1 else max(abs(c[-1] - c[-3]), d) * 10
    why = ("the values do not converge monotonically" if q is None else
           f"observed order {q:.2f} < declared {p:g}")
    return Extrapolation(c[-1], max(err, tail, d, floor), p, q, False,
                         note=f"{why}: the extrapolation is not trusted")


def richardson_limit(c: Sequence[float], h: Sequence[float], order: float = 2.0) -> tuple[float, float]:
    """(limit, error) of values c on grids of relative widths h (coarse to fine), c = C + a h^order.

    One value: (c, inf). Two: the Richardson value and its distance from the finer value.
    Three or more: the Richardson value of the last two grids, and its disagreement with the
    one through the third-last and the last grid.
    """
    n = len(c)
    if n == 1:
        return float(c[0]), math.inf
    if n == 2:
        lim = richardson(c, h, 0, 1, order)
        return lim, abs(lim - float(c[1]))
    lim = richardson(c, h, n - 2, n - 1, order)
    return lim, abs(lim - richardson(c, h, n - 3, n - 1, order))


# ----------------------------------------------------------------------------- per axis
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


#: levels an axis may add, on the geometric continuation of the ladder, when its first three do not
#: show the declared order (a pre-asymptotic coarsest grid is the usual reason)
EXTRA_AXIS_LEVELS = 2


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


# ----------------------------------------------------------------------------- cut-off, status
def cutoff_step(trunc: dict[str, Any], tail: float, c1: float, c2: float, rtol: float) -> tuple[float, bool]:
    r"""One step of the domain cut-off check: (truncation error relative to C_P, stop here).

    c1, c2 are C_P on the box cut at p = e^{-tail} and at e^{-(tail + TAIL_STEP)} of the maximum,
    on the same cells. Without a spectral theory of the ends the change is assumed to at least
    halve per step, so twice it bounds what is left (recorded in ``trunc``). Stop when that
    meets rtol/4, when it is hopeless (> 100 rtol: the status will say not converged), or at
    MAX_TAIL.
    """
    change = abs(c2 / c1 - 1.0)
    trunc["tails"].append([tail, tail + TAIL_STEP])
    trunc["relative_change"].append(change)
    rel = 2 * change
    return rel, rel <= rtol / 4 or change > 100 * rtol or tail + TAIL_STEP > MAX_TAIL


def cutoff_tail(tail: float, c: Sequence[float]) -> float:
    r"""What is left of the truncation error of c[0] (relative), from C_P at three cut-offs.

    c = C_P on the box cut at e^{-tail}, e^{-(tail+Δ)}, e^{-(tail+2Δ)} (Δ = TAIL_STEP, same
    cells), with changes d₁ = |c₁ − c₀|, d₂ = |c₂ − c₁|. Two laws for the rest, the larger taken:
    geometric (an eigenfunction decaying exponentially, e.g. below the continuum):
    d₁/(1 − q), q = d₂/d₁; and a power law e(T) = a T^{−k} (an eigenfunction at the edge of the
    continuous spectrum, which does not decay: the truncated gap approaches σ like 1/L², L ∝ T^α),
    k fitted to d₁/d₂, e(tail) = d₁/(1 − (T/(T+Δ))^k). Twice d₁ is kept as a floor. Changes that
    do not shrink (d₂ ≥ d₁) or shrink more slowly than any power give inf: the truncation error
    cannot be bounded.
    """
    d1, d2 = abs(c[1] - c[0]), abs(c[2] - c[1])
    scale = abs(c[0])
    if d1 <= 1e-13 * scale:
        return 2 * d1 / scale
    if d2 >= d1:
        return math.inf
    q = d2 / d1
    a, b = tail / (tail + TAIL_STEP), tail / (tail + 2 * TAIL_STEP)

    def ratio(k: float) -> float:  # d₁/d₂ under e(T) ∝ T^{−k}
        return (1 - a**k) / (a**k - b**k)

    if 1 / q <= ratio(1e-9):
        return math.inf
    lo, hi = 1e-9, 1.0
    while ratio(hi) < 1 / q and hi < 1e4:
        hi *= 2
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < 1 / q else (lo, mid)
    power = d1 / (1 - a**hi)
    return max(2 * d1, d1 / (1 - q), power) / scale


def settle(value: float, error: float, rtol: float, order_ok: bool = True) -> str:
    """The status a value with this error earns: ``"ok"`` if and only if the error meets rtol
    (relative) and the observed order matched the declared one, else ``"not_converged"``."""
    if order_ok and math.isfinite(error) and error <= rtol * abs(value):
        return "ok"
    return "not_converged"


def below_lower_bound(best: float, err: float, lower: float | None, status: str, msg: str,
                      *, what: str = "the estimate") -> tuple[float, float, bool, str]:
    """Hold an estimate to its certified lower bound: (value, error, became a bound, message).

    An ``ok`` estimate whose interval lies below the bound is a bug and raises; a not-converged
    one is replaced by the bound (error inf), and the message says so.
    """
    if lower is None or not best + err < lower * (1 - 1e-9):
        return best, err, False, msg
    if status == "ok":
        raise NumericalError(f"estimate C_P = {best:.10g} ± {err:.2g} lies below the certified lower bound "
                             f"{lower:.10g} (Rayleigh–Ritz)",
                             "the estimate is wrong: do not use it; report the target as a bug")
    return lower, math.inf, True, (f"{msg}; {what} {best:.6g} lies below the certified lower bound, "
                                   f"so only C_P >= {lower:.6g} is reported")


def check_bracket(value: float, err: float, lower: float | None, upper: float | None) -> None:
    """Fail loudly when an estimate lies outside its own certified bracket."""
    if lower is not None and upper is not None and lower > upper * (1 + 1e-9):
        raise NumericalError(f"certified bounds cross: lower {lower:.10g} > upper {upper:.10g}",
                             "this is a bug in the bounds; please report it with the target")
    if lower is not None and value + err < lower * (1 - 1e-9):
        raise NumericalError(
            f"estimate C_P = {value:.10g} ± {err:.2g} lies below the certified lower bound "
            f"{lower:.10g} (a test function's Rayleigh quotient)",
            "the estimate is wrong: do not use it; report the target as a bug")
    if upper is not None and value - err > upper * (1 + 1e-9):
        raise NumericalError(
            f"estimate C_P = {value:.10g} ± {err:.2g} lies above the certified upper bound "
            f"{upper:.10g}", "the estimate is wrong: do not use it; report the target as a bug")
