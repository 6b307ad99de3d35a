r"""Loss method ``monte-carlo``: the GSM loss by NumPy Monte Carlo from exact samples of a mixture target.

explicit(θ) and implicit(θ) (:mod:`gsmtheory.solve._loss_question`) are means over
``options.samples`` exact draws of the Gaussian-mixture target on the whole space (no face
terms there), each with 1.96 standard errors as its error; the same draws serve every point.
``auto`` takes it where quadrature does not apply (d ≥ 3).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gsmtheory._methods import Method, Theory
from gsmtheory.numeric import sample_mixture
from gsmtheory.solve._loss_question import LossEvaluation, LossOptions, loss_points
from gsmtheory.solve._problem import Problem

__all__ = ["METHOD"]


def _applies(problem: Problem) -> str | None:
    if problem.mixture is None or not problem.unbounded:
        return f"d = {problem.d}: Monte Carlo needs exact samples of p; give the target as a [mixture] on the whole space"
    return None


def _run(problem: Problem, at: Any, options: LossOptions) -> LossEvaluation:
    loss = problem.loss
    assert problem.mixture is not None  # by _applies
    f = problem.compiled("loss_integrands", (*problem.coords, *loss.model.params),
                         [loss.explicit, loss.implicit, loss.constant])
    points, n = loss_points(loss, at), options.samples
    xs = sample_mixture(problem.mixture, n, options.seed)
    cols = [xs[:, i] for i in range(problem.d)]
    explicit, implicit, e_err, i_err = [], [], [], []
    constant = math.nan
    for th in points:
        vals = f(*cols, *th)
        explicit.append(float(np.mean(vals[0])))
        implicit.append(float(np.mean(vals[1])))
        e_err.append(float(1.96 * np.std(vals[0]) / math.sqrt(n)))
        i_err.append(float(1.96 * np.std(vals[1]) / math.sqrt(n)))
        constant = float(np.mean(vals[2]))
    names = [str(t) for t in loss.model.params]
    return LossEvaluation(tuple(tuple(zip(names, p, strict=True)) for p in points), tuple(explicit),
                          tuple(implicit), (0.0,) * len(points), tuple(e_err), tuple(i_err), constant,
                          "monte carlo (exact mixture samples), error 1.96 standard errors",
                          {"samples": n, "seed": options.seed})


METHOD = Method("monte-carlo", _applies, _run, "Gaussian-mixture target on R^d: NumPy Monte Carlo from exact samples",
                Theory("estimate", notes="error: 1.96 standard errors"), priority=20)
