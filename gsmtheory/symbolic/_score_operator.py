"""The score operator O = Bᵀ∇ of a diffusion, B Bᵀ = D (docs/design.md §1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import sympy as sp

from gsmtheory._errors import SpecError

__all__ = ["ScoreOperator", "factor_score_operator"]


@dataclass(frozen=True)
class ScoreOperator:
    """O = Bᵀ∇ with B Bᵀ = D; ``factor`` names the factorization used.

    Attributes
    ----------
    B : ImmutableMatrix
        The factor (the symmetric square root by default, docs/design.md §1).
    factor : str
        How B was obtained (``"sqrt"``, ``"cholesky"``, ...).
    coords : tuple of Symbol
        The coordinates ∇ differentiates in.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> op = load_spec("state-dependent-langevin").diffusion.score_operator()   # D = 1 + x²/4
    >>> op.B, op.factor
    (Matrix([[sqrt(x**2/4 + 1)]]), 'sqrt')
    """

    B: sp.ImmutableMatrix
    factor: str
    coords: tuple[sp.Symbol, ...]

    def apply(self, f: sp.Expr) -> sp.ImmutableMatrix:
        """O f = Bᵀ ∇f, a column of length d."""
        grad = sp.Matrix([sp.diff(f, c) for c in self.coords])
        return sp.ImmutableMatrix(self.B.T * grad)


def factor_score_operator(D: sp.ImmutableMatrix, coords: tuple[sp.Symbol, ...],
                          factor: Literal["sqrt", "cholesky"] = "sqrt") -> ScoreOperator:
    """O = Bᵀ∇ with B Bᵀ = D: the symmetric square root (default) or the Cholesky factor.

    A symbolic non-diagonal D has no closed-form square root: its Cholesky factor is used and
    ``factor`` says so.
    """
    if factor == "sqrt":
        if D.is_diagonal():
            B = sp.ImmutableMatrix(sp.diag(*[sp.sqrt(D[i, i]) for i in range(len(coords))]))
        elif not D.free_symbols:
            w, V = np.linalg.eigh(np.array(D.evalf(), dtype=float))
            B = sp.ImmutableMatrix((V @ np.diag(np.sqrt(np.clip(w, 0, None))) @ V.T).tolist())
        else:
            B = sp.ImmutableMatrix(D.cholesky(hermitian=False))
            factor = "cholesky"  # type: ignore[assignment]
    elif factor == "cholesky":
        B = sp.ImmutableMatrix(D.cholesky(hermitian=False))
    else:
        raise SpecError(f"unknown factor {factor!r}", "use 'sqrt' or 'cholesky'")
    return ScoreOperator(B, factor, coords)
