r"""C_P of CTLD for a Gaussian mixture in any dimension d, by angular sectors (issue #14).

Setting (docs/design.md §1): p = Σ_k w_k N(μ_k, Σ) on R^d, lifted to (x, β) ∈ R^d × [0, β_max] with
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

**Anisotropic Σ (Theorem 12's λ_max, λ_min).** Nothing above needs Σ isotropic: Σ_U (the
block of Σ on U, any k × k) enters only through p^β_U = Σ_k w_k N(a_k, Σ_U + βλI), and the
heat kernel N(0, βλI) adds βλ to every eigenvalue, so along U the variances are Σ_U + βλ and
on U^⊥ they are σ_j² + βλ, one per eigenspace E_j of Σ on U^⊥ (dimension m_j). With one
eigenspace (Σ = σ²I on U^⊥, e.g. Σ = diag(λ_U, λ_⊥ I) with the means along e₁) the sectors
above hold verbatim with s² = σ² + βλ: λ_max ≠ λ_min is covered, still a 3D problem. With J ≥ 2
eigenspaces the lift is invariant under SO(m_1) × … × SO(m_J) only: sector (0, …, 0) lives on
(u, ρ_1, …, ρ_J, β), a (k + J + 1)-dimensional problem, beyond the 3D solvers.

**Bounds where no value is computed** (dim U ≥ 2 with U^⊥ ≠ {0}, dim U ≥ 3, or J ≥ 2): the
result is ``status="bound"``, ``side="lower_bound"``, never a value. Two kinds, both
d-independent in cost:

- closed form (``lower``): the test functions e·u and v₁ (e ∈ U the top eigenvector of
  Σ_U + Cov_w(a), v₁ in the widest eigenspace) give Var/E = E_r[λ_max(Σ_U + Cov_w(a)) + λβ]
  and E_r[σ_max² + λβ] (Gauss–Legendre in β);
- marginal problems: a function of some of the coordinates has the same Var and Dirichlet
  energy under the joint law and under the marginal of those coordinates, so C_P is at least
  the C_P of every marginal lift. The marginal of (e·u, v_j, β) (e the direction of largest
  spread of the means, v_j ∈ E_j) is r(β) · Σ_k w_k N(e·a_k, eᵀΣ_U e + βλ) · N(0, (σ_j² + βλ)I),
  a K = 2-type problem solved by the sectors above (3D); for k = 2 also the (u, β) lift by
  :func:`ctld_poincare_3d`. Each contributes its estimate minus its error estimate (a bound
  as good as that error estimate; the closed forms need none).

**Solver.** For k = 1 (two components, or collinear means) both sectors are 3D problems on
(u, ρ, β) ∈ R × [0, ρ_max] × [β_lo, β_max], for every d. Two radial coordinates:

- ``"rho"``: :func:`gsmtheory.numeric.poincare_3d` (finite volumes, per-axis Richardson, its
  error estimate; sector 1 with ``potential``) on the grid of :func:`ctld_poincare_3d` for the
  2D mixture with means (a_k, 0) and covariance diag(S_U, σ²), the second axis replaced by ρ on
  [s_min t_lo, s_max t_hi] (t^{m±1}e^{−t²/2} above e^{−tail} of its maximum on [t_lo, t_hi]),
  sinh-stretched at the narrowest s around ρ = 0, with sqrt(m/4) times more cells once m > 4.
  For large m the mass in (ρ, β) is a thin slanted ridge ρ ≈ s(β)√(m−1) of width ~s/√2, which
  the axis-aligned grid resolves badly (d = 301: relative error estimate 3e-2 at resolution 0.8;
  d = 1000 did not converge).
- ``"ridge"``: the coordinate t = ρ/s(β). Then ρ^{m−1}e^{−ρ²/2s²}s^{−m} dρ = t^{m−1}e^{−t²/2} dt:
  the weight is r(β)p^β_U(u)·t^{m−1}e^{−t²/2}, a product in t with no ridge, and the Dirichlet
  form picks up the shear ∂_ρ = s⁻¹∂_t, ∂_β|_ρ = ∂_β − c∂_t with c = t s'/s = tλ/(2s²):

      |∇g|² = g_u² + (1/s² + c²) g_t² − 2c g_t g_β + g_β²,

  a metric with an off-diagonal entry, solved by Q1 finite elements
  (:func:`gsmtheory.numeric._fem3d.fem_poincare_3d`, the same per-axis Richardson and error
  estimate). Sector 1 in t: weight s² t^{m+1}e^{−t²/2}·r p^β_U, potential 1/s². Sector 1 is
  skipped when C_0 − err > σ² + λβ_max, a closed-form upper bound of C_1 (the potential term
  alone bounds its denominator below by ∫h²ρ²π/s²_max).

``"auto"`` takes ρ for m ≤ 64 and t beyond. m = 0 (no U^⊥) falls back to :func:`ctld_poincare`
(k = 1) and :func:`ctld_poincare_3d` (k = 2). Checked (tests/numeric/test_ctld_nd.py): d = 2
against :func:`ctld_poincare_3d` on (x, y, β) (isotropic and Σ = diag(a, b)); the two radial
coordinates agree within their error estimates at d = 3, 31, 100, 301 (ρ: 13693.0 ± 1.6,
14029.7 ± 8.1, 14861.1 ± 47, 17266 ± 491; t: 13693.02 ± 0.19, 14030.88 ± 0.20, 14865.47 ± 0.22,
17310.26 ± 0.28, separation ±3, resolution 0.8); t at d = 2 (m = 1) against the 3D lift:
13680.96 ± 0.19 and 13680.98 ± 0.96; d = 1000 in t: 25904.4 ± 0.8 at resolution 0.8 (12 s),
25904.88 ± 0.14 at resolution 1.2 (the estimates cover the change under refinement).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq

from gsmtheory._errors import SpecError
from gsmtheory.numeric._ctld_gap import ctld_grid, ctld_poincare, ctld_poincare_3d
from gsmtheory.numeric._ctld_law import CTLDSchedule, ctld_beta_logpdf, ctld_joint_logpdf
from gsmtheory.numeric._fem3d import fem_poincare_3d
from gsmtheory.numeric._mixture import MixtureArrays, MixtureInput
from gsmtheory.numeric._reduce import reduce_mixture
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._spectral3d import poincare_3d

__all__ = ["ctld_poincare_nd", "ctld_second_moment_bound"]

Array = NDArray[np.float64]
_RIDGE_M = 64  # "auto": ρ with finite volumes up to here, the ridge coordinate t = ρ/s(β) beyond


def ctld_second_moment_bound(params: CTLDSchedule, sigma2: float) -> float:
    r"""E_r[s²] = σ² + λ E_r[β], the lower bound C_P ≥ Var(v₁)/E|∇v₁|² (Gauss–Legendre in β).

    r is smooth on [0, β_max]; 400 panels of 8 nodes resolve it far beyond the digits used.

    Parameters
    ----------
    params : CTLDSchedule
        λ, β_max and r.
    sigma2 : float
        σ², the variance of the components across U.

    Returns
    -------
    float
        E_r[s²].

    Examples
    --------
    A uniform r on [0, 2] has E β = 1: σ² = 1, λ = 1 give 2.

    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> round(ctld_second_moment_bound(flat, 1.0), 12)
    2.0
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


