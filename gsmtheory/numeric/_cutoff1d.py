r"""The cut-off of a 1D problem: the interval cut at e^{-T} and compared with the cut at e^{-(T+20)}.

The coarsest chain is solved on both cuts with the same cells (:func:`compare_cutoffs`); the change,
divided by 1 − r with r = e^{−2κΔy} the shrinking of the eigenfunction's tail over the Liouville
distance Δy the cut moved (κ = √(σ_e − λ); :func:`tail_ratio`), is the truncation error of
:func:`gsmtheory.numeric.poincare_1d` (docs/design.md §6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gsmtheory.numeric._chain1d import (
    Array,
    Fn,
    chain_1d,
    end_map,
    initial_cells,
    liouville_length,
    resolved_cells,
    truncate_support,
)
from gsmtheory.numeric._eig1d import solve_level
from gsmtheory.numeric._fv_grid import AxisMap, extended_map
from gsmtheory.numeric._ladder_cutoff import TAIL_STEP, left_after

__all__ = ["TAIL_STEP_1D", "Cut", "Opts1D", "compare_cutoffs", "new_cut", "rest_unknown", "singular_end", "tail_ratio"]

#: the 1D cut-off moves out by the ladder's step, this many nats of density
TAIL_STEP_1D = TAIL_STEP


@dataclass
class Opts1D:
    """The options of one :func:`gsmtheory.numeric.poincare_1d` call."""

    method: str
    rtol: float
    tail: float
    max_cells: int
    points: Array | None
    sigma: float | None
    ends_reason: str
    bounds: bool
    sigma_ends: tuple[float | None, float | None] | None


@dataclass
class Cut:
    """One cut-off: the interval, its map, and the comparison with the next cut-off."""

    T: float
    a: float
    b: float
    mp: AxisMap
    n0: int
    change: float = 0.0
    lam_coarse: float = math.nan
    moved: list[tuple[int, float]] = field(default_factory=list)
    first: tuple[Any, ...] | None = None
    coarse: tuple[Array, Array] | None = None
    extended: tuple[Array, Array] | None = None
    checked: bool = False


def new_cut(logp: Fn, diff: Fn, lo: float, hi: float, T: float, o: Opts1D) -> Cut:
    a, b, _ = truncate_support(logp, lo, hi, tail=T, points=o.points)
    mp = end_map(diff, a, b, lo, hi)
    return Cut(T, a, b, mp, initial_cells(logp, diff, mp))


def compare_cutoffs(logp: Fn, diff: Fn, lo: float, hi: float, cut: Cut, o: Opts1D,
                     finite_sigma: bool) -> None:
    """The coarsest chain on the cut at e^-T and on the cut at e^-(T+20), same cells."""
    if cut.a == lo and cut.b == hi:
        return
    a2, b2, _ = truncate_support(logp, lo, hi, tail=cut.T + TAIL_STEP_1D, points=o.points)
    ext = extended_map(cut.mp, cut.n0, lo, hi, a2, b2)
    if ext is None:
        return
    # the added cells have the base width; where p is steep there (a finite end approached by
    # e^{-c/x}) a few cells span tens of nats: refine both problems alike
    n_check = resolved_cells(logp, cut.mp, cut.n0, ext[2])
    if n_check != cut.n0:
        ext = extended_map(cut.mp, n_check, lo, hi, a2, b2)
        assert ext is not None
    emap, n2, added = ext
    if n2 > max(64 * n_check, 1 << 17):  # the next cut-off lies orders of magnitude out: a heavy tail
        # (ℓ = −log(1 + x²): from ±4.9e8 to ±1.1e13, five million cells and a minute per step),
        # whose truncation error cannot be bounded
        cut.checked, cut.change = True, math.inf
        return
    lp1, lc1 = chain_1d(logp, diff, cut.mp, n_check)
    lp2, lc2 = chain_1d(logp, diff, emap, n2)
    cut.coarse, cut.extended, cut.checked = (lp1, lc1), (lp2, lc2), True
    sol1 = solve_level(lp1, lc1, o.method, o.rtol, n_check, vector=False)
    if n_check == cut.n0:
        cut.first = (lp1, lc1, sol1)
    l1, l2 = sol1[0], solve_level(lp2, lc2, o.method, o.rtol, n2, vector=False)[0]
    if math.isfinite(l1) and math.isfinite(l2):
        cut.change = abs(math.expm1(l2 - l1))
        cut.lam_coarse = math.exp(-l2)
        if finite_sigma:  # the extrapolation rate needs the distance moved
            cut.moved = [(e_i, liouville_length(diff, x0, x1)) for e_i, x0, x1 in added]


def tail_ratio(cut: Cut, lam: float, o: Opts1D) -> tuple[str, float]:
    """(regime, r): the truncation change shrinks by r per step (the eigenfunction's tail)."""
    sigma = o.sigma
    if not cut.checked:
        return "none", 0.0
    if sigma is None or not math.isfinite(sigma):
        return ("discrete", 0.0) if sigma is not None else ("unknown", 0.5)
    if lam >= sigma or cut.lam_coarse >= sigma:
        return "continuous", 1.0
    r = 0.0
    for end_i, dl in cut.moved:  # each moved end's tail decays like e^{-κ_e y}, κ_e = √(σ_e − λ)
        s_e = sigma if o.sigma_ends is None or o.sigma_ends[end_i] is None else o.sigma_ends[end_i]
        if s_e is None or math.isnan(s_e):
            s_e = sigma
        if math.isinf(s_e):
            continue
        kappa = math.sqrt(max(s_e - lam, 0.0))
        r = max(r, math.exp(-2 * kappa * dl) if math.isfinite(dl) else 1.0)
    return "discrete", r


def rest_unknown(trunc: dict[str, Any], rtol: float) -> float:
    r"""σ_ess unknown: the truncation error (relative) beyond the last cut-off, from the changes so far.

    One change: twice it (geometric decay assumed). Two or more: :func:`left_after` on the last two,
    the slower of a geometric and a power-law decay, the power law doubled (at the edge of a
    continuous spectrum the eigenfunction does not decay and the changes shrink like a power of
    the cut-off: ℓ = −√(1 + x²), C_P = 4, changes 7.0e-3 at T = 40 to 9.8e-5 at T = 200, where twice
    the last change, 2.0e-4, under-stated the true 5.7e-4). Changes that stop shrinking below
    rtol/100 are round-off: twice the larger.
    """
    ch = trunc["relative_change"]  # the cut-offs are consecutive, TAIL_STEP_1D apart
    if len(ch) < 2:
        return 2 * ch[-1] if ch else 0.0
    d1, d2 = ch[-2], ch[-1]
    if not math.isfinite(d1):  # the step before was not built (a far extension): no decay to fit
        return 2 * d2
    tails = trunc["tails"]
    if d2 >= d1 and d1 <= rtol / 100:
        return 2 * d2
    return left_after(tails[-2][0], d1, d2)


def singular_end(logp: Fn, cut: Cut) -> bool:
    r"""p grows without bound towards an end of the chain at a finite x (Beta(a, b) with a < 1).

    The chain's weight is then singular there and its error has a fractional-order part that
    the values on a few grids do not show (Beta(0.2, 0.3) under D = x(1 − x): differences shrinking
    ×5.2 then ×4.5, true errors ×4.7, ×3.4, ×2.2; Richardson's error 1.9e-8 against 5.7e-8), so
    :func:`gsmtheory.numeric.poincare_1d`'s ladder states at least 1.5 times the last change: the rest of the changes if they
    shrink at least ×2 per level, plus the distance from the extrapolation to the last value.
    """
    w = cut.b - cut.a
    out = False
    for end, sign in ((cut.a, 1.0), (cut.b, -1.0)):
        if math.isfinite(end):
            with np.errstate(all="ignore"):
                near, far = (float(np.asarray(logp(np.array([end + sign * t * w])), float).reshape(-1)[0]) for t in (1e-10, 1e-6))
            out = out or (math.isfinite(far) and (not math.isfinite(near) or near > far + 0.5))
    return out
