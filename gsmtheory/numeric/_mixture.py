r"""Gaussian mixtures Σ_k w_k N(μ_k, Σ) with one shared Σ, as the array code reads them.

- :class:`MixtureLike` (what is read: ``means``, ``weights``, ``covariance``) and
  :class:`MixtureArrays` (numbers only, checked on construction);
- :func:`sample_mixture`: exact samples; :class:`MixtureDraws` the same in torch (on any device,
  with N(0, I) noise and a tabulated law from the same generator);
- :func:`mixture_lift_rule`: quadrature rules for E over the mixture convolved with N(0, sI)
  (docs/design.md §1, s = βλ).

The densities, scores and Hessians are in :mod:`gsmtheory.numeric._mixture_pdf`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._beta_sampler import InverseCDFTable, inverse_cdf
from gsmtheory.numeric._quadrature import gauss_legendre_panels

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = [
    "MixtureArrays",
    "MixtureDraws",
    "MixtureLike",
    "mixture_lift_rule",
    "sample_mixture",
]

_LOG_2PI = float(np.log(2.0 * np.pi))
Array = NDArray[np.float64]


@runtime_checkable
class MixtureLike(Protocol):
    r"""What the array code reads of a Gaussian mixture Σ_k w_k N(μ_k, Σ) with one shared Σ.

    ``means`` (K × d), ``weights`` (K, positive), ``covariance`` (d × d), as nested sequences or
    arrays, with ``dim`` = d and ``n_components`` = K. :class:`gsmtheory.symbolic.GaussianMixture`
    is one; any record with these attributes is accepted.

    Attributes
    ----------
    means, weights, covariance : array_like
        μ_k (K × d), w_k (K,) and the shared Σ (d × d); the properties ``dim`` and
        ``n_components`` give d and K.

    Raises
    ------
    TypeError
        When called: a protocol describes records, it is not one.

    Examples
    --------
    >>> isinstance(MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]]), MixtureLike)
    True
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
    r"""Σ_k w_k N(μ_k, Σ) as numbers only: a :class:`MixtureLike` the array code can build itself.

    ``means`` (K × d), ``weights`` (K, normalized to sum 1) and ``covariance`` (d × d), stored
    as tuples of floats; shapes, finiteness and positive weights are checked on construction
    (:class:`SpecError` or :class:`NumericalError`).

    Attributes
    ----------
    means : tuple of tuple of float
        μ_k, K × d.
    weights : tuple of float
        w_k, normalized to sum 1.
    covariance : tuple of tuple of float
        The shared Σ, d × d.

    Examples
    --------
    >>> m = MixtureArrays(means=[[-1.0, 0.0], [1.0, 0.0]], weights=[1.0, 3.0], covariance=[[1.0, 0.0], [0.0, 1.0]])
    >>> m.dim, m.n_components, m.weights
    (2, 2, (0.25, 0.75))
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


def sample_mixture(mixture: MixtureLike, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
    r"""n exact samples of Σ_k w_k N(μ_k, Σ) (shape (n, d)): a component drawn by its weight, then
    μ_k + L z with L Lᵀ = Σ (Cholesky), z ~ N(0, I).

    Parameters
    ----------
    mixture : MixtureLike
        The mixture.
    n : int
        Number of samples.
    seed : int or numpy.random.Generator, optional
        The random state (the same seed gives the same samples).

    Returns
    -------
    ndarray
        Shape (n, d).

    Examples
    --------
    The symmetric mixture ½N(−2, 1) + ½N(2, 1) has mean 0 and variance 1 + 4 = 5:

    >>> x = sample_mixture(MixtureArrays(means=[[-2.0], [2.0]], weights=[0.5, 0.5], covariance=[[1.0]]),
    ...                    200_000, seed=1)
    >>> x.shape, abs(float(x.mean())) < 0.03, abs(float(x.var()) - 5) < 0.05
    ((200000, 1), True, True)
    """
    rng = np.random.default_rng(seed)
    means = np.asarray(mixture.means, dtype=float)
    chol = np.linalg.cholesky(np.asarray(mixture.covariance, dtype=float))
    comp = rng.choice(len(mixture.weights), size=n, p=np.asarray(mixture.weights, dtype=float))
    return means[comp] + rng.standard_normal((n, means.shape[1])) @ chol.T


class MixtureDraws:
    """Exact draws in torch of Σ_k w_k N(μ_k, Σ) (as :func:`sample_mixture`), of N(0, I_d) and of a
    tabulated law, on one device (float64) from one seeded generator.

    Parameters
    ----------
    mixture : MixtureLike
        The mixture Σ_k w_k N(μ_k, Σ).
    device : str
        A torch device.
    seed : int
        Seed of the one generator all draws come from.
    table : (nodes, cdf), optional
        The tabulated law of :meth:`law` (e.g. :func:`gsmtheory.numeric.beta_table`); without it
        :meth:`law` is not available.

    Examples
    --------
    >>> import numpy as np
    >>> table = (np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.5, 1.0]))
    >>> draws = MixtureDraws(MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]]), "cpu", 0, table)
    >>> tuple(draws.target(5).shape), bool(((draws.law(100) >= 0) & (draws.law(100) <= 2)).all())
    ((5, 1), True)
    """

    def __init__(self, mixture: MixtureLike, device: str, seed: int,
                 table: tuple[Array, Array] | None = None) -> None:
        import torch
        opts: dict[str, Any] = {"dtype": torch.float64, "device": device}
        self.d = mixture.dim
        self.means = torch.tensor(mixture.means, **opts)
        self.weights = torch.tensor(mixture.weights, **opts)
        self.chol = torch.linalg.cholesky(torch.tensor(mixture.covariance, **opts))
        self.table = None if table is None else InverseCDFTable.from_cdf(*table).to_torch(device)
        self.opts = opts
        self.gen = torch.Generator(device=device).manual_seed(int(seed))

    def normal(self, n: int) -> torch.Tensor:
        """n draws of N(0, I_d), shape (n, d)."""
        import torch
        return torch.randn((n, self.d), generator=self.gen, **self.opts)

    def law(self, n: int) -> torch.Tensor:
        """n draws of the tabulated law by inverse CDF, shape (n,)."""
        import torch
        if self.table is None:
            raise SpecError("these draws were made without a tabulated law", "pass table=(nodes, cdf)")
        return inverse_cdf(self.table, torch.rand(n, generator=self.gen, **self.opts))

    def target(self, n: int) -> torch.Tensor:
        """n draws of the mixture, shape (n, d)."""
        import torch
        k = torch.multinomial(self.weights, n, replacement=True, generator=self.gen)
        return self.means[k] + self.normal(n) @ self.chol.T


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

    Raises
    ------
    SpecError
        If ``rule`` is not ``"hermite"`` or ``"legendre"``.

    Examples
    --------
    Under N(0, 1) convolved with N(0, 1) (s = 1), E[x²] = 2 and E[x⁴] = 3·2² = 12, exactly with
    three Hermite nodes:

    >>> x, w = mixture_lift_rule(MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]]), 1.0, 3)
    >>> round(float(w @ x[:, 0]**2), 12), round(float(w @ x[:, 0]**4), 12)
    (2.0, 12.0)
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
