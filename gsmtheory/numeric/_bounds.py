r"""Bounds on Poincaré constants, each labelled with the side it certifies.

| function | certifies | statement |
| --- | --- | --- |
| :func:`rayleigh_quotient` | lower | C_P ≥ Var_p(g) / E(g) for any g (definition of C_P) |
| :func:`muckenhoupt_bracket` | both (1D) | B/2 ≤ C_P ≤ 4B, B = max(B₋, B₊) with the median m and B₊ = sup_{x>m} μ[x, b) ∫_m^x dz/(pD)(z) (Muckenhoupt 1972; Miclo 1999; Bobkov–Götze 1999) |
| :func:`bakry_emery_bound` | upper | −∇²ℓ ⪰ ρ D⁻¹ with constant D ⇒ C_P ≤ 1/ρ (Bakry–Émery 1985) |
| :func:`holley_stroock_bound` | upper | ℓ = ℓ₀ + ψ ⇒ C_P ≤ e^{osc ψ} C_P(ℓ₀), osc ψ = sup ψ − inf ψ (Holley–Stroock 1987) |
| :func:`certified_upper_bound` | upper | a symbolic curvature certificate (κ, osc W) ⇒ C_P ≤ e^{osc W}/κ (Bakry–Émery, Holley–Stroock) |
| :func:`mixture_curvature_bound` | upper | Σ_k w_k N(μ_k, Σ), constant D: −∇²ℓ ⪰ Σ⁻¹ − Cov_post(Σ⁻¹μ) ⇒ C_P ≤ 1/κ, κ = λ_min(D^{1/2}Σ⁻¹D^{1/2}) − max_k |D^{1/2}Σ⁻¹(μ_k − c)|² |
| :func:`two_sided` | both | a lower-bound record and an upper-bound record → [lower, upper], or a value when they agree |
| :func:`tensorization` | exact | product measure and block-diagonal D: C_P = max_i C_P,i |
| :func:`gaussian_poincare_constant` | exact | N(μ, Σ), constant D: C_P = λ_max(D^{-1/2} Σ D^{-1/2}) |
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._chain1d import as_callable, chain_1d, log_cumsums, truncate_support
from gsmtheory.numeric._fv_grid import AxisMap
from gsmtheory.numeric._mixture import MixtureLike
from gsmtheory.numeric._result import PoincareResult, Side

__all__ = [
    "bakry_emery_bound",
    "certified_upper_bound",
    "curvature_lower_bound",
    "gaussian_poincare_constant",
    "holley_stroock_bound",
    "mixture_curvature_bound",
    "muckenhoupt_bracket",
    "oscillation",
    "rayleigh_quotient",
    "tensorization",
    "two_sided",
    "with_upper_bound",
]

Array = NDArray[np.float64]


def _map_for(log_density: Callable[[Array], Array], diff: Callable[[Array], Array],
             lo: float, hi: float, tail: float) -> AxisMap:
    a, b, _ = truncate_support(log_density, lo, hi, tail=tail)
    with np.errstate(all="ignore"):
        d = np.asarray(diff(np.array([a, b])), dtype=np.float64) * np.ones(2)
    left, right = a == lo and not d[0] > 0, b == hi and not d[1] > 0
    kind = {(False, False): "affine", (True, False): "sqrt-left",
            (False, True): "sqrt-right", (True, True): "sin2"}[(left, right)]
    return AxisMap(a, b, kind)


def rayleigh_quotient(g: Callable[[Array], Array], dg: Callable[[Array], Array],
                      log_density: Callable[[Array], Array],
                      diffusion_coef: Callable[[Array], Array] | float, lo: float, hi: float,
                      *, n: int = 4000, tail: float = 40.0) -> PoincareResult:
    r"""Lower bound C_P ≥ Var_p(g) / ∫ D g'² p (1D), by Gauss–Legendre quadrature.

    ``g`` and its derivative ``dg`` are vectorized callables. The quotient is computed on the
    truncated domain with n cells of 6 Gauss nodes (relative quadrature error far below the
    reported digits for smooth g); ``side="lower_bound"``.
    """
    logp = as_callable(log_density, "log density")
    diff = as_callable(diffusion_coef, "D")
    m = _map_for(logp, diff, float(lo), float(hi), tail)
    t, w = np.polynomial.legendre.leggauss(6)
    u = ((np.arange(n)[:, None] + 0.5 * (t[None, :] + 1)) / n).ravel()
    wu = np.tile(0.5 * w / n, n)
    x, dx = m(u)
    with np.errstate(all="ignore"):
        lw = np.asarray(logp(x), float) + np.log(dx) + np.log(wu)
    lw = np.where(np.isfinite(lw), lw, -np.inf)
    pw = np.exp(lw - np.max(lw))
    pw /= pw.sum()
    gv = np.asarray(g(x), float) * np.ones_like(x)
    dv = np.asarray(dg(x), float) * np.ones_like(x)
    dd = np.asarray(diff(x), float) * np.ones_like(x)
    if not (np.all(np.isfinite(gv)) and np.all(np.isfinite(dv))):
        raise NumericalError("test function or its derivative is not finite",
                             "use a g that is finite on the domain")
    mean = float(pw @ gv)
    var = float(pw @ (gv - mean) ** 2)
    energy = float(pw @ (dd * dv * dv))
    if energy <= 0:
        raise SpecError("E(g) = 0: g is constant", "use a non-constant test function")
    q = var / energy
    return PoincareResult(q, 0.0, "rayleigh_quotient", {"nodes": int(x.size)}, "bound",
                          "Var(g)/E(g) <= C_P for every g", "lower_bound", ((m.a, m.b),),
                          lower=q)


def muckenhoupt_bracket(log_density: Callable[[Array], Array],
                        diffusion_coef: Callable[[Array], Array] | float, lo: float, hi: float,
                        *, n: int = 8192, tail: float = 40.0) -> PoincareResult:
    r"""Two-sided 1D bracket B/2 ≤ C_P ≤ 4B (Muckenhoupt's Hardy inequality at the median).

    B = max(B₊, B₋), B₊ = sup_{x>m} μ[x, b) ∫_m^x dz/(pD), B₋ likewise to the left, m the
    median of p. The upper half is Muckenhoupt's 4B applied on each side of the median
    (Var g ≤ E(g − g(m))²); the lower half follows from Var f ≥ E f²/2 for f vanishing on a
    half of the mass (Miclo 1999, Prop. 1.3; Chen 2005, Thm 5.?). B is computed from the
    finite-volume chain of :func:`poincare_1d` with ``n`` cells (cell-level sup; the
    discretization error is O(1/n²) relative). ``value`` = B, ``lower`` = B/2, ``upper`` = 4B.
    """
    logp = as_callable(log_density, "log density")
    diff = as_callable(diffusion_coef, "D")
    m = _map_for(logp, diff, float(lo), float(hi), tail)
    lp, lc = chain_1d(logp, diff, m, n)
    lP, lS = log_cumsums(lp)  # face k: mass left of / right of the face
    lr = -lc  # log resistance between centres k and k+1
    k_med = int(np.searchsorted(np.exp(lP), 0.5))  # first face with Π_k >= 1/2
    # right side: B+ = max_{k >= k_med} S_k * sum_{j=k_med}^{k} r_j
    right = np.logaddexp.accumulate(lr[k_med:]) + lS[k_med:]
    left_r = np.logaddexp.accumulate(lr[:k_med][::-1])[::-1] + lP[:k_med]
    lb = max(float(np.max(right)) if right.size else -np.inf,
             float(np.max(left_r)) if left_r.size else -np.inf)
    b_val = math.exp(lb)
    return PoincareResult(b_val, 0.0, "muckenhoupt", {"cells": n}, "bound",
                          "B/2 <= C_P <= 4B (Muckenhoupt bracket at the median)", "bracket",
                          ((m.a, m.b),), lower=b_val / 2, upper=4 * b_val)


def gaussian_poincare_constant(covariance: ArrayLike, D: ArrayLike | None = None) -> PoincareResult:
    r"""Exact C_P of N(μ, Σ) with constant D: λ_max(D^{-1/2} Σ D^{-1/2}) (claim 1).

    The generator is the Ornstein–Uhlenbeck operator with drift −DΣ⁻¹x; its spectral gap
    is λ_min(DΣ⁻¹). D = I gives λ_max(Σ); D = Σ (preconditioning) gives 1.
    """
    S = np.atleast_2d(np.asarray(covariance, dtype=np.float64))
    if not np.all(np.isfinite(S)):
        raise NumericalError("covariance contains NaN or inf", "use finite numbers")
    d = S.shape[0]
    Dm = np.eye(d) if D is None else np.atleast_2d(np.asarray(D, dtype=np.float64))
    if Dm.shape != (d, d) or S.shape != (d, d):
        raise SpecError("covariance and D must be d×d", "match the shapes")
    if not np.all(np.isfinite(Dm)):
        raise NumericalError("D contains NaN or inf", "use finite numbers")
    ev, U = np.linalg.eigh(0.5 * (Dm + Dm.T))
    if ev.min() <= 0:
        return PoincareResult(math.inf, 0.0, "degenerate", {}, "no_poincare",
                              "D is singular: the Dirichlet form controls no variance in some "
                              "direction, no Poincaré inequality holds", "exact")
    if np.linalg.eigvalsh(S).min() <= 0:
        raise ModelError("covariance is not positive definite", "use an SPD covariance")
    Dmh = U @ np.diag(ev**-0.5) @ U.T
    c = float(np.linalg.eigvalsh(Dmh @ S @ Dmh).max())
    return PoincareResult(c, 0.0, "gaussian", {"dim": d}, "ok",
                          "closed form λ_max(D^{-1/2} Σ D^{-1/2})", "exact",
                          lower=c, upper=c)


def curvature_lower_bound(neg_hessian: Callable[[Array], Array], points: ArrayLike,
                          D: ArrayLike | None = None) -> float:
    r"""ρ = min over the given points of λ_min(D^{1/2} (−∇²ℓ) D^{1/2}) (constant D).

    A grid minimum, not a certified infimum: it certifies the Bakry–Émery bound only when the
    curvature is minimized on the grid (e.g. convex quadratics, or a grid covering the
    minimizer).
    """
    x = np.asarray(points, dtype=np.float64)
    H = np.asarray(neg_hessian(x), dtype=np.float64)
    if H.ndim == 1:
        H = H[:, None, None]
    d = H.shape[-1]
    Dm = np.eye(d) if D is None else np.atleast_2d(np.asarray(D, dtype=np.float64))
    ev, U = np.linalg.eigh(Dm)
    Dh = U @ np.diag(np.sqrt(np.maximum(ev, 0))) @ U.T
    M = Dh @ H @ Dh
    return float(np.min(np.linalg.eigvalsh(0.5 * (M + np.swapaxes(M, -1, -2)))))


def bakry_emery_bound(rho: float) -> PoincareResult:
    r"""Upper bound C_P ≤ 1/ρ when −D^{1/2}∇²ℓ D^{1/2} ⪰ ρ I everywhere (constant D), ρ > 0.

    Bakry & Émery (1985), the curvature-dimension condition CD(ρ, ∞). ρ ≤ 0 certifies
    nothing and returns C_P ≤ ∞.
    """
    rho = float(rho)
    if math.isnan(rho):
        raise NumericalError("curvature ρ is NaN", "check the Hessian")
    up = math.inf if rho <= 0 else 1.0 / rho
    return PoincareResult(up, 0.0, "bakry_emery", {"rho": rho}, "bound",
                          "C_P <= 1/ρ (Bakry–Émery)" if rho > 0 else "ρ <= 0: no bound",
                          "upper_bound", upper=up)


def oscillation(psi: Callable[[Array], Array], lo: float, hi: float, *, n: int = 20001) -> float:
    """osc ψ = sup ψ − inf ψ on a uniform grid of [lo, hi] (finite ends)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise SpecError("oscillation needs a finite interval", "pass the truncated domain")
    v = np.asarray(psi(np.linspace(lo, hi, n)), dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise NumericalError("perturbation ψ is not finite on the interval",
                             "Holley–Stroock needs a bounded perturbation")
    return float(v.max() - v.min())


def holley_stroock_bound(base: PoincareResult | float, osc: float) -> PoincareResult:
    r"""Upper bound C_P(e^{ℓ₀+ψ}) ≤ e^{osc ψ} · C_P(e^{ℓ₀}) (Holley & Stroock 1987).

    ``base`` is the base constant (a record: its value plus its error estimate is used, so
    the bound stays an upper bound); ``osc`` = sup ψ − inf ψ.
    """
    osc = float(osc)
    if math.isnan(osc) or osc < 0:
        raise NumericalError(f"oscillation {osc} is NaN or negative", "osc = sup ψ − inf ψ >= 0")
    if isinstance(base, PoincareResult):
        c0 = base.upper if base.side == "upper_bound" and base.upper is not None else (
            base.poincare_constant + base.error_estimate)
    else:
        c0 = float(base)
    up = math.exp(osc) * c0
    return PoincareResult(up, 0.0, "holley_stroock", {"osc": osc, "base": c0}, "bound",
                          "C_P <= e^{osc ψ} C_P(base) (Holley–Stroock)", "upper_bound",
                          upper=up)


def tensorization(results: Sequence[PoincareResult]) -> PoincareResult:
    r"""C_P of a product measure with block-diagonal D: the max over the factors (exact).

    The eigenfunctions of a sum of commuting generators are products, so the spectral gap is
    the smallest factor gap (e.g. Bakry, Gentil & Ledoux 2014, Prop. 4.3.1).
    """
    if not results:
        raise SpecError("tensorization of nothing", "give at least one factor")
    best = max(results, key=lambda r: r.poincare_constant)
    statuses = {r.status for r in results}
    sides = {r.side for r in results}
    # max of the factor values: a lower bound as soon as one factor is (C_P,i ≥ its value), an
    # upper bound when one is an upper bound and none a lower bound, neither side with both
    side: Side
    below = bool(sides & {"lower_bound", "bracket"})
    above = bool(sides & {"upper_bound", "bracket"})
    if below and above:
        side = "bracket"
    elif below:
        side = "lower_bound"
    elif above:
        side = "upper_bound"
    else:
        side = "exact" if sides == {"exact"} else "estimate"
    if "not_converged" in statuses:
        status = "not_converged"
    elif best.status in ("no_poincare", "overflow", "failed"):
        status = best.status
    elif below or above or "bound" in statuses:
        status = "bound"
    else:
        status = "ok"
    trunc = tuple(t for r in results for t in r.truncation)
    # C_P = max_i C_P,i: the max of the factors' lower bounds is a lower bound, and the max of
    # their upper bounds an upper bound (only when every factor has one)
    lows = [r.lower for r in results if r.lower is not None]
    ups = [r.upper for r in results]
    lower = max(lows) if lows else None
    upper = max(u for u in ups if u is not None) if all(u is not None for u in ups) else None
    msg = f"max over {len(results)} factors"
    if best.status == "no_poincare" or status != "ok":
        msg += ": " + best.message
    # max(a ± e_a, b ± e_b) is within max(e_a, e_b) of the true max: every factor whose
    # interval reaches the largest value lends its error
    near = [r.error_estimate for r in results
            if r.poincare_constant + r.error_estimate >= best.poincare_constant - best.error_estimate]
    err = max([best.error_estimate, *near])
    return PoincareResult(best.poincare_constant, err, "tensorization",
                          {"factors": [r.to_dict() for r in results]}, status,
                          msg, side, trunc,
                          log_poincare_constant=best.log_poincare_constant,
                          lower=lower, upper=upper)


def certified_upper_bound(certificate: Any) -> PoincareResult | None:
    r"""C_P ≤ e^{osc W}/κ from a curvature certificate, or None when it certifies nothing.

    ``certificate`` carries floats only (``kappa``, ``oscillation``, ``reason``, ``method``): e.g.
    :class:`gsmtheory.symbolic.CurvatureCertificate`, which proves −∇²ℓ₀ ⪰ κ D⁻¹ (constant D,
    convex domain) and osc W for ℓ = ℓ₀ + W. Bakry–Émery (1985) gives C_P(ℓ₀) ≤ 1/κ and
    Holley–Stroock (1987) the factor e^{osc W}.
    """
    kappa = getattr(certificate, "kappa", None)
    if kappa is None or not kappa > 0:
        return None
    osc = float(certificate.oscillation)
    base = bakry_emery_bound(float(kappa))
    up = base if osc == 0 else holley_stroock_bound(base, osc)
    return PoincareResult(up.poincare_constant, 0.0, certificate.method,
                          {"kappa": float(kappa), "oscillation": osc}, "bound",
                          f"C_P <= {up.poincare_constant:.6g} ({certificate.reason})", "upper_bound",
                          upper=up.upper)


def mixture_curvature_bound(mixture: MixtureLike, D: ArrayLike | None = None) -> PoincareResult | None:
    r"""Bakry–Émery for a shared-covariance Gaussian mixture: C_P ≤ 1/κ when κ > 0, else None.

    ℓ(x) = −½ xᵀΣ⁻¹x + log Σ_k w_k exp(a_kᵀx + b_k), a_k = Σ⁻¹μ_k, so
    −∇²ℓ = Σ⁻¹ − Cov_{π(·|x)}(a_k) (the Hessian of a log-sum-exp of affine functions is the
    covariance of the slopes under the softmax weights). With u_k = D^{1/2}a_k and any centre c,
    Cov(u) ⪯ E|u − c|² I ⪯ max_k |u_k − c|² I, hence D^{1/2}(−∇²ℓ)D^{1/2} ⪰ κ I with
    κ = λ_min(D^{1/2}Σ⁻¹D^{1/2}) − max_k |u_k − c|² (c = the midpoint of the bounding box of the
    u_k). A certificate only for overlapping components (κ > 0); floating-point error is
    covered by subtracting 64 d ε times the norms.
    """
    means = np.atleast_2d(np.asarray(mixture.means, dtype=np.float64))
    cov = np.atleast_2d(np.asarray(mixture.covariance, dtype=np.float64))
    d = cov.shape[0]
    Dm = np.eye(d) if D is None else np.atleast_2d(np.asarray(D, dtype=np.float64))
    ev, U = np.linalg.eigh(0.5 * (Dm + Dm.T))
    if ev.min() <= 0:
        return None
    Dh = U @ np.diag(np.sqrt(ev)) @ U.T
    prec = np.linalg.inv(cov)
    M = Dh @ prec @ Dh
    lam = float(np.linalg.eigvalsh(0.5 * (M + M.T)).min())
    u = means @ prec.T @ Dh.T  # rows u_k = D^{1/2} Σ⁻¹ μ_k
    c = 0.5 * (u.min(axis=0) + u.max(axis=0))
    r2 = float(np.max(np.sum((u - c) ** 2, axis=1)))
    eps = 64 * d * np.finfo(float).eps
    kappa = lam - r2 - eps * (float(np.linalg.norm(M, 2)) + r2 + 1.0)
    if not kappa > 0:
        return None
    up = 1.0 / kappa
    return PoincareResult(up, 0.0, "bakry_emery", {"kappa": kappa, "lambda_min": lam, "radius2": r2},
                          "bound", f"C_P <= {up:.6g} (Bakry–Émery: −∇²ℓ ⪰ (λ_min(Σ⁻¹) − r²) D⁻¹, "
                          "r the spread of the component slopes)", "upper_bound", upper=up)


def two_sided(lower: PoincareResult, upper: PoincareResult | None, *, rtol: float = 1e-4,
              why_not: str = "") -> PoincareResult:
    r"""Combine a lower-bound record (e.g. Rayleigh–Ritz) with an upper-bound record.

    C_P ∈ [lo, up] with lo = ``lower.lower`` (the Ritz value less its quadrature change) and
    up = ``upper.upper``. When up − lo ≤ rtol·up the answer is a value: the midpoint with error
    (up − lo)/2, status ``"ok"``, side ``"estimate"``. Otherwise status ``"bound"``, side
    ``"bracket"``, value the midpoint and error the half-width, so that value ± error is the
    bracket — never a one-sided number shown as a value. Without an upper bound the lower
    record is returned, its message saying that only a lower bound is known (and ``why_not``).
    """
    if upper is None or upper.upper is None or not math.isfinite(upper.upper):
        tail = f"; no upper bound: {why_not}" if why_not else "; no upper bound certified"
        return PoincareResult(lower.poincare_constant, lower.error_estimate, lower.method,
                              lower.resolution, lower.status,
                              ("lower bound only: " if lower.lower is not None else "") + lower.message + tail,
                              lower.side,
                              lower.truncation, lower=lower.lower, upper=lower.upper)
    lo = lower.lower if lower.lower is not None else lower.poincare_constant - lower.error_estimate
    lo = max(float(lo), 0.0)
    up = float(upper.upper)
    if lo > up * (1 + 1e-9):
        raise NumericalError(f"lower bound {lo:.10g} ({lower.method}) exceeds the certified upper "
                             f"bound {up:.10g} ({upper.method})",
                             "a bug in one of the bounds: do not use either; report the target")
    lo = min(lo, up)
    mid, half = 0.5 * (lo + up), 0.5 * (up - lo)
    method = f"{lower.method}+{upper.method}"
    res = {"lower": dict(lower.resolution), "upper": dict(upper.resolution)}
    if up - lo <= rtol * up:
        return PoincareResult(mid, half, method, res, "ok",
                              f"lower and upper bounds agree to {half / mid:.2g}: {lower.method} "
                              f"lower, {upper.message}", "estimate", lower.truncation,
                              lower=lo, upper=up)
    return PoincareResult(mid, half, method, res, "bound",
                          f"two-sided bound {lo:.6g} <= C_P <= {up:.6g} (not a value): "
                          f"{lower.method} lower; {upper.message}", "bracket", lower.truncation,
                          lower=lo, upper=up)


def with_upper_bound(result: PoincareResult, upper: PoincareResult | None) -> PoincareResult:
    r"""An estimate with a certified upper bound attached: ``upper`` becomes min(result.upper, up).

    The estimate is untouched (a bound is not a value); an estimate whose whole interval lies
    above the certified bound, C − err > up, contradicts a proof and raises.
    """
    if upper is None or upper.upper is None or not math.isfinite(upper.upper):
        return result
    up = float(upper.upper)
    c, err = result.poincare_constant, result.error_estimate
    if math.isfinite(c) and c - err > up * (1 + 1e-9):
        raise NumericalError(f"estimate {c:.10g} ± {err:.2g} ({result.method}) exceeds the certified "
                             f"upper bound {up:.10g} ({upper.method})",
                             "a bug in the solver or the bound: do not use either; report the target")
    if result.upper is not None and result.upper <= up:
        return result
    return replace(result, upper=up, message=f"{result.message}; certified C_P <= {up:.6g} ({upper.method})",
                   resolution={**dict(result.resolution), "upper_bound": dict(upper.resolution)})
