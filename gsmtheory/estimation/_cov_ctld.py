r"""The annealed (CTLD) estimator of a lifted problem: the estimator ``ctld`` and its covariance ``ctld_quadrature``.

``ESTIMATOR_METHODS`` registers the estimator ``ctld`` (fit from data, :func:`gsmtheory.estimation.fit`,
by ``_fit_lifted.py``); ``METHOD`` the covariance method ``ctld_quadrature``: the sandwich
Γ_CTLD = H⁻¹ Cov(ψ) H⁻¹, ψ the per-data-point θ-gradient of the empirical CTLD loss (bulk at
(x + √(βλ)z, β), β-faces from the same x), against vanilla score matching and both MLE baselines,
by the lift's quadrature in d ≤ 2. Derivation: docs/design.md §6, "The CTLD estimator and its
covariance".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, SpecError
from gsmtheory._methods import Method, Theory
from gsmtheory.estimation._efficiency_record import Efficiency
from gsmtheory.estimation._fit_lifted import fit_lifted
from gsmtheory.estimation._lifted_record import LiftedCovariances
from gsmtheory.estimation._records import CovarianceEstimate
from gsmtheory.estimation._sandwich import Sandwich
from gsmtheory.numeric import PoincareResult, mixture_lift_rule, normal_rule
from gsmtheory.solve import Lift, Problem, joint_points, poincare_constant
from gsmtheory.symbolic import CTLDParameters

__all__ = ["ESTIMATOR_METHODS", "METHOD", "ctld_efficiency", "lifted_efficiency", "lifted_smoothness", "lifted_theorem",
           "mixture_model_reason", "replace_lifted"]

Array = NDArray[Any]


def _lift_of(problem: Problem) -> Lift:
    if problem.lift is None:
        raise ModelError(f"the problem {problem.name!r} is not a CTLD lift", "build it with build_problem(spec, lift=True)")
    return problem.lift


def mixture_model_reason(problem: Problem) -> str | None:
    """Why the lifted estimator cannot be evaluated (None when it can): it needs p^β and p^β_θ in closed form."""
    if problem.model_or_none is None:
        return f"spec {problem.name!r} has no [model]; add a [model.mixture] table"
    if problem.mixture is None:
        return ("the CTLD estimator needs p * N(0, beta*lambda*I) in closed form, but the target is a formula; "
                "give the target as a [mixture] table")
    if problem.model.kind != "mixture" or problem.model.mixture is None:
        return "the CTLD loss needs the model's convolution in closed form; give the model as a [model.mixture] table"
    return None


def _ctld_cov(problem: Problem, panels: int, nh: int) -> dict[str, Array]:
    lift, joint = _lift_of(problem), problem.joint
    P = problem.n_params
    th = [float(t) for t in problem.truth]
    lambda_min, beta_max = lift.lambda_min, lift.beta_max
    d = lift.dim

    def bulk_fn(x: Array, b: Array) -> list[Array]:
        out = joint.per_sample(joint_points(x, b, d), th, parts=("psi", "hess"))
        g = out["psi"]
        return [g, np.einsum("...i,...j->...ij", g, g), out["hess"].reshape(*g.shape[:-1], P * P)]

    Eg, Egg, Eh = lift.joint_expect(bulk_fn, panels=panels, nh=nh)
    H = Eh.reshape(P, P).copy()
    # faces: −c_f E_{p^{β_f}}[flux]; ψ gets −c_f ∇flux(x_f)
    xs0, w0 = lift.x_rule(0.0, nh)  # data x ~ p: (N,) or (N, d)
    z, wz = normal_rule(40 if d == 1 else 12, d)
    face_terms: dict[float, Array] = {}
    for face in lift.faces:
        if face.at == 0.0:
            vals = lift.face_values(face, xs0, th)
            g0 = -face.weight * np.stack(vals[1:1 + P], axis=-1)
            hh = np.stack(vals[1 + P:], axis=-1)
            H -= face.weight * np.tensordot(w0, hh, axes=(0, 0)).reshape(P, P)
            face_terms[0.0] = g0  # (N, P) as a function of the data point x
        else:
            xx = xs0[:, None] + np.sqrt(face.at * lambda_min) * z[None, :]  # (N, M) or (N, M, d)
            vals = lift.face_values(face, xx, th)
            gf = -face.weight * np.stack(vals[1:1 + P], axis=-1)
            hh = np.stack(vals[1 + P:], axis=-1)
            H -= face.weight * np.einsum("n,m,nmk->k", w0, wz, hh).reshape(P, P)
            face_terms[face.at] = np.einsum("m,nmp->np", wz, gf)  # conditional mean given x
            face_terms[-face.at] = np.einsum("m,nmp,nmq->npq", wz, gf, gf)  # conditional second moment
    # conditional mean of the bulk gradient given the data point x: G_A(x) = E_{β,z}[∇φ(x + √(βλ)z, β)]
    b, wb = lift.beta_rule(max(panels // 2, 4))
    zg, wzg = normal_rule(24 if d == 1 else 8, d)
    if d == 1:
        xx = xs0[:, None, None] + np.sqrt(b * lambda_min)[None, :, None] * zg[None, None, :]
    else:
        xx = xs0[:, None, None, :] + np.sqrt(b * lambda_min)[None, :, None, None] * zg[None, None, :, :]
    bb = np.broadcast_to(b[None, :, None], xx.shape[:3])
    ga = joint.per_sample(joint_points(xx, bb, d), th, parts=("psi",))["psi"]
    ga = np.where(np.isfinite(ga), ga, 0.0)
    GA = np.einsum("b,m,nbmp->np", wb, wzg, ga)
    second = Egg.reshape(P, P).copy()
    mean = Eg.reshape(P).copy()
    B0 = face_terms.get(0.0, np.zeros((len(xs0), P)))
    B1 = face_terms.get(beta_max, np.zeros((len(xs0), P)))
    B1B1 = face_terms.get(-beta_max, np.zeros((len(xs0), P, P)))
    second_shared = (second + np.einsum("n,np,nq->pq", w0, B0, B0) + np.einsum("n,npq->pq", w0, B1B1)
                     + _sym(np.einsum("n,np,nq->pq", w0, GA, B0)) + _sym(np.einsum("n,np,nq->pq", w0, GA, B1))
                     + _sym(np.einsum("n,np,nq->pq", w0, B0, B1)))
    mean_shared = mean + w0 @ B0 + w0 @ B1
    cov_shared = second_shared - np.outer(mean_shared, mean_shared)
    cov_exact = second - np.outer(mean, mean)
    Hinv = np.linalg.inv(H)
    return {"gsm": Hinv @ cov_shared @ Hinv, "gsm_exact": Hinv @ cov_exact @ Hinv, "H": H, "mean": mean_shared,
            **_baselines(problem, panels, nh)}


def _baselines(problem: Problem, panels: int, nh: int) -> dict[str, Array]:
    """Vanilla SM and both MLE baselines: expectations under p alone (for d ≥ 2 by composite
    Gauss–Legendre in z per component, which resolves the sharp switches of the mixture scores at
    β = 0 that Gauss–Hermite converges to slowly), and E_r[I_{p^β}] on the joint."""
    lift, joint = _lift_of(problem), problem.joint
    P, d = problem.n_params, lift.dim
    th = [float(t) for t in problem.truth]
    assert lift.mixture is not None  # by mixture_model_reason
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


def _sym(a: Array) -> Array:
    return a + a.T


def ctld_efficiency(problem: Problem, *, panels: int = 6, nh: int = 8) -> Efficiency:
    """Γ_CTLD = H⁻¹ Cov(ψ) H⁻¹ and vanilla SM's Γ against both MLE baselines at θ*, at two resolutions.

    ψ is the per-data-point θ-gradient of the empirical CTLD loss (bulk at (x + √(βλ)z, β) plus
    the β-faces from the same x), H = E[∇_θ ψ]; Γ_vanilla likewise for ½|∇ℓ_θ|² + Δℓ_θ under p;
    Γ_MLE = I_p(θ*)⁻¹ and E_r[I_{p^β}(θ*)]⁻¹ (docs/design.md §6). Expectations
    by the problem's quadrature at (``panels``, ``nh``) and at twice both; the reported values are
    the finer ones, ``error`` the largest relative change (``nh``: x panels of 16 nodes for d = 1,
    Gauss–Hermite nodes per axis for d ≥ 2).

    Parameters
    ----------
    problem : Problem
        A lifted problem (``build_problem(spec, lift=True)``), d ≤ 2.
    panels, nh : int
        β panels and x nodes of the coarser resolution.

    Returns
    -------
    Efficiency
        ``gsm`` is Γ_CTLD, ``mle`` the original MLE; ``lifted`` holds the rest.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> e = ctld_efficiency(build_problem(load_spec("ctld-bimodal"), lift=True), panels=3, nh=4)
    >>> round(e.ratio, -1), round(float(e.mle_covariance[0, 0]), 4)  # ½N(∓2, 1), means ±a: Γ_CTLD ≫ Γ_MLE
    (2690.0, 1.0221)
    """
    lo = _ctld_cov(problem, panels, nh)
    hi = _ctld_cov(problem, 2 * panels, 2 * nh)
    err = 0.0
    for k in ("gsm", "gsm_exact", "vanilla", "mle0", "mle1"):
        a, b = lo[k], hi[k]
        err = max(err, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)))
    d = _lift_of(problem).dim
    if d == 1:
        method = "Gauss-Legendre in beta x composite Gauss-Legendre in x weighted by p^beta"
        res: dict[str, Any] = {"beta_panels": 2 * panels, "x_panels": 2 * nh}
    else:
        method = "Gauss-Legendre in beta x tensor Gauss-Hermite per mixture component in x"
        res = {"beta_panels": 2 * panels, "hermite_nodes_per_axis": 2 * nh, "dim": d}
    return lifted_efficiency(problem.params, problem.truth, hi["gsm"], hi["gsm_exact"], hi["vanilla"], hi["mle0"],
                             hi["mle1"], hi["H"], err, method, {**res, "score_mean_at_truth": hi["mean"].tolist()})


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
    lift, joint = _lift_of(problem), problem.joint
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
    r"""The general theorem applied to the lift (Qin & Risteski 2023, Thm. 2 with the CTLD generator):
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


