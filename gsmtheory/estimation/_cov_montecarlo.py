r"""Covariance method ``monte-carlo``: the sandwich from exact samples, on a lift or not.

On a problem that carries a lift it is the lifted estimator's sandwich in torch, any d, with
delta-method standard errors on every block
(:func:`gsmtheory.estimation._lifted_monte_carlo.lifted_monte_carlo`). Otherwise the moments are sample means over ``samples`` exact draws (Gaussian mixtures directly, 1D
targets by the inverse CDF, :meth:`gsmtheory.solve.Problem.sample`); the error of Γ_GSM and
Γ_MLE is the 95% half-width from 20 batch means.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gsmtheory._methods import Method, Theory
from gsmtheory._progress import progress_bar
from gsmtheory.estimation._efficiency_record import Efficiency
from gsmtheory.estimation._lifted_efficiency import closed_form_reason
from gsmtheory.estimation._lifted_monte_carlo import run_lifted_monte_carlo
from gsmtheory.estimation._moments import moments
from gsmtheory.estimation._sandwich_theory import (
    REQUESTS,
    Covariances,
    assemble,
    boundary_notes,
    finish_efficiency,
    per_sample_fn,
)
from gsmtheory.solve import Problem

__all__ = ["METHOD"]


_PRIORITY = 20


def _applies(problem: Problem) -> str | None:
    if problem.lift is not None:
        return closed_form_reason(problem)
    if (problem.mixture is not None and problem.unbounded) or problem.d == 1:
        return None
    return f"exact sampling of a non-mixture target in d = {problem.d} is not available; give the target as a [mixture]"


def _run(problem: Problem, options: Any) -> Efficiency:
    if problem.lift is not None:
        return run_lifted_monte_carlo(problem, options, _PRIORITY)
    samples, seed = options.samples, options.seed
    _, _, bhess = problem.boundary()
    per_sample = per_sample_fn(problem)
    xs = problem.sample(samples, seed)
    m = moments(per_sample, REQUESTS, samples=xs)
    reps = []
    with progress_bar(20, "Monte Carlo batch means", "batch") as bar:
        for idx in np.array_split(np.arange(samples), 20):
            ab = assemble(problem, moments(per_sample, REQUESTS, samples=xs[idx]), bhess)
            reps.append(np.concatenate([ab["gsm"].ravel(), ab["mle"].ravel()]))
            bar.update()
    err = 1.96 * np.std(np.stack(reps), axis=0, ddof=1) / math.sqrt(20)
    how = "monte carlo (exact samples; error: 95% half-width from 20 batch means)"
    cov = Covariances(m, err, "ok", how, {"samples": samples, "seed": seed},
                      1e-10 if options.rtol is None else options.rtol, tuple(boundary_notes(problem)))
    return finish_efficiency(problem, cov, bhess, options.poincare)


METHOD = Method("monte-carlo", _applies, _run,
                "the sandwich from exact samples of p (20 batch means); on a lift, in torch with delta-method "
                "standard errors on every block", Theory("estimate", notes="error: 95% half-width from 20 batch "
                "means; on a lift the largest relative standard error"), priority=_PRIORITY, lifted=None)
