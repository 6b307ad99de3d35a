r"""C_P of CTLD for a Gaussian mixture in d ≥ 2 (a 3D grid for d = 2, angular sectors beyond), and χ².

Lifted density r(β) p^β(x) on R^d × [0, β_max], p^β = p * N(0, βλI), identity diffusion (docs/design.md
§1). :func:`ctld_poincare_3d` (d = 2): :func:`poincare_3d` on :func:`ctld_grid`. :func:`ctld_poincare_nd`
(docs/design.md §6, "CTLD in R^d by angular sectors"): with U the span of the mean differences
(dim k, :func:`gsmtheory.numeric.reduce_mixture`), Σ = σ²I on U^⊥ (m = d − k), s² = σ² + βλ, ρ = |v|,

    C_P = max(C_0, C_1),   π(u, β, ρ) ∝ r(β) p^β_U(u) ρ^{m−1} e^{−ρ²/2s²} s^{−m},

C_0 that of π on (u, ρ, β), C_1 that of the weight ρ^{m+1}(…) with the bounded potential 1/s²: for
k = 1, 3D problems for every d, in ρ by finite volumes (``radial="rho"``; ``"auto"`` for m ≤ 64) or
in t = ρ/s(β) by Q1 finite elements with a sheared metric (``"ridge"``, :mod:`gsmtheory.numeric._fem3d`).
m = 0 falls back to :func:`ctld_poincare` (k = 1) and :func:`ctld_poincare_3d` (k = 2); beyond three
dimensions the result is a lower bound (``status="bound"``): E_r[λ_max(Σ_U + Cov_w(a)) + λβ],
E_r[σ_max² + λβ] and marginal lifts. :func:`lifted_chi_square`: 1 + χ²(p_i ‖ p_j) =
E_r[exp(Δμᵀ(Σ+βλI)⁻¹Δμ)] between the lifted components r(β) N(x; μ_k, Σ + βλI) / Z_r (claim 13).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory.numeric._ctld_chain import (
    CTLDSchedule,
    ctld_beta_range,
    ctld_joint_logpdf,
    ctld_poincare,
)
from gsmtheory.numeric._fem3d import fem_poincare_3d
from gsmtheory.numeric._fv_grid import Stretch
from gsmtheory.numeric._mixture import MixtureArrays, MixtureInput, MixtureLike
from gsmtheory.numeric._quadrature import gauss_legendre_panels
from gsmtheory.numeric._reduce import reduce_mixture
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._sector import radial_range
from gsmtheory.numeric._spectral3d import poincare_3d

__all__ = ["ctld_grid", "ctld_poincare_3d", "ctld_poincare_nd", "lifted_chi_square"]

Array = NDArray[np.float64]
_RIDGE_M = 64  # "auto": ρ with finite volumes up to here, the ridge coordinate t = ρ/s(β) beyond


def ctld_grid(mixture: MixtureLike, params: CTLDSchedule, resolution: float, tail: float, *, xy_density: float = 2.5,
               beta_density: float = 1.0) -> tuple[list[tuple[float, float]], list[Stretch], list[int]]:
    """Box, stretch and base shape of the CTLD lift of a 2D mixture (:func:`ctld_poincare_3d`).

    β from where the joint density can reach e^{-tail} of its maximum (:func:`ctld_beta_range`) to
    β_max; x, y over the means ± sqrt(2·tail·v), v = Σ_kk + λβ_max, sinh-stretched at the narrowest
    profile's scale sqrt(Σ_kk + λβ_lo) (``xy_density``·resolution cells per unit of asinh); β
    uniform in u = asinh((β − β_lo)/s_β) + 16(β − β_lo)/(β_max − β_lo), s_β = (Σ_min + λβ_lo)/λ
    (``beta_density``·resolution cells per unit of u: geometric cells where the small-β profiles
    are sharp, at most 1/16 of the range where the slow β-mode lives).
    """
    if not (math.isfinite(resolution) and resolution > 0):
        raise SpecError(f"resolution = {resolution} must be positive", "use e.g. resolution=1.0")
    lam = float(CTLDSchedule.require(params).lambda_min)
    b_lo, b_hi = ctld_beta_range(mixture, params, tail)
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

    The lifted chain on R² × [0, β_max] with identity diffusion and joint density
    r(β) (p * N(0, βλI))(x, y) (docs/design.md §1), solved by :func:`poincare_3d` on the grid of
    :func:`ctld_grid`. For the default constants C_P is dominated by the β direction (the 1D
    problem in β alone has C_P within 2 % of the lift for separations d ≥ 2), which needs the
    finer β grid.

    Parameters
    ----------
    mixture : MixtureLike
        A 2D Gaussian mixture.
    params : CTLDSchedule
        λ, β_max and r.
    resolution, rtol, levels, tail, max_cells, extrapolation
        As in :func:`poincare_3d` (rtol decides the status).

    Returns
    -------
    PoincareResult
        From :func:`poincare_3d` (``side="estimate"``, its error estimate and status).

    Raises
    ------
    SpecError
        If the mixture is not 2D or ``params`` not a :class:`CTLDSchedule`.

    Examples
    --------
    With λ → 0 the lift of N(0, I₂) is N(0, I₂) ⊗ Uniform[0, 6]: C_P = (6/π)² = 3.647563.

    >>> import math
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1e-9, beta_max=6.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> mix = MixtureArrays(means=[[0.0, 0.0]], weights=[1.0], covariance=[[1.0, 0.0], [0.0, 1.0]])
    >>> r = ctld_poincare_3d(mix, flat, rtol=0.05, resolution=0.5)
    >>> r.status, abs(r.poincare_constant - (6 / math.pi)**2) <= r.error_estimate
    ('ok', True)
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
    t_lo, t_hi = radial_range(m, tail)
    rho = (s_lo * t_lo, s_hi * t_hi)
    coord = radial if radial != "auto" else ("rho" if m <= _RIDGE_M else "ridge")
    # the branches below set shape[1] and stretch[1] in place: kw holds the same lists
    kw: dict[str, Any] = {"shape": shape, "rtol": rtol, "levels": levels, "stretch": stretch, "tail": tail,
                          "max_cells": max_cells}

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

    c0 = fem_poincare_3d(weight(m - 1, 0.0), metric, box, **kw)
    top = sigma2 + lam * float(params.beta_max)
    if c0.status == "ok" and c0.poincare_constant - c0.error_estimate > top:
        # C_1 <= sup s² = σ² + λβ_max (the potential term alone bounds the denominator): sector 1
        # cannot dominate, and its finite-element solve is skipped
        c1 = PoincareResult(top, 0.0, "closed-form", {"bound": "C_1 <= sigma^2 + lambda*beta_max"}, "bound",
                            "sector 1: C_1 <= σ² + λβ_max, below C_0", "upper_bound", (), upper=top)
    else:
        c1 = fem_poincare_3d(weight(m + 1, 1.0), metric, box, potential=potential, **kw)
    return c0, c1, rho, coord


def ctld_poincare_nd(mixture: MixtureInput, params: CTLDSchedule, *, resolution: float = 1.0, rtol: float = 1e-2,
                     levels: tuple[float, ...] = (1.0, 1.5, 2.0), tail: float = 40.0,
                     max_cells: int = 400_000, radial: str = "auto") -> PoincareResult:
    r"""C_P of CTLD for a Gaussian mixture in R^d: max(C_0, C_1) over angular sectors (module doc).

    Parameters
    ----------
    mixture : MixtureLike or (means, weights, covariance)
        Shared covariance Σ. A value needs dim U = 1 (U: the span of the mean differences, expanded
        to Σ-invariance) and Σ = σ²I on U^⊥; otherwise a lower bound (``status="bound"``, module doc).
    params : CTLDSchedule
        λ, β_max, log r (:func:`gsmtheory.solve.ctld_schedule` of the full mixture's parameters).
    resolution, rtol, levels, tail, max_cells
        As in :func:`ctld_poincare_3d` / :func:`poincare_3d` (rtol decides the status).
    radial : {"auto", "rho", "ridge"}
        ρ with finite volumes, t = ρ/s(β) with finite elements, or ρ for d − dim U ≤ 64 and t beyond.

    Returns
    -------
    PoincareResult
        method ``"ctld-sectors"``, ``side="estimate"``; resolution holds both sectors'
        results, d, k, m, σ², the radial coordinate and the lower bound E_r[s²]. Method
        ``"ctld-sectors-bound"`` with ``side="lower_bound"`` where no value is computed.

    Raises
    ------
    SpecError
        If ``radial`` is unknown or ``params`` not a :class:`CTLDSchedule`.

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
    red, params = reduce_mixture(mixture), CTLDSchedule.require(params)
    d, k, m = red.ambient_dim, red.reduced_dim, red.complement_dim
    mix_u = MixtureArrays(tuple(tuple(float(v) for v in row) for row in red.reduced.means),
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
    bound = sigma2 + float(params.lambda_min) * params.law.mean()
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
    lam_mean_beta = float(params.lambda_min) * params.law.mean()  # λ E_r[β]: E_r[s²] = σ² + λ E_r[β]
    closed = {"along_U": float(ev[-1]) + lam_mean_beta}
    if eigs:
        closed["along_U_perp"] = float(eigs[0][0]) + lam_mean_beta
    # the direction of U along which the means spread most, and the mixture projected on it
    cw, cv = np.linalg.eigh(centred.T @ (w[:, None] * centred))
    e = cv[:, -1] if cw[-1] > 0 else evec[:, -1]
    mix_e = MixtureArrays(tuple((float(v),) for v in a @ e), tuple(float(v) for v in w), ((float(e @ S_u @ e),),))
    found: list[tuple[str, PoincareResult]] = []
    if k == 2:
        found.append(("(u, beta)", ctld_poincare_3d(mix_u, params, resolution=opts["resolution"], rtol=opts["rtol"])))
    for sigma2, mult in eigs[:3]:  # the three widest eigenspaces of Σ on U^⊥
        sectors = _sectors(mix_e, float(sigma2), int(mult), params, **opts)[:2]
        found += [(f"(e.u, rho_j, beta), sigma_j^2 = {sigma2:.6g} (m_j = {mult}), sector {i}", c)
                  for i, c in enumerate(sectors)]
    if not eigs:
        found.append(("(e.u, beta)", ctld_poincare(mix_e, params, tolerance=opts["rtol"])))
    # each converged marginal problem: its estimate, error and the bound estimate − error
    marginal = {name: {"estimate": r.poincare_constant, "error": r.error_estimate,
                       "bound": r.poincare_constant - r.error_estimate} for name, r in found if r.status == "ok"}
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


def lifted_chi_square(mixture: MixtureLike, params: CTLDSchedule, i: int, j: int, *,
                      panels: int = 64) -> float:
    r"""χ²(p_i ‖ p_j) between lifted components p_k(x, β) = r(β) N(x; μ_k, Σ+βλI)/Z_r.

    Both share the β-marginal r/Z_r, and for Gaussians with one covariance C,
    1 + χ²(N(μ_i, C) ‖ N(μ_j, C)) = exp(Δμᵀ C⁻¹ Δμ), so
    1 + χ² = E_{β∼r}[exp(Δμᵀ(Σ+βλI)⁻¹Δμ)] (a β-quadrature, log-sum-exp stable).

    Parameters
    ----------
    mixture : MixtureLike
        The target mixture.
    params : CTLDSchedule
        λ, β_max and r.
    i, j : int
        The two components.
    panels : int, optional
        Gauss–Legendre panels (16 nodes each) in β.

    Returns
    -------
    float
        χ²(p_i ‖ p_j).

    Examples
    --------
    As β_max → 0 the lift disappears and χ² is the Gaussian one, e^{|Δμ|²/σ²} − 1 = e⁴ − 1 for
    means ±1; tempering up to β_max = 2 shrinks it:

    >>> import math
    >>> import numpy as np
    >>> mix = MixtureArrays(means=[[-1.0], [1.0]], weights=[0.5, 0.5], covariance=[[1.0]])
    >>> tiny = CTLDSchedule(lambda_min=1e-12, beta_max=1e-12, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> round(lifted_chi_square(mix, tiny, 0, 1) - math.expm1(4), 9)
    0.0
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> lifted_chi_square(mix, flat, 0, 1) < math.expm1(4)
    True
    """
    log_r = CTLDSchedule.require(params).log_r
    dm = np.asarray(mixture.means[i]) - np.asarray(mixture.means[j])
    e, u = np.linalg.eigh(np.asarray(mixture.covariance))
    z2 = (u.T @ dm) ** 2
    t, w = gauss_legendre_panels(0.0, params.beta_max, panels, 16)
    quad = np.sum(z2[None, :] / (e[None, :] + params.lambda_min * t[:, None]), axis=1)
    lr = log_r(t)
    num = lr + quad + np.log(w)
    den = lr + np.log(w)
    tn, td = float(np.max(num)), float(np.max(den))
    log_ratio = tn + math.log(float(np.sum(np.exp(num - tn)))) - td - math.log(float(np.sum(np.exp(den - td))))
    return math.expm1(log_ratio)

