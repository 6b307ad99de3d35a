r"""Gaussian mixtures on arrays: log density, score, Hessian and variance derivative.

For p_s(x) = Σ_k w_k N(x; μ_k, Σ + sI) (the mixture convolved with N(0, sI); s = 0 is the
mixture itself) with Σ = U diag(e) Uᵀ, every quantity is computed from the per-component
log weights a_k = log w_k + log N(x; μ_k, Σ + sI) by a stable log-sum-exp, and the
responsibilities r_k = softmax_k(a_k):

- log p_s(x) = logsumexp_k a_k,
- ∇ log p_s(x) = −Σ_k r_k v_k,  v_k = (Σ + sI)⁻¹ (x − μ_k),
- ∇² log p_s(x) = −(Σ + sI)⁻¹ + Σ_k r_k v_k v_kᵀ − (Σ_k r_k v_k)(Σ_k r_k v_k)ᵀ,
- ∂_s log p_s(x) = ½ Σ_k r_k (|v_k|² − Tr (Σ + sI)⁻¹)  (the heat equation,
  ∂_s log p_s = ½(Δ log p_s + |∇ log p_s|²), DESIGN.md §1 with s = βλ).

``mixture`` is either a :class:`gsmtheory.symbolic.GaussianMixture`-like record (attributes
``means``, ``weights``, ``covariance``) or a tuple ``(means, weights, covariance)`` of arrays.
``x`` has shape ``(..., d)``; ``s`` (≥ 0) broadcasts against ``x.shape[:-1]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gsmtheory._errors import NumericalError, SpecError

__all__ = [
    "mixture_dlogpdf_ds",
    "mixture_hessian",
    "mixture_logpdf",
    "mixture_score",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


def unpack_mixture(mixture: Any) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    if hasattr(mixture, "means") and hasattr(mixture, "weights") and hasattr(mixture, "covariance"):
        means, weights, cov = mixture.means, mixture.weights, mixture.covariance
    else:
        try:
            means, weights, cov = mixture
        except (TypeError, ValueError):
            raise SpecError("mixture must be a GaussianMixture or (means, weights, covariance)",
                            "pass gsmtheory.symbolic.GaussianMixture or three arrays") from None
    m = np.atleast_2d(np.asarray(means, dtype=np.float64))
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    c = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    d = m.shape[1]
    if c.shape != (d, d) or w.shape[0] != m.shape[0]:
        raise SpecError(f"mixture shapes do not match: means {m.shape}, weights {w.shape}, "
                        f"covariance {c.shape}", "give K×d means, K weights and a d×d covariance")
    if not (np.all(np.isfinite(m)) and np.all(np.isfinite(w)) and np.all(np.isfinite(c))):
        raise NumericalError("mixture parameters contain NaN or inf", "use finite numbers")
    if np.any(w <= 0):
        raise SpecError("mixture weights must be positive", "drop zero-weight components")
    return m, w / w.sum(), c


def _components(mixture: Any, x: ArrayLike, s: ArrayLike) -> tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
        NDArray[np.float64]]:
    """Return (a, r, v, inv_eig, U): log weights a (..., K), responsibilities r (..., K),
    v_k = (Σ+sI)⁻¹(x−μ_k) (..., K, d), 1/(e+s) (..., d) and the eigenvectors U."""
    m, w, c = unpack_mixture(mixture)
    d = m.shape[1]
    xa = np.asarray(x, dtype=np.float64)
    if d == 1 and (xa.ndim == 0 or xa.shape[-1] != 1):
        xa = xa[..., None]
    if xa.shape[-1] != d:
        raise SpecError(f"points have last dimension {xa.shape[-1]}, mixture has d = {d}",
                        "pass x with shape (..., d)")
    e, u = np.linalg.eigh(c)
    sa = np.asarray(s, dtype=np.float64)
    if np.any(sa < 0) or not np.all(np.isfinite(sa)):
        raise NumericalError("convolution variance s must be finite and >= 0", "use s >= 0")
    ev = e + sa[..., None]  # (..., d) broadcastable
    inv = 1.0 / ev
    diff = xa[..., None, :] - m  # (..., K, d)
    z = diff @ u  # coordinates in the eigenbasis
    inv_k = inv[..., None, :]
    quad = np.sum(z * z * inv_k, axis=-1)
    logdet = np.sum(np.log(ev), axis=-1)[..., None]
    a = np.log(w) - 0.5 * quad - 0.5 * logdet - 0.5 * d * _LOG_2PI
    amax = np.max(a, axis=-1, keepdims=True)
    ex = np.exp(a - amax)
    r = ex / np.sum(ex, axis=-1, keepdims=True)
    v = (z * inv_k) @ u.T
    return a, r, v, np.broadcast_to(inv, np.broadcast_shapes(inv.shape, xa.shape)), u


def _logsumexp(a: NDArray[np.float64]) -> NDArray[np.float64]:
    amax = np.max(a, axis=-1, keepdims=True)
    return (amax + np.log(np.sum(np.exp(a - amax), axis=-1, keepdims=True)))[..., 0]


def mixture_logpdf(mixture: Any, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""log p_s(x) = logsumexp_k [log w_k + log N(x; μ_k, Σ + sI)], normalized; shape x.shape[:-1]."""
    a, _, _, _, _ = _components(mixture, x, s)
    return _logsumexp(a)


def mixture_score(mixture: Any, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∇_x log p_s(x) = −Σ_k r_k(x) (Σ + sI)⁻¹ (x − μ_k); shape (..., d)."""
    _, r, v, _, _ = _components(mixture, x, s)
    return -np.sum(r[..., None] * v, axis=-2)


def mixture_hessian(mixture: Any, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∇²_x log p_s(x) = −(Σ+sI)⁻¹ + Cov_r(v); shape (..., d, d)."""
    _, r, v, inv, u = _components(mixture, x, s)
    mean_v = np.sum(r[..., None] * v, axis=-2)
    second = np.einsum("...k,...ki,...kj->...ij", r, v, v)
    prec = np.einsum("ia,...a,ja->...ij", u, inv, u)
    return -prec + second - mean_v[..., :, None] * mean_v[..., None, :]


def mixture_dlogpdf_ds(mixture: Any, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∂_s log p_s(x) = ½ Σ_k r_k (|v_k|² − Tr(Σ+sI)⁻¹) = ½(Δ log p_s + |∇ log p_s|²)."""
    _, r, v, inv, _ = _components(mixture, x, s)
    return 0.5 * np.sum(r * (np.sum(v * v, axis=-1) - np.sum(inv, axis=-1)[..., None]), axis=-1)
