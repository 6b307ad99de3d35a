r"""Two-dimensional Poincaré constants: reversible finite volumes and shift-invert Lanczos.

Setting (docs/design.md §1, §6): p ∝ e^ℓ on a box (finite sides reflect), E(g) = E_p[∇gᵀ D ∇g]
with D(x) symmetric positive definite, possibly state-dependent and with off-diagonal entries.
The chain (:mod:`gsmtheory.numeric._chain2d`) lives on the box truncated where p < e^{-tail}·max p.
C_P of the chain is the top eigenvalue of the pseudo-inverse of its symmetrized generator (one
sparse LU of the generator grounded at the heaviest cell, Lanczos; :func:`gsmtheory.numeric._fv.top_pinv`).

The ladder (:mod:`gsmtheory.numeric._ladder`): grids refined by 2 per axis, Richardson at the
declared order :data:`FV2D_ORDER` with the observed order checked. The cut-off: the coarsest grid
is solved again on the box cut at e^{-(tail+20)} with the same cells and the cut is pushed out
while twice the change misses rtol; then the change is measured again at the second-finest
grid, where the mode is resolved (an edge mode that the coarsest grid smears out moves the
value there), and twice the larger change is the truncation error (there is no spectral
theory of the ends in 2D to extrapolate with). The certified lower bound is Rayleigh–Ritz on
polynomials of degree ≤ 4 and the bilinear interpolant of a coarse discrete eigenfunction
(:mod:`gsmtheory.numeric._ritz2d`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.numeric._chain2d import (
    Array,
    DFun2,
    Diffusion2,
    LogDensity2,
    aspect_2d,
    axis_map_2d,
    chain_2d,
    diffusion_2d,
    eval_ell,
    truncate_box,
)
from gsmtheory.numeric._fv import top_pinv
from gsmtheory.numeric._fv_grid import AxisMap, extended_map
from gsmtheory.numeric._ladder import extrapolate_at
from gsmtheory.numeric._ladder_cutoff import (
    TAIL_STEP,
    below_lower_bound,
    cutoff_step,
    cutoff_tail,
    settle,
)
from gsmtheory.numeric._result import PoincareResult, Side
from gsmtheory.numeric._ritz2d import ritz_lower_2d

__all__ = ["FV2D_ORDER", "poincare_2d"]

#: declared order of the 2D finite-volume chain in its cell width (the ladder checks it)
FV2D_ORDER = 2.0


@dataclass
class _Setup:
    """One cut-off: the box, its maps, the aspect ratio and the coarsest grid."""

    T: float
    bx: tuple[float, float]
    by: tuple[float, float]
    mx: AxisMap
    my: AxisMap
    ratio: float | None
    nx: int
    ny: int


@dataclass
class _Ladder:
    values: list[float] = field(default_factory=list)
    grids: list[list[int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fvec: Array | None = None
    fgrid: list[int] = field(default_factory=list)
    best: float = math.nan
    err: float = math.inf
    order: float | None = None
    order_ok: bool = False


def _coarsest(log_density: LogDensity2, mx: AxisMap, my: AxisMap, ratio: float | None,
              rtol: float) -> tuple[int, int]:
    """The coarsest grid from the variation of ℓ across the box (and the admissible aspect)."""
    t = (np.arange(256) + 0.5) / 256
    (xs, _), (ys, _) = mx(t), my(t)
    ell = eval_ell(log_density, *np.meshgrid(xs, ys, indexing="ij"))
    ell = np.where(np.isfinite(ell), ell, np.nan)
    tvx = float(np.nanmax(np.nansum(np.abs(np.diff(ell, axis=0)), axis=0)))
    tvy = float(np.nanmax(np.nansum(np.abs(np.diff(ell, axis=1)), axis=1)))
    cap = 48 if rtol < 5e-4 else 24
    nx, ny = int(np.clip(tvx / 16, 12, cap)), int(np.clip(tvy / 16, 12, cap))
    if ratio is not None:  # h_u/h_v = ratio
        h = math.sqrt(1.0 / (ratio * nx * ny))
        nx, ny = max(8, round(1.0 / (ratio * h))), max(8, round(1.0 / h))
    return nx, ny


def _setup(log_density: LogDensity2, dfun: DFun2, box: Sequence[Sequence[float]], T: float,
           shape: tuple[int, int] | None, rtol: float, points: Array | None) -> _Setup:
    (bx0, bx1), (by0, by1) = ((float(a), float(b)) for a, b in box)
    bx, by = truncate_box(log_density, box, tail=T, points=points)
    mx = axis_map_2d(dfun, bx, by, (bx0, bx1), 0)
    my = axis_map_2d(dfun, by, bx, (by0, by1), 1)
    ratio = aspect_2d(dfun, mx, my)
    nx, ny = (int(shape[0]), int(shape[1])) if shape is not None else _coarsest(log_density, mx, my, ratio, rtol)
    return _Setup(T, bx, by, mx, my, ratio, nx, ny)


def _extended(log_density: LogDensity2, dfun: DFun2, box: Sequence[Sequence[float]], s: _Setup,
              k: int, points: Array | None, steps: int = 1, known: Sequence[float] = ()) -> tuple[float, ...] | None:
    """C_P on grid level k of the box cut at e^-T, and of the boxes cut at e^-(T+20j), j = 1..steps,
    with the same cells; ``known`` holds the first values when they were computed already (a deeper
    cut-off asked for after the first two)."""
    (bx0, bx1), (by0, by1) = ((float(a), float(b)) for a, b in box)
    gx, gy = s.nx * 2**k, s.ny * 2**k
    out = list(known[:1]) or [top_pinv(*chain_2d(log_density, dfun, s.mx, s.my, gx, gy), 700.0, tol=1e-12)[0]]
    for j in range(1, steps + 1):
        if j < len(known):
            out.append(known[j])
            continue
        ex, ey = truncate_box(log_density, box, tail=s.T + j * TAIL_STEP, points=points)
        emx, emy = extended_map(s.mx, gx, bx0, bx1, *ex), extended_map(s.my, gy, by0, by1, *ey)
        if emx is None and emy is None:
            return None if j == 1 else (*out, out[-1])
        mx2, nx2 = (s.mx, gx) if emx is None else (emx[0], emx[1])
        my2, ny2 = (s.my, gy) if emy is None else (emy[0], emy[1])
        out.append(top_pinv(*chain_2d(log_density, dfun, mx2, my2, nx2, ny2), 700.0, tol=1e-12)[0])
    if not (all(math.isfinite(c) for c in out) and out[0] > 0):
        return None
    return tuple(out)


def _cutoff(log_density: LogDensity2, dfun: DFun2, box: Sequence[Sequence[float]], tail: float,
            shape: tuple[int, int] | None, rtol: float, max_cells: int, points: Array | None,
            trunc: dict[str, Any]) -> tuple[_Setup, float]:
    """The cut pushed out while twice the change on the coarsest grid misses rtol."""
    T = tail
    while True:
        s = _setup(log_density, dfun, box, T, shape, rtol, points)
        got = None if s.nx * s.ny > max_cells else _extended(log_density, dfun, box, s, 0, points)
        if got is None:
            return s, 0.0
        rel, stop = cutoff_step(trunc, T, got[0], got[1], rtol)
        if stop:
            return s, rel
        T += TAIL_STEP


def _resolved_cutoff(log_density: LogDensity2, dfun: DFun2, box: Sequence[Sequence[float]], s: _Setup, k: int,
                     points: Array | None, rtol: float, trunc: dict[str, Any], trunc_rel: float) -> float:
    """The truncation error measured on grid level k: twice the change between two cut-offs, and
    where that change is not negligible a third cut-off and :func:`cutoff_tail`'s extrapolation."""
    got = _extended(log_density, dfun, box, s, k, points)
    if got is None:
        return trunc_rel
    rel = max(trunc_rel, cutoff_step(trunc, s.T, got[0], got[1], rtol)[0])
    if abs(got[1] / got[0] - 1) > rtol / 100:
        try:
            three = _extended(log_density, dfun, box, s, k, points, steps=2, known=got)
        except ModelError:  # no box at the deeper cut-off (the density's decay not found there):
            trunc["tail_extrapolated"] = math.inf  # what is left beyond cannot be bounded
            return math.inf
        if three is not None:
            trunc["tail_extrapolated"] = cutoff_tail(s.T, three)
            rel = max(rel, trunc["tail_extrapolated"])
    return rel


