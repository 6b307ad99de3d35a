r"""The eigen-solves of one 1D chain: C_P by the Green's kernel (relative precision) or bisection.

Two exact solvers of the same chain (docs/design.md §6, "tiny gaps"):

- ``"fv"``: the symmetric tridiagonal generator, second eigenvalue by bisection; its error is
  ε‖A‖ absolute, so it loses relative accuracy when C_P ε‖A‖ is not small;
- ``"green"``: the inverse generator on mean-zero functions. With Δ_k = f_{k+1} − f_k and
  φ_k = √c_k Δ_k, Var_π(f) = Σ_{k,l} Δ_k Δ_l Π_{k∧l} S_{k∨l} (Π_k = Σ_{i≤k} π_i,
  S_k = Σ_{i>k} π_i), so C_P is the top eigenvalue of the positive semiseparable kernel
  K_{kl} = Π_{k∧l} S_{k∨l} / √(c_k c_l) — the discrete form of
  ⟨g, (−L)⁻¹ g⟩_p = ∫ (∫_a^z g p)² / (pD)(z) dz. Π, S and c are kept in log space (S by a
  reverse cumulative sum, never 1 − Π), a matrix–vector product is two cumulative sums,
  and Lanczos finds the top eigenvalue to relative precision ε whatever its size.

References: Miclo (1999) for the birth–death variance identity; Chen (2005) "Eigenvalues,
Inequalities and Ergodic Theory", ch. 5.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import eigh, eigh_tridiagonal, eigvalsh
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from gsmtheory.numeric._chain1d import log_cumsums

__all__ = ["fv_gap", "green_log_top", "solve_level"]

Array = NDArray[np.float64]
_EPS = float(np.finfo(float).eps)


def green_log_top(lp: Array, lc: Array, tol: float, *, vector: bool = False
                   ) -> tuple[float, str, Array | None]:
    """log of the top eigenvalue of K_{kl} = Π_{k∧l} S_{k∨l}/√(c_k c_l); relative precision.

    With ``vector``, also the increments Δ_k = φ_k/√c_k of the top eigenvector φ (the discrete
    eigenfunction's differences, up to scale; None where they overflow).
    """
    lP, lS = log_cumsums(lp)
    if np.any(~np.isfinite(lc)):
        return math.inf, "the density vanishes inside the domain (disconnected support)", None
    ldiag = lP + lS - lc
    lscale = float(np.max(ldiag))
    A = np.exp(lP - 0.5 * (lc + lscale))
    B = np.exp(lS - 0.5 * (lc + lscale))
    m = lc.size

    def increments(phi: Array) -> Array | None:
        with np.errstate(all="ignore"):
            d = np.ravel(phi) * np.exp(-0.5 * (lc - float(np.max(lc))))
        return d if np.all(np.isfinite(d)) else None

    if m <= 64:
        idx = np.arange(m)
        lo_ = np.minimum.outer(idx, idx)
        hi_ = np.maximum.outer(idx, idx)
        K = np.exp(lP[lo_] + lS[hi_] - 0.5 * (lc[:, None] + lc[None, :]) - lscale)
        if vector:
            w_, v_ = eigh(K, subset_by_index=[m - 1, m - 1])
            return math.log(float(w_[0])) + lscale, "", increments(v_[:, 0])
        return (math.log(float(eigvalsh(K, subset_by_index=[m - 1, m - 1])[0])) + lscale, "",
                None)

    def mv(phi: Array) -> Array:
        phi = np.ravel(phi)
        left = np.cumsum(A * phi)
        right = np.cumsum((B * phi)[::-1])[::-1]
        right = np.append(right[1:], 0.0)
        return B * left + A * right

    op = LinearOperator((m, m), matvec=mv, dtype=np.float64)
    v0 = np.sqrt(np.exp(ldiag - lscale)) + 1e-3
    try:
        out = eigsh(op, k=1, which="LA", tol=tol, v0=v0, ncv=min(m, 40), maxiter=20 * m,
                    return_eigenvectors=vector)
    except ArpackNoConvergence as exc:  # pragma: no cover - rare
        if len(exc.eigenvalues):
            return math.log(float(exc.eigenvalues[0])) + lscale, "Lanczos did not converge", None
        return math.nan, "Lanczos did not converge", None
    if vector:
        w, vec = out
        return math.log(float(w[0])) + lscale, "", increments(vec[:, 0])
    return math.log(float(out[0])) + lscale, "", None


def fv_gap(lp: Array, lc: Array, *, vector: bool = False
            ) -> tuple[float, float, Array | None]:
    """(C_P, relative round-off floor, increments of the eigenfunction or None) by bisection."""
    c_over = np.exp(lc - lp[:-1])  # c_k / π_k
    c_under = np.exp(lc - lp[1:])  # c_k / π_{k+1}
    diag = np.zeros(lp.size)
    diag[:-1] += c_over
    diag[1:] += c_under
    off = -np.exp(lc - 0.5 * (lp[:-1] + lp[1:]))
    inc = None
    if vector:
        w, v = eigh_tridiagonal(diag, off, select="i", select_range=(1, 1))
        lam = w[0]
        with np.errstate(all="ignore"):
            f = v[:, 0] * np.exp(-0.5 * (lp - float(np.max(lp))))
        inc = np.diff(f) if np.all(np.isfinite(f)) else None
    else:
        lam = eigh_tridiagonal(diag, off, eigvals_only=True, select="i", select_range=(1, 1))[0]
    norm = float(np.max(diag) * 2)
    if lam <= 0:
        return math.inf, math.inf, None
    return 1.0 / float(lam), 10 * _EPS * norm / float(lam), inc


def solve_level(lp: Array, lc: Array, method: str, rtol: float, n: int, *, vector: bool
                 ) -> tuple[float, float, str, str, Array | None]:
    """(log C_P, relative floor, solver used, note, eigenfunction increments) on one chain."""
    solver = method
    inc = None
    lg, note = math.nan, ""
    if method == "auto":
        lg, note, inc = green_log_top(lp, lc, tol=1e-14, vector=vector)
        norm = float(np.max(np.exp(lc - lp[:-1]) + np.exp(lc - lp[1:])))
        rel_floor = 10 * _EPS * norm * math.exp(min(lg, 700.0)) if math.isfinite(lg) else 0.0
        solver = "fv" if rel_floor < rtol / 1000 else "green"
    if solver == "fv":
        cp, fl, inc2 = fv_gap(lp, lc, vector=vector)
        if math.isinf(cp):
            return math.nan, math.inf, "fv", "fv-lost-gap", None
        inc = inc2 if inc2 is not None else inc
        return math.log(cp), fl, "fv", "", inc
    if method == "green":
        lg, note, inc = green_log_top(lp, lc, tol=1e-14, vector=vector)
    return lg, 10 * _EPS * math.sqrt(n), "green", note, inc

