r"""The target side of a :class:`gsmtheory.solve.Problem`: p ∝ e^ℓ on Ω under D, compiled on first use.

:class:`TargetView` is what every question reads about the target (docs/design.md §1): the
dimension, the domain as floats, the mixture (if the spec gave one), D symbolically and, when it
does not depend on x, as numbers; log p on arrays (the closed-form mixture log density when
there is one); whether the problem is a product of 1D problems; the symbolic analysis of the
ends; expectations E_p[f] by quadrature (d ≤ 2, :func:`target_expectation`) and exact samples
(mixtures, and 1D targets by the inverse CDF).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import (
    Expectation,
    MixtureLike,
    expect_1d,
    expect_2d,
    inverse_cdf_1d,
    mixture_logpdf,
    sample_mixture,
)
from gsmtheory.symbolic import Diffusion, diffusion_ends, kinks_1d

__all__ = ["TargetView", "coordinate_columns", "split_points", "target_expectation", "target_logpdf"]

Array = NDArray[np.float64]


def coordinate_columns(points: Array, d: int) -> list[Array]:
    """The d coordinate arrays of points (N, d) (or (N,) for d = 1)."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim == 1 and d == 1:
        pts = pts[:, None]
    return [pts[..., i] for i in range(d)]


def split_points(x: Array, d: int) -> tuple[tuple[Array, ...], tuple[int, ...]]:
    """(x_1, ..., x_d), batch shape of points x: shape (...) for d = 1, (..., d) for d ≥ 2.

    Parameters
    ----------
    x : array_like
        The points.
    d : int
        The dimension of the target.

    Returns
    -------
    tuple of (tuple of ndarray, tuple of int)
        One coordinate array per dimension, and the batch shape they share.

    Raises
    ------
    NumericalError
        For d ≥ 2, a last axis that is not of length d.

    Examples
    --------
    >>> import numpy as np
    >>> cols, shape = split_points(np.zeros((5, 2)), 2)
    >>> len(cols), shape
    (2, (5,))
    """
    xa = np.asarray(x, dtype=float)
    if d == 1:
        return (xa,), xa.shape
    if xa.ndim == 0 or xa.shape[-1] != d:
        raise NumericalError(f"points have shape {xa.shape}, expected (..., {d}) for a {d}D target",
                             f"pass x with a last axis of length {d}")
    return tuple(xa[..., i] for i in range(d)), xa.shape[:-1]


def target_logpdf(diffusion: Diffusion) -> Callable[[Array], Array]:
    """ℓ(x) on points (N, d): the normalized mixture log density, else ℓ compiled (unnormalized)."""
    d = diffusion.dim
    if diffusion.mixture is not None:
        mix = diffusion.mixture
        return lambda pts: mixture_logpdf(mix, np.asarray(pts, dtype=float))
    f = compile_expr(diffusion.coords, diffusion.log_density, "numpy")

    def logp(pts: Array) -> Array:
        cols = coordinate_columns(pts, d)
        with np.errstate(all="ignore"):
            return np.asarray(f(*cols), dtype=float)

    return logp