def _applies(problem: Problem) -> str | None:
    if problem.d > 2:
        return f"the tensor quadrature covers d <= 2 (this target has d = {problem.d})"
    return mixture_model_reason(problem)


def _run(problem: Problem, options: Any) -> Efficiency:
    """Γ_CTLD, Γ_vanilla, both Γ_MLE; with ``options.poincare`` C_P of the lift and the theorem."""
    eff = ctld_efficiency(problem, panels=options.panels, nh=options.nh)
    pr = theorem = None
    if options.poincare:
        pr = poincare_constant(problem, rtol=1e-3 if problem.d == 1 else 1e-2, quick=True)
        theorem = lifted_theorem(problem, eff, pr, 2 * options.panels, 2 * options.nh)
    return replace_lifted(eff, ctld=_lift_of(problem).params, poincare=pr, theorem=theorem)


METHOD = Method("ctld_quadrature", _applies, _run,
                "CTLD estimator, d <= 2: Gauss-Legendre in beta x Gauss-Legendre/Hermite in x, two resolutions",
                Theory("estimate"), priority=10, lifted=True)


# ---------------------------------------------------------------------------- the estimator
ESTIMATOR_METHODS = (Method("ctld", mixture_model_reason, fit_lifted,
                "the annealed CTLD loss on (x, beta), beta and the noise drawn from the data",
                Theory("estimate", notes="asymptotic covariance: the CTLD sandwich (ctld_quadrature)"),
                priority=10, lifted=True),)
