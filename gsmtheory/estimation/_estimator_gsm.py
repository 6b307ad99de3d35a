r"""Estimator ``gsm``: minimize the empirical implicit GSM loss (1/n) Σ φ(X_i, θ) (+ face terms B(θ)).

φ = ½∇ℓ_θᵀD∇ℓ_θ + ∇·(D∇ℓ_θ) under the problem's diffusion (docs/design.md §1). For an exponential
family ℓ_θ = base + θᵀT the loss is quadratic, φ = ½θᵀA(x)θ + b(x)ᵀθ + c(x), so θ̂ = −Ā⁻¹b̄ (a
linear solve; a singular Ā names the unidentifiable direction) — unless that leaves the
parameter range, when projected Newton takes over. Standard errors: the sandwich
H⁻¹Ĉov(ψ)H⁻¹/n with ψ = ∇_θφ and H the mean θ-Hessian plus the face terms'.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError
from gsmtheory._methods import Method, Theory
from gsmtheory.estimation._fit import (
    FitOptions,
    FitResult,
    feasible_box,
    inside,
    newton_fit,
    sandwich_se,
)
from gsmtheory.estimation._fit_objectives import gsm_objective
from gsmtheory.estimation._newton import NewtonResult
from gsmtheory.estimation._records import solve_bread
from gsmtheory.solve import Problem

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    pass

__all__ = ["METHOD", "gsm_closed_form"]

Array = NDArray[np.float64]


def gsm_closed_form(problem: Problem, x: Array) -> FitResult:
    """θ̂ = −Ā⁻¹b̄ of a loss quadratic in θ, with its sandwich standard errors."""
    A, b = problem.quadratic_coefficients(x)
    _, bgrad, bhess = problem.boundary(np.zeros(problem.n_params))
    Abar = A.mean(0) + bhess
    bbar = b.mean(0) + bgrad
    Ainv = solve_bread(Abar, problem.params, what="the GSM quadratic form (mean of A(x))")
    theta = -Ainv @ bbar
    per = problem.per_sample(x, theta)
    loss = float(np.mean(0.5 * np.einsum("i,nij,j->n", theta, A, theta) + b @ theta))
    se = sandwich_se(per, Abar, len(x))
    if not (math.isfinite(loss) and np.all(np.isfinite(theta))):
        raise NumericalError(f"the GSM loss at these data is not finite (estimate {theta.tolist()}, "
                             f"loss {loss}): the data overflow float64",
                             "rescale the data (and the spec's constants) to moderate values")
    return FitResult(problem.params, "gsm", tuple(float(v) for v in theta), se, loss, True,
                     "converged", "closed form: theta = -mean(A)^-1 mean(b) (GSM loss quadratic in theta)",
                     len(x), "loss reported without the theta-free term E[c(x)]")


def _run(problem: Problem, x: Array, options: FitOptions) -> FitResult:
    if problem.has_quadratic_loss:
        closed = gsm_closed_form(problem, x)
        if closed.estimate is None or bool(inside(np.array(closed.estimate), feasible_box(problem))[0]):
            return closed

    def standard_errors(theta: Array, res: NewtonResult, best: int) -> tuple[float, ...] | None:
        per = problem.per_sample(x, theta)
        _, _, bh = problem.boundary(theta)
        return sandwich_se(per, per["hess"].mean(0) + bh, len(x))

    import torch  # iterative fits run in torch (the [torch] extra)

    objective = gsm_objective(problem, torch.as_tensor(x)[None])
    return newton_fit(problem, x, objective, "gsm", options, "projected damped Newton (autograd Hessian)",
                      standard_errors)


METHOD: Method[Problem] = Method("gsm", lambda problem: None, _run,
                "generalized score matching: the empirical implicit loss, closed form for exponential families",
                Theory("estimate", notes="asymptotic covariance: the sandwich H^-1 Cov(psi) H^-1"), priority=10)