def _climb(log_density: LogDensity2, dfun: DFun2, s: _Setup, rtol: float, trunc_rel: float, min_levels: int,
           max_levels: int, max_cells: int, bounds: bool) -> _Ladder | PoincareResult:
    lad = _Ladder(fgrid=[s.nx, s.ny])
    for k in range(max_levels):
        gx, gy = s.nx * 2**k, s.ny * 2**k
        if gx * gy > max_cells:
            lad.notes.append(f"stopped before {gx}x{gy} cells (max_cells={max_cells})")
            break
        small = bounds and (max(gx, gy) <= 32 or k == 0)
        out = top_pinv(*chain_2d(log_density, dfun, s.mx, s.my, gx, gy), 700.0, tol=1e-12, vector=small)
        if small:
            lad.fvec, lad.fgrid = out[2], [gx, gy]
        if out[1]:
            lad.notes.append(out[1])
        if math.isinf(out[0]) or math.isnan(out[0]):
            st = "no_poincare" if math.isinf(out[0]) else "failed"
            return PoincareResult(math.inf if st == "no_poincare" else 0.0, 0.0 if st == "no_poincare" else math.inf,
                                  "fv2d", {"shape": [gx, gy]}, st,
                                  f"no Poincaré inequality: {out[1]}" if st == "no_poincare" else out[1],
                                  "estimate", (s.bx, s.by))
        lad.values.append(out[0])
        lad.grids.append([gx, gy])
        if len(lad.values) >= 3:
            ext = extrapolate_at(lad.values, [1.0 / g[0] for g in lad.grids], FV2D_ORDER,
                                 floor=1e-9 * abs(lad.values[-1]))
            lad.best, lad.err, lad.order, lad.order_ok = ext.value, ext.error, ext.observed_order, ext.order_ok
            if lad.err + trunc_rel * abs(lad.best) <= rtol * abs(lad.best) and len(lad.values) >= min_levels \
                    and lad.order_ok:
                break
    if not lad.values:
        raise SpecError("the coarsest grid exceeds max_cells", "raise max_cells or pass shape")
    if len(lad.values) < 3:
        v = lad.values
        lad.best, lad.err = v[-1], (abs(v[-1] - v[0]) if len(v) == 2 else math.inf)
    return lad


