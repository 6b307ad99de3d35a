r"""The estimator of a lifted problem: minimise the empirical implicit loss on (x, β) drawn from the data.

From data x_1..x_n the lift draws β_i ∼ r, x̃_i = x_i + √(β_iλ) z_i and the β-face points
(:meth:`gsmtheory.solve.Lift.draws`); :func:`fit_lifted` minimises the mean of
φ(x̃_i, β_i; θ) − Σ_f c_f flux_f(x_i^{(f)}; θ) by projected Newton from several starts, with the
sandwich of those per-data-point terms as standard errors, omitted (with the reason) where
:func:`flat_direction` finds the model not locally identifiable at the estimate. It is registered
as the estimator ``ctld`` in ``_ctld_estimator.py`` (docs/design.md §1).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory.estimation._fit import (
    FitOptions,
    FitResult,
    best_start,
    jittered_starts,
    sandwich_se,
    start_info,
    start_of,
)
from gsmtheory.estimation._newton import newton_minimize
from gsmtheory.solve import Problem

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["fit_lifted", "flat_direction"]

Array = NDArray[Any]


def flat_direction(problem: Problem, x: Array, theta: Array, rtol: float = 1e-8) -> str | None:
    """The direction along which the empirical Fisher information of the model vanishes at θ̂, if any.

    At such a point (e.g. the symmetric means ±a at a = 0, where every per-sample gradient is 0 by
    symmetry) the estimator is not asymptotically normal and the sandwich would report a spurious
    zero standard error. The scale is the Fisher information at the spec's truth on the same data.
    """
    def fisher(th: Array) -> Array:
        score = problem.per_sample(x, th, parts=("score",))["score"].reshape(len(x), -1)
        return np.asarray(score.T @ score / len(x), dtype=np.float64)

    at_est, at_truth = fisher(theta), fisher(problem.truth)
    scale = float(np.max(np.abs(np.linalg.eigvalsh(at_truth))))
    w, v = np.linalg.eigh(at_est)
    if scale > 0 and w[0] > rtol * scale:
        return None
    vec = v[:, 0] / np.max(np.abs(v[:, 0]))
    return " + ".join(f"{c:.3g}*{name}" for c, name in zip(vec, problem.params, strict=True)
                      if abs(c) > 1e-3)


def _terms(problem: Problem, x: Array, seed: int):  # type: ignore[no-untyped-def]
    """θ ↦ the n per-data-point terms φ(x̃_i, β_i; θ) − Σ_f c_f flux_f(x_i^{(f)}; θ)."""
    import torch
    lift, joint = problem.lift, problem.joint
    assert lift is not None
    n = len(x)
    bulk, face_points = lift.draws(x, seed)
    xt = torch.as_tensor(bulk)[None]
    faces = [(face, tuple(torch.as_tensor(xf).unbind(-1)) if lift.dim > 1 else (torch.as_tensor(xf),))
             for face, xf in face_points]

    def terms(theta: torch.Tensor) -> torch.Tensor:
        total = joint.implicit_torch(xt, theta[None])[0]
        for face, cols in faces:
            total = total - face.weight * face.torch_flux(*cols, *theta.unbind())
        return torch.broadcast_to(total, (n,))

    return terms


def fit_lifted(problem: Problem, data: Array, options: FitOptions) -> FitResult:
    """θ̂ = argmin_θ (1/n) Σ_i [φ(x̃_i, β_i; θ) − Σ_f c_f flux_f(x_i^{(f)}; θ)] on a lifted problem, with sandwich SEs.

    The estimator ``ctld`` of :mod:`gsmtheory.estimation._ctld_estimator` (docs/design.md §6, "The CTLD
    estimator and its covariance", states the loss); standard errors are omitted, with the reason,
    where :func:`flat_direction` finds the model not locally identifiable at θ̂.
    """
    import torch
    lift = problem.lift
    assert lift is not None
    x = data[:, 0] if lift.dim == 1 else data
    n, names = len(x), problem.params
    terms = _terms(problem, x, options.seed)

    def objective(theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        return torch.stack([terms(th).mean() for th in theta])

    box = tuple((-math.inf, math.inf) for _ in names)
    first = problem.truth if options.start is None else start_of(options.start, names)
    theta0 = torch.as_tensor(jittered_starts(first, options.starts, options.seed, box))
    res = newton_minimize(objective, theta0, bounds=box, subset=True, max_iter=options.max_iter)
    method = ("projected damped Newton (autograd Hessian) on the empirical implicit CTLD loss, best of "
              f"{len(res.status)} start(s)")
    best, failed = best_start(res, theta0, names, "ctld", method, n)
    if failed is not None:
        return failed
    est = res.theta[best].numpy().copy()
    p = lift.params
    note = (f"CTLD lambda={p.lambda_min:g}, beta_max={p.beta_max:g}, log r={p.log_r}"
            + (f" (defaults: {', '.join(p.defaults)})" if p.defaults else ""))
    flat = flat_direction(problem, x, est)
    se = None
    if flat is None:
        psi = torch.autograd.functional.jacobian(terms, torch.as_tensor(est)).detach().numpy()
        se = sandwich_se({"psi": psi.reshape(n, -1)}, res.hessian[best].numpy(), n)
    else:
        note += (f"; no standard errors: the model is not locally identifiable at the estimate (its Fisher "
                 f"information vanishes along {flat}), where the sandwich does not apply")
    return FitResult(names, "ctld", tuple(float(v) for v in est), se, float(res.value[best]), True,
                     "converged", method, n, note, start_info(res, theta0))
