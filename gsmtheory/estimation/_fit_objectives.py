r"""The empirical objectives the estimators minimize, on torch tensors of data (R, n, d).

- GSM: (1/n) Σ φ(X_i, θ) (+ the face terms B(θ) on a finite domain, docs/design.md §1), φ the
  implicit GSM integrand;
- MLE: −(1/n) Σ ℓ_θ(X_i) + log Z(θ): mixtures are normalized in closed form; other models get
  log Z(θ) = log Σ_j w_j e^{ℓ_θ(z_j)} by composite Gauss–Legendre quadrature on the support
  (1D: on the target's tail map, no cut-off; 2D: a box covering the support and the data),
  differentiable in θ.

An objective maps θ (k, P) and data rows (k,) to k values; the rows are independent problems
(see :mod:`gsmtheory.estimation._newton`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError
from gsmtheory.numeric import TailMap, adaptive_integrals, support_interval
from gsmtheory.solve import Problem

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["gsm_objective", "mle_objective", "rows_of"]

Array = NDArray[np.float64]


def rows_of(x: torch.Tensor, theta: torch.Tensor, rows: torch.Tensor | None) -> torch.Tensor:
    """The data rows matching θ's rows: x (1, n, d) is shared; x (R, n, d) is indexed by ``rows``."""
    if x.shape[0] == 1 and theta.shape[0] != 1:
        return x.expand(theta.shape[0], *x.shape[1:])
    if rows is None or rows.numel() == x.shape[0]:
        return x
    return x.index_select(0, rows)


def gsm_objective(problem: Problem, x: torch.Tensor):  # type: ignore[no-untyped-def]
    """θ (k, P), rows (k,) → the empirical implicit loss of data rows ``rows`` (k,)."""
    def f(theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        val = problem.implicit_torch(rows_of(x, theta, rows), theta).mean(-1)
        if problem.has_boundary:
            val = val + problem.boundary_torch(theta)
        return val
    return f


def _nodes_1d(problem: Problem, data: Array, order: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Nodes and log weights for ∫ e^{ℓ_θ} over the whole line (1D): Gauss–Legendre on the panels that
    :func:`adaptive_integrals` chose for the target's mass on its :class:`TailMap`, refined at
    the images of the data's quantiles, weights times |x′(t)|: no cut-off, so heavy-tailed
    models are normalized correctly (a fixed box misses their tails)."""
    import torch
    lo, hi = problem.bounds[0]

    def logp(z: Array) -> Array:
        return np.asarray(problem.target_logpdf(np.asarray(z)[:, None]), dtype=float)

    tmap = TailMap.fit(logp, lo, hi)

    def w(t: Array) -> Array:
        return tmap.density(logp, t)[:, None]

    with np.errstate(all="ignore"):
        res = adaptive_integrals(w, tmap.breaks(16), rtol=1e-12)
    qs = np.quantile(data[:, 0], np.linspace(0.0, 1.0, 65))
    breaks = np.unique(np.concatenate([res.edges.ravel(), tmap.t(qs), tmap.breaks(32)]))
    left, right = breaks[:-1], breaks[1:]
    tg, wg = np.polynomial.legendre.leggauss(order)
    half = (right - left) / 2
    t = (left[:, None] + half[:, None] * (tg[None, :] + 1)).ravel()
    x, jac = tmap.x_and_jacobian(t)
    weights = (half[:, None] * wg[None, :]).ravel() * jac
    keep = np.isfinite(x) & (weights > 0) & np.isfinite(weights)
    return torch.as_tensor(x[keep][:, None]), torch.as_tensor(np.log(weights[keep]))


def _nodes(problem: Problem, data: Array, panels: int = 64, order: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """Composite Gauss–Legendre nodes (M, d) and log weights (M,) covering the support and the data."""
    import torch
    if problem.dim == 1:
        return _nodes_1d(problem, data, order)
    if problem.dim == 2:
        panels, order = 16, 12
    t, w = np.polynomial.legendre.leggauss(order)
    axes = []
    scan = [np.linspace(*_finite(lo, hi), 201) for lo, hi in problem.bounds]
    for i, (lo, hi) in enumerate(problem.bounds):
        def logp_i(z: Array, i: int = i) -> Array:
            # profile: the max over the other coordinate (a slice would miss correlated mass)
            if problem.dim == 1:
                return problem.target_logpdf(np.asarray(z)[:, None])
            other = scan[1 - i]
            Z, W = np.meshgrid(z, other, indexing="ij")
            pts = np.stack([Z, W] if i == 0 else [W, Z], axis=-1)
            return np.max(problem.target_logpdf(pts), axis=1)
        a, b = support_interval(logp_i, lo, hi)
        dmin, dmax = float(np.min(data[:, i])), float(np.max(data[:, i]))
        width = b - a
        a = max(lo, min(a, dmin - 0.25 * width))
        b = min(hi, max(b, dmax + 0.25 * width))
        breaks = np.linspace(0.0, 1.0, panels + 1)
        grade = np.array([])
        if math.isfinite(lo):
            grade = np.concatenate([grade, 0.5 ** np.arange(30, 0, -1) * breaks[1]])
        if math.isfinite(hi):
            grade = np.concatenate([grade, 1 - 0.5 ** np.arange(1, 31)[::-1] * (1 - breaks[-2])])
        breaks = np.unique(np.concatenate([breaks, grade]))
        left, right = breaks[:-1], breaks[1:]
        half = (right - left) / 2
        nodes = (left[:, None] + half[:, None] * (t[None, :] + 1)).ravel()
        weights = (half[:, None] * w[None, :]).ravel()
        axes.append((a + (b - a) * nodes, (b - a) * weights))
    if problem.dim == 1:
        z, wz = axes[0][0][:, None], axes[0][1]
    elif problem.dim == 2:
        X, Y = np.meshgrid(axes[0][0], axes[1][0], indexing="ij")
        z = np.stack([X.ravel(), Y.ravel()], axis=-1)
        wz = (axes[0][1][:, None] * axes[1][1][None, :]).ravel()
    else:
        raise ModelError(f"MLE needs the normalizer; quadrature covers d ≤ 2, not d = {problem.dim}",
                         "give the model as a normalized [model.mixture] or use --loss gsm")
    return torch.as_tensor(z), torch.as_tensor(np.log(wz))


def _finite(lo: float, hi: float) -> tuple[float, float]:
    a = lo if math.isfinite(lo) else (hi - 60.0 if math.isfinite(hi) else -60.0)
    b = hi if math.isfinite(hi) else (lo + 60.0 if math.isfinite(lo) else 60.0)
    eps = 1e-9 * (b - a)
    return a + eps, b - eps


def mle_objective(problem: Problem, x: torch.Tensor, data_np: Array):  # type: ignore[no-untyped-def]
    import torch
    if problem.model.normalized:
        def f(theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
            return -problem.model_logpdf_torch(rows_of(x, theta, rows), theta).mean(-1)
        return f
    z, logw = _nodes(problem, data_np)
    z, logw = z.to(x.device), logw.to(x.device)

    def g(theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        xx = rows_of(x, theta, rows)
        zz = z[None].expand(theta.shape[0], *z.shape)
        lz = problem.model_logpdf_torch(zz, theta)
        lz = torch.where(torch.isfinite(lz), lz, torch.full_like(lz, -math.inf))
        log_norm = torch.logsumexp(lz + logw, dim=-1)
        return -problem.model_logpdf_torch(xx, theta).mean(-1) + log_norm
    return g
