r"""Sandwich covariances, generic over the estimating function.

For an M-estimator θ̂ = argmin (1/n) Σ φ(X_i, θ) (or a root of Σ ψ(X_i, θ) = 0, ψ = ∇_θφ),

    √n (θ̂ − θ*) ⇒ N(0, Γ),   Γ = H⁻¹ Cov_p(ψ(X, θ*)) H⁻¹,   H = E_p[∇_θ ψ(X, θ*)] (+ ∇²_θ B)

(van der Vaart, Asymptotic Statistics, Thm 5.23), where B(θ) is a deterministic addition to
the population loss (the face terms of GSM on a finite domain). The MLE is the special case
ψ = −∇_θ log p_θ, for which H = Cov(ψ) = I(θ*) and Γ_MLE = I(θ*)⁻¹.

The expectations come either from quadrature (``expect``: a callable like
:meth:`EstimationProblem.expect`) or from Monte Carlo ``samples`` (the error is the 95%
half-width from batch means; the moments themselves: ``_moments.py``). Adaptive 1D quadrature (:func:`gsmtheory.numeric.expect_1d`)
gives every moment with its own error estimate, tails included; Γ's error is then propagated
from them (the change of Γ when each moment moves by its error, summed), and a moment that
diverges (E_p|ψ|² = ∞: heavy tails, a singular end) makes Γ infinite, reported as such
(:attr:`Moments.divergent`). Fixed-panel quadrature (2D) doubles the panels until Γ changes by
less than ``rtol``·‖Γ‖ between two resolutions, and that change is the error estimate. Anything that can give
ψ and ∇_θψ at points, a GSM loss, the lifted CTLD loss, a user's own M-estimator, plugs in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gsmtheory._errors import GSMError, NumericalError
from gsmtheory.estimation._moments import Array, Expect, Moments, PerSample, Request, moments
from gsmtheory.estimation._records import CovarianceEstimate, plain, solve_bread

__all__ = ["Sandwich", "adaptive_moments", "divergence_reason", "fisher_covariance", "infinite_sandwich",
           "propagate_error", "sandwich_covariance"]


@dataclass(frozen=True)
class Sandwich:
    """Γ = H⁻¹ M H⁻¹ with its ingredients: the bread H = E_p[∇_θψ] and the meat M = Cov_p(ψ).

    Attributes
    ----------
    covariance : CovarianceEstimate
        Γ with its error estimate and status.
    bread, meat : tuple of tuples
        H and M.
    mean_estimating : tuple of float
        E_p[ψ] (0 at θ* for a consistent estimator: a check).

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory.symbolic import load_spec
    >>> s = sandwich_covariance(lambda x: -x, lambda x: np.ones((len(x), 1, 1)), ["mu"],
    ...                         expect=build_problem(load_spec("gaussian", constants={"sigma": 1.0})).expect)
    >>> s.bread, round(s.meat[0][0], 10), round(s.covariance.matrix[0][0], 10)
    (((1.0,),), 1.0, 1.0)
    """

    covariance: CovarianceEstimate
    bread: tuple[tuple[float, ...], ...]
    meat: tuple[tuple[float, ...], ...]
    mean_estimating: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"covariance": self.covariance.to_dict(), "bread": plain(self.bread),
                "meat": plain(self.meat), "mean_estimating": list(self.mean_estimating)}


def _tuple2(a: Array) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in np.atleast_2d(a))


def _sandwich_from(m: Moments, params: Sequence[str], bread_offset: Array | None,
                   fisher: bool) -> tuple[Array, Array, Array, Array]:
    if fisher:
        fisher_info = m.cov("score")
        Iinv = solve_bread(fisher_info, params, what="the Fisher information I(θ*)")
        return Iinv, fisher_info, fisher_info, m.mean["score"]
    H = m.mean["jac"] + (0 if bread_offset is None else np.asarray(bread_offset, dtype=float))
    Hinv = solve_bread(H, params, what="the GSM Hessian H")
    M = m.cov("psi")
    G = Hinv @ M @ Hinv
    return (G + G.T) / 2, H, M, m.mean["psi"]


def propagate_error(combine: Callable[[Moments], Array], m: Moments, value: Array) -> Array:
    """|Δ combine| summed over the moments, each moved by its own error estimate (first order),
    plus rounding (64 eps |value|). A moment with an infinite error moves to inf: the entries of
    ``value`` that depend on it get error inf, the others are untouched."""
    err = 64 * np.finfo(float).eps * np.abs(value)
    for kind in ("mean", "outer"):
        table = m.mean if kind == "mean" else m.outer
        errors = (m.mean_error if kind == "mean" else m.outer_error) or {}
        for name, e in errors.items():
            e = np.asarray(e, dtype=float)
            for idx in zip(*np.nonzero(e), strict=True):
                moved = {k: np.array(v, dtype=float, copy=True) for k, v in table.items()}
                moved[name][idx] += e[idx]
                m2 = replace(m, mean=moved) if kind == "mean" else replace(m, outer=moved)
                try:
                    with np.errstate(all="ignore"):
                        new = np.asarray(combine(m2), dtype=float)
                except (GSMError, np.linalg.LinAlgError):
                    return np.full_like(value, np.inf)
                with np.errstate(all="ignore"):
                    diff = np.abs(new - value)
                err = err + np.where(np.isnan(diff), np.inf, diff)
    return np.asarray(err, dtype=float)


def adaptive_moments(per_sample: PerSample, requests: Sequence[Request], expect: Expect,
              combine: Callable[[Moments], Array], rtol: float, panels: int,
              max_panels: int) -> tuple[Array, Array, Moments, int, str]:
    """Adaptive quadrature: one call, errors propagated from the moments' own; fixed panels: double
    until combine(moments) changes by ≤ rtol·max|value| (or max_panels).

    Status "divergent" when a moment that combine needs is infinite (see :attr:`Moments.divergent`).
    """
    prev: Array | None = None
    p = panels
    while True:
        m = moments(per_sample, requests, expect=expect, panels=p)
        if m.status == "heavy_tail":
            raise NumericalError("p has heavy tails: it keeps mass at the edge of the quadrature box, so "
                                 "the 2D moments (and Gamma) cannot be computed with an error bound",
                                 "use a target with lighter tails or a 1D (or separable) model")
        if m.controlled:
            try:
                with np.errstate(all="ignore"):
                    value = np.asarray(combine(m), dtype=float)
            except (GSMError, np.linalg.LinAlgError):
                if not m.divergent:
                    raise
                return np.array([np.inf]), np.array([np.inf]), m, p, "divergent"
            if m.divergent and not np.all(np.isfinite(value)):
                return value, np.full_like(value, np.inf), m, p, "divergent"
            err = propagate_error(combine, m, value)
            # a divergent moment that combine does not use leaves value finite: not its problem
            return value, err, m, p, "ok" if m.status in ("ok", "divergent") else "not_converged"
        value = combine(m)
        if prev is not None:
            err = np.abs(value - prev)
            scale = max(float(np.max(np.abs(value))), np.finfo(float).tiny)
            if float(np.max(err)) <= rtol * scale:
                return value, err, m, p, "ok"
            if 2 * p > max_panels:
                return value, err, m, p, "not_converged"
        prev = value
        p *= 2


def _samples_error(per_sample: PerSample, requests: Sequence[Request], samples: Array,
                   combine: Callable[[Moments], Array], batches: int) -> Array:
    n = len(samples)
    batches = max(2, min(batches, n // 50 if n >= 100 else 2))
    parts = np.array_split(np.arange(n), batches)
    vals = [combine(moments(per_sample, requests, samples=samples[idx])) for idx in parts]
    sd = np.std(np.stack(vals), axis=0, ddof=1)
    # each batch has n/B samples: the full-sample spread is sd·sqrt(B/n_batch·n_batch/n) = sd/√B
    return np.asarray(1.96 * sd / math.sqrt(batches), dtype=float)


def sandwich_covariance(estimating: Callable[[Array], Array], jacobian: Callable[[Array], Array],
                        params: Sequence[str], *, expect: Expect | None = None,
                        samples: Array | None = None, bread_offset: Array | None = None,
                        rtol: float = 1e-10, panels: int = 16, max_panels: int = 2048,
                        batches: int = 20, method: str = "sandwich") -> Sandwich:
    """Γ = H⁻¹ Cov_p(ψ) H⁻¹, H = E_p[∇_θψ], for an estimating function ψ(x) = ∇_θφ(x, θ*) (docs/design.md §6).

    Parameters
    ----------
    estimating : callable
        points (N, d) → ψ (N, P) at θ*.
    jacobian : callable
        points (N, d) → ∇_θψ (N, P, P) at θ*.
    params : sequence of str
        Parameter names (for messages and the record).
    expect : callable, optional
        Quadrature ``expect(funcs, panels) -> Expectation`` (e.g. ``problem.expect``).
    samples : array, optional
        Exact samples of p (N, d) for Monte Carlo instead of quadrature.
    bread_offset : array, optional
        A deterministic addition to H (∇²_θ of face terms).
    rtol, panels, max_panels : float, int, int
        Quadrature control: the change between resolutions to stop at, the first and the
        largest number of panels.
    batches : int
        Batch-means count for the Monte Carlo 95% interval.
    method : str
        The name in the record.

    Returns
    -------
    Sandwich
        Γ with its error estimate, H, Cov(ψ) and E_p[ψ].

    Raises
    ------
    ModelError
        When H is singular: the message names the flat direction.

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory.symbolic import load_spec
    >>> # GSM for the mean of N(0, 1): φ = ½(x − μ)² − 1, ψ = μ − x, ∇_μψ = 1, so Γ = Var x = 1
    >>> s = sandwich_covariance(lambda x: -x, lambda x: np.ones((len(x), 1, 1)), ["mu"],
    ...                         expect=build_problem(load_spec("gaussian", constants={"sigma": 1.0})).expect)
    >>> round(s.covariance.matrix[0][0], 10), s.covariance.status
    (1.0, 'ok')
    """
    def per_sample(points: Array) -> dict[str, Array]:
        return {"psi": estimating(points), "jac": jacobian(points)}

    requests: list[Request] = [("psi", "mean"), ("psi", "outer"), ("jac", "mean")]

    def combine(m: Moments) -> Array:
        return _sandwich_from(m, params, bread_offset, fisher=False)[0]

    return _finish(per_sample, requests, combine, params, expect, samples, bread_offset, rtol,
                   panels, max_panels, batches, method, fisher=False)


def fisher_covariance(score: Callable[[Array], Array], params: Sequence[str], *,
                      expect: Expect | None = None, samples: Array | None = None,
                      rtol: float = 1e-10, panels: int = 16, max_panels: int = 2048,
                      batches: int = 20) -> Sandwich:
    """Γ_MLE = I(θ*)⁻¹ with I(θ*) = Cov_p(∇_θ ℓ_θ(X)) at θ* (docs/design.md §6).

    An unnormalized ℓ_θ suffices: the normalizer's gradient is the mean, which the covariance removes.

    Parameters
    ----------
    score : callable
        points (N, d) → ∇_θ ℓ_θ (N, P) at θ*.
    params : sequence of str
        Parameter names.
    expect, samples, rtol, panels, max_panels, batches
        As in :func:`sandwich_covariance`.

    Returns
    -------
    Sandwich
        Γ_MLE as the sandwich with bread I and meat I.

    Raises
    ------
    NumericalError
        Neither ``expect`` nor ``samples``.
    ModelError
        A singular Fisher information (the message names the flat direction).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> f = fisher_covariance(lambda x: x, ["mu"], expect=build_problem(load_spec("gaussian", constants={"sigma": 1.0})).expect)
    >>> round(f.covariance.matrix[0][0], 10)            # N(μ, 1): I = 1
    1.0
    """
    def per_sample(points: Array) -> dict[str, Array]:
        return {"score": score(points)}

    requests: list[Request] = [("score", "mean"), ("score", "outer")]

    def combine(m: Moments) -> Array:
        return _sandwich_from(m, params, None, fisher=True)[0]

    return _finish(per_sample, requests, combine, params, expect, samples, None, rtol, panels,
                   max_panels, batches, "inverse fisher information", fisher=True)


def divergence_reason(m: Moments) -> str:
    """One line naming the infinite moments, e.g. ``E_p[psi psi^T] = inf``."""
    parts = [f"E_p[{name}]" if kind == "mean" else f"E_p[{name} {name}^T]" for name, kind in m.divergent]
    return (", ".join(parts) + " = inf under p (the integrand decays too slowly in a tail or is not "
            "integrable at an end)")


def infinite_sandwich(params: Sequence[str], m: Moments, how: str, res: Mapping[str, Any]) -> Sandwich:
    """The record of an infinite asymptotic covariance: Γ = inf, status ``infinite_variance``."""
    P = len(params)
    inf = tuple(tuple(math.inf for _ in range(P)) for _ in range(P))
    cov = CovarianceEstimate(tuple(params), inf, inf, how, res, "infinite_variance", divergence_reason(m))
    nan = tuple(tuple(math.nan for _ in range(P)) for _ in range(P))
    return Sandwich(cov, nan, nan, tuple(math.nan for _ in range(P)))


def _finish(per_sample: PerSample, requests: list[Request], combine: Callable[[Moments], Array],
            params: Sequence[str], expect: Expect | None, samples: Array | None,
            bread_offset: Array | None, rtol: float, panels: int, max_panels: int, batches: int,
            method: str, *, fisher: bool) -> Sandwich:
    if expect is not None:
        G, err, m, _p, status = adaptive_moments(per_sample, requests, expect, combine, rtol, panels, max_panels)
        how = f"{method}, quadrature"
        res = {**dict(m.resolution), "rtol": rtol}
        if status == "divergent":
            return infinite_sandwich(params, m, how, res)
        msg = ("" if status == "ok" else
               "the quadrature did not reach its tolerance" if m.controlled else
               f"the change between the last two resolutions exceeds rtol = {rtol:g}·‖Γ‖")
    elif samples is not None:
        m = moments(per_sample, requests, samples=samples)
        G = combine(m)
        err = _samples_error(per_sample, requests, np.asarray(samples), combine, batches)
        status, how = "ok", f"{method}, monte carlo (error: 95% half-width, batch means)"
        res = {"samples": len(samples), "batches": batches}
        msg = ""
    else:
        raise NumericalError("give expect (quadrature) or samples (Monte Carlo)",
                             "pass expect=problem.expect or samples=array")
    G, H, M, mean = _sandwich_from(m, params, bread_offset, fisher=fisher)
    cov = CovarianceEstimate(tuple(params), _tuple2(G), _tuple2(err), how, res, status, msg)
    return Sandwich(cov, _tuple2(H), _tuple2(M), tuple(float(v) for v in np.ravel(mean)))
