r"""Gaussian smoothing in symbols: p^t = p * N(0, t·c·I) and the heat equation it solves.

A Gaussian mixture with shared covariance Σ (numbers, or expressions in θ) stays one under the
convolution, p^t = Σ_k w_k N(μ_k, Σ + tcI); a 1D formula target gets an unevaluated integral. The
smoothed family solves the heat equation (docs/design.md §1)

    ∂_t p^t = (c/2) Δ_x p^t,      ∂_t log p^t = (c/2)(Δ_x log p^t + |∇_x log p^t|²).

CTLD's lifted density r(β)·p^β with t = β and c = λ is built from these (:mod:`._ctld_lift`).
"""

from __future__ import annotations

import functools

import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._model import MixtureExpressions

__all__ = ["heat_identity_residual", "smoothed_formula", "smoothed_mixture"]


def smoothed_mixture(mixture: GaussianMixture | MixtureExpressions, variance: sp.Expr) -> MixtureExpressions:
    r"""p * N(0, vI) = Σ_k w_k N(μ_k, Σ + vI) for a mixture with shared covariance Σ.

    The numbers of a :class:`GaussianMixture` become rationals (each distinct number simplified
    once: d = 1000 has 10⁶ covariance entries); a :class:`MixtureExpressions` keeps its expressions.

    Parameters
    ----------
    mixture : GaussianMixture or MixtureExpressions
        p (its covariance may depend on θ).
    variance : Expr
        v, the variance of the smoothing kernel (e.g. t·c).

    Returns
    -------
    MixtureExpressions
        Its ``log_density(coords)`` keeps the normalizer |Σ + vI|^{-1/2}.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import GaussianMixture
    >>> t = sp.Symbol("t", positive=True)
    >>> smoothed_mixture(GaussianMixture([[0.0]], [1.0], [[0.5]]), 2 * t).covariance
    ((2*t + 1/2,),)
    """
    d = len(mixture.covariance)
    c = mixture.covariance
    if isinstance(mixture, MixtureExpressions):
        means, weights = mixture.means, mixture.weights
        cov = [[c[i][j] for j in range(d)] for i in range(d)]
    else:
        rational = functools.lru_cache(maxsize=None)(lambda v: sp.nsimplify(v, rational=True))
        cov = [[rational(float(c[i][j])) if i == j or c[i][j] != 0 else sp.S.Zero for j in range(d)]
               for i in range(d)]
        means = tuple(tuple(rational(float(v)) for v in mu) for mu in mixture.means)
        weights = tuple(rational(float(w)) for w in mixture.weights)
    return MixtureExpressions(means, weights, tuple(tuple(cov[i][j] + (variance if i == j else 0) for j in range(d))
                                                    for i in range(d)))


def smoothed_formula(ell: sp.Expr, x: sp.Symbol, variance: sp.Expr) -> sp.Expr:
    """log ∫ e^{ℓ(y)} N(x − y; 0, v) dy for a 1D log density ℓ(x), left unevaluated.

    Parameters
    ----------
    ell : Expr
        ℓ(x), the (unnormalized) log density.
    x : Symbol
        The coordinate.
    variance : Expr
        v, the variance of the smoothing kernel.

    Returns
    -------
    Expr
        log of an unevaluated ``Integral`` over y ∈ R (the numeric layer evaluates it).

    Examples
    --------
    >>> import sympy as sp
    >>> x, t = sp.Symbol("x", real=True), sp.Symbol("t", positive=True)
    >>> smoothed_formula(-x**4, x, t).has(sp.Integral)
    True
    """
    y = sp.Dummy("y", real=True)
    kernel = sp.exp(-(x - y) ** 2 / (2 * variance)) / sp.sqrt(2 * sp.pi * variance)
    return sp.log(sp.Integral(sp.exp(ell.subs(x, y)) * kernel, (y, -sp.oo, sp.oo)))


def heat_identity_residual(mixture: GaussianMixture, rate: float, time: sp.Symbol, *,
                           check: str = "density") -> sp.Expr:
    r"""Residual of the heat equation of p^t = p * N(0, t·c·I); zero exactly when it holds.

    ``check="density"``: ∂_t p^t − (c/2) Δ_x p^t (simplifies to 0 component by component);
    ``check="log"``: ∂_t log p^t − (c/2)(Δ_x log p^t + |∇_x log p^t|²).

    Parameters
    ----------
    mixture : GaussianMixture
        p.
    rate : float
        c, the kernel's variance per unit t.
    time : Symbol
        t.
    check : {"density", "log"}
        Which form of the identity.

    Returns
    -------
    Expr
        The residual, a function of (x, t) with x = (x0, x1, …), not yet simplified.

    Raises
    ------
    SpecError
        An unknown ``check``.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic import GaussianMixture
    >>> mix = GaussianMixture([[-2.0], [2.0]], [0.5, 0.5], [[1.0]])
    >>> sp.simplify(heat_identity_residual(mix, 1.0, sp.Symbol("t", positive=True), check="log"))
    0
    """
    xs = tuple(sp.Symbol(f"x{i}", real=True) for i in range(mixture.dim))
    c = sp.nsimplify(rate, rational=True)
    ell = smoothed_mixture(mixture, c * time).log_density(xs)
    if check == "density":
        p = sp.exp(ell)
        p = sp.expand(sp.powsimp(p))
        return sp.diff(p, time) - c / 2 * sum(sp.diff(p, v, 2) for v in xs)
    if check == "log":
        return sp.diff(ell, time) - c / 2 * sum(sp.diff(ell, v, 2) + sp.diff(ell, v) ** 2 for v in xs)
    raise SpecError(f"unknown check {check!r}", "use 'density' or 'log'")