def _mix1(means: Array, weights: Any, var: float) -> MixtureArrays:
    """The 1D mixture Σ_k w_k N(means_k, var)."""
    return MixtureArrays(tuple((float(v),) for v in means), tuple(float(w) for w in weights),
                           ((float(var),),))


def _sectors(mix_u: MixtureArrays, sigma2: float, m: int, params: CTLDSchedule, *, resolution: float,
             rtol: float, levels: tuple[float, ...], tail: float, max_cells: int, radial: str
             ) -> tuple[PoincareResult, PoincareResult, tuple[float, float], str]:
    """Sectors ℓ = 0, 1 of a 1D mixture along U times N(0, s²I_m) on U^⊥, s² = σ² + βλ.

    Returns (C_0, C_1, the radial range in ρ, the radial coordinate used: "rho" or "ridge").
    """
    lam = float(params.lambda_min)
    a = np.asarray(mix_u.means, dtype=float)[:, 0]
    fake = MixtureArrays(tuple((float(v), 0.0) for v in a), mix_u.weights,
                           ((float(mix_u.covariance[0][0]), 0.0), (0.0, sigma2)))
    box, stretch, shape = ctld_grid(fake, params, resolution, tail)
    b_lo, b_hi = box[2]
    s_lo, s_hi = math.sqrt(sigma2 + lam * b_lo), math.sqrt(sigma2 + lam * b_hi)
    t_lo, t_hi = _radial_range(m, tail)
    rho = (s_lo * t_lo, s_hi * t_hi)
    coord = radial if radial != "auto" else ("rho" if m <= _RIDGE_M else "ridge")

    def base(u: Array, b: Array) -> Array:
        uu, bb = np.broadcast_arrays(u, b)
        return np.asarray(ctld_joint_logpdf(mix_u, params, uu, bb))

    def potential(u: Array, r: Array, b: Array) -> Array:
        return np.asarray(1.0 / (sigma2 + lam * np.broadcast_arrays(u, r, b)[2]))

    if coord == "rho":
        box[1] = rho
        stretch[1] = (s_lo, 0.0)
        # the radial profile has relative width ~ 1/sqrt(2m) around s·sqrt(m − 1): cells per unit
        # of asinh(ρ/s_lo) (≈ log ρ) grow like sqrt(m)
        dens = 2.5 * resolution * max(1.0, math.sqrt(m / 4.0))
        shape[1] = max(8, math.ceil(dens * (math.asinh(rho[1] / s_lo) - math.asinh(rho[0] / s_lo))))

        def radial_fv(power: int) -> Any:
            def f(u: Array, r: Array, b: Array) -> Array:
                s2 = sigma2 + lam * b
                with np.errstate(divide="ignore"):
                    return base(u, b) + power * np.log(r) - r * r / (2.0 * s2) - 0.5 * m * np.log(s2)
            return f

        kw: dict[str, Any] = {"shape": shape, "rtol": rtol, "levels": levels, "stretch": stretch,
                              "tail": tail, "max_cells": max_cells}
        c0 = poincare_3d(radial_fv(m - 1), box, **kw)
        c1 = poincare_3d(radial_fv(m + 1), box, potential=potential, **kw)
        return c0, c1, rho, coord
    # ridge coordinate t = ρ/s(β): the weight becomes a product in t (ρ^{m−1}e^{−ρ²/2s²}s^{−m}dρ =
    # t^{m−1}e^{−t²/2}dt), the metric picks up the shear ∂_β|_ρ = ∂_β − (tλ/2s²)∂_t
    box[1] = (t_lo, t_hi)
    stretch[1] = None
    shape[1] = max(8, math.ceil(1.6 * resolution * (t_hi - t_lo)))  # t's profile: width ~ 1/√2

    def weight(power: int, extra: float) -> Any:
        def f(u: Array, t: Array, b: Array) -> Array:
            with np.errstate(divide="ignore"):
                return base(u, b) + power * np.log(t) - 0.5 * t * t + extra * np.log(sigma2 + lam * b)
        return f

    def metric(u: Array, t: Array, b: Array) -> tuple[Array, Array, Array, Array, Array, Array]:
        _, tt, bb = np.broadcast_arrays(u, t, b)
        s2 = sigma2 + lam * bb
        c = tt * lam / (2.0 * s2)
        one, zero = np.ones_like(s2), np.zeros_like(s2)
        return one, zero, zero, 1.0 / s2 + c * c, -c, one

    kwf: dict[str, Any] = {"shape": shape, "rtol": rtol, "levels": levels, "stretch": stretch,
                           "tail": tail, "max_cells": max_cells}
    c0 = fem_poincare_3d(weight(m - 1, 0.0), metric, box, **kwf)
    top = sigma2 + lam * float(params.beta_max)
    if c0.status == "ok" and c0.poincare_constant - c0.error_estimate > top:
        # C_1 <= sup s² = σ² + λβ_max (the potential term alone bounds the denominator): sector 1
        # cannot dominate, and its finite-element solve is skipped
        c1 = PoincareResult(top, 0.0, "closed-form", {"bound": "C_1 <= sigma^2 + lambda*beta_max"}, "bound",
                            "sector 1: C_1 <= σ² + λβ_max, below C_0", "upper_bound", (), upper=top)
    else:
        c1 = fem_poincare_3d(weight(m + 1, 1.0), metric, box, potential=potential, **kwf)
    return c0, c1, rho, coord