def target_expectation(diffusion: Diffusion, funcs: Callable[[Array], list[Array]], panels: int,
                       logp: Callable[[Array], Array] | None = None, *,
                       points: tuple[float, ...] | None = None) -> Expectation:
    """E_p[f] = ∫ f e^ℓ / ∫ e^ℓ under the diffusion's target for each f in ``funcs``, by quadrature (d ≤ 2).

    Parameters
    ----------
    diffusion : Diffusion
        The target p ∝ e^ℓ on its domain.
    funcs : callable
        x of shape (n, d) ↦ a list of arrays of shape (n,), the integrands f.
    panels : int
        Quadrature panels (the error estimate compares against twice as many).
    logp : callable, optional
        x ↦ log p(x) (default: compiled from the diffusion).
    points : tuple of float, optional
        1D: kinks of the integrands (default: those of ℓ and D, :func:`gsmtheory.numeric.kinks_1d`).

    Returns
    -------
    gsmtheory.numeric.Expectation
        The values with an absolute error estimate each, and log Z.

    Raises
    ------
    ModelError
        d ≥ 3 (use the Monte Carlo methods).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> e = target_expectation(load_spec("gaussian", constants={"sigma": 2.0}).diffusion,
    ...                        lambda x: [x[:, 0] ** 2], panels=32)
    >>> round(e.values[0], 8), e.errors[0] < 1e-8       # E[x²] = σ² = 4
    (4.0, True)
    """
    lp = target_logpdf(diffusion) if logp is None else logp
    b = tuple((float(lo), float(hi)) for lo, hi in diffusion.domain)
    if diffusion.dim == 1:
        if points is None:
            points = kinks_1d([diffusion.log_density, diffusion.D[0, 0]], diffusion.coords[0],
                              *diffusion.domain[0])
        return expect_1d(lambda x: lp(x[:, None]), lambda x: funcs(x[:, None]), *b[0], panels=panels,
                         points=points)
    if diffusion.dim == 2:
        def logp2(X: Array, Y: Array) -> Array:
            XX, YY = np.broadcast_arrays(X, Y)
            return lp(np.stack([XX, YY], axis=-1))

        def f(X: Array, Y: Array) -> list[Array]:
            XX, YY = np.broadcast_arrays(X, Y)
            pts = np.stack([XX.ravel(), YY.ravel()], axis=-1)
            return [np.asarray(v).reshape(XX.shape) for v in funcs(pts)]

        return expect_2d(logp2, f, (b[0], b[1]), panels=panels)
    raise ModelError(f"quadrature covers d ≤ 2, this problem has d = {diffusion.dim}",
                     "use the Monte Carlo methods (method='monte-carlo')")


