r"""The efficiency records: Γ_GSM against Γ_MLE per direction, the key lemma, the theorem, the lifted blocks.

:class:`Efficiency` is what ``gsmtheory efficiency`` prints (docs/design.md §4): the sandwich
Γ_GSM = H⁻¹ Cov_p(ψ) H⁻¹ and Γ_MLE = I(θ*)⁻¹ with their errors, the ratio r(v) = vᵀΓ_GSM v / vᵀΓ_MLE v
along any direction and its extremes, C_P, :class:`KeyLemma` and :class:`TheoremBound`
(Qin & Risteski 2023; Koehler, Heckett & Risteski 2023). A record of a lifted problem (the
annealed CTLD estimator) also holds :class:`LiftedCovariances` (``_lifted_record.py``): Γ with the face expectations
known, vanilla score matching's Γ and the lifted MLE. The record is extensible: a new field with
a default keeps every caller working.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.estimation._lifted_record import LiftedCovariances
from gsmtheory.estimation._records import describe_direction, plain
from gsmtheory.estimation._sandwich import Sandwich
from gsmtheory.numeric import PoincareResult
from gsmtheory.symbolic import CTLDParameters

__all__ = ["Efficiency", "KeyLemma", "LiftedCovariances", "TheoremBound", "opnorm"]

Array = NDArray[np.float64]


def opnorm(a: Array) -> float:
    return float(np.max(np.abs(np.linalg.eigvalsh((a + a.T) / 2))))


@dataclass(frozen=True)
class KeyLemma:
    """H = E_p[J D Jᵀ] ⪰ I(θ*)/C_P, reported as ``ratio`` = C_P·λ_min(I^{-1/2} H I^{-1/2}) ≥ 1.

    The key lemma of the efficiency theorem (docs/paper.md).

    Attributes
    ----------
    ratio : float
        C_P·λ_min(I^{-1/2} H I^{-1/2}).
    min_eigenvalue : float
        λ_min(H − I/C_P) (≥ 0 when the lemma holds).
    poincare_constant : float
        The C_P used.
    tolerance : float
        The relative numerical error allowed (from C_P's and the quadrature's error estimates).
    holds : bool
        ``ratio ≥ 1 − tolerance``.
    bread_vs_jdj : float
        max|E_p[J D Jᵀ] − H| / ‖H‖: the two forms of the bread agree.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> k = efficiency(load_spec("gaussian", constants={"sigma": 1.0}), poincare=1.0).key_lemma
    >>> round(k.ratio, 8), k.holds             # N(0, 1), the mean: H = I = 1, C_P = 1 (sharp)
    (1.0, True)
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
    """‖Γ_GSM‖ ≤ c·C_P²·‖Γ_MLE‖²·(smoothness), with c = ``constant`` (2, as reported; docs/paper.md Theorem 6).

    ``needed_constant`` is the smallest c with the two smoothness terms (b = b_tr + b_div kept
    whole), ``needed_constant_three_terms`` with the three terms as printed in COLT 2024
    Theorem 6. Remark 8's restricted Poincaré constant C_res = λ_max(I, H) (the constant over
    test functions ⟨w, ∇_θ log p_θ*⟩) gives ``needed_constant_restricted`` and
    ``needed_constant_restricted_three_terms``: the constants the bound needs with C_res in
    place of C_P. ``gradient_covariance_ratio`` is ‖Cov ∇_θℓ_θ‖ over the sum of the three
    covariances (Lemma 10, which prints no constant; Cauchy–Schwarz gives 3).

    Attributes
    ----------
    lhs, rhs : float
        ‖Γ_GSM‖ and the bound.
    constant, poincare_constant, mle_norm : float
        c, C_P and ‖Γ_MLE‖.
    smoothness : dict
        The smoothness terms.
    needed_constant, needed_constant_three_terms : float
        See above.
    slack : float
        rhs / lhs.
    holds : bool
        lhs ≤ rhs.
    restricted_poincare_constant, needed_constant_restricted, needed_constant_restricted_three_terms : float
        Remark 8's variant (see above).
    gradient_covariance_ratio : float
        See above.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> t = efficiency(load_spec("gaussian", constants={"sigma": 1.0}), poincare=1.0).theorem
    >>> t.holds, round(t.lhs, 8), round(t.rhs, 8)
    (True, 1.0, 2.0)
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
class Efficiency:
    """Γ_GSM against Γ_MLE for one model at θ*: covariances, per-direction ratios, theory (docs/design.md §6).

    Use :meth:`ratio_along` for a direction, :attr:`per_parameter` for the coordinate directions,
    :attr:`worst_direction` / :attr:`best_direction` for the extremes; ``ratio`` is
    ‖Γ_GSM‖/‖Γ_MLE‖ (operator norms), the quantity the theorems bound.

    Attributes
    ----------
    params, truth : tuple
        Parameter names and θ*.
    gsm, mle : Sandwich
        Γ_GSM (on a lift: Γ_CTLD) and Γ_MLE with their ingredients and errors.
    poincare : PoincareResult or None
        C_P, when asked for.
    key_lemma : KeyLemma or None
        H ⪰ I/C_P, with C_P.
    theorem : TheoremBound or None
        ‖Γ_GSM‖ ≤ 2·C_P²·‖Γ_MLE‖²·(smoothness), with C_P.
    method : str
        The covariance method that answered.
    notes : tuple of str
        What a reader must know (e.g. a misspecified model).
    lifted : LiftedCovariances or None
        The further covariances of a lifted problem.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> e = efficiency(load_spec("gaussian", constants={"sigma": 1.0}), poincare=1.0)  # C_P of N(0, 1)
    >>> round(e.ratio, 8), round(e.per_parameter['mu'], 8), e.key_lemma.holds, e.theorem.holds
    (1.0, 1.0, True, True)
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

    @property
    def directions_tied(self) -> bool:
        """True when, with two or more parameters, the largest and smallest r(v) agree within the
        covariances' own errors: every direction has the same ratio and the extreme directions are
        whatever rounding picked."""
        if self.infinite or len(self.params) < 2:
            return False
        w, _ = self._generalized()
        rel = max(float(np.max(np.abs(c.error))) / max(float(np.max(np.abs(c.matrix))), 1e-300)
                  for c in (self.gsm.covariance, self.mle.covariance))
        return bool(float(w[-1] - w[0]) <= (4.0 * rel + 64.0 * float(np.finfo(float).eps)) * abs(float(w[-1])))

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

    def _combination(self, v: tuple[float, ...], tied: bool) -> str:
        if self.infinite:
            return "every direction"
        if tied:
            return "every direction (the ratios agree within their error; this vector is one of them)"
        return describe_direction(v, self.params)

    def to_dict(self) -> dict[str, Any]:
        """Keys of `gsmtheory efficiency` (docs/design.md §4) plus per-direction information; a lifted
        record gives the CTLD keys (both MLE baselines, vanilla score matching, the ratios)."""
        if self.lifted is not None:
            return self._lifted_dict(self.lifted)
        wr, wv = self.worst_direction
        br, bv = self.best_direction
        tied = self.directions_tied
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
            "worst_direction": {"ratio": wr, "vector": list(wv), "combination": self._combination(wv, tied)},
            "best_direction": {"ratio": br, "vector": list(bv), "combination": self._combination(bv, tied)},
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
