r"""Three-dimensional Poincaré constants for D = I: reversible finite volumes on tensor grids.

Setting (docs/design.md §1, §6): p ∝ e^ℓ on a finite box B = ∏ [a_i, b_i] ⊂ R³ with reflecting
faces and the identity diffusion, E(g) = E_p[|∇g|²] (D = I only; other D are not handled
here). The main use is the CTLD lift of a 2D target, (x, y, β) ∈ R² × [0, β_max].

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

Checked (tests/numeric/test_spectral_3d.py, benchmarks/bench_ctld_2d.py): Gaussians and
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
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory.numeric._ctld import CTLDSchedule, ctld_beta_logpdf, ctld_joint_logpdf
from gsmtheory.numeric._fv import ChainFailure, cell_log_density, tensor_chain, top_inv, top_pinv
from gsmtheory.numeric._fv_grid import Stretch, finite_sides, stretched_faces
from gsmtheory.numeric._ladder import refine_axes, richardson_limit, settle
from gsmtheory.numeric._mixture import MixtureLike
from gsmtheory.numeric._result import PoincareResult

__all__ = ["FV3D_TENSOR_ORDER", "ctld_poincare_3d", "poincare_3d"]

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
        cp, note = top_pinv(lp, edges, tail, tol=1e-12, symmetric_lu=True, ncv=20)
    else:
        with np.errstate(all="ignore"):
            pot = np.asarray(potential(*centres), dtype=np.float64) * np.ones(centres[0].shape)
        cp, note = top_inv(lp, edges, pot.ravel(), tail, tol=1e-12)
    return cp, int(np.sum(lp >= float(np.max(lp)) - tail)), note


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
    """
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
    start = time.perf_counter()
    grids: list[list[int]] = []
    values: list[float] = []
    kept: list[int] = []
    notes: list[str] = []

    def solve(n: list[int]) -> float | None:
        """The grid's C_P; None when skipped; ChainFailure when the chain has no gap."""
        if n in grids:
            return values[grids.index(n)]
        if n[0] * n[1] * n[2] > max_cells:
            notes.append(f"skipped {n[0]}x{n[1]}x{n[2]} cells (max_cells={max_cells})")
            return None
        cp, k, note = _solve(log_density, sides, n, st, tail, potential)
        if note:
            notes.append(note)
        if math.isinf(cp):
            raise ChainFailure("no_poincare", f"no Poincaré inequality: {note}", n)
        if math.isnan(cp):
            raise ChainFailure("failed", note, n)
        grids.append(n)
        values.append(cp)
        kept.append(k)
        return cp

    def cells(f: float) -> list[int]:
        return [math.ceil(f * int(s)) for s in shape]

    resolution: dict[str, Any]
    try:
        if extrapolation == "isotropic":
            hs: list[float] = []
            for f in lv:
                out = solve(cells(f))
                if out is not None:  # h² averaged over the axes (ceil makes the ratios differ)
                    n = cells(f)
                    hs.append(math.sqrt(sum((int(s) / v) ** 2 for s, v in zip(shape, n)) / 3.0))
            if not values:
                raise SpecError("the coarsest grid exceeds max_cells", "raise max_cells or pass a smaller shape")
            order_ok = True  # two-grid isotropic Richardson: no order to observe
            c = values
            best, err = richardson_limit(c, hs)
            if len(c) >= 3:
                err = max(2.0 * err, 1e-9 * abs(best))
            if not best > 0:
                best, err = c[-1], abs(c[-1] - c[0])
            resolution = {"extrapolation": "isotropic: C + a h^2"}
        else:
            ref = refine_axes(solve, shape, lv, FV3D_TENSOR_ORDER)
            order_ok = ref.order_ok
            if ref.note:
                notes.append(ref.note)
            c0 = values[0]
            best, err = ref.value, ref.error
            if ref.cross is None:
                notes.append("cross terms not measured")
            if not best > 0:
                best, err = values[-1], abs(values[-1] - c0) + err
            resolution = {"extrapolation": "per axis: C + sum_k a_k h_k^2", "base": ref.base,
                          "axes": ref.axes, "cross": ref.cross}
    except ChainFailure as fail:
        value, error = (math.inf, 0.0) if fail.status == "no_poincare" else (0.0, math.inf)
        return PoincareResult(value, error, "fv3d", {"shape": fail.shape}, fail.status, fail.note,
                              "estimate", tuple(sides))
    status = settle(best, err, rtol, order_ok)
    seconds = time.perf_counter() - start
    big = int(np.argmax([g[0] * g[1] * g[2] for g in grids]))
    resolution.update({"shape": grids[big], "levels": grids, "values": values, "cells_kept": kept,
                       "stretch": [list(s) if s is not None else None for s in st], "tail": tail,
                       "seconds": seconds})
    g = grids[big]
    msg = (f"fv3d (D = I): {len(grids)} grids up to {g[0]}x{g[1]}x{g[2]} cells ({kept[big]} kept), "
           f"{extrapolation} extrapolation, relative error estimate {err / abs(best):.2g}")
    if status != "ok":
        msg = f"not converged: {msg} > rtol {rtol:g}"
        warnings.warn(f"poincare_3d {msg}", RuntimeWarning, stacklevel=2)
    if notes:
        msg += "; " + "; ".join(sorted(set(notes)))
    return PoincareResult(best, err, "fv3d", resolution, status, msg, "estimate", tuple(sides))


