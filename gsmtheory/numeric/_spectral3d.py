r"""Three-dimensional Poincaré constants for D = I: reversible finite volumes on tensor grids.

Setting (DESIGN.md §1, §6): p ∝ e^ℓ on a finite box B = ∏ [a_i, b_i] ⊂ R³ with reflecting
faces and the identity diffusion, E(g) = E_p[|∇g|²] (D = I only; other D are not handled
here). The main use is the CTLD lift of a 2D target, (x, y, β) ∈ R² × [0, β_max].

Grid: a tensor grid whose faces along axis k are u ↦ c_k + s_k sinh(u) at uniform u (or affine
when no stretch is given), so that one grid can resolve a narrow and a wide profile. Cells i
have masses π_i = p(centre_i) V_i; neighbouring cells i, j along axis k share a face of area
A and have centres δ apart; the conductance c_ij = sqrt(p_i p_j) A / δ makes the chain
reversible with respect to π (rates c_ij/π_i; on a uniform grid sqrt(p_j/p_i)/h², the scheme
of DESIGN.md §6) and its Dirichlet form Σ c_ij (f_j − f_i)² consistent with E. Cells with
p < e^{-tail} max p are dropped (their faces reflect). C_P of the chain is the top eigenvalue
of the pseudo-inverse of the symmetrized generator, found by one sparse LU of the generator
grounded at the heaviest cell and Lanczos (as in :func:`poincare_2d`).

The values on grids refined by the factors ``levels`` are extrapolated as C + a h² (the
scheme is second order in the mapped variable); the error estimate is twice the disagreement
of the two last extrapolations (three or more grids), else the size of the correction. The
factor 2 is empirical: on the CTLD lift at m = 1 the plain disagreement underestimated the
change between resolutions 0.6 and 0.8 by about 2x (the truncated, stretched grid is not
purely O(h²) at coarse levels).
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

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._poincare import PoincareResult
from gsmtheory.numeric._spectral2d import _top_pinv

__all__ = ["ctld_poincare_3d", "poincare_3d"]

Array = NDArray[np.float64]
LogDensity3 = Callable[[Array, Array, Array], Array]
Stretch = tuple[float, float] | None


def _faces(lo: float, hi: float, n: int, stretch: Stretch) -> Array:
    """n + 1 cell faces on [lo, hi]: uniform, or c + s sinh(u) at uniform u (stretch = (s, c))."""
    if stretch is None:
        return np.linspace(lo, hi, n + 1)
    s, c = float(stretch[0]), float(stretch[1])
    if not (s > 0 and math.isfinite(s) and math.isfinite(c)):
        raise SpecError(f"stretch {stretch} needs a positive finite scale", "give (scale, centre)")
    u = np.linspace(math.asinh((lo - c) / s), math.asinh((hi - c) / s), n + 1)
    f = c + s * np.sinh(u)
    f[0], f[-1] = lo, hi
    return f


def _chain3d(log_density: LogDensity3, faces: Sequence[Array]
             ) -> tuple[Array, list[tuple[Any, Any, Array]]]:
    """Normalized log π and edges (i, j, log c_ij) of the reversible chain on the tensor grid."""
    centres = [0.5 * (f[1:] + f[:-1]) for f in faces]
    widths = [np.diff(f) for f in faces]
    X, Y, Z = np.meshgrid(*centres, indexing="ij")
    with np.errstate(all="ignore"):
        ell = np.asarray(log_density(X, Y, Z), dtype=np.float64) * np.ones(X.shape)
    if np.any(np.isnan(ell)):
        raise NumericalError("log density is NaN inside the box", "check the parameters and the box")
    if np.any(ell == np.inf):
        raise NumericalError("log density is +inf inside the box", "check the formula")
    if not np.any(np.isfinite(ell)):
        raise ModelError("the density is zero on the whole box", "check the log density and the box")
    lw = [np.log(w) for w in widths]
    lvol = lw[0][:, None, None] + lw[1][None, :, None] + lw[2][None, None, :]
    lp = ell + lvol
    idx = np.arange(ell.size).reshape(ell.shape)
    edges: list[tuple[Any, Any, Array]] = []
    for k in range(3):
        a = [slice(None)] * 3
        b = [slice(None)] * 3
        a[k], b[k] = slice(0, -1), slice(1, None)
        ta, tb = tuple(a), tuple(b)
        delta = 0.5 * (widths[k][1:] + widths[k][:-1])
        others = [j for j in range(3) if j != k]
        larea = np.zeros((1, 1, 1))
        for j in others:
            sh = [1, 1, 1]
            sh[j] = -1
            larea = larea + lw[j].reshape(sh)
        sh = [1, 1, 1]
        sh[k] = -1
        lc = 0.5 * (ell[ta] + ell[tb]) + larea - np.log(delta).reshape(sh)
        ok = np.isfinite(lc)
        edges.append((idx[ta][ok], idx[tb][ok], lc[ok]))
    flat = lp.ravel()
    top = float(np.max(flat))
    z = top + math.log(float(np.sum(np.exp(flat - top))))
    return flat - z, [(i, j, c - z) for i, j, c in edges]


def poincare_3d(log_density: LogDensity3, box: Sequence[Sequence[float]], *,
                shape: Sequence[int] = (16, 16, 16), rtol: float = 1e-3,
                levels: Sequence[float] = (1.0, 1.5, 2.0), stretch: Sequence[Stretch] | None = None,
                tail: float = 40.0, max_cells: int = 400_000) -> PoincareResult:
    r"""C_P = sup_g Var_p(g) / E_p[|∇g|²] for p ∝ e^ℓ on a finite 3D box (D = I, reflecting).

    Parameters
    ----------
    log_density : callable
        ℓ(x, y, z), vectorized over three broadcasting arrays, unnormalized.
    box : ((x_lo, x_hi), (y_lo, y_hi), (z_lo, z_hi))
        A finite box; every face reflects. Truncate infinite domains beforehand to where
        the density is negligible (cells below e^{-tail} of the maximum are dropped anyway).
    shape : (nx, ny, nz)
        Coarsest grid; level factor f gives ceil(f·n) cells per axis.
    rtol : float
        Target relative error of the extrapolated value (decides ``status``).
    levels : sequence of float
        Refinement factors, increasing, at least two (three give an error estimate from two
        extrapolations).
    stretch : sequence of (scale, centre) or None per axis, optional
        Faces at centre + scale·sinh(u), u uniform: cells of width ≈ scale near the centre,
        growing linearly away from it.
    tail : float
        Cells with ℓ < max ℓ − tail are dropped.
    max_cells : int
        Grids beyond this many cells are skipped (reported).

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
    if len(box) != 3 or len(shape) != 3:
        raise SpecError("poincare_3d needs a 3-sided box and a 3-entry shape", "give (lo, hi) per axis")
    sides = [(float(a), float(b)) for a, b in box]
    for lo, hi in sides:
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise SpecError(f"box side ({lo}, {hi}) must be finite with lo < hi",
                            "truncate infinite sides where the density is below e^-40 of its max")
    st: list[Stretch] = [None, None, None] if stretch is None else list(stretch)
    if len(st) != 3:
        raise SpecError("stretch needs one entry per axis", "give None or (scale, centre) per axis")
    start = time.perf_counter()
    values: list[float] = []
    hs: list[float] = []
    grids: list[list[int]] = []
    kept: list[int] = []
    notes: list[str] = []
    for f in lv:
        n = [math.ceil(f * int(s)) for s in shape]
        if n[0] * n[1] * n[2] > max_cells:
            notes.append(f"skipped {n[0]}x{n[1]}x{n[2]} cells (max_cells={max_cells})")
            continue
        faces = [_faces(lo, hi, k, s) for (lo, hi), k, s in zip(sides, n, st)]
        lp, edges = _chain3d(log_density, faces)
        cp, note = _top_pinv(lp, edges, tail, tol=1e-12, symmetric_lu=True, ncv=20)
        if note:
            notes.append(note)
        if math.isinf(cp):
            return PoincareResult(math.inf, 0.0, "fv3d", {"shape": n}, "no_poincare",
                                  f"no Poincaré inequality: {note}", "estimate", tuple(sides))
        if math.isnan(cp):
            return PoincareResult(0.0, math.inf, "fv3d", {"shape": n}, "failed", note,
                                  "estimate", tuple(sides))
        values.append(cp)
        hs.append(1.0 / f)
        grids.append(n)
        kept.append(int(np.sum(lp >= float(np.max(lp)) - tail)))
    if not values:
        raise SpecError("the coarsest grid exceeds max_cells", "raise max_cells or pass a smaller shape")
    c = np.asarray(values)
    h2 = np.asarray(hs) ** 2

    def extrap(i: int, j: int) -> float:
        return float((c[j] * h2[i] - c[i] * h2[j]) / (h2[i] - h2[j]))

    if len(values) == 1:
        best, err = float(c[-1]), math.inf
    elif len(values) == 2:
        best = extrap(0, 1)
        err = abs(best - float(c[-1]))
    else:
        best = extrap(len(c) - 2, len(c) - 1)
        err = max(2.0 * abs(best - extrap(len(c) - 3, len(c) - 1)), 1e-9 * abs(best))
    if not best > 0:
        best, err = float(c[-1]), abs(float(c[-1] - c[0]))
    status = "ok" if err <= rtol * abs(best) else "not_converged"
    seconds = time.perf_counter() - start
    resolution = {"shape": grids[-1], "levels": grids, "values": values, "cells_kept": kept,
                  "stretch": [list(s) if s is not None else None for s in st], "tail": tail,
                  "seconds": seconds, "extrapolation": "C + a h^2"}
    msg = (f"fv3d (D = I): {len(grids)} grids up to {grids[-1][0]}x{grids[-1][1]}x{grids[-1][2]} "
           f"cells ({kept[-1]} kept), relative error estimate {err / abs(best):.2g}")
    if status != "ok":
        msg = f"not converged: {msg} > rtol {rtol:g}"
        warnings.warn(f"poincare_3d {msg}", RuntimeWarning, stacklevel=2)
    if notes:
        msg += "; " + "; ".join(sorted(set(notes)))
    return PoincareResult(best, err, "fv3d", resolution, status, msg, "estimate", tuple(sides))