class TargetView:
    """The target's facts and compiled pieces (module docstring); mixed into :class:`Problem`."""

    diffusion: Diffusion
    mixture: MixtureLike | None
    constant_D: np.ndarray | None
    cache: dict[str, Any]

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()`` once per problem and its copies (:meth:`with_bounds` and the lift share it)."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def compiled(self, key: str, args: Any, exprs: Any, backend: str = "numpy") -> Any:
        """``compile_expr(args, exprs, backend)`` once per problem, under ``key`` (the one place a
        question's symbolic pieces become callables)."""
        return self.memo(f"compiled:{backend}:{key}", lambda: compile_expr(args, exprs, backend))

    @property
    def coords(self) -> tuple[sp.Symbol, ...]:
        """x_1, …, x_d."""
        return tuple(self.diffusion.coords)

    @property
    def d(self) -> int:
        """Dimension d."""
        return len(self.diffusion.coords)

    @property
    def dim(self) -> int:
        """Dimension d (the same as :attr:`d`)."""
        return self.d

    @cached_property
    def D(self) -> sp.ImmutableMatrix:
        """The diffusion matrix (Q is dropped: it does not change E)."""
        return sp.ImmutableMatrix(self.diffusion.D)

    @cached_property
    def domain(self) -> tuple[tuple[float, float], ...]:
        """[a_i, b_i] as floats, infinite ends as ±inf."""
        return tuple((float(lo), float(hi)) for lo, hi in self.diffusion.domain)

    @property
    def bounds(self) -> tuple[tuple[float, float], ...]:
        """The domain (the same as :attr:`domain`)."""
        return self.domain

    @property
    def unbounded(self) -> bool:
        """Every coordinate ranges over (−∞, ∞)."""
        return all(math.isinf(lo) and math.isinf(hi) for lo, hi in self.domain)

    @property
    def log_density_expr(self) -> sp.Expr:
        """ℓ as a SymPy expression."""
        return self.diffusion.log_density

    @property
    def compiled_log_density(self) -> Any:
        return self.memo('compiled_log_density', self._make_compiled_log_density)  # type: ignore[no-any-return]

    def _make_compiled_log_density(self) -> Any:
        """ℓ(x_1, …, x_d) compiled from the expression (broadcasting over arrays)."""
        return compile_expr(list(self.coords), self.log_density_expr)

    def log_density(self, *xs: Any) -> Any:
        """ℓ(x_1, …, x_d) on coordinate arrays: the closed-form mixture log density if there is one."""
        if self.mixture is not None:
            return mixture_logpdf(self.mixture, np.stack(np.broadcast_arrays(*xs), axis=-1))
        return self.compiled_log_density(*xs)

    @property
    def target_logpdf(self) -> Callable[[Array], Array]:
        return self.memo('target_logpdf', self._make_target_logpdf)  # type: ignore[no-any-return]

    def _make_target_logpdf(self) -> Callable[[Array], Array]:
        """ℓ(x) on points (N, d) (normalized for mixtures, unnormalized otherwise)."""
        return target_logpdf(self.diffusion)

    @property
    def separable(self) -> bool:
        return self.memo('separable', self._make_separable)  # type: ignore[no-any-return]

    def _make_separable(self) -> bool:
        """ℓ additively separable and D diagonal with D_ii = D_ii(x_i) (a product of 1D problems).

        A mixture of K ≥ 2 Gaussians is taken as not separable without looking (a product would
        need means on a grid with product weights; simplifying its log-sum-exp in d ≥ 4 takes
        minutes): the reduction solver handles its structured cases.
        """
        d, D, coords = self.d, self.D, self.coords
        if d < 2 or (self.mixture is not None and self.mixture.n_components > 1):
            return False
        for i in range(d):
            for j in range(d):
                if i != j and (sp.simplify(D[i, j]) != 0 or D[i, i].has(coords[j])):
                    return False
        grad = [sp.diff(self.log_density_expr, c) for c in coords]
        return all(not sp.simplify(grad[i]).has(coords[j]) for i in range(d) for j in range(d) if i != j)

    @property
    def ends(self) -> Any:
        return self.memo('ends', self._make_ends)  # type: ignore[no-any-return]

    def _make_ends(self) -> Any:
        """Per-axis symbolic analysis of the ends (:func:`gsmtheory.symbolic.diffusion_ends`);
        None for a mixture target (Gaussian tails: W → +∞ at both ends)."""
        return None if self.mixture is not None else diffusion_ends(self.diffusion)

    def points(self, axis: int | None = None) -> np.ndarray | None:
        """The mixture means (all axes, or one), as hints where the density has mass."""
        if self.mixture is None:
            return None
        means = np.array(self.mixture.means, dtype=float)
        return means if axis is None else means[:, axis]

    def sample(self, n: int | tuple[int, ...], seed: int | np.random.Generator = 0) -> Array:
        """Exact samples of p, shape ``(*n, d)``: Gaussian mixtures directly; other 1D targets by
        the inverse CDF, exact to |F(x) − u| ≲ 1e-13 (:func:`gsmtheory.numeric.inverse_cdf_1d`:
        F by adaptive quadrature over the whole domain, tails included), one uniform per sample."""
        rng = np.random.default_rng(seed)
        shape = (n,) if isinstance(n, int) else tuple(n)
        total = int(np.prod(shape))
        if self.mixture is not None and self.unbounded:
            return sample_mixture(self.mixture, total, rng).reshape(*shape, self.d)
        if self.d != 1:
            raise ModelError(f"exact sampling of a non-mixture target in d = {self.d} is not available",
                             "give the target as a [mixture] or use d = 1")
        lp = self.target_logpdf
        (lo, hi), = self.domain
        x, _resid = inverse_cdf_1d(lambda z: lp(z[:, None]), lo, hi, rng.random(total))
        return np.asarray(x, dtype=float).reshape(*shape, 1)