def _beta_range(mixture: MixtureLike, params: CTLDSchedule, tail: float) -> tuple[float, float]:
    """[β_lo, β_max]: β below β_lo carries joint density < e^{-tail} of the maximum anywhere.

    The joint density at (x, β) is at most r(β)/Z_r · max_k N(0; 0, Σ + λβI), so β is kept
    where log r(β) − ½ log det(Σ + λβI) lies within ``tail`` of its maximum over [0, β_max].
    """

    b_max = float(params.beta_max)
    bs = np.linspace(0.0, b_max, 4001)
    eig = np.linalg.eigvalsh(np.asarray(mixture.covariance, dtype=float))
    with np.errstate(all="ignore"):
        bound = (np.asarray(ctld_beta_logpdf(params, bs), dtype=float)
                 - 0.5 * np.sum(np.log(eig[None, :] + float(params.lambda_min) * bs[:, None]), axis=1))
    ok = np.nonzero(bound >= float(np.max(bound[np.isfinite(bound)])) - tail)[0]
    return float(bs[max(int(ok[0]) - 1, 0)]), b_max


def ctld_grid(mixture: MixtureLike, params: CTLDSchedule, resolution: float, tail: float, *, xy_density: float = 2.5,
               beta_density: float = 1.0) -> tuple[list[tuple[float, float]], list[Stretch], list[int]]:
    """Box, stretch and base shape of the CTLD lift of a 2D mixture (:func:`ctld_poincare_3d`).

    ``xy_density`` and ``beta_density`` are the base cells per unit of the mapped variable
    (times ``resolution``).
    """
    if not (math.isfinite(resolution) and resolution > 0):
        raise SpecError(f"resolution = {resolution} must be positive", "use e.g. resolution=1.0")
    lam = float(params.lambda_min)
    b_lo, b_hi = _beta_range(mixture, params, tail)
    means = np.asarray(mixture.means, dtype=float)
    cov = np.asarray(mixture.covariance, dtype=float)
    box: list[tuple[float, float]] = []
    stretch: list[Stretch] = []
    shape: list[int] = []
    for k in range(2):
        wide = math.sqrt(2.0 * tail * (cov[k, k] + lam * b_hi))
        lo, hi = float(means[:, k].min()) - wide, float(means[:, k].max()) + wide
        s = math.sqrt(cov[k, k] + lam * b_lo)
        c = 0.5 * (lo + hi)
        box.append((lo, hi))
        stretch.append((s, c))
        shape.append(max(8, math.ceil(xy_density * resolution * (math.asinh((hi - c) / s) - math.asinh((lo - c) / s)))))
    sb = (float(np.linalg.eigvalsh(cov).min()) + lam * b_lo) / lam
    box.append((b_lo, b_hi))
    stretch.append((sb, b_lo, (b_hi - b_lo) / 16.0))
    shape.append(max(8, math.ceil(beta_density * resolution * (math.asinh((b_hi - b_lo) / sb) + 16.0))))
    return box, stretch, shape


def ctld_poincare_3d(mixture: MixtureLike, params: CTLDSchedule, *, resolution: float = 1.0, rtol: float = 1e-2,
                     levels: Sequence[float] = (1.0, 1.5, 2.0), tail: float = 40.0,
                     max_cells: int = 400_000, extrapolation: str = "axes") -> PoincareResult:
    r"""C_P of CTLD for a 2D Gaussian mixture: Var g ≤ C_P E[g_x² + g_y² + g_β²] under r(β)p^β(x, y).

    The lifted chain lives on R² × [0, β_max] with identity diffusion and joint density
    r(β) (p * N(0, βλI))(x, y) (docs/design.md §1), solved by :func:`poincare_3d`. The box: β from
    where the joint density can reach e^{-tail} of its maximum (:func:`_beta_range`) to β_max,
    x and y over the means ± sqrt(2·tail·v) with v the largest variance Σ_kk + λβ_max. Faces:
    x, y sinh-stretched at the scale of the narrowest profile sqrt(Σ_kk + λβ_lo) around the
    centre of the means (2.5·resolution cells per unit of asinh); β uniform in
    u = asinh((β − β_lo)/s_β) + 16(β − β_lo)/(β_max − β_lo), s_β = (Σ_min + λβ_lo)/λ (geometric
    cells where the small-β profiles are sharp, at most 1/16 of the range wide where the slow
    β-mode lives; 1.0·resolution cells per unit of u). For the default constants C_P is
    dominated by the β direction (the 1D problem in β alone has C_P within 2 % of the lift for
    separations d ≥ 2), which needs the finer β grid.
    """
    if mixture.dim != 2:
        raise SpecError(f"ctld_poincare_3d needs a 2D mixture (got {mixture.dim}D)", "use a 2D mixture")

    box, stretch, shape = ctld_grid(mixture, params, resolution, tail)

    def ell(x: Array, y: Array, b: Array) -> Array:
        xx, yy, bb = np.broadcast_arrays(x, y, b)
        return np.asarray(ctld_joint_logpdf(mixture, params, np.stack([xx, yy], axis=-1), bb))

    res = poincare_3d(ell, box, shape=shape, rtol=rtol, levels=levels, stretch=stretch, tail=tail,
                      max_cells=max_cells, extrapolation=extrapolation)
    return PoincareResult(res.poincare_constant, res.error_estimate, "ctld-fv3d",
                          {**dict(res.resolution), "resolution": resolution},
                          res.status, f"CTLD C_P of a 2D mixture: {res.message}", res.side,
                          res.truncation)
