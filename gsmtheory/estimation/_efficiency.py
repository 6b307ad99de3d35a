r"""Statistical efficiency of GSM against MLE, per parameter direction, with the theory's bounds.

For a model q_θ ∝ e^{ℓ_θ} with q_θ* = p and the GSM implicit integrand φ (docs/design.md §1):

- Γ_GSM = H⁻¹ Cov_p(ψ) H⁻¹, ψ = ∇_θφ, H = E_p[∇²_θφ] (+ face terms) = E_p[J D Jᵀ] at θ*;
- Γ_MLE = I(θ*)⁻¹, I = Cov_p(∇_θ ℓ_θ).

Efficiency is a property of a *direction* v in parameter space, not of a distribution:
the asymptotic variance of vᵀθ̂ is vᵀΓv, so the loss is r(v) = vᵀΓ_GSM v / vᵀΓ_MLE v.
:class:`Efficiency` gives r along any v, per parameter, and the worst and best directions (the
extreme generalized eigenvalues of (Γ_GSM, Γ_MLE)). ‖Γ_GSM‖/‖Γ_MLE‖ (operator norms) is also
reported because the theorems are stated with it.

Theory (Qin & Risteski 2023, "Fit like you sample"; Koehler, Heckett & Risteski 2023):

- key lemma: H ⪰ I(θ*)/C_P (Koehler et al. Lemma for D = I; Qin & Risteski for general D);
  reported as C_P · λ_min(I^{-1/2} H I^{-1/2}) ≥ 1 and λ_min(H − I/C_P) ≥ 0.
- general theorem: ‖Γ_GSM‖ ≤ c · C_P² · ‖Γ_MLE‖² · (‖Cov(a)‖ + ‖Cov(b)‖) with
  a = J D ∇ℓ_θ (θ-gradient of ½|Oℓ_θ|²) and b = ∇_θ∇·(D∇ℓ_θ) (θ-gradient of the divergence
  part); ψ = a + b, so Cov(ψ) ⪯ 2Cov(a) + 2Cov(b) and the key lemma give c = 2. Splitting
  b = b_tr + b_div (Tr(D∇²ℓ_θ) and (∇·D)ᵀ∇ℓ_θ) gives three terms and c = 3. The statement here
  is reconstructed from the proof's two steps; the record reports the slack and the smallest
  c each computed case needs, for both splittings.

One-parameter tilts p_θ ∝ p e^{θh} at θ = 0 (docs/design.md §6): ψ = L_s h, H = E(h), I = Var(h), so
Γ_GSM/Γ_MLE = Var_p(h) E_p[(L_s h)²] / E(h)² ≥ 1 (Cauchy–Schwarz with the spectral
decomposition of L_s), with equality iff h − E h is an eigenfunction of L_s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
import sympy as sp
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.estimation._problem import (
    EstimationProblem,
    build_problem,
    sample_target,
    target_expectation,
)
from gsmtheory.estimation._records import CovarianceEstimate, describe_direction, plain, solve_bread
from gsmtheory.estimation._sandwich import (
    Moments,
    Sandwich,
    adaptive_moments,
    divergence_reason,
    infinite_sandwich,
    moments,
    propagate_error,
)
from gsmtheory.numeric import PoincareResult
from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import CTLDParameters, Diffusion, Model, Spec, parse_expression

__all__ = ["Efficiency", "KeyLemma", "LiftedCovariances", "TheoremBound", "TiltEfficiency", "efficiency",
           "tilt_efficiency"]

Array = NDArray[np.float64]

_REQUESTS = [("psi", "mean"), ("psi", "outer"), ("hess", "mean"), ("score", "mean"),
             ("score", "outer"), ("jdj", "mean"), ("a", "mean"), ("a", "outer"), ("b", "mean"),
             ("b", "outer"), ("b_tr", "mean"), ("b_tr", "outer"), ("b_div", "mean"),
             ("b_div", "outer")]


def _opnorm(a: Array) -> float:
    return float(np.max(np.abs(np.linalg.eigvalsh((a + a.T) / 2))))


@dataclass(frozen=True)
class KeyLemma:
    r"""H = E_p[J D Jᵀ] ⪰ I(θ*)/C_P, reported as ``ratio`` = C_P·λ_min(I^{-1/2} H I^{-1/2}) ≥ 1.

    ``min_eigenvalue`` is λ_min(H − I/C_P) (≥ 0 when the lemma holds); ``tolerance`` the relative
    numerical error allowed (from C_P's and the quadrature's error estimates).
    """

    ratio: float
    min_eigenvalue: float
    poincare_constant: float
    tolerance: float
    holds: bool
    bread_vs_jdj: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"ratio": self.ratio, "min_eigenvalue": self.min_eigenvalue,
                "poincare_constant": self.poincare_constant, "tolerance": self.tolerance,
                "holds": self.holds, "bread_vs_jdj": self.bread_vs_jdj}


@dataclass(frozen=True)
class TheoremBound:
    r"""‖Γ_GSM‖ ≤ c·C_P²·‖Γ_MLE‖²·(smoothness), with c = ``constant`` (2, as reported).

    ``needed_constant`` is the smallest c with the two smoothness terms (b = b_tr + b_div kept
    whole), ``needed_constant_three_terms`` with the three terms as printed in COLT 2024
    Theorem 6. Remark 8's restricted Poincaré constant C_res = λ_max(I, H) (the constant over
    test functions ⟨w, ∇_θ log p_θ*⟩) gives ``needed_constant_restricted`` and
    ``needed_constant_restricted_three_terms``: the constants the bound needs with C_res in
    place of C_P. ``gradient_covariance_ratio`` is ‖Cov ∇_θℓ_θ‖ over the sum of the three
    covariances (Lemma 10, which prints no constant; Cauchy–Schwarz gives 3).
    """

    lhs: float
    rhs: float
    constant: float
    poincare_constant: float
    mle_norm: float
    smoothness: dict[str, float]
    needed_constant: float
    needed_constant_three_terms: float
    slack: float
    holds: bool
    restricted_poincare_constant: float = math.nan
    needed_constant_restricted: float = math.nan
    needed_constant_restricted_three_terms: float = math.nan
    gradient_covariance_ratio: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"lhs": self.lhs, "rhs": self.rhs, "constant": self.constant,
                "poincare_constant": self.poincare_constant, "mle_norm": self.mle_norm,
                "smoothness": dict(self.smoothness), "needed_constant": self.needed_constant,
                "needed_constant_three_terms": self.needed_constant_three_terms,
                "restricted_poincare_constant": self.restricted_poincare_constant,
                "needed_constant_restricted": self.needed_constant_restricted,
                "needed_constant_restricted_three_terms": self.needed_constant_restricted_three_terms,
                "gradient_covariance_ratio": self.gradient_covariance_ratio,
                "slack": self.slack, "holds": self.holds,
                "statement": "||Gamma_GSM|| <= c C_P^2 ||Gamma_MLE||^2 (||Cov(J D grad l)|| + "
                             "||Cov(grad_theta div(D grad l))||), c = 2 as reported"}


@dataclass(frozen=True)
class LiftedCovariances:
    r"""What an :class:`Efficiency` of a lifted (CTLD) spec adds: the other covariances and the lift.

    ``gsm`` of the record is Γ_CTLD with the β-faces estimated from the same data points (what
    ``fit(..., loss="ctld")`` does) and ``mle`` the original MLE I_p(θ*)⁻¹; here are Γ_CTLD with
    the face expectations known (``gsm_exact_faces``), vanilla score matching's Γ, the lifted MLE
    E_r[I_{p^β}(θ*)]⁻¹, the bread H, the largest relative ``error`` (quadrature: change between two
    resolutions; Monte Carlo: standard error), the tolerance ``rtol`` it is judged by, the CTLD
    constants and the theorem applied to the lift (a dict; None where not evaluated).
    """

    gsm_exact_faces: Array
    vanilla: Array
    mle_lifted: Array
    hessian: Array
    error: float
    resolution: dict[str, Any] = field(default_factory=dict)
    ctld: CTLDParameters | None = None
    theorem: dict[str, Any] | None = None
    rtol: float = 1e-3


@dataclass(frozen=True)
class Efficiency:
    """GSM against MLE for one model at θ*: covariances, per-direction ratios, theory.

    Use :meth:`ratio_along` for a direction, :attr:`per_parameter` for the coordinate
    directions, :attr:`worst_direction` / :attr:`best_direction` for the extremes; ``ratio`` is
    ‖Γ_GSM‖/‖Γ_MLE‖ (operator norms), the quantity the theorems bound.
    """

    params: tuple[str, ...]
    truth: tuple[float, ...]
    gsm: Sandwich
    mle: Sandwich
    poincare: PoincareResult | None
    key_lemma: KeyLemma | None
    theorem: TheoremBound | None
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    lifted: LiftedCovariances | None = None

    @property
    def gsm_covariance(self) -> Array:
        """Γ_GSM."""
        return self.gsm.covariance.array

    @property
    def mle_covariance(self) -> Array:
        """Γ_MLE."""
        return self.mle.covariance.array

    @property
    def infinite(self) -> bool:
        """True when Γ_GSM is infinite (status ``infinite_variance``)."""
        return self.gsm.covariance.status == "infinite_variance"

    @property
    def ratio(self) -> float:
        """‖Γ_GSM‖ / ‖Γ_MLE‖ (operator norms); inf when Γ_GSM is."""
        if self.infinite:
            return math.inf
        return self.gsm.covariance.norm / self.mle.covariance.norm

    def ratio_along(self, v: Any) -> float:
        """r(v) = vᵀΓ_GSM v / vᵀΓ_MLE v: the efficiency loss of estimating vᵀθ (v may be a param name)."""
        if isinstance(v, str):
            if v not in self.params:
                raise SpecError(f"unknown parameter {v!r}", f"use one of {', '.join(self.params)}")
            e = np.zeros(len(self.params))
            e[self.params.index(v)] = 1.0
            v = e
        u = np.asarray(v, dtype=float).reshape(-1)
        if u.shape != (len(self.params),) or not np.any(u):
            raise SpecError(f"direction must be a nonzero vector of length {len(self.params)}",
                            "give one coefficient per parameter")
        if self.infinite:
            return math.inf
        return float(u @ self.gsm_covariance @ u) / float(u @ self.mle_covariance @ u)

    @property
    def per_parameter(self) -> dict[str, float]:
        """r(e_k) for each parameter: Γ_GSM[k,k] / Γ_MLE[k,k]."""
        return {p: self.ratio_along(p) for p in self.params}

    def _generalized(self) -> tuple[Array, Array]:
        w, V = scipy.linalg.eigh(self.gsm_covariance, self.mle_covariance)
        return w, V

    @property
    def worst_direction(self) -> tuple[float, tuple[float, ...]]:
        """(largest r(v), unit v): the direction GSM estimates worst relative to MLE."""
        if self.infinite:
            return math.inf, tuple(math.nan for _ in self.params)
        w, V = self._generalized()
        v = V[:, -1] / np.linalg.norm(V[:, -1])
        return float(w[-1]), tuple(float(c) for c in v)

    @property
    def best_direction(self) -> tuple[float, tuple[float, ...]]:
        """(smallest r(v), unit v)."""
        if self.infinite:
            return math.inf, tuple(math.nan for _ in self.params)
        w, V = self._generalized()
        v = V[:, 0] / np.linalg.norm(V[:, 0])
        return float(w[0]), tuple(float(c) for c in v)

    # ---------------------------------------------------------------- lifted (CTLD) records
    def _lift(self) -> LiftedCovariances:
        if self.lifted is None:
            raise ModelError("this efficiency is not of a lifted (CTLD) spec", "use a spec with a [ctld] table")
        return self.lifted

    @property
    def gsm_covariance_exact_faces(self) -> Array:
        """Γ_CTLD with the face expectations known (lifted records)."""
        return self._lift().gsm_exact_faces

    @property
    def vanilla_covariance(self) -> Array:
        """Γ of vanilla score matching on the un-lifted model (lifted records)."""
        return self._lift().vanilla

    @property
    def mle_original(self) -> Array:
        """I_p(θ*)⁻¹, the MLE of the original model (lifted records)."""
        self._lift()
        return self.mle_covariance

    @property
    def mle_lifted(self) -> Array:
        """E_r[I_{p^β}(θ*)]⁻¹, the MLE from the lifted samples (lifted records)."""
        return self._lift().mle_lifted

    @property
    def hessian(self) -> Array:
        """H, the CTLD bread (lifted records)."""
        return self._lift().hessian

    @property
    def error(self) -> float:
        """The largest relative error of the lifted record's covariances."""
        return self._lift().error

    @property
    def resolution(self) -> dict[str, Any]:
        """Resolution (quadrature) or samples and standard errors (Monte Carlo) of a lifted record."""
        return self._lift().resolution

    @property
    def ctld(self) -> CTLDParameters | None:
        """The CTLD constants of a lifted record."""
        return self._lift().ctld

    def ratio_of(self, which: str = "ctld", baseline: str = "original") -> float:
        """‖Γ_which‖/‖Γ_MLE,baseline‖ of a lifted record (which: ctld, ctld_exact_faces, vanilla;
        baseline: original, lifted)."""
        lift = self._lift()
        g = {"ctld": self.gsm_covariance, "ctld_exact_faces": lift.gsm_exact_faces, "vanilla": lift.vanilla}[which]
        m = {"original": self.mle_covariance, "lifted": lift.mle_lifted}[baseline]
        return float(np.linalg.norm(g, 2) / np.linalg.norm(m, 2))

    def _lifted_dict(self, lift: LiftedCovariances) -> dict[str, Any]:
        gsm, vanilla = self.gsm_covariance, lift.vanilla
        return {"params": list(self.params), "gsm_covariance": gsm.tolist(),
                "gsm_covariance_exact_faces": lift.gsm_exact_faces.tolist(),
                "vanilla_covariance": vanilla.tolist(),
                "mle_covariance": self.mle_covariance.tolist(), "mle_lifted_covariance": lift.mle_lifted.tolist(),
                "ratio": self.ratio_of(), "ratio_lifted": self.ratio_of("ctld", "lifted"),
                "vanilla_ratio": self.ratio_of("vanilla"), "error_estimate": lift.error,
                "method": self.method, "resolution": lift.resolution,
                # the standard `gsmtheory efficiency` keys for a lifted spec (docs/design.md §4)
                "lifted": True, "lifted_mle_covariance": lift.mle_lifted.tolist(),
                "vanilla_gsm_covariance": vanilla.tolist(),
                "ratios": {"ctld_vs_mle": self.ratio_of(), "ctld_vs_lifted_mle": self.ratio_of("ctld", "lifted"),
                           "ctld_exact_faces_vs_lifted_mle": self.ratio_of("ctld_exact_faces", "lifted"),
                           "vanilla_vs_mle": self.ratio_of("vanilla"),
                           "ctld_vs_vanilla": float(np.linalg.norm(gsm, 2) / np.linalg.norm(vanilla, 2))},
                "ctld": None if lift.ctld is None else lift.ctld.to_dict(),
                "poincare_constant": None if self.poincare is None else self.poincare.poincare_constant,
                "poincare": None if self.poincare is None else self.poincare.to_dict(),
                "theorem_bound": None if lift.theorem is None else lift.theorem["rhs"],
                "theorem": lift.theorem,
                "status": "ok" if lift.error <= lift.rtol else "not_converged"}

    def to_dict(self) -> dict[str, Any]:
        """Keys of `gsmtheory efficiency` (docs/design.md §4) plus per-direction information; a lifted
        record gives the CTLD keys (both MLE baselines, vanilla score matching, the ratios)."""
        if self.lifted is not None:
            return self._lifted_dict(self.lifted)
        wr, wv = self.worst_direction
        br, bv = self.best_direction
        return plain({
            "params": list(self.params),
            "truth": dict(zip(self.params, self.truth, strict=True)),
            "gsm_covariance": [list(r) for r in self.gsm.covariance.matrix],
            "mle_covariance": [list(r) for r in self.mle.covariance.matrix],
            "gsm_covariance_error": [list(r) for r in self.gsm.covariance.error],
            "mle_covariance_error": [list(r) for r in self.mle.covariance.error],
            "ratio": self.ratio,
            "ratio_definition": "||Gamma_GSM||_op / ||Gamma_MLE||_op; efficiency is per direction, "
                                "see per_parameter and worst_direction",
            "per_parameter": self.per_parameter,
            "worst_direction": {"ratio": wr, "vector": list(wv),
                                "combination": "every direction" if self.infinite
                                else describe_direction(wv, self.params)},
            "best_direction": {"ratio": br, "vector": list(bv),
                               "combination": "every direction" if self.infinite
                               else describe_direction(bv, self.params)},
            "poincare_constant": None if self.poincare is None else self.poincare.poincare_constant,
            "poincare": None if self.poincare is None else self.poincare.to_dict(),
            "theorem_bound": None if self.theorem is None else self.theorem.rhs,
            "theorem": None if self.theorem is None else self.theorem.to_dict(),
            "key_lemma": None if self.key_lemma is None else self.key_lemma.to_dict(),
            "bread": [list(r) for r in self.gsm.bread],
            "fisher_information": [list(r) for r in self.mle.bread],
            "method": self.method,
            "status": "infinite_variance" if self.infinite
            else "ok" if self.gsm.covariance.status == "ok" and self.mle.covariance.status == "ok"
            else "not_converged",
            "message": self.gsm.covariance.message,
            "notes": list(self.notes),
        })