def _message(s: _Setup, lad: _Ladder, status: str, err: float, trunc_err: float, rtol: float,
             trunc: dict[str, Any]) -> str:
    g = lad.grids[-1]
    if status == "ok":
        return (f"fv2d: {len(lad.grids)} grids up to {g[0]}x{g[1]} cells on [{s.bx[0]:.4g}, {s.bx[1]:.4g}] x "
                f"[{s.by[0]:.4g}, {s.by[1]:.4g}] (cut-off checked at e^-{s.T + TAIL_STEP:g}, also at "
                f"{lad.grids[-2][0] if len(lad.grids) > 1 else g[0]} cells per axis)")
    if trunc.get("tail_extrapolated") == math.inf:
        return (f"not converged: no box cut at p = e^-{s.T + 2 * TAIL_STEP:g} of the maximum could be built "
                "(the density's decay was not found there): the truncation error beyond the cut-off at "
                f"e^-{s.T:g} cannot be bounded (mass far out along a ridge or a heavy tail?)")
    if trunc_err > rtol * abs(lad.best) / 2:
        ch = max(trunc["relative_change"])
        return (f"not converged: C_P changes by {ch:.2g} (relative) when the cut-off moves from p = "
                f"e^-{s.T:g} to e^-{s.T + TAIL_STEP:g} of the maximum: the truncation error cannot be "
                "bounded (mass far out along a ridge or a heavy tail?)")
    why = "" if lad.order_ok else f"; the observed order {lad.order} is not the declared {FV2D_ORDER:g}"
    return f"not converged: relative error estimate {err / abs(lad.best):.2g} > rtol {rtol:g} at {g[0]}x{g[1]} cells{why}"


