r"""Gaussian mixtures on arrays: log density, score, Hessian and variance derivative.

For p_s(x) = Σ_k w_k N(x; μ_k, Σ + sI) (the mixture convolved with N(0, sI); s = 0 is the
mixture itself) with Σ = U diag(e) Uᵀ, every quantity is computed from the per-component
log weights a_k = log w_k + log N(x; μ_k, Σ + sI) by a stable log-sum-exp, and the
responsibilities r_k = softmax_k(a_k):

- log p_s(x) = logsumexp_k a_k,
- ∇ log p_s(x) = −Σ_k r_k v_k,  v_k = (Σ + sI)⁻¹ (x − μ_k),
- ∇² log p_s(x) = −(Σ + sI)⁻¹ + Σ_k r_k v_k v_kᵀ − (Σ_k r_k v_k)(Σ_k r_k v_k)ᵀ,
- ∂_s log p_s(x) = ½ Σ_k r_k (|v_k|² − Tr (Σ + sI)⁻¹)  (the heat equation,
  ∂_s log p_s = ½(Δ log p_s + |∇ log p_s|²), docs/design.md §1 with s = βλ);
- in d = 1 the CDF F_s(x) = Σ_k w_k Φ((x − μ_k)/√(σ² + s)) (:func:`mixture_cdf`).

``mixture`` is either a :class:`gsmtheory.symbolic.GaussianMixture`-like record (attributes
``means``, ``weights``, ``covariance``) or a tuple ``(means, weights, covariance)`` of arrays
(:mod:`gsmtheory.numeric._mixture`). ``x`` has shape ``(..., d)``; ``s`` (≥ 0) broadcasts
against ``x.shape[:-1]``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._mixture import MixtureInput, MixtureLike, unpack_mixture

__all__ = ["mixture_cdf", "mixture_dlogpdf_ds", "mixture_hessian", "mixture_logpdf", "mixture_score"]

_LOG_2PI = float(np.log(2.0 * np.pi))


def _log_weights(mixture: MixtureInput, x: ArrayLike, s: ArrayLike) -> tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
        NDArray[np.float64]]:
    """Return (a, z, inv, U, x): log weights a_k = log w_k + log N(x; μ_k, Σ + sI) (..., K), the
    eigen-coordinates z = Uᵀ(x − μ_k) (..., K, d), 1/(e+s) and the eigenvectors U of Σ."""
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
    z = np.matmul(diff.reshape(-1, d), u).reshape(diff.shape)  # eigen-coordinates: one matrix product
    quad = np.sum(z * z * inv[..., None, :], axis=-1)
    logdet = np.sum(np.log(ev), axis=-1)[..., None]
    a = np.log(w) - 0.5 * quad - 0.5 * logdet - 0.5 * d * _LOG_2PI
    return a, z, inv, u, xa


def _components(mixture: MixtureInput, x: ArrayLike, s: ArrayLike) -> tuple[
        NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
        NDArray[np.float64]]:
    """Return (a, r, v, inv_eig, U): log weights a (..., K), responsibilities r (..., K),
    v_k = (Σ+sI)⁻¹(x−μ_k) (..., K, d), 1/(e+s) (..., d) and the eigenvectors U."""
    a, z, inv, u, xa = _log_weights(mixture, x, s)
    amax = np.max(a, axis=-1, keepdims=True)
    gone = np.isneginf(amax)  # |x| ~ 1e154 and beyond: every quadratic overflows, p = 0 there
    with np.errstate(invalid="ignore"):
        ex = np.where(gone, 1.0, np.exp(a - np.where(gone, 0.0, amax)))
    r = ex / np.sum(ex, axis=-1, keepdims=True)
    v = (z * inv[..., None, :]) @ u.T
    return a, r, v, np.broadcast_to(inv, np.broadcast_shapes(inv.shape, xa.shape)), u


def _logsumexp(a: NDArray[np.float64]) -> NDArray[np.float64]:
    amax = np.max(a, axis=-1, keepdims=True)
    gone = np.isneginf(amax)  # every term is 0: the sum is 0 (log −inf), not NaN
    safe = np.where(gone, 0.0, amax)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = safe + np.log(np.sum(np.exp(a - safe), axis=-1, keepdims=True))
    return np.where(gone, -np.inf, out)[..., 0]


def mixture_logpdf(mixture: MixtureInput, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""log p_s(x) = logsumexp_k [log w_k + log N(x; μ_k, Σ + sI)], normalized; shape x.shape[:-1].

    Parameters
    ----------
    mixture : MixtureLike or (means, weights, covariance)
        The mixture (module docstring).
    x : array_like
        Points, shape (..., d) (a 1D mixture also takes shape (...,)).
    s : array_like, optional
        Convolution variance s ≥ 0, broadcast against ``x.shape[:-1]``.

    Returns
    -------
    ndarray
        log p_s at the points.

    Examples
    --------
    N(0, 1) at 0 is −½ log 2π, and at s = 1 it is N(0, 2): −½ log 4π:

    >>> import math
    >>> mix = MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]])
    >>> round(float(mixture_logpdf(mix, [[0.0]])[0]), 9), round(-0.5 * math.log(2 * math.pi), 9)
    (-0.918938533, -0.918938533)
    >>> round(float(mixture_logpdf(mix, [[0.0]], s=1.0)[0]) + 0.5 * math.log(4 * math.pi), 12)
    0.0
    """
    return _logsumexp(_log_weights(mixture, x, s)[0])


