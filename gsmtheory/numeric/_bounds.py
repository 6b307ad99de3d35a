r"""Bounds on Poincaré constants, each labelled with the side it certifies.

| function | certifies | statement |
| --- | --- | --- |
| :func:`rayleigh_quotient` (``_bounds1d``) | lower | C_P ≥ Var_p(g) / E(g) for any g (definition of C_P) |
| :func:`muckenhoupt_bracket` (``_bounds1d``) | both (1D) | B/2 ≤ C_P ≤ 4B, B = max(B₋, B₊) with the median m and B₊ = sup_{x>m} μ[x, b) ∫_m^x dz/(pD)(z) (Muckenhoupt 1972; Miclo 1999; Bobkov–Götze 1999) |
| :func:`bakry_emery_bound` | upper | −∇²ℓ ⪰ ρ D⁻¹ with constant D ⇒ C_P ≤ 1/ρ (Bakry–Émery 1985) |
| :func:`holley_stroock_bound` | upper | ℓ = ℓ₀ + ψ ⇒ C_P ≤ e^{osc ψ} C_P(ℓ₀), osc ψ = sup ψ − inf ψ (Holley–Stroock 1987) |
| :func:`certified_upper_bound` | upper | a symbolic curvature certificate (κ, osc W) ⇒ C_P ≤ e^{osc W}/κ (Bakry–Émery, Holley–Stroock) |
| :func:`mixture_curvature_bound` | upper | Σ_k w_k N(μ_k, Σ), constant D: −∇²ℓ ⪰ Σ⁻¹ − Cov_post(Σ⁻¹μ) ⇒ C_P ≤ 1/κ, κ = λ_min(D^{1/2}Σ⁻¹D^{1/2}) − max_k |D^{1/2}Σ⁻¹(μ_k − c)|² |
| :func:`two_sided` (``_bracket``) | both | a lower-bound record and an upper-bound record → [lower, upper], or a value when they agree |
| :func:`tensorization` (``_exact``) | exact | product measure and block-diagonal D: C_P = max_i C_P,i |
| :func:`gaussian_poincare_constant` (``_exact``) | exact | N(μ, Σ), constant D: C_P = λ_max(D^{-1/2} Σ D^{-1/2}) |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._mixture import MixtureLike
from gsmtheory.numeric._result import PoincareResult

__all__ = [
    "bakry_emery_bound",
    "certified_upper_bound",
    "curvature_lower_bound",
    "holley_stroock_bound",
    "mixture_curvature_bound",
    "oscillation",
]

Array = NDArray[np.float64]


def curvature_lower_bound(neg_hessian: Callable[[Array], Array], points: ArrayLike,
                          D: ArrayLike | None = None) -> float:
    r"""ρ = min over the given points of λ_min(D^{1/2} (−∇²ℓ) D^{1/2}) (constant D).

    A grid minimum, not a certified infimum: it certifies the Bakry–Émery bound only when the
    curvature is minimized on the grid (e.g. convex quadratics, or a grid covering the
    minimizer).

    Parameters
    ----------
    neg_hessian : callable
        x ↦ −∇²ℓ(x), for points of shape (n, d) returning (n, d, d) (or (n,) in 1D).
    points : array_like
        The points where the curvature is evaluated.
    D : array_like, optional
        The constant diffusion matrix (default the identity).

    Returns
    -------
    float
        ρ, the smallest eigenvalue over the points.

    Examples
    --------
    For N(0, 1/2), −ℓ'' = 2 everywhere:

    >>> import numpy as np
    >>> curvature_lower_bound(lambda x: np.full_like(x, 2.0), np.linspace(-3, 3, 7))
    2.0
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

    Parameters
    ----------
    rho : float
        A certified lower bound on the curvature.

    Returns
    -------
    PoincareResult
        Status ``"bound"``, side ``"upper_bound"``, ``upper`` = 1/ρ (∞ when ρ ≤ 0).

    Raises
    ------
    NumericalError
        If ρ is NaN.

    Examples
    --------
    Curvature 2 (the Gaussian N(0, 1/2)) gives the sharp bound 1/2:

    >>> r = bakry_emery_bound(2.0)
    >>> r.upper, r.side
    (0.5, 'upper_bound')
    """
    rho = float(rho)
    if math.isnan(rho):
        raise NumericalError("curvature ρ is NaN", "check the Hessian")
    up = math.inf if rho <= 0 else 1.0 / rho
    return PoincareResult(up, 0.0, "bakry_emery", {"rho": rho}, "bound",
                          "C_P <= 1/ρ (Bakry–Émery)" if rho > 0 else "ρ <= 0: no bound",
                          "upper_bound", upper=up)


def oscillation(psi: Callable[[Array], Array], lo: float, hi: float, *, n: int = 20001) -> float:
    r"""osc ψ = sup ψ − inf ψ on a uniform grid of [lo, hi] (finite ends).

    A grid value: it is the true oscillation only when the extrema lie on the grid or ψ is
    monotone between grid points.

    Parameters
    ----------
    psi : callable
        The perturbation ψ, vectorized.
    lo, hi : float
        Finite ends of the interval.
    n : int, optional
        Grid points.

    Returns
    -------
    float
        max ψ − min ψ over the grid.

    Raises
    ------
    SpecError
        If an end is infinite.
    NumericalError
        If ψ is not finite on the grid.

    Examples
    --------
    >>> import numpy as np
    >>> oscillation(np.sin, 0.0, np.pi)
    1.0
    """
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

    Parameters
    ----------
    base : PoincareResult or float
        C_P of the unperturbed density e^{ℓ₀} (its ``upper`` when it is an upper bound).
    osc : float
        The oscillation of the bounded perturbation ψ (:func:`oscillation`).

    Returns
    -------
    PoincareResult
        Status ``"bound"``, side ``"upper_bound"``, ``upper`` = e^{osc} · C_P(base).

    Raises
    ------
    NumericalError
        If ``osc`` is NaN or negative.

    Examples
    --------
    A perturbation of oscillation log 2 of N(0, 1) at most doubles the constant:

    >>> import math
    >>> round(holley_stroock_bound(gaussian_poincare_constant(1.0), math.log(2)).upper, 12)
    2.0
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


def certified_upper_bound(certificate: Any) -> PoincareResult | None:
    r"""C_P ≤ e^{osc W}/κ from a curvature certificate, or None when it certifies nothing.

    ``certificate`` carries floats only (``kappa``, ``oscillation``, ``reason``, ``method``): e.g.
    :class:`gsmtheory.symbolic.CurvatureCertificate`, which proves −∇²ℓ₀ ⪰ κ D⁻¹ (constant D,
    convex domain) and osc W for ℓ = ℓ₀ + W. Bakry–Émery (1985) gives C_P(ℓ₀) ≤ 1/κ and
    Holley–Stroock (1987) the factor e^{osc W}.

    Parameters
    ----------
    certificate : object
        Anything with ``kappa``, ``oscillation``, ``reason`` and ``method`` attributes.

    Returns
    -------
    PoincareResult or None
        Status ``"bound"``, side ``"upper_bound"``, ``upper`` = e^{osc W}/κ; None when κ ≤ 0
        or missing.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> cert = SimpleNamespace(kappa=2.0, oscillation=0.0, reason="convex quadratic", method="curvature")
    >>> certified_upper_bound(cert).upper
    0.5
    >>> certified_upper_bound(SimpleNamespace(kappa=-1.0)) is None
    True
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

    Parameters
    ----------
    mixture : MixtureLike
        Means (K, d) and the shared covariance Σ (weights do not enter the bound).
    D : array_like, optional
        The constant diffusion matrix (default the identity).

    Returns
    -------
    PoincareResult or None
        Status ``"bound"``, side ``"upper_bound"``, ``upper`` = 1/κ; None when κ ≤ 0 or D is
        singular.

    Examples
    --------
    Means ±½ with Σ = 1: κ = 1 − ½² = 3/4, so C_P ≤ 4/3; means ±2 certify nothing.

    >>> mix = MixtureArrays(means=[[-0.5], [0.5]], weights=[0.5, 0.5], covariance=[[1.0]])
    >>> round(float(mixture_curvature_bound(mix).upper), 6)
    1.333333
    >>> mixture_curvature_bound(MixtureArrays(means=[[-2.0], [2.0]], weights=[0.5, 0.5], covariance=[[1.0]])) is None
    True
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
