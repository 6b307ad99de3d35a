r"""The efficiency record of a lifted problem, and the general theorem applied to the lift.

Whatever computes the covariances of the annealed (CTLD) estimator (the covariance methods
``quadrature`` and ``monte-carlo`` on a lift, the reduction ``ctld_reduction``), :func:`lifted_efficiency` turns them into one
:class:`gsmtheory.estimation.Efficiency` with its :class:`LiftedCovariances`, and
:func:`replace_lifted` changes some of its fields. :func:`lifted_smoothness` and
:func:`lifted_theorem` evaluate Theorem 6 (docs/paper.md) on (x, β) through the problem's lift
(:meth:`gsmtheory.solve.Lift.joint_expect` and the joint problem's per-sample terms), so they hold
no formula of the lift itself (docs/design.md §6).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.estimation._efficiency_record import Efficiency
from gsmtheory.estimation._lifted_record import LiftedCovariances
from gsmtheory.estimation._records import CovarianceEstimate
from gsmtheory.estimation._sandwich import Sandwich
from gsmtheory.numeric import PoincareResult, mixture_lift_rule
from gsmtheory.solve import Lift, Problem, joint_points
from gsmtheory.symbolic import CTLDParameters

__all__ = [
    "closed_form_reason",
    "lift_of",
    "lifted_baselines",
    "lifted_efficiency",
    "lifted_smoothness",
    "lifted_theorem",
    "replace_lifted",
]

Array = NDArray[Any]


def lift_of(problem: Problem) -> Lift:
    """The problem's lift, or a one-line ModelError when it carries none."""
    if problem.lift is None:
        raise ModelError(f"the problem {problem.name!r} is not a CTLD lift", "build it with build_problem(spec, lift=True)")
    return problem.lift


def closed_form_reason(problem: Problem) -> str | None:
    """Why the lifted estimator cannot be evaluated (None when it can): a model, and the lift's p^β and
    p^β_θ in closed form (:meth:`gsmtheory.solve.Lift.closed_form_reason`)."""
    if problem.model_or_none is None:
        return f"spec {problem.name!r} has no [model]; add a [model.mixture] table"
    return lift_of(problem).closed_form_reason()


def lifted_baselines(problem: Problem, panels: int, nh: int) -> dict[str, Array]:
    """Γ of vanilla SM and both Γ_MLE (keys ``vanilla``, ``mle0``, ``mle1``) by the lift's quadrature.

    Expectations under p alone (for d ≥ 2 by composite Gauss–Legendre in z per component, which
    resolves the sharp switches of the mixture scores at β = 0 that Gauss–Hermite converges to
    slowly), and E_r[I_{p^β}] on the joint."""
    lift, joint = lift_of(problem), problem.joint
    P, d = problem.n_params, lift.dim
    th = [float(t) for t in problem.truth]
    assert lift.mixture is not None  # by closed_form_reason
    xs0, w0 = lift.x_rule(0.0, nh) if d == 1 else mixture_lift_rule(lift.mixture, 0.0, nh, "legendre")
    v = problem.per_sample(xs0, th, parts=("psi", "hess", "score"))
    gv = v["psi"]
    hv = v["hess"].reshape(len(w0), P * P)
    Hv = np.tensordot(w0, hv, axes=(0, 0)).reshape(P, P)
    Cv = np.einsum("n,np,nq->pq", w0, gv, gv) - np.outer(w0 @ gv, w0 @ gv)
    Hvi = np.linalg.inv(Hv)
    s0 = v["score"]
    I0 = np.einsum("n,np,nq->pq", w0, s0, s0)

    def lifted_score(x: Array, bta: Array) -> list[Array]:
        s = joint.per_sample(joint_points(x, bta, d), th, parts=("score",))["score"]
        return [np.einsum("...i,...j->...ij", s, s)]

    I1 = lift.joint_expect(lifted_score, panels=panels, nh=nh)[0]
    return {"vanilla": Hvi @ Cv @ Hvi, "mle0": np.linalg.inv(I0), "mle1": np.linalg.inv(I1)}


