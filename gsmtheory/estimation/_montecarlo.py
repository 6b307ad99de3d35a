r"""Monte Carlo error curves: n·MSE of an estimator over repeated samples, against the sandwich.

For each n, R data sets of n exact samples of p are fitted at once (batched in torch) and

    n·MSE = n · (1/R) Σ_r (θ̂_r − θ*)(θ̂_r − θ*)ᵀ  →  Γ  as n → ∞,

with a 95% interval per diagonal entry from the CLT over replications
(mean ± 1.96·sd/√R of the per-replication n(θ̂_r − θ*)_k²). Replications that did not converge
are excluded and counted, never averaged in.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError
from gsmtheory.estimation._fit import fit_batch
from gsmtheory.estimation._problem import EstimationProblem, build_problem, sample_target
from gsmtheory.estimation._records import plain
from gsmtheory.symbolic import Diffusion, Model, Spec

__all__ = ["MonteCarloCurve", "MonteCarloPoint", "monte_carlo"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class MonteCarloPoint:
    """n·MSE at one n: the matrix, and per-parameter value with its 95% interval."""

    n: int
    replications: int
    converged: int
    n_mse: tuple[tuple[float, ...], ...]
    diagonal: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    bias: tuple[float, ...]
    seconds: float

    def contains(self, values: Sequence[float]) -> tuple[bool, ...]:
        """Whether each value (e.g. the sandwich's diagonal) lies inside the 95% interval."""
        return tuple(bool(lo <= v <= hi) for v, lo, hi in zip(values, self.lower, self.upper, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return plain(self.__dict__)


@dataclass(frozen=True)
class MonteCarloCurve:
    """n·MSE versus n for one estimator ("gsm" or "mle")."""

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


def monte_carlo(spec: Spec | Diffusion | EstimationProblem, ns: Sequence[int], replications: int = 200,
                *, estimator: str = "gsm", model: Model | None = None, seed: int = 0,
                max_iter: int = 100) -> MonteCarloCurve:
    """n·MSE of ``estimator`` ("gsm" or "mle") for each n in ``ns`` over ``replications`` data sets."""
    problem = spec if isinstance(spec, EstimationProblem) else build_problem(spec, model)
    if replications < 2:
        raise NumericalError(f"replications = {replications}", "use at least 2 (200 or more for bands)")
    if estimator not in ("gsm", "mle"):
        raise NumericalError(f"unknown estimator {estimator!r}", "use gsm or mle")
    rng = np.random.default_rng(seed)
    truth = problem.truth
    points = []
    for n in ns:
        if n < 1:
            raise NumericalError(f"sample size {n}", "use n >= 1")
        t0 = time.perf_counter()
        data = sample_target(problem, (replications, int(n)), rng)
        res = fit_batch(problem, data, estimator, max_iter=max_iter)
        ok = res.converged
        err = res.theta[ok] - truth
        R = int(ok.sum())
        if R < 2:
            raise NumericalError(f"only {R} of {replications} fits converged at n = {n}",
                                 "check the model or increase max_iter")
        outer = n * np.einsum("ri,rj->ij", err, err) / R
        sq = n * err**2
        mean = sq.mean(0)
        half = 1.96 * sq.std(0, ddof=1) / math.sqrt(R)
        points.append(MonteCarloPoint(int(n), replications, R, tuple(map(tuple, outer)),
                                      tuple(mean), tuple(mean - half), tuple(mean + half),
                                      tuple(err.mean(0)), time.perf_counter() - t0))
    return MonteCarloCurve(problem.params, estimator, tuple(truth), tuple(points), seed,
                           f"{replications} replications per n, {res.method}; 95% CLT intervals")
