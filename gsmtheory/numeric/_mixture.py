r"""Gaussian mixtures on arrays: log density, score, Hessian and variance derivative.

For p_s(x) = Σ_k w_k N(x; μ_k, Σ + sI) (the mixture convolved with N(0, sI); s = 0 is the
mixture itself) with Σ = U diag(e) Uᵀ, every quantity is computed from the per-component
log weights a_k = log w_k + log N(x; μ_k, Σ + sI) by a stable log-sum-exp, and the
responsibilities r_k = softmax_k(a_k):

- log p_s(x) = logsumexp_k a_k,
- ∇ log p_s(x) = −Σ_k r_k v_k,  v_k = (Σ + sI)⁻¹ (x − μ_k),
- ∇² log p_s(x) = −(Σ + sI)⁻¹ + Σ_k r_k v_k v_kᵀ − (Σ_k r_k v_k)(Σ_k r_k v_k)ᵀ,
- ∂_s log p_s(x) = ½ Σ_k r_k (|v_k|² − Tr (Σ + sI)⁻¹)  (the heat equation,
  ∂_s log p_s = ½(Δ log p_s + |∇ log p_s|²), docs/design.md §1 with s = βλ).

``mixture`` is either a :class:`gsmtheory.symbolic.GaussianMixture`-like record (attributes
``means``, ``weights``, ``covariance``) or a tuple ``(means, weights, covariance)`` of arrays.
``x`` has shape ``(..., d)``; ``s`` (≥ 0) broadcasts against ``x.shape[:-1]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._quadrature import gauss_legendre_panels

__all__ = [
    "MixtureArrays",
    "MixtureLike",
    "mixture_dlogpdf_ds",
    "mixture_hessian",
    "mixture_lift_rule",
    "mixture_logpdf",
    "mixture_score",
    "sample_mixture",
]

_LOG_2PI = float(np.log(2.0 * np.pi))
Array = NDArray[np.float64]


@runtime_checkable
class MixtureLike(Protocol):
    """What the array code reads of a Gaussian mixture Σ_k w_k N(μ_k, Σ) with one shared Σ.

    ``means`` (K × d), ``weights`` (K, positive), ``covariance`` (d × d), as nested sequences or
    arrays, with ``dim`` = d and ``n_components`` = K. :class:`gsmtheory.symbolic.GaussianMixture`
    is one; any record with these attributes is accepted.
    """

    @property
    def means(self) -> Any: ...

    @property
    def weights(self) -> Any: ...

    @property
    def covariance(self) -> Any: ...

    @property
    def dim(self) -> int: ...

    @property
    def n_components(self) -> int: ...


#: a mixture as the array code takes it: a record with means/weights/covariance, or the triple
MixtureInput = MixtureLike | tuple[ArrayLike, ArrayLike, ArrayLike]


@dataclass(frozen=True)
class MixtureArrays:
    """Σ_k w_k N(μ_k, Σ) as numbers only: a :class:`MixtureLike` the array code can build itself.

    ``means`` (K × d), ``weights`` (K, normalized to sum 1) and ``covariance`` (d × d), stored
    as tuples of floats; shapes, finiteness and positive weights are checked on construction.
    """

    means: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        m, w, c = unpack_mixture((self.means, self.weights, self.covariance))
        object.__setattr__(self, "means", tuple(tuple(float(v) for v in row) for row in m))
        object.__setattr__(self, "weights", tuple(float(v) for v in w))
        object.__setattr__(self, "covariance", tuple(tuple(float(v) for v in row) for row in c))

    @property
    def dim(self) -> int:
        """d."""
        return len(self.covariance)

    @property
    def n_components(self) -> int:
        """K."""
        return len(self.weights)


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


def _components(mixture: MixtureInput, x: ArrayLike, s: ArrayLike) -> tuple[
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
    gone = np.isneginf(amax)  # |x| ~ 1e154 and beyond: every quadratic overflows, p = 0 there
    with np.errstate(invalid="ignore"):
        ex = np.where(gone, 1.0, np.exp(a - np.where(gone, 0.0, amax)))
    r = ex / np.sum(ex, axis=-1, keepdims=True)
    v = (z * inv_k) @ u.T
    return a, r, v, np.broadcast_to(inv, np.broadcast_shapes(inv.shape, xa.shape)), u


def _logsumexp(a: NDArray[np.float64]) -> NDArray[np.float64]:
    amax = np.max(a, axis=-1, keepdims=True)
    gone = np.isneginf(amax)  # every term is 0: the sum is 0 (log −inf), not NaN
    safe = np.where(gone, 0.0, amax)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = safe + np.log(np.sum(np.exp(a - safe), axis=-1, keepdims=True))
    return np.where(gone, -np.inf, out)[..., 0]


def mixture_logpdf(mixture: MixtureInput, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""log p_s(x) = logsumexp_k [log w_k + log N(x; μ_k, Σ + sI)], normalized; shape x.shape[:-1]."""
    a, _, _, _, _ = _components(mixture, x, s)
    return _logsumexp(a)


