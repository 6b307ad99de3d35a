r"""Three-dimensional Poincaré constants for D = I: reversible finite volumes on tensor grids.

Setting (docs/design.md §1, §6): p ∝ e^ℓ on a finite box B = ∏ [a_i, b_i] ⊂ R³ with reflecting
faces and the identity diffusion, E(g) = E_p[|∇g|²] (D = I only; other D are not handled
here). Its main use is the CTLD lift of a 2D target, (x, y, β) ∈ R² × [0, β_max]
(:func:`gsmtheory.numeric.ctld_poincare_3d`, with the other CTLD discretisations).

Grid: a tensor grid whose faces along axis k are uniform in u = asinh((t − c)/s) + (t − c)/w
(affine when no stretch is given; w = ∞ gives sinh faces), so that one grid resolves a narrow
and a wide profile. Cells i have masses π_i = p(centre_i) V_i; neighbouring cells i, j along
axis k share a face of area A and have centres δ apart; the conductance
c_ij = sqrt(p_i p_j) A / δ makes the chain reversible with respect to π (rates c_ij/π_i; on a
uniform grid sqrt(p_j/p_i)/h², the scheme of docs/design.md §6) and its Dirichlet form
Σ c_ij (f_j − f_i)² consistent with E. Cells with p < e^{-tail} max p are dropped (their faces
reflect). C_P of the chain is the top eigenvalue of the pseudo-inverse of the symmetrized
generator, found by one sparse LU of the generator grounded at the heaviest cell and Lanczos
(as in :func:`poincare_2d`).

Extrapolation (default ``"axes"``): the scheme is second order in each mapped variable, and
C(h) = C + Σ_k a_k h_k² + Σ_{k<l} a_kl h_k² h_l² + … with small cross terms. Each axis is
refined alone through ``levels`` (the others at the base grid) and extrapolated by Richardson
(error: the disagreement of its two extrapolations); the axis limits are summed,
C ≈ c_0 + Σ_k (C_k − c_0), which is off by Σ a_kl. One grid refined on all axes at
``levels[1]`` measures that sum: it differs from the additive prediction by
Σ a_kl (1 − g_k)(1 − g_l), g_k = (h_k'/h_k)², and |Σ a_kl| is added to the error. Refining one
axis at a time costs far less than refining all three (the LU cost grows with the cross
section), and it puts the cells where the error is: for the CTLD lift the β axis carries most
of it.

Checked (tests/numeric/test_spectral3d.py, benchmarks/bench_ctld_2d.py): Gaussians and
products whose C_P is the largest factor's (error estimate 1.2–2.2 × the true error); the
CTLD grid on r(β) q_β(x) N(y; 0, 1), whose C_P is the 1D lift's (true relative errors 5e-6,
2e-6, 2e-6 at m = 0.5, 1, 5; estimates 26, 8, 2.2 × larger: the estimate adds the axes' error
magnitudes, and their errors partly cancel; the x axis is not yet purely O(h²) at the base
grid); the CTLD lift of two unit Gaussians at d = 1, 2, 10 against references refined 4× per
axis (benchmarks/results/ctld_2d_reference.json): true relative errors 6e-5, 2e-6, 3e-6,
estimates 4, 14 (the reference's own uncertainty is of the size of that error) and 2.5 × larger.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory.numeric._fv import ChainFailure, cell_log_density, tensor_chain, top_inv, top_pinv
from gsmtheory.numeric._fv_amg import AMG_FROM
from gsmtheory.numeric._fv_grid import Stretch, finite_sides, stretched_faces
from gsmtheory.numeric._ladder import richardson_limit
from gsmtheory.numeric._ladder_axes import refine_axes
from gsmtheory.numeric._ladder_cutoff import settle
from gsmtheory.numeric._result import PoincareResult

__all__ = ["FV3D_TENSOR_ORDER", "poincare_3d"]

#: declared order of the stretched tensor-grid finite volumes (the 3D CTLD lift) per axis
FV3D_TENSOR_ORDER = 2.0

Array = NDArray[np.float64]
LogDensity3 = Callable[[Array, Array, Array], Array]


def _solve(log_density: LogDensity3, sides: Sequence[tuple[float, float]], n: Sequence[int],
           st: Sequence[Stretch], tail: float, potential: LogDensity3 | None = None
           ) -> tuple[float, int, str]:
    """C_P of the chain on one grid: (value, cells kept, note); inf / nan flag failures."""
    faces = [stretched_faces(lo, hi, k, s) for (lo, hi), k, s in zip(sides, n, st)]
    centres = np.meshgrid(*[0.5 * (f[1:] + f[:-1]) for f in faces], indexing="ij")
    lp, edges = tensor_chain(cell_log_density(log_density, *centres), [np.diff(f) for f in faces])
    if potential is None:
        cp, note = top_pinv(lp, edges, tail, tol=1e-12, ncv=20, iterative_from=AMG_FROM)
    else:
        with np.errstate(all="ignore"):
            pot = np.asarray(potential(*centres), dtype=np.float64) * np.ones(centres[0].shape)
        cp, note = top_inv(lp, edges, pot.ravel(), tail, tol=1e-12)
    return cp, int(np.sum(lp >= float(np.max(lp)) - tail)), note


def _validate_3d(box: Sequence[Sequence[float]], shape: Sequence[int], rtol: float, levels: Sequence[float],
                 stretch: Sequence[Stretch] | None, extrapolation: str
                 ) -> tuple[list[tuple[float, float]], list[float], list[Stretch]]:
    if not 0 < rtol < 1:
        raise SpecError(f"rtol = {rtol} is not in (0, 1)", "use e.g. rtol=1e-3")
    lv = [float(v) for v in levels]
    if len(lv) < 2 or any(not b > a for a, b in itertools.pairwise(lv)) or lv[0] <= 0:
        raise SpecError(f"levels {levels} must be at least two increasing positive factors",
                        "use e.g. (1, 1.5, 2)")
    if extrapolation not in ("axes", "isotropic"):
        raise SpecError(f"extrapolation {extrapolation!r} is unknown", "use 'axes' or 'isotropic'")
    if len(shape) != 3:
        raise SpecError("poincare_3d needs a 3-entry shape", "give one cell count per axis")
    sides = finite_sides(box, 3, "poincare_3d")
    st: list[Stretch] = [None, None, None] if stretch is None else list(stretch)
    if len(st) != 3:
        raise SpecError("stretch needs one entry per axis", "give None or (scale, centre) per axis")
    return list(sides), lv, st


@dataclass
class _Grids:
    """The grids solved so far (each once) with their values and kept cells."""

    log_density: LogDensity3
    sides: Sequence[tuple[float, float]]
    st: Sequence[Stretch]
    tail: float
    max_cells: int
    potential: LogDensity3 | None
    grids: list[list[int]] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __call__(self, n: list[int]) -> float | None:
        """The grid's C_P; None when skipped; ChainFailure when the chain has no gap."""
        if n in self.grids:
            return self.values[self.grids.index(n)]
        if n[0] * n[1] * n[2] > self.max_cells:
            self.notes.append(f"skipped {n[0]}x{n[1]}x{n[2]} cells (max_cells={self.max_cells})")
            return None
        cp, k, note = _solve(self.log_density, self.sides, n, self.st, self.tail, self.potential)
        if note:
            self.notes.append(note)
        if math.isinf(cp):
            raise ChainFailure("no_poincare", f"no Poincaré inequality: {note}", n)
        if math.isnan(cp):
            raise ChainFailure("failed", note, n)
        self.grids.append(n)
        self.values.append(cp)
        self.kept.append(k)
        return cp