def mixture_score(mixture: MixtureInput, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∇_x log p_s(x) = −Σ_k r_k(x) (Σ + sI)⁻¹ (x − μ_k); shape (..., d).

    Parameters
    ----------
    mixture : MixtureLike or (means, weights, covariance)
        The mixture (module docstring).
    x : array_like
        Points, shape (..., d).
    s : array_like, optional
        Convolution variance s ≥ 0.

    Returns
    -------
    ndarray
        The score at the points.

    Examples
    --------
    For N(1, 2) the score at x is (1 − x)/2; at the midpoint of ½N(−1, 1) + ½N(1, 1) it is 0:

    >>> mixture_score(MixtureArrays(means=[[1.0]], weights=[1.0], covariance=[[2.0]]), [[0.0], [3.0]])
    array([[ 0.5],
           [-1. ]])
    >>> float(mixture_score(MixtureArrays(means=[[-1.0], [1.0]], weights=[0.5, 0.5], covariance=[[1.0]]), [[0.0]])[0, 0]) == 0
    True
    """
    _, r, v, _, _ = _components(mixture, x, s)
    return -np.sum(r[..., None] * v, axis=-2)


def mixture_hessian(mixture: MixtureInput, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∇²_x log p_s(x) = −(Σ+sI)⁻¹ + Cov_r(v); shape (..., d, d).

    Parameters
    ----------
    mixture : MixtureLike or (means, weights, covariance)
        The mixture (module docstring).
    x : array_like
        Points, shape (..., d).
    s : array_like, optional
        Convolution variance s ≥ 0.

    Returns
    -------
    ndarray
        The Hessian of log p_s at the points.

    Examples
    --------
    For ½N(−1, 1) + ½N(1, 1) at 0, v_k = ∓1 with r_k = ½: −1 + Var(v) = −1 + 1 = 0 (the
    inflection between the two wells):

    >>> h = mixture_hessian(MixtureArrays(means=[[-1.0], [1.0]], weights=[0.5, 0.5], covariance=[[1.0]]), [[0.0]])
    >>> h.shape, round(float(h[0, 0, 0]), 12)
    ((1, 1, 1), 0.0)
    """
    _, r, v, inv, u = _components(mixture, x, s)
    mean_v = np.sum(r[..., None] * v, axis=-2)
    second = np.einsum("...k,...ki,...kj->...ij", r, v, v)
    prec = np.einsum("ia,...a,ja->...ij", u, inv, u)
    return -prec + second - mean_v[..., :, None] * mean_v[..., None, :]


def mixture_dlogpdf_ds(mixture: MixtureInput, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∂_s log p_s(x) = ½ Σ_k r_k (|v_k|² − Tr(Σ+sI)⁻¹) = ½(Δ log p_s + |∇ log p_s|²).

    Parameters
    ----------
    mixture : MixtureLike or (means, weights, covariance)
        The mixture (module docstring).
    x : array_like
        Points, shape (..., d).
    s : array_like, optional
        Convolution variance s ≥ 0.

    Returns
    -------
    ndarray
        ∂_s log p_s at the points.

    Examples
    --------
    For N(0, 1), log p_s(x) = −x²/(2(1 + s)) − ½ log 2π(1 + s), so at s = 0 the derivative is
    (x² − 1)/2: −0.5 at 0 and 1.5 at 2:

    >>> mixture_dlogpdf_ds(MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]]), [[0.0], [2.0]])
    array([-0.5,  1.5])
    """
    _, r, v, inv, _ = _components(mixture, x, s)
    return 0.5 * np.sum(r * (np.sum(v * v, axis=-1) - np.sum(inv, axis=-1)[..., None]), axis=-1)


def mixture_cdf(mixture: MixtureLike, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""F_s(x) = Σ_k w_k Φ((x − μ_k)/√(σ² + s)), the CDF of a 1D mixture convolved with N(0, s).

    Parameters
    ----------
    mixture : MixtureLike
        A 1D mixture (normalized weights).
    x : array_like
        Points, any shape (scalars, not (..., 1)).
    s : array_like, optional
        Convolution variance s ≥ 0, broadcast against ``x``.

    Returns
    -------
    ndarray
        F_s(x).

    Raises
    ------
    SpecError
        If the mixture is not 1D.

    Examples
    --------
    N(0, 1) convolved with N(0, 1) is N(0, 2): F_1(√2) = Φ(1) = 0.841345:

    >>> mixture_cdf(MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]]), [0.0, 2**0.5], 1.0).round(6)
    array([0.5     , 0.841345])
    """
    if mixture.dim != 1:
        raise SpecError(f"the CDF is for a 1D mixture (this one has d = {mixture.dim})", "use a 1D mixture")
    var = mixture.covariance[0][0] + np.asarray(s)
    out = np.zeros(np.broadcast_shapes(np.shape(x), np.shape(var)))
    for (mu,), w in zip(mixture.means, mixture.weights, strict=True):
        out = out + w * ndtr((np.asarray(x) - mu) / np.sqrt(var))
    return out
