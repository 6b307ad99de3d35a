"""Gaussian mixtures with a shared covariance: p = Σ_k w_k N(μ_k, Σ).

The record holds plain numbers; it knows its closed forms (the log density as a SymPy
expression, its convolution with N(0, sI), a single Gaussian's Poincaré constant λ_max(Σ)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp

from gsmtheory._errors import SpecError

__all__ = ["GaussianMixture"]

_LARGE = 256  # quadratic-form terms above which the log density is built unevaluated


def _floats(values: Sequence[float], what: str) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be numbers", "write them as a list of numbers") from None
    if not all(math.isfinite(v) for v in out):
        raise SpecError(f"{what} contains a non-finite number", "use finite numbers")
    return out


@dataclass(frozen=True)
class GaussianMixture:
    """p(x) = Σ_k w_k N(x; μ_k, Σ), a mixture with one shared covariance Σ.

    Parameters
    ----------
    means : tuple of tuples
        μ_k, one row per component, each of length d.
    weights : tuple of floats
        w_k > 0, normalized at construction to sum to 1.
    covariance : tuple of tuples
        Σ, symmetric positive definite d × d.

    Raises
    ------
    SpecError
        Shapes that do not match, weights that are not positive, a covariance that is not
        symmetric positive definite, non-finite numbers.

    Examples
    --------
    >>> from gsmtheory.symbolic import GaussianMixture
    >>> m = GaussianMixture(((-2.0,), (2.0,)), (0.5, 0.5), ((1.0,),))
    >>> m.dim, m.n_components, m.diameter, m.covariance_eigenvalues
    (1, 2, 4.0, (1.0,))
    >>> GaussianMixture(((0.0,),), (1.0,), ((-1.0,),))
    Traceback (most recent call last):
    ...
    gsmtheory._errors.SpecError: mixture covariance is not positive definite; use a covariance with positive eigenvalues
    """

    means: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        means = tuple(_floats(m, "mixture means") for m in self.means)
        if not means:
            raise SpecError("mixture has no components", "give at least one row in means")
        d = len(means[0])
        if d == 0 or any(len(m) != d for m in means):
            raise SpecError("mixture means have rows of different lengths",
                            "give every mean the same dimension")
        weights = _floats(self.weights, "mixture weights")
        if len(weights) != len(means):
            raise SpecError(f"{len(weights)} weights for {len(means)} means",
                            "give one weight per mean")
        if any(w <= 0 for w in weights):
            raise SpecError("mixture weights must be positive", "drop zero-weight components")
        total = sum(weights)
        weights = tuple(w / total for w in weights)
        cov = tuple(_floats(row, "mixture covariance") for row in self.covariance)
        if len(cov) != d or any(len(r) != d for r in cov):
            raise SpecError(f"covariance must be {d}x{d}", "match the dimension of the means")
        c = np.array(cov)
        if not np.allclose(c, c.T, rtol=1e-12, atol=1e-14):
            raise SpecError("mixture covariance is not symmetric", "make covariance[i][j] == covariance[j][i]")
        if np.linalg.eigvalsh(c).min() <= 0:
            raise SpecError("mixture covariance is not positive definite",
                            "use a covariance with positive eigenvalues")
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "covariance", cov)

    @property
    def dim(self) -> int:
        """Dimension d."""
        return len(self.means[0])

    @property
    def n_components(self) -> int:
        """Number of components K."""
        return len(self.means)

    @property
    def covariance_eigenvalues(self) -> tuple[float, ...]:
        """Eigenvalues of Σ in increasing order (λ_min first)."""
        return tuple(float(v) for v in np.linalg.eigvalsh(np.array(self.covariance)))

    @property
    def diameter(self) -> float:
        """max_{j,k} |μ_j − μ_k|, the diameter of the set of means."""
        m = np.array(self.means)
        return float(np.max(np.linalg.norm(m[:, None, :] - m[None, :, :], axis=-1)))

    def convolved(self, s: float) -> GaussianMixture:
        """p * N(0, sI): the same means and weights, covariance Σ + sI (s ≥ 0)."""
        if not s >= 0:
            raise SpecError(f"convolution variance {s} is negative", "use s >= 0")
        c = np.array(self.covariance) + s * np.eye(self.dim)
        return GaussianMixture(self.means, self.weights, tuple(tuple(r) for r in c))

    def gaussian_poincare_constant(self) -> float:
        """C_P = λ_max(Σ) for a single Gaussian under Langevin (D = I); claim 1.

        Raises
        ------
        SpecError
            If the mixture has more than one component (no closed form).
        """
        if self.n_components != 1:
            raise SpecError("closed-form C_P exists only for one Gaussian",
                            "use gsmtheory.solve.poincare_constant for mixtures")
        return self.covariance_eigenvalues[-1]

    def log_density_expr(self, coords: Sequence[sp.Symbol]) -> sp.Expr:
        r"""ℓ(x) = log Σ_k w_k exp(−½ (x−μ_k)ᵀ Σ⁻¹ (x−μ_k)), normalized up to (2π)^{d/2}|Σ|^{1/2}."""
        if len(coords) != self.dim:
            raise SpecError(f"{len(coords)} coordinates for a {self.dim}-dimensional mixture",
                            "declare one coordinate per dimension")
        # the quadratic forms over the nonzero entries of Σ⁻¹ only (an isotropic or diagonal Σ in
        # d = 1000 gives d terms per component, not d² — issue #14's large-d specs)
        prec = np.linalg.inv(np.array(self.covariance))
        scale = np.max(np.abs(prec))
        rows, cols = np.nonzero(np.abs(prec) > 1e-15 * scale)
        cache: dict[float, sp.Expr] = {}  # nsimplify (a PSLQ search) once per distinct number

        def exact(v: float) -> sp.Expr:
            if v not in cache:
                cache[v] = sp.nsimplify(v)
            return cache[v]

        # −½ Σ_ij P_ij δ_i δ_j with the −½ (and the 2 of i < j) folded into the coefficients:
        # multiplying a 1000-term Add by −½ afterwards redistributes it at the cost of O(d²)
        # assumption queries, and so does exp's automatic evaluation
        coef = {(int(i), int(j)): exact(float(prec[i, j] * (-0.5 if i == j else -1.0)))
                for i, j in zip(rows, cols, strict=True) if i <= j}
        terms = []
        for mu, w in zip(self.means, self.weights, strict=True):
            diff = [c - exact(m) for c, m in zip(coords, mu, strict=True)]
            quad = sp.Add(*[p * diff[i] ** 2 if i == j else p * diff[i] * diff[j]
                            for (i, j), p in coef.items()])
            # past _LARGE terms, SymPy's automatic evaluation of w·exp(q) and log(Σ …) spends
            # seconds on assumption queries over the whole sum (d = 1000: ~10 s) and changes nothing
            large = len(coef) > _LARGE
            terms.append(sp.Mul(exact(w), sp.exp(quad, evaluate=not large), evaluate=not large))
        if len(terms) == 1:
            return sp.expand(sp.log(terms[0]), force=True)
        return sp.log(sp.Add(*terms), evaluate=len(coef) <= _LARGE)
