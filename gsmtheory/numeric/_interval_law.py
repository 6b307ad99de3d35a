r"""A law on [0, b_max] given by an unnormalized log density: its normalizer, density, CDF, draws and mean.

The temperature law r(β)/Z_r of a lift on [0, β_max] (docs/design.md §1), or any noise-level law
of a denoising schedule, is ``IntervalLaw(log r, β_max)``:

    Z = ∫_0^{b_max} e^{ℓ(b)} db,   density e^{ℓ(b)}/Z on [0, b_max] (0 outside),

Z by composite 16-point Gauss–Legendre in log-sum-exp form, the mean by Gauss–Legendre panels of
8 nodes, each checked against twice the panels and refined (doubling) until the two agree to
``_AGREE`` (a narrow or singular law that does not settle by ``_MAX_PANELS`` is refused, never
returned unresolved); the CDF and the draws from one table (:func:`gsmtheory.numeric.beta_table`,
:func:`gsmtheory.numeric.inverse_cdf`: NumPy and torch draw the same β from the same u).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._beta_sampler import BETA_NODES, beta_table, inverse_cdf
from gsmtheory.numeric._quadrature import gauss_legendre_panels

__all__ = ["IntervalLaw"]

Array = NDArray[Any]
_AGREE = 1e-9  # relative agreement of a quadrature with the one on twice the panels
_MAX_PANELS = 1 << 16


def _settled(rule: Callable[[int], float], panels: int, what: str, scale: float | None = None) -> float:
    """rule(panels) once rule(2·panels) agrees with it to _AGREE × scale (default |rule|); else the panels
    double (at most _MAX_PANELS)."""
    value, n = rule(panels), panels
    while n <= _MAX_PANELS:
        finer = rule(2 * n)
        if abs(finer - value) <= _AGREE * (abs(finer) if scale is None else scale):
            return value
        value, n = finer, 2 * n
    raise NumericalError(f"the {what} of the law on [0, b_max] does not settle by {_MAX_PANELS} panels",
                         "the law is too narrow or singular for quadrature: give a smoother log density")


@dataclass(frozen=True)
class IntervalLaw:
    r"""The law e^{ℓ(b)}/Z on [0, b_max], ℓ known up to a constant.

    Attributes
    ----------
    log_density : callable
        b ↦ ℓ(b), vectorized (any additive constant).
    upper : float
        b_max > 0.

    Raises
    ------
    SpecError
        If ``upper`` is not a positive finite number or ``log_density`` is not callable.

    Examples
    --------
    The exponential law truncated to [0, 2]: Z = 1 − e^{−2}, mean (1 − 3e^{−2})/(1 − e^{−2}):

    >>> import math
    >>> import numpy as np
    >>> law = IntervalLaw(np.negative, 2.0)
    >>> abs(law.log_normalizer() - math.log(1 - math.exp(-2))) < 1e-12
    True
    >>> abs(law.mean() - (1 - 3 * math.exp(-2)) / (1 - math.exp(-2))) < 1e-12
    True
    >>> np.exp(IntervalLaw(np.zeros_like, 2.0).logpdf(np.array([0.5, 3.0])))   # uniform: density ½
    array([0.5, 0. ])
    >>> IntervalLaw(np.zeros_like, 2.0).cdf(np.array([0.5, 1.0]))
    array([0.25, 0.5 ])
    >>> abs(float(IntervalLaw(np.zeros_like, 2.0).sample(100_000).mean()) - 1) < 0.01   # s.e. 0.002
    True
    """

    log_density: Callable[[Array], Array]
    upper: float

    def __post_init__(self) -> None:
        u = self.upper
        if not (isinstance(u, numbers.Real) and not isinstance(u, bool) and math.isfinite(u) and u > 0):
            raise SpecError(f"the upper end {u} of the law must be a positive finite number", "give b_max > 0")
        if not callable(self.log_density):
            raise SpecError("the log density of the law must be a callable on arrays", "pass b -> log r(b)")

    def log_normalizer(self, panels: int = 64) -> float:
        """log Z = log ∫_0^{b_max} e^ℓ by composite 16-point Gauss–Legendre, in log-sum-exp form, refined
        until twice the panels agree (module docstring).

        Parameters
        ----------
        panels : int, optional
            Equal panels on [0, b_max].

        Returns
        -------
        float
            log Z.
        """
        def rule(n: int) -> float:
            t, w = gauss_legendre_panels(0.0, self.upper, n, 16)
            v = self.log_density(t)
            top = float(np.max(v))
            return top + math.log(float(np.sum(w * np.exp(v - top))))

        return _settled(rule, panels, "normalizer", scale=1.0)  # log Z to 1e-9: Z to 1e-9 relative

    def logpdf(self, b: Array) -> Array:
        """ℓ(b) − log Z on [0, b_max] (Z by :meth:`log_normalizer`), −inf outside.

        Parameters
        ----------
        b : array_like
            Where to evaluate.

        Returns
        -------
        ndarray
            The log density, shaped like ``b``.
        """
        bb = np.asarray(b, dtype=float)
        out = self.log_density(bb) - self.log_normalizer()
        return np.where((bb >= 0) & (bb <= self.upper), out, -np.inf)

    def table(self, nodes: int = BETA_NODES) -> tuple[Array, Array]:
        """The tabulated CDF for :func:`gsmtheory.numeric.inverse_cdf` (:func:`gsmtheory.numeric.beta_table`).

        Parameters
        ----------
        nodes : int, optional
            Equispaced nodes on [0, b_max] (20001 by default: cells of width b_max/20000).

        Returns
        -------
        grid, cdf : ndarray
            The nodes and F at the nodes.
        """
        return beta_table(self.logpdf, self.upper, nodes)

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> Array:
        """n draws F̂⁻¹(u), u ∼ U(0, 1), from the default table: the draws of the torch paths for the same u.

        Parameters
        ----------
        n : int
            Number of draws.
        seed : int or numpy.random.Generator, optional
            The random state (a generator is used as is).

        Returns
        -------
        ndarray
            Shape (n,).
        """
        rng = np.random.default_rng(seed)
        return inverse_cdf(self.table(), rng.random(n))

    def cdf(self, b: Array) -> Array:
        """F(b), linear interpolation in a table of 200001 nodes (the trapezoid CDF of :func:`beta_table`).

        Parameters
        ----------
        b : array_like
            Where to evaluate.

        Returns
        -------
        ndarray
            F(b), shaped like ``b``.
        """
        grid, c = self.table(200001)
        return np.interp(np.asarray(b, dtype=float), grid, c)

    def mean(self) -> float:
        """E[b] by Gauss–Legendre panels of 8 nodes, from 400, refined until twice the panels agree.

        Returns
        -------
        float
            The mean of the law.
        """
        def rule(n: int) -> float:
            t, w = np.polynomial.legendre.leggauss(8)
            edges = np.linspace(0.0, float(self.upper), n + 1)
            mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * np.diff(edges)
            b = (mid[:, None] + half[:, None] * t[None, :]).ravel()
            wb = (half[:, None] * w[None, :]).ravel()
            lr = np.asarray(self.logpdf(b), dtype=float)
            pr = np.exp(lr - lr.max()) * wb
            return float(pr @ b / pr.sum())

        return _settled(rule, 400, "mean")
