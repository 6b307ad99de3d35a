r"""The spectral gap of a large reversible chain without a sparse factorization.

λ₂ = min { vᵀAv : ‖v‖ = 1, v ⊥ √π }, A the symmetrized generator of
:func:`gsmtheory.numeric._fv.reversible_matrix` (A√π = 0), so C_P = 1/λ₂. On 3D tensor grids
the sparse LU of the grounded A fills in as n^{4/3} and costs seconds from about 20,000 cells
(5.4 s at 48,000 cells, 95 times the nonzeros of A); LOBPCG (SciPy) with a smoothed-aggregation
multigrid preconditioner (pyamg) on A + 10⁻⁸·max diag(A)·I takes 40 to 140 iterations of O(n)
work instead: 0.4 s there, with C_P equal to the LU and Lanczos value to 3·10⁻¹¹ relative or
better on the fv3d banana, a tetrahedral mixture in d = 3 and the 3D CTLD lift (C_P ≈ 172),
the last metastable.

The answer is accepted only with its residual: v the returned vector orthogonalized against
√π and normalized, λ = vᵀAv and r = ‖Av − λv‖ ≤ 10⁻⁸·λ (RESIDUAL). That guarantees an
eigenvalue of A on √π^⊥ within r of λ, i.e. to 10⁻⁸ relative whatever the spectrum; where the
next eigenvalue is a distance δ away the error is r²/δ (Kato–Temple), the 3·10⁻¹¹ and less
measured above. The floor is rounding: λ = vᵀAv carries an error of about ε‖A‖, which is large
relative to a tiny gap. On a 3D double well of barrier 14 (C_P ≈ 4.6·10⁴) the answer is
accepted 3.4·10⁻⁹ from the LU's; at barrier 20 (C_P ≈ 1.3·10⁷) the residual is out of reach
and the LU answers. Like the Lanczos path's (tolerance 10⁻¹²) it is not added to the error the
ladders estimate from their grids. Anything else (LOBPCG short of that residual, a breakdown
in its Rayleigh–Ritz step or in the multigrid set-up) returns None and the caller factorizes: a deep cut-off whose weights span hundreds of
decades is refused that way, as the residual cannot reach 10⁻⁸λ in floating point. That the
eigenvalue found is the smallest one rests, as with Lanczos from its random start, on the
start having a component along its eigenvector, which a random start has with probability
one; block size one keeps three vectors where Lanczos keeps twenty, so close eigenvalues
converge more slowly here (and are refused when the residual is not reached).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pyamg
import scipy.sparse as sps
from numpy.typing import NDArray
from scipy.sparse.linalg import lobpcg

__all__ = ["AMG_FROM", "amg_gap"]

#: kept cells from which the 3D solvers use :func:`amg_gap`. The two break even near 6,000 cells (LU and
#: Lanczos 0.03 s against 0.08 s at 3,500, 0.18 s against 0.08 s at 8,000); from 10,000 the saving is
#: worth a second method (0.3 s against 1.8 s at 27,000 cells, 0.4 s against 6.1 s at 48,000)
AMG_FROM = 10_000
#: the relative residual r/λ an answer must reach (a bound on its relative error, module docstring)
RESIDUAL = 1e-8
_SHIFT = 1e-8  # of max diag(A): makes the preconditioned matrix definite; the eigen-problem is A's


def amg_gap(A: Any, v0: NDArray[np.float64], *, max_iterations: int = 300) -> tuple[float, NDArray[np.float64]] | None:
    """(λ₂, v) of the symmetrized generator ``A`` with null vector ``v0`` (unit), or None.

    Parameters
    ----------
    A : sparse matrix
        Symmetric positive semi-definite, A·v0 = 0.
    v0 : ndarray
        The unit null vector √π/‖√π‖.
    max_iterations : int
        LOBPCG iterations after the first 20 (which set the residual tolerance from λ).

    Returns
    -------
    tuple of (float, ndarray) or None
        λ₂ and its unit eigenvector, when the residual test of the module docstring passes.
    """
    n = A.shape[0]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 1)) * v0[:, None] + 1e-3 * rng.standard_normal((n, 1))
    try:
        shifted = (A + sps.identity(n, format="csr") * (_SHIFT * float(A.diagonal().max()))).tocsr()
        precondition = pyamg.smoothed_aggregation_solver(shifted, symmetry="symmetric",
                                                         max_coarse=500).aspreconditioner()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # LOBPCG warns when it stops short; the residual decides
            # tol = tiny: twenty iterations whatever the scale (tol ≤ 0 means SciPy's default √ε·n)
            lam, x = lobpcg(A, x, M=precondition, Y=v0[:, None], largest=False, tol=np.finfo(float).tiny,
                            maxiter=20)
            lam, x = lobpcg(A, x, M=precondition, Y=v0[:, None], largest=False,
                            tol=0.1 * RESIDUAL * abs(float(lam[0])), maxiter=max_iterations)
    except (np.linalg.LinAlgError, ValueError, ArithmeticError, NotImplementedError, RuntimeError):
        return None  # a breakdown, or a matrix too small for LOBPCG: the LU answers
    v = x[:, 0] - v0 * float(v0 @ x[:, 0])
    v /= np.linalg.norm(v)
    Av = A @ v
    value = float(v @ Av)
    residual = float(np.linalg.norm(Av - value * v))
    if not (np.isfinite(value) and value > 0 and residual <= RESIDUAL * value):
        return None
    return value, v