def _per_sample_fn(problem: EstimationProblem):  # type: ignore[no-untyped-def]
    def f(points: Array) -> dict[str, Array]:
        v = problem.per_sample(points)
        v["b"] = v["b_tr"] + v["b_div"]
        v["jac"] = v["hess"]
        return v
    return f


def _assemble(problem: EstimationProblem, m: Moments, offset: Array) -> dict[str, Array]:
    P = problem.params
    H = m.mean["hess"] + offset
    Hinv = solve_bread(H, P, what="the GSM Hessian H")
    M = m.cov("psi")
    G = Hinv @ M @ Hinv
    fisher = m.cov("score")
    Iinv = solve_bread(fisher, P, what="the Fisher information I(θ*)")
    return {"gsm": (G + G.T) / 2, "mle": (Iinv + Iinv.T) / 2, "H": H, "M": M, "I": fisher}


def efficiency(spec: Spec | Diffusion, model: Model | None = None, *, method: str = "auto",
               rtol: float = 1e-10, samples: int = 400_000, seed: int = 0,
               poincare: float | PoincareResult | bool | None = True) -> Efficiency:
    r"""Asymptotic covariances of the GSM estimator and the MLE at θ*, and the theory around them.

    Parameters
    ----------
    spec : Spec or Diffusion
        The target and the diffusion (D); with a Diffusion pass ``model``.
    model : Model, optional
        Overrides the spec's model.
    method : {"auto", "quadrature", "monte-carlo"}
        ``auto``: quadrature for d ≤ 2, Monte Carlo from exact mixture samples beyond.
    rtol : float
        Quadrature: relative change of Γ between two resolutions to stop at.
    samples, seed : int
        Monte Carlo size and seed.
    poincare : True, False, float or PoincareResult
        True: compute C_P (spectral module, or the 1D fallback); False: skip the theory
        quantities; a number: use it as C_P.

    Raises
    ------
    ModelError
        Singular H or I (the message names the flat direction).
    """
    problem = build_problem(spec, model)
    P = problem.params
    _, _, bhess = problem.boundary()
    notes = []
    if problem.has_boundary:
        notes.append("the implicit loss keeps non-vanishing face terms; their theta-Hessian "
                     "(with the target density at the face) is added to H")
    per_sample = _per_sample_fn(problem)
    if method == "auto":
        method = "quadrature" if problem.dim <= 2 else "monte-carlo"
    if method == "quadrature":
        def combine(m: Moments) -> Array:
            a = _assemble(problem, m, bhess)
            return np.concatenate([a["gsm"].ravel(), a["mle"].ravel()])

        start = 16 if problem.dim == 1 else 8
        top = 4096 if problem.dim == 1 else 64
        _both, err, m, _panels, status = adaptive_moments(per_sample, _REQUESTS, problem.expect, combine,
                                                 rtol, start, top)
        how = "quadrature"
        res: dict[str, Any] = {**dict(m.resolution), "rtol": rtol}
        if status == "divergent":
            return _infinite_efficiency(problem, m, bhess, res, notes)
        if m.divergent:
            notes.append(f"{divergence_reason(m)}: the theorem's smoothness terms are infinite")
    elif method == "monte-carlo":
        xs = sample_target(problem, samples, seed)
        m = moments(per_sample, _REQUESTS, samples=xs)
        parts = np.array_split(np.arange(samples), 20)
        reps = []
        for idx in parts:
            mb = moments(per_sample, _REQUESTS, samples=xs[idx])
            ab = _assemble(problem, mb, bhess)
            reps.append(np.concatenate([ab["gsm"].ravel(), ab["mle"].ravel()]))
        err = 1.96 * np.std(np.stack(reps), axis=0, ddof=1) / math.sqrt(len(parts))
        status, how = "ok", "monte carlo (exact samples; error: 95% half-width from 20 batch means)"
        res = {"samples": samples, "seed": seed}
    else:
        raise SpecError(f"unknown method {method!r}", "use auto, quadrature or monte-carlo (the spelling of the loss methods too)")
    a = _assemble(problem, m, bhess)
    k = len(P) * len(P)
    gerr, merr = err[:k].reshape(len(P), len(P)), err[k:].reshape(len(P), len(P))
    msg = ("" if status == "ok" else "the quadrature did not reach its tolerance" if m.controlled
           else f"Gamma changed by more than rtol = {rtol:g} between the last two resolutions")

    def tup(x: Array) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(float(v) for v in row) for row in x)

    gsm = Sandwich(CovarianceEstimate(P, tup(a["gsm"]), tup(gerr), f"sandwich H^-1 Cov(psi) H^-1, {how}",
                                      res, status, msg), tup(a["H"]), tup(a["M"]),
                   tuple(float(v) for v in m.mean["psi"]))
    mle = Sandwich(CovarianceEstimate(P, tup(a["mle"]), tup(merr), f"inverse Fisher information, {how}",
                                      res, status, msg), tup(a["I"]), tup(a["I"]),
                   tuple(float(v) for v in m.mean["score"]))
    pv: PoincareResult | None
    zeros = problem.diffusion.interior_zeros if poincare is True else ()
    if zeros:
        where = ", ".join(f"{problem.diffusion.coords[i]} = {v:g}" for i, v in zeros)
        pv = PoincareResult(math.inf, 0.0, "symbolic: D vanishes inside the domain", {}, "no_poincare",
                            f"D = 0 at {where}: the diffusion cannot cross that point, so no Poincare "
                            "inequality holds", "exact")
    elif poincare is True:
        pv = poincare_constant(problem.diffusion)
    elif poincare is False or poincare is None:
        pv = None
    elif isinstance(poincare, PoincareResult):
        pv = poincare
    else:
        pv = PoincareResult(float(poincare), 0.0, "given", side="exact")
    lemma = theorem = None
    if m.divergent:
        pass  # smoothness terms infinite: the theorem says nothing, the lemma needs finite moments
    elif pv is not None and math.isfinite(pv.poincare_constant) and pv.poincare_constant > 0:
        lemma = _key_lemma(a, m, pv, gerr, rtol)
        theorem = _theorem(a, m, pv)
    elif pv is not None:
        notes.append(f"C_P = {pv.poincare_constant}: no Poincaré inequality, so no key lemma or theorem bound")
    return Efficiency(P, tuple(problem.model.truth), gsm, mle, pv, lemma, theorem, how, tuple(notes))