def _isotropic(grids: _Grids, shape: Sequence[int], lv: list[float]) -> tuple[float, float, bool, dict[str, Any]]:
    """All axes refined together, C + a h², error twice the disagreement of two extrapolations."""
    hs: list[float] = []
    for f in lv:
        n = [math.ceil(f * int(s)) for s in shape]
        if grids(n) is not None:  # h² averaged over the axes (ceil makes the ratios differ)
            hs.append(math.sqrt(sum((int(s) / v) ** 2 for s, v in zip(shape, n)) / 3.0))
    if not grids.values:
        raise SpecError("the coarsest grid exceeds max_cells", "raise max_cells or pass a smaller shape")
    c = grids.values
    best, err = richardson_limit(c, hs)
    if len(c) >= 3:
        err = max(2.0 * err, 1e-9 * abs(best))
    if not best > 0:
        best, err = c[-1], abs(c[-1] - c[0])
    return best, err, True, {"extrapolation": "isotropic: C + a h^2"}  # two-grid: no order to observe


def _by_axes(grids: _Grids, shape: Sequence[int], lv: list[float]) -> tuple[float, float, bool, dict[str, Any]]:
    """Each axis refined alone (:func:`refine_axes`), the cross terms measured on one grid."""
    ref = refine_axes(grids, shape, lv, FV3D_TENSOR_ORDER)
    if ref.note:
        grids.notes.append(ref.note)
    best, err = ref.value, ref.error
    if ref.cross is None:
        grids.notes.append("cross terms not measured")
    if not best > 0:
        best, err = grids.values[-1], abs(grids.values[-1] - grids.values[0]) + err
    return best, err, ref.order_ok, {"extrapolation": "per axis: C + sum_k a_k h_k^2", "base": ref.base,
                                     "axes": ref.axes, "cross": ref.cross}


