r"""The sandwich and the theory around it, for the covariance methods of un-lifted problems.

For a model q_θ ∝ e^{ℓ_θ} with q_θ* = p and the GSM implicit integrand φ (docs/design.md §1):

- Γ_GSM = H⁻¹ Cov_p(ψ) H⁻¹, ψ = ∇_θφ, H = E_p[∇²_θφ] (+ face terms) = E_p[J D Jᵀ] at θ*;
- Γ_MLE = I(θ*)⁻¹, I = Cov_p(∇_θ ℓ_θ).

:func:`finish_efficiency` turns the moments of the per-sample quantities (by quadrature or from
samples) into the :class:`Efficiency` record, with C_P of the problem and

- the key lemma: H ⪰ I(θ*)/C_P (Koehler et al. Lemma for D = I; Qin & Risteski for general D),
  reported as C_P · λ_min(I^{-1/2} H I^{-1/2}) ≥ 1 and λ_min(H − I/C_P) ≥ 0;
- the general theorem: ‖Γ_GSM‖ ≤ c · C_P² · ‖Γ_MLE‖² · (‖Cov(a)‖ + ‖Cov(b)‖) with
  a = J D ∇ℓ_θ (θ-gradient of ½|Oℓ_θ|²) and b = ∇_θ∇·(D∇ℓ_θ); ψ = a + b, so
  Cov(ψ) ⪯ 2Cov(a) + 2Cov(b) and the key lemma give c = 2. Splitting b = b_tr + b_div gives three
  terms and c = 3. The statement is reconstructed from the proof's two steps; the record reports
  the slack and the smallest c each computed case needs, for both splittings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from gsmtheory._errors import ModelError
from gsmtheory.estimation._efficiency_record import Efficiency, KeyLemma, TheoremBound, opnorm
from gsmtheory.estimation._records import CovarianceEstimate, solve_bread
from gsmtheory.estimation._sandwich import (
    Moments,
    Sandwich,
    divergence_reason,
    infinite_sandwich,
    propagate_error,
)
from gsmtheory.numeric import PoincareResult
from gsmtheory.solve import Problem, poincare_constant

__all__ = ["REQUESTS", "Covariances", "assemble", "boundary_notes", "finish_efficiency", "infinite_efficiency",
           "per_sample_fn"]

Array = NDArray[np.float64]

#: the moments the sandwich and the theory need
REQUESTS = [("psi", "mean"), ("psi", "outer"), ("hess", "mean"), ("score", "mean"),
            ("score", "outer"), ("jdj", "mean"), ("a", "mean"), ("a", "outer"), ("b", "mean"),
            ("b", "outer"), ("b_tr", "mean"), ("b_tr", "outer"), ("b_div", "mean"),
            ("b_div", "outer")]


def per_sample_fn(problem: Problem):  # type: ignore[no-untyped-def]
    def f(points: Array) -> dict[str, Array]:
        v = problem.per_sample(points)
        v["b"] = v["b_tr"] + v["b_div"]
        v["jac"] = v["hess"]
        return v
    return f


def assemble(problem: Problem, m: Moments, offset: Array) -> dict[str, Array]:
    P = problem.params
    H = m.mean["hess"] + offset
    Hinv = solve_bread(H, P, what="the GSM Hessian H")
    M = m.cov("psi")
    G = Hinv @ M @ Hinv
    fisher = m.cov("score")
    Iinv = solve_bread(fisher, P, what="the Fisher information I(θ*)")
    return {"gsm": (G + G.T) / 2, "mle": (Iinv + Iinv.T) / 2, "H": H, "M": M, "I": fisher}


def infinite_efficiency(problem: Problem, m: Moments, bhess: Array, res: dict[str, Any],
                         notes: list[str]) -> Efficiency:
    """Γ_GSM = inf (a moment of ψ or ∇_θψ diverges); Γ_MLE from the Fisher information as usual."""
    P = problem.params
    div = set(m.divergent)
    if div & {("score", "mean"), ("score", "outer")}:
        raise ModelError(f"the Fisher information is infinite: {divergence_reason(m)}",
                         "the MLE is super-efficient here; choose a model with a finite-variance score")

    def combine_mle(mm: Moments) -> Array:
        fisher = mm.cov("score")
        Iinv = solve_bread(fisher, P, what="the Fisher information I(θ*)")
        return np.asarray(((Iinv + Iinv.T) / 2).ravel(), dtype=float)

    value = combine_mle(m)
    merr = propagate_error(combine_mle, m, value)
    shape = (len(P), len(P))
    fisher = m.cov("score")

    def tup(x: Array) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(v) for v in row) for row in x)

    status = "ok" if m.status in ("ok", "divergent") else "not_converged"
    mle = Sandwich(CovarianceEstimate(P, tup(value.reshape(shape)), tup(merr.reshape(shape)),
                                      "inverse Fisher information, quadrature", res, status,
                                      "" if status == "ok" else "the quadrature did not reach its tolerance"),
                   tup(fisher), tup(fisher), tuple(float(v) for v in m.mean["score"]))
    gsm = infinite_sandwich(P, m, "sandwich H^-1 Cov(psi) H^-1, quadrature", res)
    notes.append(f"Gamma_GSM is infinite: {divergence_reason(m)}")
    return Efficiency(P, tuple(problem.model.truth), gsm, mle, None, None, None, "quadrature", tuple(notes))


def _key_lemma(a: dict[str, Array], m: Moments, pv: PoincareResult, gerr: Array, rtol: float) -> KeyLemma:
    H, fisher = a["H"], a["I"]
    L = np.linalg.cholesky((fisher + fisher.T) / 2)
    Li = np.linalg.inv(L)
    S = Li @ H @ Li.T
    ratio = pv.poincare_constant * float(np.min(np.linalg.eigvalsh((S + S.T) / 2)))
    mineig = float(np.min(np.linalg.eigvalsh(H - fisher / pv.poincare_constant)))
    jdj = m.mean["jdj"]
    agree = float(np.max(np.abs(jdj - m.mean["hess"])) / max(opnorm(H), 1e-300))
    tol = (pv.error_estimate / pv.poincare_constant if pv.poincare_constant else 0.0) + 1e3 * rtol + 1e-9
    return KeyLemma(ratio, mineig, pv.poincare_constant, tol, bool(ratio >= 1 - tol), agree)


def _theorem(a: dict[str, Array], m: Moments, pv: PoincareResult) -> TheoremBound:
    lhs = opnorm(a["gsm"])
    mle_norm = opnorm(a["mle"])
    s_a = opnorm(m.cov("a"))
    s_b = opnorm(m.cov("b"))
    s_tr = opnorm(m.cov("b_tr"))
    s_div = opnorm(m.cov("b_div"))
    base = pv.poincare_constant**2 * mle_norm**2
    two = base * (s_a + s_b)
    three = base * (s_a + s_tr + s_div)
    rhs = 2.0 * two
    needed = lhs / two if two > 0 else math.inf
    needed3 = lhs / three if three > 0 else math.inf
    H, fisher = a["H"], a["I"]
    c_res = float(scipy.linalg.eigh((fisher + fisher.T) / 2, (H + H.T) / 2, eigvals_only=True)[-1])
    base_res = c_res**2 * mle_norm**2
    res2 = lhs / (base_res * (s_a + s_b)) if base_res * (s_a + s_b) > 0 else math.inf
    res3 = lhs / (base_res * (s_a + s_tr + s_div)) if base_res * (s_a + s_tr + s_div) > 0 else math.inf
    # Lemma 10: ‖Cov ∇_θℓ‖ against the sum of the three covariances (no constant printed)
    ratio10 = opnorm(a["M"]) / (s_a + s_tr + s_div) if s_a + s_tr + s_div > 0 else math.inf
    return TheoremBound(lhs, rhs, 2.0, pv.poincare_constant, mle_norm,
                        {"gradient_term": s_a, "divergence_term": s_b, "trace_term": s_tr,
                         "drift_term": s_div}, needed, needed3,
                        rhs / lhs if lhs > 0 else math.inf, bool(lhs <= rhs), c_res, res2, res3, ratio10)




@dataclass(frozen=True)
class Covariances:
    """What a covariance method of an un-lifted problem computed: the moments at θ*, the error of
    Γ_GSM and Γ_MLE (flattened, both), the status, how, the resolution and notes so far."""

    moments: Moments
    error: Array
    status: str
    how: str
    resolution: dict[str, Any]
    rtol: float
    notes: tuple[str, ...] = ()


def _tuples(x: Array) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in x)


def _poincare_of(problem: Problem, poincare: Any) -> PoincareResult | None:
    """C_P for the theory: computed (True), skipped (False/None), given (a record or a number)."""
    zeros = problem.diffusion.interior_zeros if poincare is True else ()
    if zeros:
        where = ", ".join(f"{problem.diffusion.coords[i]} = {v:g}" for i, v in zeros)
        return PoincareResult(math.inf, 0.0, "symbolic: D vanishes inside the domain", {}, "no_poincare",
                              f"D = 0 at {where}: the diffusion cannot cross that point, so no Poincare "
                              "inequality holds", "exact")
    if poincare is True:
        return poincare_constant(problem)
    if poincare is False or poincare is None:
        return None
    if isinstance(poincare, PoincareResult):
        return poincare
    return PoincareResult(float(poincare), 0.0, "given", side="exact")


def finish_efficiency(problem: Problem, cov: Covariances, bhess: Array, poincare: Any) -> Efficiency:
    """The :class:`Efficiency` record from the moments: Γ_GSM, Γ_MLE, C_P, key lemma and theorem."""
    P, m, rtol, notes = problem.params, cov.moments, cov.rtol, list(cov.notes)
    a = assemble(problem, m, bhess)
    k = len(P) * len(P)
    gerr, merr = cov.error[:k].reshape(len(P), len(P)), cov.error[k:].reshape(len(P), len(P))
    msg = ("" if cov.status == "ok" else "the quadrature did not reach its tolerance" if m.controlled
           else f"Gamma changed by more than rtol = {rtol:g} between the last two resolutions")
    gsm = Sandwich(CovarianceEstimate(P, _tuples(a["gsm"]), _tuples(gerr), f"sandwich H^-1 Cov(psi) H^-1, {cov.how}",
                                      cov.resolution, cov.status, msg), _tuples(a["H"]), _tuples(a["M"]),
                   tuple(float(v) for v in m.mean["psi"]))
    mle = Sandwich(CovarianceEstimate(P, _tuples(a["mle"]), _tuples(merr), f"inverse Fisher information, {cov.how}",
                                      cov.resolution, cov.status, msg), _tuples(a["I"]), _tuples(a["I"]),
                   tuple(float(v) for v in m.mean["score"]))
    pv = _poincare_of(problem, poincare)
    lemma = theorem = None
    if m.divergent:
        pass  # smoothness terms infinite: the theorem says nothing, the lemma needs finite moments
    elif pv is not None and math.isfinite(pv.poincare_constant) and pv.poincare_constant > 0:
        lemma = _key_lemma(a, m, pv, gerr, rtol)
        theorem = _theorem(a, m, pv)
    elif pv is not None:
        notes.append(f"C_P = {pv.poincare_constant}: no Poincaré inequality, so no key lemma or theorem bound")
    return Efficiency(P, tuple(problem.model.truth), gsm, mle, pv, lemma, theorem, cov.how, tuple(notes))


def boundary_notes(problem: Problem) -> list[str]:
    """The note every un-lifted record with live face terms carries."""
    if not problem.has_boundary:
        return []
    return ["the implicit loss keeps non-vanishing face terms; their theta-Hessian "
            "(with the target density at the face) is added to H"]
