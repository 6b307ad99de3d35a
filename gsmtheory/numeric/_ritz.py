r"""The Rayleigh–Ritz step shared by the 2D, 3D and d-dimensional lower bounds."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["ritz_min_eigenvalue"]


def ritz_min_eigenvalue(C: NDArray[np.float64], K: NDArray[np.float64], *, cutoff: float = 1e-11) -> float:
    r"""min_g E(g)/Var(g) over the span of a basis: the smallest eigenvalue of K v = μ C v.

    C_ab = Cov(φ_a, φ_b) and K_ab = E[∇φ_aᵀ D ∇φ_b]; C is whitened first, dropping directions
    with variance below ``cutoff`` × its largest eigenvalue (a basis that is nearly dependent).
    1/μ ≤ C_P is the Rayleigh–Ritz lower bound; μ ≤ 0 (a degenerate basis) is returned as is.
    """
    ev, U = np.linalg.eigh(0.5 * (C + C.T))
    keep = ev > cutoff * ev.max()
    T = U[:, keep] / np.sqrt(ev[keep])
    Kt = T.T @ K @ T
    return float(np.linalg.eigvalsh(0.5 * (Kt + Kt.T)).min())