def poincare_2d(log_density: LogDensity2, diffusion: Diffusion2,
                box: Sequence[Sequence[float]], *, rtol: float = 1e-4,
                shape: tuple[int, int] | None = None, min_levels: int = 3,
                max_levels: int = 6, tail: float = 40.0,
                max_cells: int = 1_500_000, points: Array | None = None,
                bounds: bool = True) -> PoincareResult:
    r"""C_P = sup_g Var_p(g) / E_p[∇gᵀ D ∇g] for p ∝ e^ℓ on a 2D box (module docstring).

    Parameters
    ----------
    log_density : callable
        ℓ(x, y), vectorized over two broadcasting arrays, unnormalized.
    diffusion : float, 2 numbers, 2×2 array, or callable
        Constant D (a number means D = dI), or ``D(x, y)`` returning ``(D_xx, D_xy, D_yy)``
        or an array ``(..., 2, 2)``. Off-diagonal entries use diagonal edges.
    box : ((x_lo, x_hi), (y_lo, y_hi))
        The domain; ±inf allowed, finite sides reflect.
    rtol : float
        Target relative error of grid and cut-off together; ``status="ok"`` iff it is met and
        the observed order matches :data:`FV2D_ORDER`.
    shape : (nx, ny), optional
        Coarsest grid; by default chosen from the variation of ℓ across the box.
    min_levels, max_levels : int
        Grids (each refining both axes by 2): at least ``min_levels`` (≥ 3), at most ``max_levels``.
    tail, max_cells, points
        As in :func:`poincare_1d`; the cut-off check is described in the module docstring.
    bounds : bool
        Compute the certified lower bound. A not-converged estimate below it is replaced by the
        bound (``side="lower_bound"``); a converged one below it raises.

    Returns
    -------
    PoincareResult
        ``method="fv2d"``, ``side="estimate"``.

    Raises
    ------
    SpecError
        If ``rtol`` is not in (0, 1) or the levels allow fewer than 3 grids.

    Examples
    --------
    The uniform law on [0, 1] × [0, 2] with D = I: C_P = (2/π)² = 0.405285 (the first Neumann
    eigenvalue (π/2)² of the long side), and the reported error covers the distance to it:

    >>> import math
    >>> r = poincare_2d(lambda x, y: 0 * x + 0 * y, 1.0, ((0, 1), (0, 2)), rtol=1e-2)
    >>> round(r.poincare_constant, 3), r.status, abs(r.poincare_constant - 4 / math.pi**2) <= r.error_estimate
    (0.405, 'ok', True)
    """
    if not 0 < rtol < 1:
        raise SpecError(f"rtol = {rtol} is not in (0, 1)", "use e.g. rtol=1e-4")
    if min_levels < 3 or max_levels < min_levels:
        raise SpecError("need 3 <= min_levels <= max_levels", "an error estimate needs 3 grids")
    dfun = diffusion_2d(diffusion)
    trunc: dict[str, Any] = {"tails": [], "relative_change": []}
    s, trunc_rel = _cutoff(log_density, dfun, box, tail, shape, rtol, max_cells, points, trunc)
    trunc["tail"] = s.T
    lad = _climb(log_density, dfun, s, rtol, trunc_rel, min_levels, max_levels, max_cells, bounds)
    if isinstance(lad, PoincareResult):
        return lad
    if len(lad.grids) >= 2:  # the cut-off again where the mode is resolved, extrapolated there
        trunc_rel = _resolved_cutoff(log_density, dfun, box, s, len(lad.grids) - 2, points, rtol, trunc, trunc_rel)
    trunc_err = trunc_rel * abs(lad.best)
    err = lad.err + trunc_err
    status = settle(lad.best, err, rtol, lad.order_ok and len(lad.values) >= 3)
    res = {"shape": lad.grids[-1], "levels": lad.grids, "values": lad.values, "declared_order": FV2D_ORDER,
           "observed_order": lad.order, "tail": s.T, "aspect": s.ratio, "maps": [s.mx.kind, s.my.kind],
           "truncation_check": trunc, "grid_error": lad.err, "truncation_error": trunc_err}
    lower: float | None = None
    if bounds:
        lower, res["lower_bound"] = ritz_lower_2d(log_density, dfun, s.mx, s.my, lad.fgrid, lad.fvec)
    msg = _message(s, lad, status, err, trunc_err, rtol, trunc)
    best, err, bound, msg = below_lower_bound(lad.best, err, lower, status, msg, what="the truncated estimate")
    side: Side = "lower_bound" if bound else "estimate"
    if status != "ok":
        warnings.warn(f"poincare_2d {msg}", RuntimeWarning, stacklevel=2)
    if lad.notes:
        msg += "; " + "; ".join(sorted(set(lad.notes)))
    return PoincareResult(best, err, "fv2d", res, status, msg, side, (s.bx, s.by), lower=lower)