def mixture_score(mixture: MixtureInput, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∇_x log p_s(x) = −Σ_k r_k(x) (Σ + sI)⁻¹ (x − μ_k); shape (..., d)."""
    _, r, v, _, _ = _components(mixture, x, s)
    return -np.sum(r[..., None] * v, axis=-2)


def mixture_hessian(mixture: MixtureInput, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∇²_x log p_s(x) = −(Σ+sI)⁻¹ + Cov_r(v); shape (..., d, d)."""
    _, r, v, inv, u = _components(mixture, x, s)
    mean_v = np.sum(r[..., None] * v, axis=-2)
    second = np.einsum("...k,...ki,...kj->...ij", r, v, v)
    prec = np.einsum("ia,...a,ja->...ij", u, inv, u)
    return -prec + second - mean_v[..., :, None] * mean_v[..., None, :]


def mixture_dlogpdf_ds(mixture: MixtureInput, x: ArrayLike, s: ArrayLike = 0.0) -> NDArray[np.float64]:
    r"""∂_s log p_s(x) = ½ Σ_k r_k (|v_k|² − Tr(Σ+sI)⁻¹) = ½(Δ log p_s + |∇ log p_s|²)."""
    _, r, v, inv, _ = _components(mixture, x, s)
    return 0.5 * np.sum(r * (np.sum(v * v, axis=-1) - np.sum(inv, axis=-1)[..., None]), axis=-1)


def sample_mixture(mixture: MixtureLike, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    """n exact samples of Σ_k w_k N(μ_k, Σ) (shape (n, d))."""
    rng = np.random.default_rng(seed)
    means = np.asarray(mixture.means, dtype=float)
    chol = np.linalg.cholesky(np.asarray(mixture.covariance, dtype=float))
    comp = rng.choice(len(mixture.weights), size=n, p=np.asarray(mixture.weights, dtype=float))
    return means[comp] + rng.standard_normal((n, means.shape[1])) @ chol.T


def mixture_lift_rule(mixture: MixtureLike, s: Array | float, nh: int,
                      rule: str = "hermite") -> tuple[Array, Array]:
    r"""Nodes and weights for E_{x∼p^s}[f], p^s = Σ_k w_k N(μ_k, Σ + sI): a tensor rule per component.

    x_{k,j} = μ_k + L_s z_j with L_s L_sᵀ = Σ + sI (Cholesky), weight w_k ω_j, and (z_j, ω_j) a
    tensor rule for N(0, I_d) (Σ_j ω_j = 1):

    - ``rule="hermite"``: nh probabilists' Gauss–Hermite nodes per axis (exact for polynomials
      of degree < 2·nh per coordinate; slow where f switches sharply between components,
      as mixture scores do at small s);
    - ``rule="legendre"``: nh panels of 16 Gauss–Legendre nodes on [−10, 10] per axis weighted
      by the normal density (16·nh nodes per axis; robust to such switches, (16·nh)^d nodes).

    Nodes whose tensor weight is below 1e-22 are dropped (total mass below 1e-22 per node).

    Parameters
    ----------
    mixture : MixtureLike
        The target (any d).
    s : float or array
        Convolution variance(s) s = βλ ≥ 0; an array gives one rule per entry.
    nh : int
        Gauss–Hermite nodes per axis.

    Returns
    -------
    nodes, weights : arrays
        Shapes (*shape(s), N, d) and (*shape(s), N); the weights sum to 1 along the last axis.
    """
    means = np.asarray(mixture.means, dtype=float)
    wk = np.asarray(mixture.weights, dtype=float)
    wk = wk / wk.sum()
    k, d = means.shape
    if rule == "hermite":
        z1, w1 = np.polynomial.hermite_e.hermegauss(nh)
    elif rule == "legendre":
        z1, w1 = gauss_legendre_panels(-10.0, 10.0, nh, 16)
        w1 = w1 * np.exp(-0.5 * z1 ** 2)
    else:
        raise SpecError(f"unknown rule {rule!r}", "use 'hermite' or 'legendre'")
    w1 = w1 / w1.sum()
    z = np.stack([g.ravel() for g in np.meshgrid(*([z1] * d), indexing="ij")], axis=-1)
    wz = np.prod(np.stack([g.ravel() for g in np.meshgrid(*([w1] * d), indexing="ij")], axis=-1), axis=-1)
    keep = wz > 1e-22
    z, wz = z[keep], wz[keep]
    sa = np.asarray(s, dtype=float)
    cov = np.asarray(mixture.covariance, dtype=float) + sa[..., None, None] * np.eye(d)
    chol = np.linalg.cholesky(cov)  # (..., d, d)
    offs = np.einsum("...ij,mj->...mi", chol, z)  # (..., M, d)
    nodes = means[:, None, :] + offs[..., None, :, :]  # (..., K, M, d)
    weights = np.broadcast_to(wk[:, None] * wz[None, :], (*sa.shape, k, len(wz)))
    return nodes.reshape(*sa.shape, k * len(wz), d), weights.reshape(*sa.shape, k * len(wz)).copy()
