r"""Batched fits: R independent data sets (R, n, d) at once, in torch (for Monte Carlo error curves)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory.estimation._fit import clip, feasible_box, inside, snap
from gsmtheory.estimation._fit_objectives import gsm_objective, mle_objective
from gsmtheory.estimation._newton import newton_minimize
from gsmtheory.solve import Problem

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["BATCH_ESTIMATORS", "BatchFit", "fit_batch"]

#: the estimators a batched fit runs (the iterative ones of the estimator registry that take R data sets)
BATCH_ESTIMATORS: tuple[str, ...] = ("gsm", "mle")

Array = NDArray[np.float64]


@dataclass(frozen=True)
class BatchFit:
    """R fits at once: θ̂_r = argmin_θ (1/n)Σ_i φ(X_{r,i}; θ), r = 1..R, as θ̂ (R, P) with per-row status.

    Attributes
    ----------
    params : tuple of str
        Parameter names (column order of ``theta``).
    theta : ndarray
        θ̂, shape (R, P); rows that failed are NaN (a failure is never a number).
    converged, at_bound : ndarray of bool
        Per row: an estimate (interior or on the boundary); per entry: held at the boundary.
    status : tuple of str
        Per row: "converged" (interior minimizer), "bound" (minimizer on the boundary of the
        parameter range, a valid estimate equal to the boundary value), or a failure
        ("not_converged", "line_search_failed", "non_finite", "singular").
    method : str
        Closed form or projected Newton.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("gaussian", constants={"sigma": 1.0}))
    >>> b = fit_batch(pr, sample_target(pr, (3, 500), seed=2))
    >>> b.theta.shape, b.status
    ((3, 1), ('converged', 'converged', 'converged'))
    """

    params: tuple[str, ...]
    theta: Array
    converged: NDArray[np.bool_]
    status: tuple[str, ...]
    method: str
    at_bound: NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        if self.at_bound is None:
            object.__setattr__(self, "at_bound", np.array([s == "bound" for s in self.status], dtype=bool))

    @property
    def solved(self) -> NDArray[np.bool_]:
        """Rows with a valid estimate: converged in the interior or on the boundary."""
        assert self.at_bound is not None  # set in __post_init__
        return self.converged | self.at_bound

    @property
    def n_converged(self) -> int:
        """Number of rows converged in the interior."""
        return int(self.converged.sum())

    @property
    def n_at_bound(self) -> int:
        """Number of rows whose estimate lies on the boundary of the parameter range."""
        assert self.at_bound is not None  # set in __post_init__
        return int(self.at_bound.sum())

    @property
    def n_failed(self) -> int:
        """Number of rows without an estimate (not converged, line search failed, non-finite, singular)."""
        return int((~self.solved).sum())

    def status_counts(self) -> dict[str, int]:
        """How many rows ended in each status."""
        out: dict[str, int] = {}
        for st in self.status:
            out[st] = out.get(st, 0) + 1
        return dict(sorted(out.items()))


CHUNK_ELEMENTS = 1_000_000  # rows per chunk = this // n: bounds the autograd graph's memory


def fit_batch(problem: Problem, data: Array | torch.Tensor, loss: str = "gsm", *,
              theta0: Sequence[float] | None = None, max_iter: int = 100,
              chunk: int | None = None) -> BatchFit:
    """θ̂_r = argmin_θ (1/n)Σ_i φ(X_{r,i}; θ) for R independent data sets (R, n, d) at once (torch, batched).

    Runs on the device and in the dtype of ``data`` when it is a tensor. Iterative fits start from
    ``theta0`` (default: the spec's truth, i.e. the local minimizer near θ*, the one the asymptotic
    theory describes) and stay inside the parameter range (``problem.param_bounds``); the projected
    Newton solver evaluates only unfinished rows. Exponential families (quadratic GSM loss) are
    solved in closed form; rows whose solution leaves the parameter range are refitted by Newton.

    Parameters
    ----------
    problem : Problem
        The problem (:func:`build_problem`).
    data : ndarray or torch.Tensor
        (R, n, d), or (n, d) for one data set.
    loss : str
        ``"gsm"`` or ``"mle"``.
    theta0 : sequence of float, optional
        The start of the iterative fits (default θ*).
    max_iter : int
        Newton iterations.
    chunk : int, optional
        Rows per chunk (default: about 10⁶ data values per chunk).

    Returns
    -------
    BatchFit
        θ̂ (R, P) with a status per row.

    Raises
    ------
    SpecError
        A loss without a batched estimator.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("gaussian", constants={"sigma": 1.0}))
    >>> b = fit_batch(pr, sample_target(pr, (4, 2000), seed=0))
    >>> bool(abs(b.theta).max() < 0.1), all(b.converged)     # μ̂ ≈ μ* = 0, se 1/√2000
    (True, True)
    """
    import torch
    if loss not in BATCH_ESTIMATORS:
        raise SpecError(f"unknown loss {loss!r} for batched fits", f"use one of {', '.join(BATCH_ESTIMATORS)}")
    x_all = torch.as_tensor(np.asarray(data, dtype=np.float64)) if not isinstance(data, torch.Tensor) else data
    if x_all.ndim == 2:
        x_all = x_all[..., None]
    R, n = x_all.shape[0], x_all.shape[1]
    box = feasible_box(problem)
    start = problem.truth if theta0 is None else np.asarray(theta0, dtype=float)
    start = clip(start, box)
    if loss == "gsm" and problem.has_quadratic_loss:
        return _closed_form_batch(problem, x_all, box, max_iter)
    rows_per = chunk if chunk is not None else max(1, CHUNK_ELEMENTS // max(n, 1))
    thetas: list[Array] = []
    statuses: list[str] = []
    for s0 in range(0, R, rows_per):
        x = x_all[s0:s0 + rows_per]
        objective = (gsm_objective(problem, x) if loss == "gsm"
                     else mle_objective(problem, x, x.reshape(-1, x.shape[-1]).detach().cpu().numpy()))
        th0 = torch.as_tensor(start, dtype=x.dtype, device=x.device)[None].repeat(x.shape[0], 1)
        res = newton_minimize(objective, th0, bounds=box, subset=True, max_iter=max_iter)
        thetas.append(snap(problem, res.theta.detach().cpu().numpy(), res.at_bound))
        statuses.extend(res.status)
    theta = np.concatenate(thetas)
    conv = np.array([st == "converged" for st in statuses])
    bound = np.array([st == "bound" for st in statuses])
    theta = np.where((conv | bound)[:, None], theta, np.nan)
    method = "projected damped Newton, batched over replications"
    if problem.is_bounded:
        method += "; parameter range " + ", ".join(
            f"{name} in [{lo:g}, {hi:g}]" for name, (lo, hi) in zip(problem.params, problem.param_bounds, strict=True))
    return BatchFit(problem.params, theta, conv, tuple(statuses), method, bound)


def _closed_form_batch(problem: Problem, x_all: torch.Tensor, box: tuple[tuple[float, float], ...],
                       max_iter: int) -> BatchFit:
    """Batched linear solves of a quadratic GSM loss; rows outside the range refitted by projected Newton."""
    import torch
    P = problem.n_params
    A, b = problem.quadratic_coefficients_torch(x_all)
    _, bgrad, bhess = problem.boundary(np.zeros(P))
    Abar = A.mean(1) + torch.as_tensor(bhess, dtype=A.dtype, device=A.device)
    bbar = b.mean(1) + torch.as_tensor(bgrad, dtype=A.dtype, device=A.device)
    theta_t = -torch.linalg.solve(Abar, bbar)
    ok = torch.isfinite(theta_t).all(1)
    theta = theta_t.detach().cpu().numpy()
    status = ["converged" if o else "singular" for o in ok.tolist()]
    method = "closed form (batched linear solves)"
    outside = np.nonzero(ok.cpu().numpy() & ~inside(theta, box))[0]
    if outside.size:
        objective = gsm_objective(problem, x_all[torch.as_tensor(outside, device=x_all.device)])
        th0 = torch.as_tensor(clip(theta[outside], box), dtype=x_all.dtype, device=x_all.device)
        res = newton_minimize(objective, th0, bounds=box, subset=True, max_iter=max_iter)
        theta[outside] = snap(problem, res.theta.cpu().numpy(), res.at_bound)
        for j, r in enumerate(outside.tolist()):
            status[r] = res.status[j]
        method += f"; {outside.size} row(s) outside the parameter range refitted by projected Newton"
    conv = np.array([st == "converged" for st in status])
    bound = np.array([st == "bound" for st in status])
    theta = np.where((conv | bound)[:, None], theta, np.nan)
    return BatchFit(problem.params, theta, conv, tuple(status), method, bound)