def ctld_poincare_nd(mixture: MixtureInput, params: CTLDSchedule, *, resolution: float = 1.0, rtol: float = 1e-2,
                     levels: tuple[float, ...] = (1.0, 1.5, 2.0), tail: float = 40.0,
                     max_cells: int = 400_000, radial: str = "auto") -> PoincareResult:
    r"""C_P of CTLD for a Gaussian mixture in R^d: max(C_0, C_1) over angular sectors (module doc).

    Parameters
    ----------
    mixture : MixtureLike or (means, weights, covariance)
        Shared covariance Σ. A value needs dim U = 1 (U: the span of the mean differences,
        expanded to Σ-invariance) and Σ a multiple of the identity on U^⊥; otherwise the
        reduced problem has more than three dimensions and a lower bound is returned
        (``status="bound"``, ``side="lower_bound"``, module doc).
    params : CTLDSchedule
        λ, β_max, log r (:func:`gsmtheory.solve.ctld_schedule` of
        :func:`gsmtheory.symbolic.ctld_parameters` of the full mixture).
    resolution, rtol, levels, tail, max_cells
        As in :func:`ctld_poincare_3d` / :func:`poincare_3d` (rtol decides the status).
    radial : {"auto", "rho", "ridge"}
        The radial coordinate: ρ with finite volumes (``"rho"``), the ridge coordinate
        t = ρ/s(β) with finite elements (``"ridge"``), or ρ for d − dim U ≤ 64 and t beyond
        (``"auto"``).

    Returns
    -------
    PoincareResult
        method ``"ctld-sectors"``, ``side="estimate"``; resolution holds both sectors'
        results, d, k, m, σ², the radial coordinate and the lower bound E_r[s²]. Method
        ``"ctld-sectors-bound"`` with ``side="lower_bound"`` where no value is computed.

    Raises
    ------
    SpecError
        If ``radial`` is unknown.

    Examples
    --------
    With λ → 0 the lift of ½N(±½e₁, I₃) has C_P = max(C_P(mixture), (6/π)²) = 3.647563 here:

    >>> import math
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1e-9, beta_max=6.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> mix = MixtureArrays(means=[[-0.5, 0, 0], [0.5, 0, 0]], weights=[0.5, 0.5], covariance=np.eye(3).tolist())
    >>> r = ctld_poincare_nd(mix, flat, rtol=0.05, resolution=0.5)
    >>> r.status, abs(r.poincare_constant - (6 / math.pi)**2) <= r.error_estimate
    ('ok', True)
    """
    if radial not in ("auto", "rho", "ridge"):
        raise SpecError(f"radial = {radial!r} is unknown", "use 'auto', 'rho' or 'ridge'")
    red = reduce_mixture(mixture)
    d, k, m = red.ambient_dim, red.reduced_dim, red.complement_dim
    a = red.reduced.means
    mix_u = MixtureArrays(tuple(tuple(float(v) for v in row) for row in a),
                            tuple(float(w) for w in red.reduced.weights),
                            tuple(tuple(float(v) for v in row) for row in red.reduced.covariance))
    opts: dict[str, Any] = {"resolution": resolution, "rtol": rtol, "levels": tuple(levels), "tail": tail,
                            "max_cells": max_cells, "radial": radial}
    if m == 0:
        if k == 1:
            return ctld_poincare(mix_u, params, tolerance=rtol)
        if k == 2:
            return ctld_poincare_3d(mix_u, params, resolution=resolution, rtol=rtol)
    if k != 1 or len(red.complement_eigenvalues) != 1:
        return _lower_bound(red, mix_u, params, opts)
    sigma2 = float(red.complement_eigenvalues[0][0])
    c0, c1, rho, coord = _sectors(mix_u, sigma2, m, params, **opts)
    bound = ctld_second_moment_bound(params, sigma2)
    top, other = (c0, c1) if c0.poincare_constant >= c1.poincare_constant else (c1, c0)
    apart = top.poincare_constant - top.error_estimate > other.poincare_constant + other.error_estimate
    err = top.error_estimate if apart else max(top.error_estimate, other.error_estimate)
    status = "ok" if top.status == "ok" and (apart or other.status == "ok") else "not_converged"
    value = top.poincare_constant
    res = {"ambient_dim": d, "reduced_dim": k, "complement_dim": m, "sigma2_perp": sigma2,
           "lower_bound_Er_s2": bound, "sector0": c0.to_dict(), "sector1": c1.to_dict(),
           "dominant_sector": 0 if top is c0 else 1, "resolution": resolution,
           "radial_coordinate": "rho (finite volumes)" if coord == "rho" else "t = rho/s(beta) (finite elements)"}
    msg = (f"CTLD C_P in d = {d} by angular sectors on (u, {'ρ' if coord == 'rho' else 't = ρ/s(β)'}, β): "
           f"C_0 = {c0.poincare_constant:.6g}, C_1 = {c1.poincare_constant:.6g} (>= E_r[s²] = {bound:.6g}); "
           f"relative error {err / value:.2g}")
    if value < bound * (1 - 10 * max(rtol, err / value)):
        status = "failed"
        msg = f"inconsistent: {msg} is below the lower bound E_r[s²]"
    trunc = (top.truncation[0], rho, top.truncation[2]) if len(top.truncation) == 3 else ()
    return PoincareResult(value, err, "ctld-sectors", res, status, msg, "estimate", trunc)