def poincare_3d(log_density: LogDensity3, box: Sequence[Sequence[float]], *,
                shape: Sequence[int] = (16, 16, 16), rtol: float = 1e-3,
                levels: Sequence[float] = (1.0, 1.5, 2.0), stretch: Sequence[Stretch] | None = None,
                tail: float = 40.0, max_cells: int = 400_000,
                extrapolation: str = "axes", potential: LogDensity3 | None = None) -> PoincareResult:
    r"""C_P = sup_g Var_p(g) / E_p[|∇g|²] for p ∝ e^ℓ on a finite 3D box (D = I, reflecting).

    With a ``potential`` V ≥ 0 (not identically 0) it is instead
    sup_g E_p[g²] / (E_p[|∇g|²] + E_p[V g²]), with no mean-zero constraint (the form is
    definite): an angular sector ℓ ≥ 1 of a rotation-invariant problem.

    Parameters
    ----------
    log_density : callable
        ℓ(x, y, z), vectorized over three broadcasting arrays, unnormalized.
    box : ((x_lo, x_hi), (y_lo, y_hi), (z_lo, z_hi))
        A finite box; every face reflects. Truncate infinite domains beforehand to where
        the density is negligible (cells below e^{-tail} of the maximum are dropped anyway).
    shape : (nx, ny, nz)
        Base grid; level factor f gives ceil(f·n) cells on a refined axis.
    rtol : float
        Target relative error of the extrapolated value (decides ``status``).
    levels : sequence of float
        Refinement factors, increasing, at least two; the first is the base grid. Three give
        an error estimate from the disagreement of two extrapolations.
    stretch : sequence of (scale, centre[, width]) or None per axis, optional
        Faces uniform in u = asinh((t − centre)/scale) + (t − centre)/width: cells of width
        ≈ scale·du near the centre, growing linearly away from it, capped at width·du.
    tail : float
        Cells with ℓ < max ℓ − tail are dropped.
    max_cells : int
        Grids beyond this many cells are skipped (reported).
    potential : callable, optional
        V(x, y, z) ≥ 0, vectorized; evaluated at the cell centres.
    extrapolation : {"axes", "isotropic"}
        ``"axes"`` (default): C(h) = C + Σ_k a_k h_k² is fitted axis by axis: the base grid,
        each axis refined alone through ``levels`` (Richardson per axis, error = the
        disagreement of its two extrapolations), and one grid refined on all axes at
        ``levels[1]`` that measures the neglected cross terms a_kl h_k² h_l² (added to the
        error). ``"isotropic"``: all axes refined together, C + a h², error = twice the
        disagreement of the last two extrapolations (the previous scheme).

    Returns
    -------
    PoincareResult
        ``method="fv3d"``, ``side="estimate"``; resolution lists grids, raw values, seconds.

    Examples
    --------
    The uniform law on the unit cube: C_P = 1/π² = 0.101321 (first Neumann eigenvalue π²).
    A coarse grid is not converged at rtol = 0.01, and says so, but its error estimate covers
    the exact value:

    >>> import math, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     r = poincare_3d(lambda x, y, z: 0 * x, ((0, 1), (0, 1), (0, 1)), shape=(10, 10, 10), rtol=0.01)
    >>> r.status, abs(r.poincare_constant - 1 / math.pi**2) <= r.error_estimate
    ('not_converged', True)
    """
    sides, lv, st = _validate_3d(box, shape, rtol, levels, stretch, extrapolation)
    start = time.perf_counter()
    grids = _Grids(log_density, sides, st, tail, max_cells, potential)
    try:
        if extrapolation == "isotropic":
            best, err, order_ok, resolution = _isotropic(grids, shape, lv)
        else:
            best, err, order_ok, resolution = _by_axes(grids, shape, lv)
    except ChainFailure as fail:
        value, error = (math.inf, 0.0) if fail.status == "no_poincare" else (0.0, math.inf)
        return PoincareResult(value, error, "fv3d", {"shape": fail.shape}, fail.status, fail.note,
                              "estimate", tuple(sides))
    status = settle(best, err, rtol, order_ok)
    big = int(np.argmax([g[0] * g[1] * g[2] for g in grids.grids]))
    g = grids.grids[big]
    resolution.update({"shape": g, "levels": grids.grids, "values": grids.values, "cells_kept": grids.kept,
                       "stretch": [list(s) if s is not None else None for s in st], "tail": tail,
                       "seconds": time.perf_counter() - start})
    msg = (f"fv3d (D = I): {len(grids.grids)} grids up to {g[0]}x{g[1]}x{g[2]} cells ({grids.kept[big]} kept), "
           f"{extrapolation} extrapolation, relative error estimate {err / abs(best):.2g}")
    if status != "ok":
        msg = f"not converged: {msg} > rtol {rtol:g}"
        warnings.warn(f"poincare_3d {msg}", RuntimeWarning, stacklevel=2)
    if grids.notes:
        msg += "; " + "; ".join(sorted(set(grids.notes)))
    return PoincareResult(best, err, "fv3d", resolution, status, msg, "estimate", tuple(sides))
