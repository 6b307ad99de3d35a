r"""Estimator ``mle``: maximize (1/n) Σ ℓ_θ(X_i) − log Z(θ).

Mixtures are normalized in closed form; other models get log Z(θ) by composite Gauss–Legendre
quadrature on the support (:func:`gsmtheory.estimation._fit_objectives.mle_objective`),
differentiable in θ, so the projected Newton of the GSM estimator applies. Standard errors:
the inverse Hessian of the mean log likelihood, /n.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gsmtheory._methods import Method, Theory
from gsmtheory.estimation._fit import FitOptions, FitResult, newton_fit
from gsmtheory.estimation._fit_objectives import mle_objective
from gsmtheory.estimation._newton import NewtonResult
from gsmtheory.solve import Problem

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    pass

__all__ = ["METHOD"]

Array = NDArray[np.float64]


def _inverse_hessian_se(theta: Array, res: NewtonResult, best: int, n: int) -> tuple[float, ...] | None:
    try:
        cov = np.linalg.inv(res.hessian[best].numpy()) / n
    except np.linalg.LinAlgError:
        return None
    return tuple(float(v) for v in np.sqrt(np.maximum(np.diag(cov), 0.0)))


def _run(problem: Problem, x: Array, options: FitOptions) -> FitResult:
    import torch
    objective = mle_objective(problem, torch.as_tensor(x)[None], x)
    suffix = "" if problem.model.normalized else "; log Z by Gauss-Legendre quadrature"
    return newton_fit(problem, x, objective, "mle", options, "projected damped Newton (autograd Hessian)",
                      lambda theta, res, best: _inverse_hessian_se(theta, res, best, len(x)), suffix)


METHOD: Method[Problem] = Method("mle", lambda problem: None, _run, "maximum likelihood (log Z by quadrature unless normalized)",
                Theory("estimate", notes="asymptotic covariance: the inverse Fisher information"),
                priority=20, auto=False)