def _infinite_efficiency(problem: EstimationProblem, m: Moments, bhess: Array, res: dict[str, Any],
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
    agree = float(np.max(np.abs(jdj - m.mean["hess"])) / max(_opnorm(H), 1e-300))
    tol = (pv.error_estimate / pv.poincare_constant if pv.poincare_constant else 0.0) + 1e3 * rtol + 1e-9
    return KeyLemma(ratio, mineig, pv.poincare_constant, tol, bool(ratio >= 1 - tol), agree)


def _theorem(a: dict[str, Array], m: Moments, pv: PoincareResult) -> TheoremBound:
    lhs = _opnorm(a["gsm"])
    mle_norm = _opnorm(a["mle"])
    s_a = _opnorm(m.cov("a"))
    s_b = _opnorm(m.cov("b"))
    s_tr = _opnorm(m.cov("b_tr"))
    s_div = _opnorm(m.cov("b_div"))
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
    ratio10 = _opnorm(a["M"]) / (s_a + s_tr + s_div) if s_a + s_tr + s_div > 0 else math.inf
    return TheoremBound(lhs, rhs, 2.0, pv.poincare_constant, mle_norm,
                        {"gradient_term": s_a, "divergence_term": s_b, "trace_term": s_tr,
                         "drift_term": s_div}, needed, needed3,
                        rhs / lhs if lhs > 0 else math.inf, bool(lhs <= rhs), c_res, res2, res3, ratio10)


# ---------------------------------------------------------------------------- tilts
@dataclass(frozen=True)
class TiltEfficiency:
    r"""Γ_GSM/Γ_MLE = Var_p(h)·E_p[(L_s h)²]/E(h)² for the tilt p_θ ∝ p e^{θh} at θ = 0."""

    h: str
    variance: float
    generator_second_moment: float
    dirichlet: float
    ratio: float
    error: float
    sandwich_ratio: float | None
    eigenvalue: float | None

    @property
    def is_eigenfunction(self) -> bool:
        """True when the ratio is 1 to its error estimate (h − E h is an eigenfunction of L_s)."""
        return abs(self.ratio - 1.0) <= max(10 * self.error, 1e-9)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"h": self.h, "variance": self.variance,
                "generator_second_moment": self.generator_second_moment,
                "dirichlet": self.dirichlet, "ratio": self.ratio, "error": self.error,
                "sandwich_ratio": self.sandwich_ratio, "is_eigenfunction": self.is_eigenfunction,
                "eigenvalue": self.eigenvalue}


