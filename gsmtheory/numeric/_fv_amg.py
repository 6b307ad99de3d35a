r"""The spectral gap of a large reversible chain without a sparse factorization.

λ₂ = min { vᵀAv : ‖v‖ = 1, v ⊥ √π }, A the symmetrized generator of
:func:`gsmtheory.numeric._fv.reversible_matrix` (A√π = 0), so C_P = 1/λ₂. On 3D tensor grids
the sparse LU of the grounded A fills in as n^{4/3} and costs seconds from about 20,000 cells
(5.4 s at 48,000 cells, 95 times the nonzeros of A); LOBPCG (SciPy) with a smoothed-aggregation
multigrid preconditioner (pyamg) on A + 10⁻⁸·max diag(A)·I takes 40 to 140 iterations of O(n)
work instead: 0.7 s there, with C_P equal to the LU and Lanczos value to 3·10⁻¹¹ relative or
better on the fv3d banana, a tetrahedral mixture in d = 3 and the 3D CTLD lift (C_P ≈ 172),
the last metastable.

The answer is accepted only with its residual: v the returned vector orthogonalized against
√π and normalized, λ = vᵀAv and r = ‖Av − λv‖; λ lies within r²/δ of an eigenvalue of A (δ
the distance to the rest of the spectrum, Kato–Temple), so r ≤ 10⁻⁶λ puts it within
10⁻¹²·λ²/δ of one. Anything else (LOBPCG short of that, a breakdown in its Rayleigh–Ritz
step) returns None and the caller factorizes. As with Lanczos from a random
start, that the eigenvalue found is the smallest one rests on the start having a component
along its eigenvector, which a random start has with probability one.
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

#: kept cells from which the 3D solvers use :func:`amg_gap` (below it the LU is as fast or faster:
#: 0.3 s against 0.3 s at 12,000 cells of the 3D CTLD lift, 1.8 s against 1.0 s at 27,000)
AMG_FROM = 10_000
#: the relative residual r/λ an answer must reach
RESIDUAL = 1e-6
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
    shifted = (A + sps.identity(n, format="csr") * (_SHIFT * float(A.diagonal().max()))).tocsr()
    precondition = pyamg.smoothed_aggregation_solver(shifted, symmetry="symmetric", max_coarse=500).aspreconditioner()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 1)) * v0[:, None] + 1e-3 * rng.standard_normal((n, 1))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # LOBPCG warns when it stops short; the residual decides
            lam, x = lobpcg(A, x, M=precondition, Y=v0[:, None], largest=False, tol=0.0, maxiter=20)
            lam, x = lobpcg(A, x, M=precondition, Y=v0[:, None], largest=False,
                            tol=0.1 * RESIDUAL * abs(float(lam[0])), maxiter=max_iterations)
    except (np.linalg.LinAlgError, ValueError):
        return None
    v = x[:, 0] - v0 * float(v0 @ x[:, 0])
    v /= np.linalg.norm(v)
    Av = A @ v
    value = float(v @ Av)
    residual = float(np.linalg.norm(Av - value * v))
    if not (np.isfinite(value) and value > 0 and residual <= RESIDUAL * value):
        return None
    return value, v
