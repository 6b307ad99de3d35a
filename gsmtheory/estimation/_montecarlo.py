r"""Monte Carlo error curves: n·MSE of an estimator over repeated samples, against the sandwich.

For each n, R data sets of n exact samples of p are fitted at once (batched in torch, on any
device) and

    n·MSE = n · (1/R') Σ_r (θ̂_r − θ*)(θ̂_r − θ*)ᵀ  →  Γ  as n → ∞,

over the R' replications that produced an estimate, with a 95% interval per diagonal entry
from the CLT over replications (mean ± 1.96·sd/√R' of the per-replication n(θ̂_r − θ*)_k²).

Estimates stay in the parameter range (``problem.param_bounds``, e.g. a mixture weight in
[0, 1]). An estimate on the boundary of the range is a value of the (constrained) estimator and
is averaged in, and counted (``at_bound``); replications whose fit failed (not converged, line
search failed, non-finite) have no estimate: they are excluded from n·MSE and counted
(``failed``, with ``status_counts``), never averaged in.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError
from gsmtheory._progress import progress_bar
from gsmtheory.estimation._fit_batch import BATCH_ESTIMATORS, fit_batch
from gsmtheory.estimation._records import plain
from gsmtheory.solve import Problem, build_problem
from gsmtheory.symbolic import Diffusion, Model, Spec

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["MonteCarloCurve", "MonteCarloPoint", "monte_carlo"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class MonteCarloPoint:
    """n·MSE = n·E[(θ̂ − θ*)(θ̂ − θ*)ᵀ] at one n: the matrix, and per parameter its value and 95% interval.

    ``converged`` fits ended in the interior of the parameter range, ``at_bound`` on its
    boundary (both are estimates, and both enter n·MSE: ``used = converged + at_bound``);
    ``failed`` fits have no estimate and are excluded from n·MSE. ``status_counts`` lists every
    status with its count. With ``used < 2`` the n·MSE entries are NaN and ``status`` is "failed".

    Attributes
    ----------
    n, replications : int
        Sample size and number of data sets.
    converged, at_bound, failed : int
        Counts of the fits.
    n_mse : tuple of tuples
        The matrix n·MSE.
    diagonal, lower, upper, bias : tuple of float
        Per parameter: n·MSE, its 95% interval, and the mean of θ̂ − θ*.
    seconds : float
        Time spent.
    status_counts : tuple of (str, int)
        Every fit status with its count.

    Raises
    ------
    ValueError
        Counts that do not add up to ``replications``.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> point = monte_carlo(build_problem(load_spec("gaussian", constants={"sigma": 1.0})), [400], replications=50).points[0]
    >>> point.n, point.converged, bool(point.lower[0] < 1.0 < point.upper[0])    # Γ_GSM = 1 inside
    (400, 50, True)
    """

    n: int
    replications: int
    converged: int
    at_bound: int
    failed: int
    n_mse: tuple[tuple[float, ...], ...]
    diagonal: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    bias: tuple[float, ...]
    seconds: float
    status_counts: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        if self.converged + self.at_bound + self.failed != self.replications:
            raise ValueError("converged + at_bound + failed must equal replications")

    @property
    def used(self) -> int:
        """Replications averaged into n·MSE (interior and boundary estimates)."""
        return self.converged + self.at_bound

    @property
    def status(self) -> str:
        """"ok" when every replication gave an estimate, "partial" when some failed (excluded),
        "failed" when fewer than two did (no n·MSE)."""
        if self.used < 2:
            return "failed"
        return "ok" if self.failed == 0 else "partial"

    def contains(self, values: Sequence[float]) -> tuple[bool, ...]:
        """Whether each value (e.g. the sandwich's diagonal) lies inside the 95% interval."""
        return tuple(bool(lo <= v <= hi) for v, lo, hi in zip(values, self.lower, self.upper, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        out = plain({k: v for k, v in self.__dict__.items() if k != "status_counts"})
        out["status_counts"] = dict(self.status_counts)
        out["used"] = self.used
        out["status"] = self.status
        return out


@dataclass(frozen=True)
class MonteCarloCurve:
    """n·MSE versus n for one estimator ("gsm" or "mle"): the finite-sample side of Γ (docs/design.md §6).

    Attributes
    ----------
    params : tuple of str
        Parameter names.
    estimator : str
        ``"gsm"`` or ``"mle"``.
    truth : tuple of float
        θ*.
    points : tuple of MonteCarloPoint
        One per n.
    seed : int
        The seed of the data.
    method : str
        How the fits ran.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> curve = monte_carlo(build_problem(load_spec("gaussian", constants={"sigma": 1.0})), [100, 400], replications=50)
    >>> [p.n for p in curve.points], curve.agrees_with([[1.0]])          # Γ_GSM = 1
    ([100, 400], (True,))
    """

    params: tuple[str, ...]
    estimator: str
    truth: tuple[float, ...]
    points: tuple[MonteCarloPoint, ...]
    seed: int
    method: str

    def agrees_with(self, covariance: Array | Sequence[Sequence[float]], *, at: int = -1) -> tuple[bool, ...]:
        """Per parameter: Γ[k,k] inside the 95% interval of n·MSE at point ``at`` (default: largest n)."""
        G = np.atleast_2d(np.asarray(covariance, dtype=float))
        return self.points[at].contains([float(v) for v in np.diag(G)])

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"params": list(self.params), "estimator": self.estimator, "truth": list(self.truth),
                "seed": self.seed, "method": self.method, "points": [p.to_dict() for p in self.points]}


def monte_carlo(spec: Spec | Diffusion | Problem, ns: Sequence[int], replications: int = 200,
                *, estimator: str = "gsm", model: Model | None = None, seed: int = 0,
                max_iter: int = 100, device: str | torch.device = "cpu") -> MonteCarloCurve:
    """n·MSE = n·E[(θ̂_n − θ*)(θ̂_n − θ*)ᵀ] of ``estimator`` for each n in ``ns`` over ``replications`` data sets.

    See the module docstring for what enters n·MSE. Data are drawn with numpy (``seed``) and
    fitted in torch on ``device`` (:func:`fit_batch`). Failed replications are excluded and
    counted; a warning names them. With fewer than two estimates at some n, that point has NaN
    entries and status "failed" (check ``point.status``).

    Parameters
    ----------
    spec : Spec, Diffusion or Problem
        The problem (a diffusion needs ``model``).
    ns : sequence of int
        Sample sizes.
    replications : int
        Data sets per n (≥ 2; 200 or more for bands).
    estimator : str
        ``"gsm"`` or ``"mle"``.
    model : Model, optional
        The model, when ``spec`` is a diffusion.
    seed, max_iter, device
        Seed of the data, Newton iterations, torch device.

    Returns
    -------
    MonteCarloCurve
        One :class:`MonteCarloPoint` per n.

    Raises
    ------
    NumericalError
        Fewer than 2 replications, an unknown estimator, or n < 1.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> curve = monte_carlo(build_problem(load_spec("gaussian", constants={"sigma": 1.0})), [400], replications=50, estimator="mle")
    >>> p = curve.points[0]
    >>> bool(p.lower[0] < 1.0 < p.upper[0])              # Γ_MLE = I⁻¹ = 1 inside the interval
    True
    """
    import torch
    problem = spec if isinstance(spec, Problem) else build_problem(spec, model)
    if replications < 2:
        raise NumericalError(f"replications = {replications}", "use at least 2 (200 or more for bands)")
    if estimator not in BATCH_ESTIMATORS:
        raise NumericalError(f"unknown estimator {estimator!r}", f"use one of {', '.join(BATCH_ESTIMATORS)}")
    for n in ns:
        if int(n) < 1:
            raise NumericalError(f"sample size {n}", "use n >= 1")
    rng = np.random.default_rng(seed)
    truth = problem.truth
    P = problem.n_params
    points = []
    method = ""
    bar = progress_bar(len(ns), f"Monte Carlo, {replications} fits per n", "n")
    for n in ns:
        t0 = time.perf_counter()
        data = torch.as_tensor(problem.sample((replications, int(n)), rng), device=device)
        res = fit_batch(problem, data, estimator, max_iter=max_iter)
        method = res.method
        use = res.solved
        err = res.theta[use] - truth
        R = int(use.sum())
        if R >= 2:
            outer = n * np.einsum("ri,rj->ij", err, err) / R
            sq = n * err**2
            mean = sq.mean(0)
            half = 1.96 * sq.std(0, ddof=1) / math.sqrt(R)
            lower, upper, bias = mean - half, mean + half, err.mean(0)
        else:
            outer = np.full((P, P), np.nan)
            mean = lower = upper = bias = np.full(P, np.nan)
        if res.n_failed:
            counts = ", ".join(f"{k}: {v}" for k, v in res.status_counts().items()
                               if k not in ("converged", "bound"))
            warnings.warn(f"monte_carlo: {res.n_failed} of {replications} fits failed at n = {n} ({counts}); "
                          "they are excluded from n·MSE", stacklevel=2)
        points.append(MonteCarloPoint(int(n), replications, res.n_converged, res.n_at_bound, res.n_failed,
                                      tuple(map(tuple, outer)), tuple(mean), tuple(lower), tuple(upper),
                                      tuple(bias), time.perf_counter() - t0,
                                      tuple(res.status_counts().items())))
        bar.update()
    bar.close()
    return MonteCarloCurve(problem.params, estimator, tuple(truth), tuple(points), seed,
                           f"{replications} replications per n, {method}; n·MSE over the replications "
                           "with an estimate (interior or on the parameter range's boundary), failed fits "
                           "excluded and counted; 95% CLT intervals")
