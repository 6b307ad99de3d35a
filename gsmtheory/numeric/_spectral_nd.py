r"""d ≥ 3 without product structure: a Rayleigh–Ritz lower bound with a polynomial basis.

C_P = sup_g Var_p(g)/E(g) ≥ max over g ∈ span{φ_a} = λ_max(C, K), the top generalized
eigenvalue of C_ab = Cov_p(φ_a, φ_b) and K_ab = E_p[∇φ_aᵀ D ∇φ_b], with φ_a the monomials
of degree 1..k in standardized coordinates. Any finite basis gives a lower bound (the
certified side); it is exact when an eigenfunction lies in the span (Gaussians, degree 1).
Expectations use, for Gaussian mixtures, per-component tensor Gauss–Hermite rules (exact
for polynomial integrands up to degree 2n − 1), otherwise tensor Gauss–Legendre on the
truncated box; the error estimate is the change between two quadrature resolutions.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory.numeric._result import PoincareResult

__all__ = ["rayleigh_ritz"]

Array = NDArray[np.float64]


def _exponents(d: int, degree: int) -> list[tuple[int, ...]]:
    out = [e for e in itertools.product(range(degree + 1), repeat=d) if 1 <= sum(e) <= degree]
    return sorted(out, key=lambda e: (sum(e), e))


def _basis(z: Array, scale: Array, exps: list[tuple[int, ...]]) -> tuple[Array, Array]:
    """Values (N, m) and gradients in x (N, m, d) of the monomials in z = (x − c)/scale."""
    n, d = z.shape
    vals = np.empty((n, len(exps)))
    grads = np.zeros((n, len(exps), d))
    for a, e in enumerate(exps):
        terms = [z[:, i] ** e[i] for i in range(d)]
        vals[:, a] = np.prod(terms, axis=0)
        for i in range(d):
            if e[i] == 0:
                continue
            t = list(terms)
            t[i] = e[i] * z[:, i] ** (e[i] - 1)
            grads[:, a, i] = np.prod(t, axis=0) / scale[i]
    return vals, grads


def _nodes_mixture(mixture: Any, n: int) -> tuple[Array, Array]:
    means = np.atleast_2d(np.asarray(mixture.means, float))
    w = np.asarray(mixture.weights, float)
    cov = np.atleast_2d(np.asarray(mixture.covariance, float))
    d = means.shape[1]
    t, wt = np.polynomial.hermite_e.hermegauss(n)
    wt = wt / wt.sum()
    grid = np.array(list(itertools.product(t, repeat=d)))
    gw = np.prod(np.array(list(itertools.product(wt, repeat=d))), axis=1)
    L = np.linalg.cholesky(cov)
    xs = [mu + grid @ L.T for mu in means]
    ws = [wk * gw for wk in w]
    return np.concatenate(xs), np.concatenate(ws)


def _nodes_box(log_density: Callable[[Array], Array], box: Array, n: int) -> tuple[Array, Array]:
    t, wt = np.polynomial.legendre.leggauss(n)
    axes = [0.5 * (b[0] + b[1]) + 0.5 * (b[1] - b[0]) * t for b in box]
    waxes = [0.5 * (b[1] - b[0]) * wt for b in box]
    x = np.array(list(itertools.product(*axes)))
    w = np.prod(np.array(list(itertools.product(*waxes))), axis=1)
    with np.errstate(all="ignore"):
        lp = np.asarray(log_density(x), float)
    lp = np.where(np.isfinite(lp), lp, -np.inf)
    pw = np.exp(lp - np.max(lp)) * w
    return x, pw / pw.sum()


def _ritz(x: Array, w: Array, D: Callable[[Array], Array], degree: int) -> float:
    mean = w @ x
    sd = np.sqrt(np.maximum(w @ (x - mean) ** 2, 1e-300))
    z = (x - mean) / sd
    vals, grads = _basis(z, sd, _exponents(x.shape[1], degree))
    vals = vals - w @ vals
    C = (vals * w[:, None]).T @ vals
    Dv = np.asarray(D(x), float)
    if Dv.ndim == 2:  # constant D given per point as (d, d)? broadcast
        Dv = np.broadcast_to(Dv, (x.shape[0], *Dv.shape[-2:]))
    DG = np.einsum("nij,naj->nai", Dv, grads)
    K = np.einsum("n,nai,nbi->ab", w, grads, DG)
    # whiten the covariance (drop directions with no variance), then eigen-solve
    ev, U = np.linalg.eigh(0.5 * (C + C.T))
    keep = ev > 1e-12 * ev.max()
    T = U[:, keep] / np.sqrt(ev[keep])
    Kt = T.T @ K @ T
    kmin = float(np.linalg.eigvalsh(0.5 * (Kt + Kt.T)).min())
    if kmin <= 0:
        return math.inf
    return 1.0 / kmin


def rayleigh_ritz(log_density: Callable[[Array], Array] | None, D: Callable[[Array], Array],
                  *, box: Array | None = None, mixture: Any = None, degree: int = 3,
                  nodes: int = 12) -> PoincareResult:
    r"""Lower bound on C_P in any dimension from a polynomial Rayleigh–Ritz space.

    Parameters
    ----------
    log_density : callable or None
        ℓ on points of shape (N, d) (unused when ``mixture`` is given).
    D : callable
        D on points (N, d) → (N, d, d).
    box : array (d, 2), optional
        Finite truncated box for Gauss–Legendre quadrature (when there is no mixture).
    mixture : GaussianMixture-like, optional
        Exact expectations by per-component Gauss–Hermite.
    degree : int
        Highest total degree of the monomials.
    nodes : int
        Quadrature nodes per axis (the error estimate compares with nodes − 4).

    Returns
    -------
    PoincareResult
        ``side="lower_bound"``, ``status="bound"``, method ``"rayleigh_ritz"``.
    """
    if degree < 1:
        raise SpecError("degree must be >= 1", "use degree 1..4")
    if mixture is not None:
        fine = _nodes_mixture(mixture, nodes)
        coarse = _nodes_mixture(mixture, max(nodes - 4, degree + 1))
        where = "Gauss–Hermite per component"
    elif box is not None and log_density is not None:
        b = np.asarray(box, float)
        fine = _nodes_box(log_density, b, nodes)
        coarse = _nodes_box(log_density, b, max(nodes - 4, degree + 1))
        where = "Gauss–Legendre on the truncated box"
    else:
        raise SpecError("rayleigh_ritz needs a mixture or a finite box and a log density",
                        "pass mixture=... or box=... with log_density")
    c1 = _ritz(*fine, D, degree)
    c0 = _ritz(*coarse, D, degree)
    err = abs(c1 - c0)
    d = fine[0].shape[1]
    return PoincareResult(c1, err, "rayleigh_ritz",
                          {"degree": degree, "basis_size": len(_exponents(d, degree)),
                           "nodes_per_axis": nodes, "quadrature": where},
                          "bound", f"lower bound from polynomials of degree <= {degree} "
                          f"({where}); quadrature change {err:.2g}", "lower_bound",
                          lower=c1 - err)
