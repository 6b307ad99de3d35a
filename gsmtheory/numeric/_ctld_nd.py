r"""C_P of CTLD for a Gaussian mixture in any dimension d, by angular sectors (issue #14).

Setting (DESIGN.md §1): p = Σ_k w_k N(μ_k, Σ) on R^d, lifted to (x, β) ∈ R^d × [0, β_max] with
density r(β) p^β(x), p^β = p * N(0, βλI), and the identity diffusion in (x, β). C_P is the
smallest C with Var g ≤ C E[|∇_x g|² + (∂_β g)²].

**Reduction.** Let U be the smallest Σ-invariant subspace containing the mean differences
(:func:`gsmtheory.numeric.reduce_mixture` with D = I) and suppose Σ = σ²I on U^⊥ (always so for
isotropic Σ). Write x = (u, v), u ∈ U (k = dim U), v ∈ U^⊥ (m = d − k, centred at the common
U^⊥ part of the means). Then p^β(x) = p^β_U(u) N(v; 0, s²I_m), s² = σ² + βλ: the lift is
invariant under rotations of v, but the radius ρ = |v| is coupled to β through s.

**Sectors.** Expand g(u, β, v) = Σ_ℓ f_ℓ(u, β, ρ) Y_ℓ(v/ρ) in spherical harmonics of S^{m−1}.
The sectors are orthogonal in L²(π) and for the Dirichlet form, with

    sector ℓ:  Var/E = ∫ f² π / (∫ (|∂_u f|² + (∂_β f)² + (∂_ρ f)² + ℓ(ℓ+m−2) f²/ρ²) π),
    π(u, β, ρ) ∝ r(β) p^β_U(u) ρ^{m−1} e^{−ρ²/2s²} s^{−m},

the variance centred only for ℓ = 0 (for ℓ ≥ 1, ∫ Y_ℓ = 0 already). Hence C_P = max_ℓ C_ℓ.
**ℓ = 0 and 1 suffice:** for ℓ ≥ 1 the quotient has the same numerator and no constraint for
every ℓ, and its denominator grows with ℓ(ℓ+m−2), which is increasing in ℓ ≥ 1 for m ≥ 1
(derivative 2ℓ + m − 2 > 0); so C_ℓ ≤ C_1 for every ℓ ≥ 1. (m = 1: only ℓ = 0, 1 exist, the
even and odd functions of v.)

**Sector 1 without a singular potential.** Sector-1 functions are g = h(u, β, ρ)·v_1 (f = ρh).
Integrating 2ρ h ∂_ρh ρ^{m−1} w by parts in ρ (w = e^{−ρ²/2s²}·(β, u factors)) gives

    C_1 = sup_h ∫ h² ρ² π / (∫ |∇_{u,β,ρ} h|² ρ² π + ∫ h² ρ² π / s²),

a problem with the weight ρ^{m+1} and the bounded potential V = 1/s² = 1/(σ² + βλ): no 1/ρ²
term, no boundary condition at ρ = 0, for every m ≥ 1. h ≡ 1 gives E_r[s²]·(…) and recovers the
bound C_P ≥ Var(v₁)/E|∇v₁|² = E_r[s²] (v₁ itself).

**Solver.** For k = 1 (two components, or collinear means) both sectors are 3D problems on
(u, ρ, β) ∈ R × [0, ρ_max] × [β_lo, β_max], for every d, solved by
:func:`gsmtheory.numeric.poincare_3d` (finite volumes, per-axis Richardson, its error estimate;
sector 1 with ``potential``). The grid is the one of :func:`ctld_poincare_3d` for the 2D mixture
with means (a_k, 0) and covariance diag(S_U, σ²), with the second axis replaced by ρ on
[s_min t_lo, s_max t_hi] (t^{m±1}e^{−t²/2} above e^{−tail} of its maximum on [t_lo, t_hi]),
sinh-stretched at the narrowest s around ρ = 0 (≈ uniform in log ρ), with sqrt(m/4) times
more cells once m > 4 (the radial profile's relative width is ~ 1/sqrt(2m)). m = 0 (no U^⊥)
falls back to :func:`ctld_poincare` (k = 1) and :func:`ctld_poincare_3d` (k = 2).
Checked: d = 2 against :func:`ctld_poincare_3d` on (x, y, β) (agreement 2e-8 relative at
separation ±3); d = 3, 10, 30, 100, 300 converge with error estimates 1e-5 … 8e-3. Limit: for
m ≳ 500 the mass in (ρ, β) is a thin slanted ridge ρ ≈ s(β)√(m−1) of width ~s/√2 that the
axis-aligned grid no longer resolves (d = 1000 gave ``not_converged`` with an error estimate
larger than the value), so m > 400 is refused with a one-line error; a sheared radial coordinate
would lift the limit.
Not covered (a one-line error): k ≥ 2 with m ≥ 1 (a 4D problem or more), Σ not a multiple of
the identity on U^⊥ (one radius per eigenspace).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError
from gsmtheory.numeric._ctld import CTLDSchedule, ctld_beta_logpdf, ctld_joint_logpdf, ctld_poincare
from gsmtheory.numeric._mixture import MixtureArrays
from gsmtheory.numeric._reduce import reduce_mixture
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._spectral3d import ctld_grid, ctld_poincare_3d, poincare_3d

__all__ = ["ctld_poincare_nd", "ctld_second_moment_bound"]

Array = NDArray[np.float64]
_MAX_M = 400  # d = 301 converges (error 8e-3); d = 1000 does not (module docstring)


def ctld_second_moment_bound(params: CTLDSchedule, sigma2: float) -> float:
    r"""E_r[s²] = σ² + λ E_r[β], the lower bound C_P ≥ Var(v₁)/E|∇v₁|² (Gauss–Legendre in β).

    r is smooth on [0, β_max]; 400 panels of 8 nodes resolve it far beyond the digits used.
    """

    t, w = np.polynomial.legendre.leggauss(8)
    edges = np.linspace(0.0, float(params.beta_max), 401)
    mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * np.diff(edges)
    b = (mid[:, None] + half[:, None] * t[None, :]).ravel()
    wb = (half[:, None] * w[None, :]).ravel()
    lr = np.asarray(ctld_beta_logpdf(params, b), dtype=float)
    pr = np.exp(lr - lr.max()) * wb
    return float(sigma2 + float(params.lambda_min) * float(pr @ b / pr.sum()))


def _radial_range(m: int, tail: float) -> tuple[float, float]:
    """[t_lo, t_hi] outside which t^{m±1} e^{−t²/2} (both sectors' radial weights, in units of s)
    is below e^{−tail} of its maximum; t_lo = 0 when the weight does not vanish fast at 0."""
    from scipy.optimize import brentq

    def bounds(power: int) -> tuple[float, float]:
        if power <= 0:
            return 0.0, math.sqrt(2.0 * tail)
        t0 = math.sqrt(power)
        f0 = power * (math.log(t0) - 0.5)

        def g(t: float) -> float:
            return power * math.log(t) - 0.5 * t * t - f0 + tail

        lo = 0.0 if g(1e-300) > 0 else float(brentq(g, 1e-300, t0))
        return lo, float(brentq(g, t0, t0 + math.sqrt(2.0 * tail) + 1.0))

    a, b = bounds(m - 1), bounds(m + 1)
    return min(a[0], b[0]), max(a[1], b[1])


def ctld_poincare_nd(mixture: Any, params: CTLDSchedule, *, resolution: float = 1.0, rtol: float = 1e-2,
                     levels: tuple[float, ...] = (1.0, 1.5, 2.0), tail: float = 40.0,
                     max_cells: int = 400_000) -> PoincareResult:
    r"""C_P of CTLD for a Gaussian mixture in R^d: max(C_0, C_1) over angular sectors (module doc).

    Parameters
    ----------
    mixture : MixtureLike or (means, weights, covariance)
        Shared covariance Σ, equal to σ²I on U^⊥ (U: the span of the mean differences,
        expanded to Σ-invariance; dim U = 1 for a 3D problem).
    params : CTLDSchedule
        λ, β_max, log r (:func:`gsmtheory.solve.ctld_schedule` of
        :func:`gsmtheory.symbolic.ctld_parameters` of the full mixture).
    resolution, rtol, levels, tail, max_cells
        As in :func:`ctld_poincare_3d` / :func:`poincare_3d` (rtol decides the status).

    Returns
    -------
    PoincareResult
        method ``"ctld-sectors"``, ``side="estimate"``; resolution holds both sectors'
        results, d, k, m, σ² and the lower bound E_r[s²].
    """

    red = reduce_mixture(mixture)
    d, k, m = red.ambient_dim, red.reduced_dim, red.complement_dim
    a = red.reduced.means
    mix_u = MixtureArrays(tuple(tuple(float(v) for v in row) for row in a),
                            tuple(float(w) for w in red.reduced.weights),
                            tuple(tuple(float(v) for v in row) for row in red.reduced.covariance))
    if m == 0:
        if k == 1:
            return ctld_poincare(mix_u, params, tolerance=rtol)
        if k == 2:
            return ctld_poincare_3d(mix_u, params, resolution=resolution, rtol=rtol)
    if k != 1:
        raise ModelError(f"the CTLD lift reduces to {k} + 2 + 1 dimensions here (dim U = {k}, "
                         f"d = {d}); only dim U = 1 (a 3D problem) is covered",
                         "use two components or collinear means")
    if len(red.complement_eigenvalues) != 1:
        raise ModelError("Σ is not a multiple of the identity on U^⊥ (one radius per eigenspace "
                         "would be needed)", "use an isotropic covariance off the means' span")
    if m > _MAX_M:
        raise ModelError(f"d − dim U = {m} Gaussian directions: the radial ridge ρ ≈ s(β)√{m - 1} is "
                         f"thinner than the grid resolves (checked up to {_MAX_M})",
                         f"use d <= {_MAX_M + 1}; a sheared radial coordinate would be needed beyond")
    sigma2 = float(red.complement_eigenvalues[0][0])
    lam = float(params.lambda_min)
    fake = MixtureArrays(tuple((float(row[0]), 0.0) for row in a), mix_u.weights,
                           ((float(red.reduced.covariance[0, 0]), 0.0), (0.0, sigma2)))
    box, stretch, shape = ctld_grid(fake, params, resolution, tail)
    b_lo, b_hi = box[2]
    s_lo, s_hi = math.sqrt(sigma2 + lam * b_lo), math.sqrt(sigma2 + lam * b_hi)
    t_lo, t_hi = _radial_range(m, tail)
    rho_lo, rho_hi = s_lo * t_lo, s_hi * t_hi
    box[1] = (rho_lo, rho_hi)
    stretch[1] = (s_lo, 0.0)
    # the radial profile has relative width ~ 1/sqrt(2m) around s·sqrt(m − 1): cells per unit of
    # asinh(ρ/s_lo) (≈ log ρ) grow like sqrt(m)
    dens = 2.5 * resolution * max(1.0, math.sqrt(m / 4.0))
    shape[1] = max(8, math.ceil(dens * (math.asinh(rho_hi / s_lo) - math.asinh(rho_lo / s_lo))))

    def radial(rho: Array, b: Array, power: int) -> Array:
        s2 = sigma2 + lam * b
        with np.errstate(divide="ignore"):
            return np.asarray(power * np.log(rho) - rho * rho / (2.0 * s2) - 0.5 * m * np.log(s2))

    def ell(power: int) -> Any:
        def f(u: Array, rho: Array, b: Array) -> Array:
            uu, rr, bb = np.broadcast_arrays(u, rho, b)
            return np.asarray(ctld_joint_logpdf(mix_u, params, uu, bb)) + radial(rr, bb, power)
        return f

    def potential(u: Array, rho: Array, b: Array) -> Array:
        return np.asarray(1.0 / (sigma2 + lam * np.broadcast_arrays(u, rho, b)[2]))

    kw: dict[str, Any] = {"shape": shape, "rtol": rtol, "levels": levels, "stretch": stretch,
                          "tail": tail, "max_cells": max_cells}
    c0 = poincare_3d(ell(m - 1), box, **kw)
    c1 = poincare_3d(ell(m + 1), box, potential=potential, **kw)
    bound = ctld_second_moment_bound(params, sigma2)
    top, other = (c0, c1) if c0.poincare_constant >= c1.poincare_constant else (c1, c0)
    apart = top.poincare_constant - top.error_estimate > other.poincare_constant + other.error_estimate
    err = top.error_estimate if apart else max(top.error_estimate, other.error_estimate)
    status = "ok" if top.status == "ok" and (apart or other.status == "ok") else "not_converged"
    value = top.poincare_constant
    res = {"ambient_dim": d, "reduced_dim": k, "complement_dim": m, "sigma2_perp": sigma2,
           "lower_bound_Er_s2": bound, "sector0": c0.to_dict(), "sector1": c1.to_dict(),
           "dominant_sector": 0 if top is c0 else 1, "resolution": resolution}
    msg = (f"CTLD C_P in d = {d} by angular sectors on (u, ρ, β): C_0 = {c0.poincare_constant:.6g}, "
           f"C_1 = {c1.poincare_constant:.6g} (>= E_r[s²] = {bound:.6g}); relative error "
           f"{err / value:.2g}")
    if value < bound * (1 - 10 * max(rtol, err / value)):
        status = "failed"
        msg = f"inconsistent: {msg} is below the lower bound E_r[s²]"
    return PoincareResult(value, err, "ctld-sectors", res, status, msg, "estimate",
                          (top.truncation[0], (rho_lo, rho_hi), top.truncation[2])
                          if len(top.truncation) == 3 else ())
