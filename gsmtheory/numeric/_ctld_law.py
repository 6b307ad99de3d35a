r"""CTLD on arrays: the joint density, numerical convolution, the lifted spectral gap, the reflected SDE.

Joint density on R × [0, β_max] (docs/design.md §1, Qin & Risteski 2023 §CTLD):

    p(x, β) = r(β) p^β(x) / Z_r,   p^β = p * N(0, βλ),   Z_r = ∫_0^{β_max} r.

- :func:`ctld_joint_logpdf`: log p(x, β) for a Gaussian mixture (closed form) or any 1D target
  given as a log-density callable (:func:`convolve_logpdf_1d`, numerical convolution);
- :func:`ctld_poincare`: C_P of the identity diffusion on the joint with reflecting ends, by
  the reversible finite-volume discretization of docs/design.md §6 (rates sqrt(p_j/p_i)/h²), shift-
  invert Lanczos and Richardson extrapolation over three grids; the error estimate is the
  disagreement between two extrapolations;
- :func:`simulate_ctld`: Euler–Maruyama for dX = ∇ℓ dt + √2 dB on (x, β), mirrored at β = 0
  and β = β_max (seeded);
- :func:`lifted_chi_square`: 1 + χ²(p_i ‖ p_j) = E_r[exp(Δμᵀ(Σ+βλI)⁻¹Δμ)] between the lifted
  components p_k(x, β) = r(β) N(x; μ_k, Σ + βλI) / Z_r (claim 13).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._beta_sampler import BETA_NODES, beta_table, inverse_cdf
from gsmtheory.numeric._expect import expect_1d
from gsmtheory.numeric._mixture import MixtureLike
from gsmtheory.numeric._mixture_pdf import mixture_dlogpdf_ds, mixture_logpdf, mixture_score
from gsmtheory.numeric._quadrature import gauss_legendre_panels

__all__ = [
    "CTLDSchedule",
    "CTLDSimulation",
    "as_1d_mixture",
    "beta_cdf",
    "conditional_cdf",
    "convolve_logpdf_1d",
    "ctld_beta_logpdf",
    "ctld_beta_table",
    "ctld_joint_logpdf",
    "lifted_chi_square",
    "log_normalizer_r",
    "log_r_functions",
    "sample_beta",
    "sample_ctld_joint",
    "simulate_ctld",
]

Array = NDArray[Any]


# ---------------------------------------------------------------------------- r(β)
@dataclass(frozen=True)
class CTLDSchedule:
    r"""The β side of the lift on arrays: λ, β_max and log r(β) with its derivative, compiled.

    p(x, β) = r(β) p^β(x) / Z_r on R^d × [0, β_max], p^β = p * N(0, βλI) (docs/design.md §1).
    :func:`gsmtheory.solve.ctld_schedule` compiles one from a symbolic
    :class:`gsmtheory.symbolic.CTLDParameters`; the array code here never sees SymPy.

    Attributes
    ----------
    lambda_min : float
        λ > 0, the variance scale of the tempering noise N(0, βλI).
    beta_max : float
        Upper reflecting end of β (> 0).
    log_r, dlog_r : callable
        β ↦ log r(β) (unnormalized) and d log r/dβ, on float arrays of any shape (same shape out).
    """

    lambda_min: float
    beta_max: float
    log_r: Callable[[Array], Array]
    dlog_r: Callable[[Array], Array]

    def __post_init__(self) -> None:
        for name in ("lambda_min", "beta_max"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise SpecError(f"CTLD {name} = {v} must be a positive finite number", f"set {name} > 0")
        if not (callable(self.log_r) and callable(self.dlog_r)):
            raise SpecError("log r and its derivative must be callables on arrays",
                            "compile symbolic CTLD parameters with gsmtheory.solve.ctld_schedule")


def log_r_functions(params: CTLDSchedule) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    """(log r, d log r/dβ) of a compiled schedule, broadcasting over arrays."""
    if not isinstance(params, CTLDSchedule):
        raise SpecError(f"the array-level CTLD code takes a CTLDSchedule, not {type(params).__name__}",
                        "compile symbolic CTLD parameters with gsmtheory.solve.ctld_schedule(params)")
    return params.log_r, params.dlog_r


def log_normalizer_r(params: CTLDSchedule, panels: int = 64) -> float:
    log_r, _ = log_r_functions(params)
    t, w = gauss_legendre_panels(0.0, params.beta_max, panels, 16)
    v = log_r(t)
    top = float(np.max(v))
    return top + math.log(float(np.sum(w * np.exp(v - top))))


def ctld_beta_logpdf(params: CTLDSchedule, beta: Array) -> Array:
    """log of the β-marginal r(β)/Z_r on [0, β_max] (−inf outside)."""
    log_r, _ = log_r_functions(params)
    b = np.asarray(beta, dtype=float)
    out = log_r(b) - log_normalizer_r(params)
    return np.where((b >= 0) & (b <= params.beta_max), out, -np.inf)


# ---------------------------------------------------------------------------- convolution
def convolve_logpdf_1d(logp: Callable[[Array], Array], x: Array, s: Array | float, *,
                       support: tuple[float, float] | None = None, nodes: int = 4096,
                       log_normalizer: float | None = None) -> Array:
    r"""log (p * N(0, s))(x) for a 1D density p ∝ e^ℓ given as a callable, normalized.

    p^s(x) = ∫ p(y) N(x − y; 0, s) dy. For √s at least four node spacings the integral over y
    is a composite Gauss–Legendre sum (a stable log-sum-exp); below that the Gaussian is
    narrower than the grid and Gauss–Hermite in z (x − √s z) is used instead. s = 0 gives p.

    Parameters
    ----------
    logp : callable
        ℓ(y), vectorized.
    x, s : arrays
        Broadcast together; s ≥ 0.
    support : (lo, hi), optional
        Where p lives (default: :func:`support_interval` from (−∞, ∞)).
    nodes : int
        Gauss–Legendre nodes over the support.
    log_normalizer : float, optional
        log ∫e^ℓ when known (with ``support``, skips the normalizing quadrature).
    """
    xa, sa = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(s, dtype=float))
    if np.any(sa < 0) or not np.all(np.isfinite(sa)):
        raise NumericalError("convolution variance must be finite and >= 0", "use beta >= 0")
    if support is None or log_normalizer is None:
        ex = expect_1d(logp, lambda y: np.zeros_like(y), -math.inf, math.inf, panels=64)
        log_z, (a, b) = ex.log_normalizer, (support if support is not None else ex.support[0])
    else:
        log_z, (a, b) = log_normalizer, support
    y, w = gauss_legendre_panels(a, b, max(nodes // 16, 1), 16)
    with np.errstate(all="ignore"):
        ly = np.asarray(logp(y), dtype=float) + np.log(w) - log_z
    spacing = (b - a) / len(y)
    out = np.empty(xa.shape)
    flat_x, flat_s, flat_o = xa.reshape(-1), sa.reshape(-1), out.reshape(-1)
    wide = np.sqrt(flat_s) >= 4 * spacing
    if np.any(wide):
        where = np.nonzero(wide)[0]
        rows = max(1, 4_000_000 // len(y))  # bound the (rows, nodes) work array to ~32 MB
        for k in range(0, len(where), rows):
            sel = where[k:k + rows]
            xs, ss = flat_x[sel][:, None], flat_s[sel][:, None]
            terms = ly[None, :] - (xs - y[None, :]) ** 2 / (2 * ss) - 0.5 * np.log(2 * np.pi * ss)
            top = np.max(terms, axis=1, keepdims=True)
            flat_o[sel] = (top + np.log(np.sum(np.exp(terms - top), axis=1, keepdims=True)))[:, 0]
    narrow = ~wide
    if np.any(narrow):
        z, wz = np.polynomial.hermite_e.hermegauss(80)
        wz = wz / wz.sum()
        xs, ss = flat_x[narrow][:, None], flat_s[narrow][:, None]
        with np.errstate(all="ignore"):
            terms = np.asarray(logp(xs - np.sqrt(ss) * z[None, :]), dtype=float) + np.log(wz)[None, :]
            terms = np.where(np.isnan(terms), -np.inf, terms)
            top = np.max(terms, axis=1, keepdims=True)
            safe = np.where(np.isfinite(top), top, 0.0)
            flat_o[narrow] = np.where(np.isfinite(top[:, 0]), (safe + np.log(np.sum(np.exp(terms - safe), axis=1,
                                                                                      keepdims=True)))[:, 0],
                                      -np.inf) - log_z
    return out


def ctld_joint_logpdf(target: MixtureLike | Callable[[Array], Array], params: CTLDSchedule,
                      x: Array, beta: Array) -> Array:
    r"""log p(x, β) = log r(β) − log Z_r + log p^β(x), normalized on R^d × [0, β_max].

    ``target`` is a Gaussian mixture (:class:`MixtureLike`, closed form; x of shape (..., d) or
    (...) for d = 1) or a 1D log-density callable (numerical convolution).
    """
    log_r, _ = log_r_functions(params)
    b = np.asarray(beta, dtype=float)
    if np.any(b < 0):
        raise NumericalError("beta must be >= 0", "evaluate on [0, beta_max]")
    lz = log_normalizer_r(params)
    if isinstance(target, MixtureLike):
        xa = np.asarray(x, dtype=float)
        if target.dim == 1:
            xa, b = np.broadcast_arrays(xa, b)
            xa = xa[..., None]
        return np.asarray(log_r(b) - lz + mixture_logpdf(target, xa, b * params.lambda_min))
    if callable(target):
        xa, bb = np.broadcast_arrays(np.asarray(x, dtype=float), b)
        return log_r(bb) - lz + convolve_logpdf_1d(target, xa, bb * params.lambda_min,
                                                   support=getattr(target, "support", None),
                                                   log_normalizer=getattr(target, "log_normalizer", None),
                                                   nodes=getattr(target, "nodes", 4096))
    raise SpecError("target must be a Gaussian mixture (means, weights, covariance) or a 1D "
                    "log-density callable", "pass one of them")


def as_1d_mixture(target: MixtureLike) -> MixtureLike:
    if not isinstance(target, MixtureLike):
        raise SpecError("this CTLD computation needs a Gaussian-mixture target",
                        "pass a Gaussian mixture (means, weights, covariance)")
    return target


# ---------------------------------------------------------------------------- χ²
def lifted_chi_square(mixture: MixtureLike, params: CTLDSchedule, i: int, j: int, *,
                      panels: int = 64) -> float:
    r"""χ²(p_i ‖ p_j) between lifted components p_k(x, β) = r(β) N(x; μ_k, Σ+βλI)/Z_r.

    Both share the β-marginal r/Z_r, and for Gaussians with one covariance C,
    1 + χ²(N(μ_i, C) ‖ N(μ_j, C)) = exp(Δμᵀ C⁻¹ Δμ), so
    1 + χ² = E_{β∼r}[exp(Δμᵀ(Σ+βλI)⁻¹Δμ)] (a β-quadrature, log-sum-exp stable).
    """
    log_r, _ = log_r_functions(params)
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


# ---------------------------------------------------------------------------- SDE
@dataclass(frozen=True)
class CTLDSimulation:
    """Final states of independent reflected CTLD chains (Euler–Maruyama, mirrored in β)."""

    x: Array
    beta: Array
    dt: float
    steps: int
    seed: int
    reflections: int
    details: dict[str, Any] = field(default_factory=dict)


def simulate_ctld(target: MixtureLike, params: CTLDSchedule, *, chains: int = 4000, time_span: float = 20.0,
                  dt: float = 0.01, seed: int = 0, x0: Array | float | None = None,
                  beta0: Array | float | None = None) -> CTLDSimulation:
    r"""Simulate dX = ∇_x ℓ dt + √2 dB, dβ = ∂_β ℓ dt + √2 dW, β mirrored into [0, β_max].

    ∇_x ℓ = ∇ log p^β(x), ∂_β ℓ = (log r)'(β) + λ ∂_s log p^s(x)|_{s=βλ} (closed form). Chains
    start at (x0, beta0) (default: an exact draw from the joint, so the run tests invariance).
    """
    mix = as_1d_mixture(target)
    if not (dt > 0 and time_span > 0 and chains >= 1):
        raise NumericalError("dt, time_span and chains must be positive", "give positive values")
    rng = np.random.default_rng(seed)
    d = mix.dim
    if x0 is None or beta0 is None:
        xs, bs = sample_ctld_joint(mix, params, chains, rng)
    if x0 is not None:
        xs = np.broadcast_to(np.asarray(x0, dtype=float), (chains, d)).copy() if d > 1 else \
            np.full((chains, 1), float(np.asarray(x0).reshape(-1)[0]))
    if beta0 is not None:
        bs = np.full(chains, float(beta0))
    _, dlog_r = log_r_functions(params)
    lam, bmax = params.lambda_min, params.beta_max
    steps = math.ceil(time_span / dt)
    sq = math.sqrt(2 * dt)
    reflections = 0
    for _ in range(steps):
        s = bs * lam
        gx = mixture_score(mix, xs, s)
        gb = dlog_r(bs) + lam * mixture_dlogpdf_ds(mix, xs, s)
        xs = xs + gx * dt + sq * rng.standard_normal(xs.shape)
        bs = bs + gb * dt + sq * rng.standard_normal(bs.shape)
        low, high = bs < 0, bs > bmax
        reflections += int(low.sum() + high.sum())
        bs = np.where(low, -bs, bs)
        bs = np.where(high, 2 * bmax - bs, bs)
        bs = np.clip(bs, 0.0, bmax)
    return CTLDSimulation(xs[:, 0] if d == 1 else xs, bs, dt, steps, seed, reflections)


def sample_ctld_joint(target: MixtureLike, params: CTLDSchedule, n: int,
                      seed: int | np.random.Generator = 0) -> tuple[Array, Array]:
    """Exact samples of (x, β) ∼ r(β)p^β(x)/Z_r: β by inverse CDF on a fine grid, x | β from p^β."""
    rng = np.random.default_rng(seed)
    beta = sample_beta(params, n, rng)
    mix = target
    means = np.asarray(mix.means)
    comp = rng.choice(mix.n_components, size=n, p=np.asarray(mix.weights))
    cov = np.asarray(mix.covariance)
    d = mix.dim
    z = rng.standard_normal((n, d)) @ np.linalg.cholesky(cov).T
    noise = rng.standard_normal((n, d)) * np.sqrt(beta * params.lambda_min)[:, None]
    return means[comp] + z + noise, beta


def ctld_beta_table(params: CTLDSchedule, nodes: int = BETA_NODES) -> tuple[Array, Array]:
    """(nodes, CDF) of the β-marginal r/Z_r on [0, β_max], for :func:`inverse_cdf` (NumPy or torch draws)."""
    return beta_table(lambda b: ctld_beta_logpdf(params, b), params.beta_max, nodes)


def sample_beta(params: CTLDSchedule, n: int, seed: int | np.random.Generator = 0) -> Array:
    """n draws of β ∼ r/Z_r on [0, β_max] by inverse CDF (piecewise linear on 20001 nodes, :func:`inverse_cdf`)."""
    rng = np.random.default_rng(seed)
    return inverse_cdf(ctld_beta_table(params), rng.random(n))


def beta_cdf(params: CTLDSchedule, beta: Array) -> Array:
    """CDF of the β-marginal r/Z_r (cumulative trapezoid on a fine grid, then interpolation)."""
    grid, c = ctld_beta_table(params, 200001)
    return np.interp(np.asarray(beta, dtype=float), grid, c)


def conditional_cdf(target: MixtureLike, params: CTLDSchedule, x: Array, beta: Array) -> Array:
    """F(x | β) = Σ_k w_k Φ((x − μ_k)/√(σ² + βλ)) for a 1D mixture (probability integral transform)."""
    mix = as_1d_mixture(target)
    if mix.dim != 1:
        raise ModelError("conditional CDF is for 1D targets", "use a 1D mixture")
    var = mix.covariance[0][0] + np.asarray(beta) * params.lambda_min
    out = np.zeros(np.shape(x))
    for (mu,), w in zip(mix.means, mix.weights, strict=True):
        out = out + w * ndtr((np.asarray(x) - mu) / np.sqrt(var))
    return out