def tilt_efficiency(diffusion: Diffusion, h: sp.Expr | str, *, rtol: float = 1e-10,
                    compare_sandwich: bool = True) -> TiltEfficiency:
    r"""Exact efficiency ratio of the tilt p_θ ∝ p e^{θh} at θ = 0 (docs/design.md §6).

    ratio = Var_p(h)·E_p[(L_s h)²]/E(h)², E(h) = E_p[∇hᵀD∇h], L_s the reversible part of L.
    With ``compare_sandwich`` the sandwich of the model ℓ + θh is computed too (an equivalent
    formulation of the same number). ``eigenvalue`` is E(h)/Var(h) when h is an eigenfunction.
    """
    x = diffusion.coords
    if isinstance(h, str):
        h = parse_expression(h, {str(c): c for c in x}, what="h")
    h = sp.sympify(h)
    if not (h.free_symbols <= set(x)):
        raise SpecError(f"h uses symbols other than the coordinates: {h.free_symbols - set(x)}",
                        "write h in the coordinates only")
    Lh = diffusion.generator(h, reversible_only=True)
    dir_h = diffusion.dirichlet_integrand(h)
    f = compile_expr(x, [h, h**2, Lh, Lh**2, dir_h], "numpy")

    def funcs(points: Array) -> list[Array]:
        cols = [points[:, i] for i in range(points.shape[1])]
        with np.errstate(all="ignore"):
            return [np.broadcast_to(np.asarray(v, dtype=float), cols[0].shape) for v in f(*cols)]

    def per_sample(points: Array) -> dict[str, Array]:
        return {"v": np.stack(funcs(points), axis=-1)}

    def combine(mm: Moments) -> Array:
        eh, eh2, _, elh2, edir = mm.mean["v"]
        var = eh2 - eh**2
        return np.array([var * elh2 / edir**2, var, elh2, edir])

    def expect(fn: Any, panels: int) -> Any:
        return target_expectation(diffusion, fn, panels)

    vals, err, _, _, _ = adaptive_moments(per_sample, [("v", "mean")], expect, combine, rtol,
                                   16 if diffusion.dim == 1 else 8, 4096 if diffusion.dim == 1 else 64)
    ratio, var, elh2, edir = (float(v) for v in vals)
    if edir <= 0:
        raise ModelError("E(h) = 0: h is constant on the support", "choose a non-constant h")
    sw = None
    if compare_sandwich:
        theta = sp.Symbol("theta_tilt", real=True)
        model = Model.from_log_density(x, (theta,), diffusion.log_density + theta * h, [0.0])
        eff = efficiency(diffusion, model, rtol=rtol, poincare=False)
        sw = eff.ratio
    eig = edir / var if abs(ratio - 1) <= max(10 * float(err[0]), 1e-9) else None
    return TiltEfficiency(str(h), var, elh2, edir, ratio, float(err[0]), sw, eig)


