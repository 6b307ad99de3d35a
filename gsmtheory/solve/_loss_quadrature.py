r"""Loss method ``quadrature``: the GSM loss of a problem in d ≤ 2 by adaptive quadrature, on a lift or not.

On a problem that carries a lift (a 1D target) it is the same quadrature on the lifted problem over
(x, β) ∈ R × [0, β_max], whose β-faces carry the boundary terms.

Its explicit, implicit and boundary parts (:mod:`gsmtheory.solve._loss_question`) are expectations
under p (1D: adaptive Gauss–Legendre on a tail map, kinks as breakpoints; 2D: a tensor rule on the
box holding p's mass), each with the change against twice the panels as its error; the face terms
−p·nᵀD∇ℓ_θ of finite ends join the implicit part."""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np

from gsmtheory._errors import NumericalError
from gsmtheory._methods import Method, Theory
from gsmtheory.numeric import NEGLIGIBLE_MASS, expect_1d, expect_2d, gauss_legendre_panels
from gsmtheory.solve._loss_question import LossEvaluation, LossOptions, loss_points
from gsmtheory.solve._problem import Problem, build_problem
from gsmtheory.symbolic import GSMLoss, kinks_1d

__all__ = ["METHOD", "quadrature_loss"]


def _applies(problem: Problem) -> str | None:
    if problem.lift is not None:
        return None if problem.d == 1 else (f"quadrature of a lift covers 1D targets (a 2D lifted problem), this "
                                            f"target has d = {problem.d}; use method 'ctld_product'")
    return None if problem.d <= 2 else (f"quadrature covers d = 1 and 2, this target has d = {problem.d}; "
                                        "use method 'monte-carlo' or 'torch-mc'")


def quadrature_loss(problem: Problem, at: Any, options: LossOptions) -> LossEvaluation:
    """explicit, implicit, boundary of ``problem.loss`` at the points ``at`` (module docstring)."""
    loss, diffusion = problem.loss, problem.diffusion
    x, theta = diffusion.coords, loss.model.params
    f = problem.compiled("loss_integrands", (*x, *theta), [loss.explicit, loss.implicit, loss.constant])
    logp_arr = problem.log_density
    points, d, bounds = loss_points(loss, at), problem.d, list(problem.domain)
    explicit, implicit, boundary, e_err, i_err, statuses = [], [], [], [], [], []
    constant = math.nan
    if d == 2:  # one tensor rule for every θ: the box, the weights and the truncation test depend on p only
        shared = expect_2d(logp_arr, functools.partial(_at_thetas, f, points), (bounds[0], bounds[1]),
                           panels=max(options.panels // 2, 8))
    for k, th in enumerate(points):
        if d == 1:
            kinks = kinks_1d([loss.explicit, loss.implicit, diffusion.log_density, diffusion.D[0, 0]],
                             x[0], *diffusion.domain[0], subs=dict(zip(theta, th, strict=True)))
            ex = expect_1d(logp_arr, functools.partial(_at_theta, f, th), *bounds[0], panels=options.panels,
                           points=kinks)
            b = _boundary_1d(problem, logp_arr, th, ex.log_normalizer)
        else:
            ex = dataclasses.replace(shared, values=shared.values[3 * k:3 * k + 3],
                                     errors=shared.errors[3 * k:3 * k + 3])
            b = _boundary_2d(problem, logp_arr, th, ex)
        statuses.append(ex.status)
        explicit.append(ex.values[0])
        implicit.append(ex.values[1] + b)
        boundary.append(b)
        e_err.append(ex.errors[0])
        i_err.append(ex.errors[1])
        constant = ex.values[2]
    support = [list(s) for s in ex.support]
    resolution = {**ex.resolution, "support": support[0] if d == 1 else support}
    status = next((s for s in ("divergent", "heavy_tail", "not_converged") if s in statuses), "ok")
    return LossEvaluation(_named(loss, points), tuple(explicit), tuple(implicit), tuple(boundary), tuple(e_err),
                          tuple(i_err), constant, ex.method, resolution, status)


def _run(problem: Problem, at: Any, options: LossOptions) -> LossEvaluation:
    if problem.lift is not None:
        problem = build_problem(problem.lift.diffusion, problem.lift.model)
    return quadrature_loss(problem, at, options)


def _named(loss: GSMLoss, points: list[tuple[float, ...]]) -> tuple[tuple[tuple[str, float], ...], ...]:
    names = [str(t) for t in loss.model.params]
    return tuple(tuple(zip(names, p, strict=True)) for p in points)


def _at_theta(f: Any, theta: tuple[float, ...], *xs: np.ndarray) -> Any:
    """f(x..., θ...) with θ fixed: the integrands at one parameter point."""
    return f(*xs, *theta)


def _at_thetas(f: Any, thetas: list[tuple[float, ...]], *xs: np.ndarray) -> list[Any]:
    """The integrands at every parameter point, one after the other (three per point)."""
    return [v for theta in thetas for v in f(*xs, *theta)]


def _live_fluxes(problem: Problem) -> list[tuple[Any, Any]]:
    """(term, flux compiled in (x, θ)) of each face term that does not vanish."""
    loss = problem.loss
    args = (*problem.diffusion.coords, *loss.model.params)
    return [(term, problem.compiled(f"flux_{i}", args, term.flux)) for i, term in enumerate(loss.boundary_terms)
            if term.vanishes is not True]


def _boundary_1d(problem: Problem, logp: Any, theta: tuple[float, ...], log_z: float) -> float:
    total = 0.0
    for term, flux in _live_fluxes(problem):
        at = float(term.at)
        with np.errstate(all="ignore"):
            lp = float(np.asarray(logp(np.array([at])), dtype=float)[0])
            value = float(np.asarray(flux(np.array([at]), *theta)).reshape(-1)[0])
        density = math.exp(lp - log_z) if lp > -math.inf else 0.0
        if density == 0.0 or value == 0.0:
            continue
        total -= density * value
    return total


def _boundary_2d(problem: Problem, logp: Any, theta: tuple[float, ...], ex: Any) -> float:
    total = 0.0
    for term, flux in _live_fluxes(problem):
        other = 1 - term.coord_index
        lo, hi = ex.support[other]
        t, w = gauss_legendre_panels(lo, hi, 2 * ex.resolution["panels"], ex.resolution["order"])
        at = np.full_like(t, float(term.at))
        xy = (at, t) if term.coord_index == 0 else (t, at)
        with np.errstate(all="ignore"):
            lp = np.asarray(logp(*xy), dtype=float)
            values = np.broadcast_to(np.asarray(flux(*xy, *theta), dtype=float), t.shape)
            dens = np.where(np.isfinite(lp), np.exp(lp - ex.log_normalizer), 0.0)
        mass = w * dens
        bad = ~np.isfinite(values) & (mass > 0)
        if np.any(bad) and float(mass[bad].sum()) > NEGLIGIBLE_MASS * max(float(mass.sum()), 1e-300):
            raise NumericalError(f"the boundary flux at {term.coord} = {term.at} is not finite where p has mass",
                                 "check the model's score at the boundary")
        good = np.isfinite(values) & (mass > 0)
        total -= float(np.sum(np.where(good, mass * np.where(good, values, 0.0), 0.0)))
    return total


METHOD = Method("quadrature", _applies, _run,
                "d <= 2: adaptive Gauss-Legendre (1D tail map, 2D tensor rule), error against twice the panels; "
                "on a lift of a 1D target, the same on (x, beta) with its beta-faces", Theory("estimate"), priority=10,
                lifted=None)
