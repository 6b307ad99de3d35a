r"""The compiled view of a diffusion that every Poincaré solver receives (:class:`PoincareProblem`).

A :class:`gsmtheory.symbolic.Diffusion` holds ℓ and D as SymPy expressions; the solvers in
:mod:`gsmtheory.numeric` take arrays and callables. :func:`poincare_problem` builds the bridge
once per call: the domain as floats, the mixture (if any), whether D is constant (and its
value), and — compiled on first use — log p and D as array callables, the product structure
and the symbolic analysis of the ends. Every solver reads the same record, so a new solver
needs nothing but the fields it uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import sympy as sp

from gsmtheory._errors import NumericalError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import MixtureLike, mixture_logpdf
from gsmtheory.symbolic import Diffusion, diffusion_ends

__all__ = ["PoincareProblem", "poincare_problem"]


@dataclass(frozen=True, eq=False)  # identity: it caches compiled callables and holds arrays
class PoincareProblem:
    r"""C_P of E(g) = E_p[∇gᵀ D ∇g] for p ∝ e^ℓ on Ω = ∏ [a_i, b_i] (docs/design.md §1), compiled.

    Attributes
    ----------
    diffusion : Diffusion
        The symbolic diffusion (for solvers that transform ℓ or D symbolically).
    coords : tuple of Symbol
        x_1, …, x_d.
    D : ImmutableMatrix
        The diffusion matrix (Q is dropped: it does not change E).
    domain : tuple of (float, float)
        [a_i, b_i], infinite ends as ±inf.
    mixture : MixtureLike or None
        The Gaussian-mixture target, when the spec gave one.
    constant_D : ndarray or None
        D as numbers when it does not depend on x.
    """

    diffusion: Diffusion
    coords: tuple[sp.Symbol, ...]
    D: sp.ImmutableMatrix
    domain: tuple[tuple[float, float], ...]
    mixture: MixtureLike | None
    constant_D: np.ndarray | None

    @property
    def d(self) -> int:
        """Dimension d."""
        return len(self.coords)

    @property
    def unbounded(self) -> bool:
        """Every coordinate ranges over (−∞, ∞)."""
        return all(math.isinf(lo) and math.isinf(hi) for lo, hi in self.domain)

    @property
    def log_density_expr(self) -> sp.Expr:
        """ℓ as a SymPy expression."""
        return self.diffusion.log_density

    @cached_property
    def compiled_log_density(self) -> Any:
        """ℓ(x_1, …, x_d) compiled from the expression (broadcasting over arrays)."""
        return compile_expr(list(self.coords), self.log_density_expr)

    def log_density(self, *xs: Any) -> Any:
        """ℓ(x_1, …, x_d) on arrays: the closed-form mixture log density if there is one."""
        if self.mixture is not None:
            return mixture_logpdf(self.mixture, np.stack(np.broadcast_arrays(*xs), axis=-1))
        return self.compiled_log_density(*xs)

    @cached_property
    def separable(self) -> bool:
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

    @cached_property
    def ends(self) -> Any:
        """Per-axis symbolic analysis of the ends (:func:`gsmtheory.symbolic.diffusion_ends`);
        None for a mixture target (Gaussian tails: W → +∞ at both ends)."""
        return None if self.mixture is not None else diffusion_ends(self.diffusion)

    def points(self, axis: int | None = None) -> np.ndarray | None:
        """The mixture means (all axes, or one), as hints where the density has mass."""
        if self.mixture is None:
            return None
        means = np.array(self.mixture.means, dtype=float)
        return means if axis is None else means[:, axis]


def poincare_problem(diffusion: Diffusion) -> PoincareProblem:
    """The compiled view of a :class:`gsmtheory.symbolic.Diffusion` (NaN in ℓ or D is refused)."""
    coords = tuple(diffusion.coords)
    D = sp.ImmutableMatrix(diffusion.D)
    mixture = getattr(diffusion, "mixture", None)
    # a mixture's numbers are validated finite and its ℓ is built only when asked for (d = 1000:
    # tens of seconds), so only D is checked then; the matrix as one object, not d² entries
    for expr in (D,) if mixture is not None else (diffusion.log_density, D):
        if sp.sympify(expr).has(sp.nan, sp.zoo):
            raise NumericalError("the diffusion contains NaN", "check the parameters")
    const = not (D.free_symbols & set(coords))
    return PoincareProblem(
        diffusion, coords, D, tuple((float(lo), float(hi)) for lo, hi in diffusion.domain),
        mixture, _numbers(D) if const else None)


def _numbers(D: sp.ImmutableMatrix) -> np.ndarray:
    """A constant SymPy matrix as floats; a diagonal one from its diagonal (d, not d² entries)."""
    if D.is_diagonal():
        return np.diag(np.array([D[i, i] for i in range(D.rows)], dtype=float))
    return np.array(D.tolist(), dtype=float)