def ctld_poincare_3d(mixture: Any, params: Any, *, resolution: float = 1.0, rtol: float = 1e-2,
                     levels: Sequence[float] = (1.0, 1.5, 2.0), tail: float = 40.0,
                     max_cells: int = 400_000) -> PoincareResult:
    r"""C_P of CTLD for a 2D Gaussian mixture: Var g ≤ C_P E[g_x² + g_y² + g_β²] under r(β)p^β(x, y).

    The lifted chain lives on R² × [0, β_max] with identity diffusion and joint density
    r(β) (p * N(0, βλI))(x, y) (DESIGN.md §1), solved by :func:`poincare_3d`. The box: β over
    the support of r (log r above its max − tail), x and y over the means ± sqrt(2·tail·v)
    with v the largest variance (Σ_kk + λβ_hi). Faces are sinh-stretched: x, y at the scale of
    the narrowest profile sqrt(Σ_kk + λβ_lo) around the centre of the means, β at the scale
    (Σ_min + λβ_lo)/λ from β_lo, so both the sharp small-β and the wide large-β profiles are
    resolved by ``3·resolution`` cells per unit of the mapped variable.
    """
    from gsmtheory.numeric._ctld import ctld_beta_logpdf, ctld_joint_logpdf
    from gsmtheory.numeric._quadrature import support_interval

    if mixture.dim != 2:
        raise SpecError(f"ctld_poincare_3d needs a 2D mixture (got {mixture.dim}D)", "use a 2D mixture")
    lam = float(params.lambda_min)
    b_lo, b_hi = support_interval(lambda b: ctld_beta_logpdf(params, np.clip(b, 0.0, params.beta_max)),
                                  0.0, float(params.beta_max), drop=tail)
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
        shape.append(max(8, math.ceil(3.0 * resolution * (math.asinh((hi - c) / s) - math.asinh((lo - c) / s)))))
    sb = (float(np.linalg.eigvalsh(cov).min()) + lam * b_lo) / lam
    box.append((b_lo, b_hi))
    stretch.append((sb, b_lo))
    shape.append(max(6, math.ceil(3.0 * resolution * math.asinh((b_hi - b_lo) / sb))))

    def ell(x: Array, y: Array, b: Array) -> Array:
        xx, yy, bb = np.broadcast_arrays(x, y, b)
        return np.asarray(ctld_joint_logpdf(mixture, params, np.stack([xx, yy], axis=-1), bb))

    res = poincare_3d(ell, box, shape=shape, rtol=rtol, levels=levels, stretch=stretch, tail=tail,
                      max_cells=max_cells)
    return PoincareResult(res.poincare_constant, res.error_estimate, "ctld-fv3d",
                          {**dict(res.resolution), "resolution": resolution},
                          res.status, f"CTLD C_P of a 2D mixture: {res.message}", res.side,
                          res.truncation)