def lifted_smoothness(problem: Problem, panels: int, nh: int) -> tuple[float, float]:
    """‖Cov(J∇ℓ)‖ and ‖Cov(∇_θΔℓ_θ)‖ on the joint at θ*, with z = (x, β) and J = ∇_θ∇_zℓ_θ.

    The problem's per-sample a and b_tr + b_div (D = I on the lift, so b_div = 0) under r p^β: the
    smoothness terms of Theorem 6 applied to the lift (docs/paper.md).

    Parameters
    ----------
    problem : Problem
        A lifted problem.
    panels, nh : int
        The lifted quadrature's β panels and x nodes.

    Returns
    -------
    tuple of float
        (‖Cov(J∇ℓ)‖, ‖Cov(∇_θΔℓ_θ)‖).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> a, b = lifted_smoothness(build_problem(load_spec("ctld-bimodal"), lift=True), 3, 4)
    >>> a > 0 and b > 0
    True
    """
    lift, joint = lift_of(problem), problem.joint
    th = [float(t) for t in problem.truth]

    def fn(x: Array, beta: Array) -> list[Array]:
        out = joint.per_sample(joint_points(x, beta, lift.dim), th, parts=("a", "b_tr", "b_div"))
        va, vb = out["a"], out["b_tr"] + out["b_div"]
        return [va, np.einsum("...i,...j->...ij", va, va), vb, np.einsum("...i,...j->...ij", vb, vb)]

    ea, eaa, eb, ebb = lift.joint_expect(fn, panels=panels, nh=nh)
    ca = eaa - np.outer(ea, ea)
    cb = ebb - np.outer(eb, eb)
    return float(np.linalg.norm(ca, 2)), float(np.linalg.norm(cb, 2))


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


def lifted_theorem(problem: Problem, eff: Efficiency, pr: PoincareResult, panels: int, nh: int) -> dict[str, Any]:
    r"""The general theorem applied to the lift (Theorem 6, docs/paper.md, with the CTLD generator):
    ‖Γ‖ ≤ 2·C_P²·‖Γ_MLE,lifted‖²·(‖Cov(J∇ℓ)‖ + ‖Cov(∇_θΔℓ_θ)‖) on (x, β), J = ∇_θ∇_(x,β)ℓ_θ, where Γ is
    the estimator from joint samples (faces known; the bulk-only theorem ignores the β-faces, so the
    record reports lhs with and without the shared-data face terms)."""
    s_a, s_b = lifted_smoothness(problem, panels, nh)
    c_p = pr.poincare_constant
    mle_norm = float(np.linalg.norm(eff.mle_lifted, 2))
    base = c_p ** 2 * mle_norm ** 2 * (s_a + s_b)
    lhs = float(np.linalg.norm(eff.gsm_covariance_exact_faces, 2))
    lhs_shared = float(np.linalg.norm(eff.gsm_covariance, 2))
    # Proposition 2 (i), H⁻¹ ⪯ C_P(lift)·Γ_MLE, as C_P/λ_max(H⁻¹, Γ_MLE) (≥ 1 when it holds), per baseline
    h_inv = np.linalg.inv(np.atleast_2d(eff.hessian))
    key = {name: float(c_p / scipy.linalg.eigh((h_inv + h_inv.T) / 2, np.atleast_2d(g), eigvals_only=True)[-1])
           for name, g in (("lifted", eff.mle_lifted), ("original", eff.mle_original))}
    return {"lhs": lhs, "lhs_shared_data_faces": lhs_shared, "rhs": 2.0 * base, "constant": 2.0,
            "key_lemma": {**key, "statement": "C_P(lift) / lambda_max(H^-1, Gamma_MLE): >= 1 when "
                                              "H^-1 <= C_P Gamma_MLE (Proposition 2 (i)), per MLE baseline"},
            "poincare_constant": c_p, "mle_norm": mle_norm, "baseline": "lifted",
            "smoothness": {"cov_J_grad_l": s_a, "cov_grad_theta_laplacian": s_b},
            "needed_constant": lhs / base if base > 0 else math.inf,
            "slack": 2.0 * base / lhs if lhs > 0 else math.inf, "holds": bool(lhs <= 2.0 * base),
            "statement": "||Gamma_CTLD|| <= 2 C_P(lift)^2 ||Gamma_MLE,lifted||^2 (||Cov(J grad l)|| + "
                         "||Cov(grad_theta lap l)||) on (x, beta); faces ignored by the bound"}
