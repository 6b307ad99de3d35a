r"""Covariance method ``quadrature``: the sandwich of a problem in d ≤ 2 by quadrature, on a lift or not.

On a problem that carries a lift it is the lifted estimator's sandwich by the lift's quadrature
(:func:`gsmtheory.estimation._lifted_quadrature.lifted_quadrature`, ``rtol`` default 1e-3 on the
change between its two resolutions). Otherwise the moments E_p[ψ], E_p[ψψᵀ], E_p[∇²_θφ], E_p[s], E_p[ssᵀ] and the theory terms are expectations
under p (:meth:`gsmtheory.solve.Problem.expect`), refined (16 → 4096 panels in 1D, 8 → 64 per
axis in 2D) until Γ_GSM and Γ_MLE change by less than ``rtol`` (default 1e-10); their error is the
last change. A diverging moment gives Γ_GSM = inf (status ``infinite_variance``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._methods import Method, Theory
from gsmtheory.estimation._efficiency_record import Efficiency
from gsmtheory.estimation._lifted_quadrature import quadrature_reason, run_lifted_quadrature
from gsmtheory.estimation._moments import Moments
from gsmtheory.estimation._sandwich import adaptive_moments, divergence_reason
from gsmtheory.estimation._sandwich_theory import (
    REQUESTS,
    Covariances,
    assemble,
    boundary_notes,
    finish_efficiency,
    infinite_efficiency,
    per_sample_fn,
)
from gsmtheory.solve import Problem

__all__ = ["METHOD"]

Array = NDArray[np.float64]


def _applies(problem: Problem) -> str | None:
    if problem.lift is not None:
        return quadrature_reason(problem)
    return None if problem.d <= 2 else f"quadrature covers d <= 2, this problem has d = {problem.d}"


def _run(problem: Problem, options: Any) -> Efficiency:
    if problem.lift is not None:
        return run_lifted_quadrature(problem, options)
    rtol = 1e-10 if options.rtol is None else options.rtol
    _, _, bhess = problem.boundary()
    notes = boundary_notes(problem)

    def combine(m: Moments) -> Array:
        a = assemble(problem, m, bhess)
        return np.concatenate([a["gsm"].ravel(), a["mle"].ravel()])

    start, top = (16, 4096) if problem.d == 1 else (8, 64)
    _both, err, m, _panels, status = adaptive_moments(per_sample_fn(problem), REQUESTS, problem.expect, combine,
                                                      rtol, start, top)
    res: dict[str, Any] = {**dict(m.resolution), "rtol": rtol}
    if status == "divergent":
        return infinite_efficiency(problem, m, bhess, res, notes)
    if m.divergent:
        notes.append(f"{divergence_reason(m)}: the theorem's smoothness terms are infinite")
    return finish_efficiency(problem, Covariances(m, err, status, "quadrature", res, rtol, tuple(notes)), bhess,
                             options.poincare)


METHOD = Method("quadrature", _applies, _run,
                "d <= 2: the sandwich by adaptive quadrature under p; on a lift, Gauss-Legendre in beta x "
                "Gauss-Legendre/Hermite in x at two resolutions", Theory("estimate"), priority=10, lifted=None)