# ---------------------------------------------------------------------------- lifted records
def lifted_efficiency(params: Any, truth: Any, gsm_covariance: Array, gsm_covariance_exact_faces: Array,
                      vanilla_covariance: Array, mle_original: Array, mle_lifted: Array, hessian: Array,
                      error: float, method: str, resolution: dict[str, Any], *, ctld: CTLDParameters | None = None,
                      poincare: PoincareResult | None = None, theorem: dict[str, Any] | None = None,
                      rtol: float = 1e-3) -> Efficiency:
    r"""The :class:`Efficiency` of a lifted (CTLD) spec from its covariances (flat, as computed).

    ``gsm`` is Γ_CTLD (faces from the same data) with bread H, ``mle`` the original I_p(θ*)⁻¹; their
    entry-wise error is ``error`` × the largest entry (Monte Carlo: the stated standard errors,
    ``resolution["standard_errors"]``); the rest goes to :class:`LiftedCovariances`.
    """
    P = tuple(str(p) for p in params)
    status = "ok" if error <= rtol else "not_converged"
    se = resolution.get("standard_errors", {}) if isinstance(resolution, dict) else {}

    def estimate(matrix: Array, key: str, what: str) -> CovarianceEstimate:
        m = np.asarray(matrix, dtype=float)
        err = np.asarray(se[key], dtype=float) if key in se else np.full_like(m, error * float(np.max(np.abs(m))))
        return CovarianceEstimate(P, _rows(m), _rows(err), f"{what}, {method}", dict(resolution), status,
                                  "" if status == "ok" else f"relative error {error:.3g} above rtol = {rtol:g}")

    H = np.asarray(hessian, dtype=float)
    g = np.asarray(gsm_covariance, dtype=float)
    m0 = np.asarray(mle_original, dtype=float)
    fisher = np.linalg.inv(m0)
    nan = tuple(math.nan for _ in P)
    gsm = Sandwich(estimate(g, "gsm", "CTLD sandwich H^-1 Cov(psi) H^-1"), _rows(H), _rows(H @ g @ H), nan)
    mle = Sandwich(estimate(m0, "mle0", "inverse Fisher information"), _rows(fisher), _rows(fisher), nan)
    lift = LiftedCovariances(np.asarray(gsm_covariance_exact_faces, dtype=float),
                             np.asarray(vanilla_covariance, dtype=float), np.asarray(mle_lifted, dtype=float), H,
                             float(error), dict(resolution), ctld, theorem, rtol)
    return Efficiency(P, tuple(float(t) for t in truth), gsm, mle, poincare, None, None, method, (), lift)


def _rows(a: Array) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in np.atleast_2d(a))


def replace_lifted(eff: Efficiency, **changes: Any) -> Efficiency:
    """A lifted record with some of :func:`lifted_efficiency`'s arguments replaced (the rest kept)."""
    lift = eff._lift()
    flat: dict[str, Any] = {
        "params": eff.params, "truth": eff.truth, "gsm_covariance": eff.gsm_covariance,
        "gsm_covariance_exact_faces": lift.gsm_exact_faces, "vanilla_covariance": lift.vanilla,
        "mle_original": eff.mle_covariance, "mle_lifted": lift.mle_lifted, "hessian": lift.hessian,
        "error": lift.error, "method": eff.method, "resolution": lift.resolution, "ctld": lift.ctld,
        "poincare": eff.poincare, "theorem": lift.theorem, "rtol": lift.rtol}
    unknown = set(changes) - set(flat)
    if unknown:
        raise SpecError(f"unknown lifted-record field(s) {', '.join(sorted(unknown))}", f"use {', '.join(flat)}")
    flat.update(changes)
    keywords = {k: flat.pop(k) for k in ("ctld", "poincare", "theorem", "rtol")}
    return lifted_efficiency(**flat, **keywords)
