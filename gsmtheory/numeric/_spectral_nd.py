r"""d ≥ 3 without product structure: a Rayleigh–Ritz lower bound with a polynomial basis.

C_P = sup_g Var_p(g)/E(g) ≥ max over g ∈ span{φ_a} = λ_max(C, K), the top generalized
eigenvalue of C_ab = Cov_p(φ_a, φ_b) and K_ab = E_p[∇φ_aᵀ D ∇φ_b], with φ_a the monomials
of degree 1..k in standardized coordinates. Any finite basis gives a lower bound (the
certified side); it is exact when an eigenfunction lies in the span (Gaussians, degree 1).
Expectations use, for Gaussian mixtures, per-component tensor Gauss–Hermite rules (exact
for polynomial integrands up to degree 2n − 1); on a finite box tensor Gauss–Legendre; on R^d
(no mixture) Gauss–Hermite for the Laplace approximation N(x*, (−∇²ℓ(x*))⁻¹) with importance
weights p/φ (exact for Gaussian targets); the error estimate is the change between two
quadrature resolutions. Grids have at most ~2·10⁴ nodes: in d ≥ 5 the nodes per axis and the
degree shrink (stated in the resolution).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.numeric._mixture import MixtureLike
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._ritz import ritz_min_eigenvalue

__all__ = ["rayleigh_ritz"]

_MAX_NODES = 2e7
_MAX_QUAD_CHANGE = 0.5  # beyond this change relative to the Ritz value the quadrature is not trusted

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


def _nodes_mixture(mixture: MixtureLike, n: int) -> tuple[Array, Array]:
    means = np.atleast_2d(np.asarray(mixture.means, float))
    w = np.asarray(mixture.weights, float)
    cov = np.atleast_2d(np.asarray(mixture.covariance, float))
    d = means.shape[1]
    if float(n) ** d * len(w) > _MAX_NODES:
        raise SpecError(f"Rayleigh–Ritz by tensor quadrature in d = {d} needs {n}^{d} nodes per component",
                        "use method 'auto' (a shared-covariance mixture is reduced along the means first)")
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


def _laplace(log_density: Callable[[Array], Array], d: int) -> tuple[Array, Array]:
    """Mode x* of ℓ (BFGS from 0) and the covariance (−∇²ℓ(x*))⁻¹ by central differences."""
    def f(x: Array) -> float:
        v = float(np.asarray(log_density(x[None, :]), float).reshape(-1)[0])
        return -v if math.isfinite(v) else 1e300

    r = minimize(f, np.zeros(d), method="BFGS", options={"gtol": 1e-10})
    x0 = r.x
    h = 1e-4 * max(1.0, float(np.max(np.abs(x0))))
    E = np.eye(d) * h
    pts = [x0]
    for i in range(d):
        pts += [x0 + E[i], x0 - E[i]]
        for j in range(i + 1, d):
            pts += [x0 + E[i] + E[j], x0 - E[i] - E[j], x0 + E[i] - E[j], x0 - E[i] + E[j]]
    v = np.asarray(log_density(np.array(pts)), float)
    H = np.empty((d, d))
    k = 1
    for i in range(d):
        H[i, i] = (v[k] + v[k + 1] - 2 * v[0]) / h**2
        k += 2
        for j in range(i + 1, d):
            H[i, j] = H[j, i] = (v[k] + v[k + 1] - v[k + 2] - v[k + 3]) / (4 * h**2)
            k += 4
    ev, U = np.linalg.eigh(-0.5 * (H + H.T))
    if not (np.all(np.isfinite(ev)) and ev.min() > 0):
        raise ModelError("ℓ has no strict maximum on R^d (the Hessian at the optimizer is not "
                         "negative definite): no Laplace quadrature for Rayleigh–Ritz",
                         "give a finite domain or a [mixture] target")
    return x0, U @ np.diag(1.0 / ev) @ U.T


def _nodes_laplace(log_density: Callable[[Array], Array], mean: Array, cov: Array,
                   n: int) -> tuple[Array, Array]:
    d = mean.size
    t, wt = np.polynomial.hermite_e.hermegauss(n)
    z = np.array(list(itertools.product(t, repeat=d)))
    lw = np.log(np.prod(np.array(list(itertools.product(wt, repeat=d))), axis=1))
    x = mean + z @ np.linalg.cholesky(cov).T
    with np.errstate(all="ignore"):
        lp = np.asarray(log_density(x), float)
    lw = lw + np.where(np.isfinite(lp), lp, -np.inf) + 0.5 * np.sum(z * z, axis=1)
    w = np.exp(lw - np.max(lw))
    return x, w / w.sum()


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
    DG = np.matmul(grads, np.swapaxes(Dv, -1, -2))  # (D ∇φ_a)_i = Σ_j D_ij ∂_j φ_a
    m = grads.shape[1]
    # K_ab = Σ_n w_n ∇φ_a·D∇φ_b as one matrix product (a three-operand einsum took seconds)
    K = np.swapaxes(grads * w[:, None, None], 0, 1).reshape(m, -1) @ \
        np.swapaxes(DG, 0, 1).reshape(m, -1).T
    kmin = ritz_min_eigenvalue(C, K, cutoff=1e-12)  # whitened: directions with no variance dropped
    if kmin <= 0:
        return math.inf
    return 1.0 / kmin


def rayleigh_ritz(log_density: Callable[[Array], Array] | None, D: Callable[[Array], Array],
                  *, box: Array | None = None, mixture: MixtureLike | None = None, degree: int = 3,
                  nodes: int = 12, dim: int | None = None) -> PoincareResult:
    r"""Lower bound on C_P in any dimension from a polynomial Rayleigh–Ritz space.

    Parameters
    ----------
    log_density : callable or None
        ℓ on points of shape (N, d) (unused when ``mixture`` is given).
    D : callable
        D on points (N, d) → (N, d, d).
    box : array (d, 2), optional
        Finite truncated box for Gauss–Legendre quadrature (when there is no mixture); without
        box and mixture the target lives on R^d (``dim`` = d) and the quadrature is
        Gauss–Hermite at its Laplace approximation.
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

    Raises
    ------
    SpecError
        If ``degree`` < 1, or neither a mixture nor a finite box (nor ``dim`` on R^d) is given.

    Examples
    --------
    For N(0, 2) the linear functions already hold the Ornstein–Uhlenbeck eigenfunction, so the
    lower bound is the constant 2 itself:

    >>> import numpy as np
    >>> one = lambda x: np.broadcast_to(np.eye(1), (x.shape[0], 1, 1))
    >>> r = rayleigh_ritz(None, one, mixture=MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[2.0]]),
    ...                   degree=1)
    >>> round(r.poincare_constant, 9), r.side, r.status
    (2.0, 'lower_bound', 'bound')
    """
    if degree < 1:
        raise SpecError("degree must be >= 1", "use degree 1..4")
    coarser: list[tuple[Array, Array]] = []  # further levels: the error is the largest change
    if mixture is not None:
        fine = _nodes_mixture(mixture, nodes)
        coarse = _nodes_mixture(mixture, max(nodes - 4, degree + 1))
        where = "Gauss–Hermite per component"
    elif box is None and log_density is not None:  # R^d: Laplace-centred Gauss–Hermite
        d = int(dim) if dim is not None else 0
        if d < 1:
            raise SpecError("rayleigh_ritz on R^d needs dim", "pass dim=d")
        nodes = max(min(nodes, int(2e4 ** (1.0 / d))), 3)
        while degree > 1 and nodes ** d * len(_exponents(d, degree)) * d > 2e7:
            degree -= 1
        while degree > 1 and 2 * nodes - 1 < 2 * degree:
            degree -= 1
        mean, cov = _laplace(log_density, d)
        for _ in range(4):  # moment matching: the Gaussian whose p/φ is flattest (e.g. quartic ℓ)
            xq, wq = _nodes_laplace(log_density, mean, cov, max(nodes - 2, 3))
            mean = wq @ xq
            cov = (xq - mean).T @ ((xq - mean) * wq[:, None])
        fine = _nodes_laplace(log_density, mean, cov, nodes)
        coarse = _nodes_laplace(log_density, mean, cov, max(nodes - 2, degree + 1))
        coarser.append(_nodes_laplace(log_density, mean, cov, max(nodes - 4, degree + 1)))
        where = "Gauss–Hermite at the Laplace approximation, importance-weighted"
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
    err = max([abs(c1 - c0)] + [abs(c1 - _ritz(*g, D, degree)) for g in coarser])
    d = fine[0].shape[1]
    res = {"degree": degree, "basis_size": len(_exponents(d, degree)), "nodes_per_axis": nodes,
           "quadrature": where}
    if not (math.isfinite(c1) and err <= _MAX_QUAD_CHANGE * c1):
        # the rule does not resolve p (a peaked or multimodal density on a coarse tensor grid):
        # c1 − err is no certificate (it can be negative); say so instead of printing a bound
        return PoincareResult(c1, math.inf, "rayleigh_ritz", res, "not_converged",
                              f"no certified lower bound: the Ritz value {c1:.4g} changes by {err:.2g} "
                              f"between quadrature rules ({where}), which do not resolve the density",
                              "lower_bound", lower=None)
    return PoincareResult(c1, err, "rayleigh_ritz", res,
                          "bound", f"lower bound from polynomials of degree <= {degree} "
                          f"({where}); quadrature change {err:.2g}", "lower_bound",
                          lower=c1 - err)