def _entry(r: PoincareResult) -> dict[str, float]:
    """A marginal problem's estimate, error and the bound estimate − error."""
    return {"estimate": r.poincare_constant, "error": r.error_estimate,
            "bound": r.poincare_constant - r.error_estimate}


def _lower_bound(red: Any, mix_u: MixtureArrays, params: CTLDSchedule, opts: dict[str, Any]) -> PoincareResult:
    r"""C_P ≥ the largest of the closed-form and marginal lower bounds (module doc, "Bounds")."""
    d, k, m = red.ambient_dim, red.reduced_dim, red.complement_dim
    eigs = sorted(red.complement_eigenvalues, key=lambda e: -e[0])
    a = np.asarray(red.reduced.means, dtype=float)
    w = np.asarray(red.reduced.weights, dtype=float)
    S_u = np.asarray(red.reduced.covariance, dtype=float)
    centred = a - w @ a
    spread = S_u + centred.T @ (w[:, None] * centred)
    ev, evec = np.linalg.eigh(spread)
    closed = {"along_U": ctld_second_moment_bound(params, float(ev[-1]))}
    if eigs:
        closed["along_U_perp"] = ctld_second_moment_bound(params, float(eigs[0][0]))
    marginal: dict[str, Any] = {}
    # the direction of U along which the means spread most, and the mixture projected on it
    cw, cv = np.linalg.eigh(centred.T @ (w[:, None] * centred))
    e = cv[:, -1] if cw[-1] > 0 else evec[:, -1]
    mix_e = _mix1(a @ e, w, float(e @ S_u @ e))
    if k == 2:
        r = ctld_poincare_3d(mix_u, params, resolution=opts["resolution"], rtol=opts["rtol"])
        if r.status == "ok":
            marginal["(u, beta)"] = _entry(r)
    for sigma2, mult in eigs[:3]:  # the three widest eigenspaces of Σ on U^⊥
        c0, c1, _, _ = _sectors(mix_e, float(sigma2), int(mult), params, **opts)
        for name, c in (("sector 0", c0), ("sector 1", c1)):
            if c.status == "ok":
                marginal[f"(e.u, rho_j, beta), sigma_j^2 = {sigma2:.6g} (m_j = {mult}), {name}"] = _entry(c)
    if not eigs:
        r = ctld_poincare(mix_e, params, tolerance=opts["rtol"])
        if r.status == "ok":
            marginal["(e.u, beta)"] = _entry(r)
    lower = max(closed.values())
    best_name, best = (max(((n, v["bound"]) for n, v in marginal.items()), key=lambda kv: kv[1])
                       if marginal else ("", -math.inf))
    value = max(lower, best)
    dim = k + len(eigs) + 1
    what = (f"dim U = {k}" + (f", Σ has {len(eigs)} eigenvalues on U^⊥" if len(eigs) > 1 else ""))
    src = f"the marginal problem on {best_name}" if best >= lower else "Var(v)/E|∇v|² = E_r[s²]"
    msg = (f"lower bound only: CTLD in d = {d} reduces to a {dim}-dimensional problem ({what}; "
           f"u ∈ R^{k}, {len(eigs)} radi{'us' if len(eigs) == 1 else 'i'}, β), beyond the 3D solvers; C_P >= {value:.6g} from {src}")
    res = {"ambient_dim": d, "reduced_dim": k, "complement_dim": m,
           "complement_eigenvalues": [list(v) for v in red.complement_eigenvalues],
           "reduced_problem_dim": dim, "closed_form_bounds": closed, "marginal_bounds": marginal,
           "lower_bound_Er_s2": closed.get("along_U_perp", closed["along_U"]),
           "marginal_note": "a marginal problem's estimate minus its error estimate"}
    return PoincareResult(value, 0.0, "ctld-sectors-bound", res, "bound", msg, "lower_bound", (),
                          lower=lower)
