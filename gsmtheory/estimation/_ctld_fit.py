r"""``fit(spec, data, loss="ctld")``: the annealed (CTLD) estimator from data, as a :class:`FitResult`.

θ̂ minimizes the empirical implicit CTLD loss (1/n)Σ_i ψ_i(θ) (:func:`ctld_empirical_terms`:
β_i ∼ r, x̃_i = x_i + √(β_iλ)z_i, β-face terms from the same data point; DESIGN.md §1) by
L-BFGS in torch from the spec's truth and ``starts − 1`` jittered copies; the best start whose
gradient vanishes wins. Standard errors are the sandwich at θ̂ (Qin & Risteski 2023, CTLD
efficiency): se = sqrt(diag(Ĥ⁻¹ Ĉov(∇_θψ_i) Ĥ⁻¹)/n), Ĥ the Hessian of the empirical loss.
Gaussian-mixture targets in any dimension d: data rows are points of R^d and z_i ∼ N(0, I_d).
This module is found by ``gsmtheory.estimation._fit`` (its ``ctld`` hook).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from gsmtheory._errors import ModelError
from gsmtheory.estimation._ctld import _minimize, ctld_empirical_terms, ctld_problem
from gsmtheory.estimation._fit import FitResult, validate_data
from gsmtheory.symbolic import Spec

__all__ = ["fit_ctld"]


def fit_ctld(spec: Spec, data: Any, *, starts: int = 4, max_iter: int = 100, seed: int = 0,
             **overrides: object) -> FitResult:
    """Fit the spec's ``[model.mixture]`` by the CTLD loss (the spec's ``[ctld]`` table or the defaults).

    Raises
    ------
    ModelError
        A spec that is not a Spec with a Gaussian-mixture target (any d) and a mixture model.
    """
    if not isinstance(spec, Spec):
        raise ModelError("--loss ctld needs a spec (target, [model.mixture], optional [ctld])",
                         "pass the Spec, not a Diffusion or a built problem")
    if spec.model is None or spec.model.kind != "mixture":
        raise ModelError("--loss ctld needs the model's convolution in closed form",
                         "give the model as a [model.mixture] table, or use --loss gsm / mle")
    problem = ctld_problem(spec, **overrides)
    x = validate_data(data, problem.dim)
    x = x[:, 0] if problem.dim == 1 else x
    n = len(x)
    terms = ctld_empirical_terms(problem, x, seed)

    def loss(theta: torch.Tensor) -> torch.Tensor:
        return terms(theta).mean()

    rng = np.random.default_rng(seed)
    truth = problem.truth
    jitter = rng.standard_normal((max(starts, 1) - 1, len(truth))) * 0.5 * np.maximum(1.0, np.abs(truth))
    info, best = [], None
    for start in np.vstack([truth[None], truth[None] + jitter]):
        est, value, ok, it = _minimize(loss, start, iters=max_iter)
        info.append({"start": [float(v) for v in start], "status": "converged" if ok else "not_converged",
                     "loss": value, "iterations": it})
        if ok and (best is None or value < best[1]):
            best = (est, value)
    method = f"L-BFGS (torch, float64) on the empirical implicit CTLD loss, best of {len(info)} start(s)"
    names = problem.param_names
    if best is None:
        return FitResult(names, "ctld", None, None, None, False, "not_converged", method, n,
                         "no start converged", tuple(info))
    est, value = best
    p = problem.params
    note = (f"CTLD lambda={p.lambda_min:g}, beta_max={p.beta_max:g}, log r={p.log_r}"
            + (f" (defaults: {', '.join(p.defaults)})" if p.defaults else ""))
    flat = _flat_direction(problem, x, est)
    if flat is None:
        se = _sandwich_se(terms, est, n)
    else:
        se = None
        note += (f"; no standard errors: the model is not locally identifiable at the estimate (its Fisher "
                 f"information vanishes along {flat}), where the sandwich does not apply")
    return FitResult(names, "ctld", tuple(float(v) for v in est), se, value, True, "converged", method, n,
                     note, tuple(info))


def _flat_direction(problem: Any, x: np.ndarray, theta: np.ndarray, rtol: float = 1e-8) -> str | None:
    """The direction along which the empirical Fisher information of the model vanishes at θ̂, if any.

    At such a point (e.g. the symmetric means ±a at a = 0, where every per-sample gradient is 0 by
    symmetry) the estimator is not asymptotically normal and the sandwich would report a spurious
    zero standard error. The scale is the Fisher information at the spec's truth on the same data.
    """
    def fisher(th: np.ndarray) -> np.ndarray:
        score = np.asarray(problem.model_score(x, None, th), dtype=float).reshape(len(x), -1)
        return score.T @ score / len(x)

    at_est, at_truth = fisher(theta), fisher(problem.truth)
    scale = float(np.max(np.abs(np.linalg.eigvalsh(at_truth))))
    w, v = np.linalg.eigh(at_est)
    if scale > 0 and w[0] > rtol * scale:
        return None
    vec = v[:, 0] / np.max(np.abs(v[:, 0]))
    return " + ".join(f"{c:.3g}*{name}" for c, name in zip(vec, problem.param_names, strict=True) if abs(c) > 1e-3)


def _sandwich_se(terms: Any, theta: np.ndarray, n: int) -> tuple[float, ...] | None:
    th = torch.tensor(theta, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(terms, th).detach().numpy()  # (n, P)
    hess = torch.autograd.functional.hessian(lambda t: terms(t).mean(), th).detach().numpy()
    cov = np.atleast_2d(np.cov(jac, rowvar=False, bias=True))
    try:
        hinv = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return None
    var = np.diag(hinv @ cov @ hinv.T) / n
    if not np.all(np.isfinite(var)) or np.any(var < 0):
        return None
    return tuple(float(v) for v in np.sqrt(var))
