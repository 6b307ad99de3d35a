r"""The annealed (CTLD) score-matching estimator: its problem, sandwich and MLE baselines.

The CTLD loss is the GSM loss of the lifted model ℓ_θ(x, β) = log r(β) + log p^β_θ(x) under the
identity diffusion on (x, β) ∈ R^d × [0, β_max] (docs/design.md §1), derived by
:func:`gsmtheory.symbolic.gsm_loss`; its implicit form is

    L(θ) = E_{(x,β)∼p}[½|∇_{x,β} ℓ_θ|² + Δ_{x,β} ℓ_θ] − Σ_faces c_f E_{x∼p^{β_f}}[n_f ∂_β ℓ_θ(x, β_f)],

with c_f = r(β_f)/Z_r (the β-density at the face) and n = −1 at β = 0, +1 at β = β_max. From
data x_1..x_n ∼ p the estimator draws β_i ∼ r, z_i, z'_i ∼ N(0, I) and uses
x̃_i = x_i + √(β_iλ) z_i for the bulk term, x_i for the β = 0 face and x_i + √(β_max λ) z'_i for
the β = β_max face (all from the same data point). Its asymptotic covariance is the sandwich
H⁻¹ Cov(ψ) H⁻¹ with ψ the per-data-point θ-gradient (Qin & Risteski 2023, Thm. on CTLD).
Baselines: MLE on the original model (I_p(θ*)⁻¹) and on the lifted one (E_r[I_{p^β}(θ*)]⁻¹).

The problem is the generic :class:`~gsmtheory.estimation.EstimationProblem` of the lifted
diffusion and model (its per-sample ψ, ∇²_θφ, scores and theory terms); the β-marginal, the
x | β rules and the β-faces are its :class:`~gsmtheory.estimation.CTLDLift`; the un-lifted
problem of the same spec gives vanilla score matching and the original MLE.

Targets are Gaussian mixtures in any dimension d. Points x are arrays of shape (...) for d = 1
and (..., d) for d ≥ 2; data are (n,) or (n, d). Expectations over x | β ∼ p^β use composite
Gauss–Legendre in x for d = 1 and, for d ≥ 2, tensor Gauss–Hermite per component
(:func:`gsmtheory.numeric.mixture_lift_rule`: x = μ_k + chol(Σ + βλI) z, weights w_k ω_z).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError
from gsmtheory.estimation._efficiency import Efficiency, lifted_efficiency
from gsmtheory.estimation._lift import CTLDLift, joint_points, lift_spec
from gsmtheory.estimation._problem import EstimationProblem, build_problem
from gsmtheory.numeric import mixture_lift_rule, normal_rule
from gsmtheory.symbolic import Spec

__all__ = ["base_problem", "ctld_efficiency", "ctld_problem", "lift_of", "lifted_smoothness"]

Array = NDArray[Any]


def ctld_problem(spec: Spec, **overrides: object) -> EstimationProblem:
    r"""The CTLD estimation problem of a spec with a ``[model.mixture]`` (its [ctld] table or defaults).

    The :class:`EstimationProblem` of the lifted diffusion and model on (x, β) ∈ R^d × [0, β_max]
    (its loss is ``gsm_loss(ctld_lift, ctld_model)``), with the lift (β rule, r, the β-faces with
    c_f = r(β_f)/Z_r, the un-lifted problem) in ``problem.lift`` (:class:`CTLDLift`). Any d.

    Raises
    ------
    SpecError
        No model, a target that is not a Gaussian mixture (a formula target has no closed-form p^β).
    """
    lifted, model, lift = lift_spec(spec, **overrides)
    return build_problem(lifted, model, lift=lift)


def lift_of(problem: EstimationProblem) -> CTLDLift:
    """The problem's CTLD lift; a one-line error for an un-lifted problem."""
    if problem.lift is None:
        raise ModelError(f"the problem {problem.name!r} is not a CTLD lift", "build it with ctld_problem(spec)")
    return problem.lift


def base_problem(problem: EstimationProblem) -> EstimationProblem:
    """The un-lifted problem of a CTLD problem (vanilla score matching, the original MLE)."""
    lift = lift_of(problem)
    return build_problem(lift.base, lift.base_model)


# ---------------------------------------------------------------------------- covariances
def _ctld_cov(problem: EstimationProblem, panels: int, nh: int) -> dict[str, Array]:
    lift = lift_of(problem)
    P = problem.n_params
    th = [float(t) for t in problem.truth]
    lam = lift.params.lambda_min
    bmax = lift.params.beta_max
    d = lift.dim

    def bulk_fn(x: Array, b: Array) -> list[Array]:
        out = problem.per_sample(joint_points(x, b, d), th, parts=("psi", "hess"))
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
            xx = xs0[:, None] + np.sqrt(face.at * lam) * z[None, :]  # (N, M) or (N, M, d)
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
        xx = xs0[:, None, None] + np.sqrt(b * lam)[None, :, None] * zg[None, None, :]
    else:
        xx = xs0[:, None, None, :] + np.sqrt(b * lam)[None, :, None, None] * zg[None, None, :, :]
    bb = np.broadcast_to(b[None, :, None], xx.shape[:3])
    ga = problem.per_sample(joint_points(xx, bb, d), th, parts=("psi",))["psi"]
    ga = np.where(np.isfinite(ga), ga, 0.0)
    GA = np.einsum("b,m,nbmp->np", wb, wzg, ga)
    second = Egg.reshape(P, P).copy()
    mean = Eg.reshape(P).copy()
    B0 = face_terms.get(0.0, np.zeros((len(xs0), P)))
    B1 = face_terms.get(bmax, np.zeros((len(xs0), P)))
    B1B1 = face_terms.get(-bmax, np.zeros((len(xs0), P, P)))
    second_shared = (second + np.einsum("n,np,nq->pq", w0, B0, B0) + np.einsum("n,npq->pq", w0, B1B1)
                     + _sym(np.einsum("n,np,nq->pq", w0, GA, B0)) + _sym(np.einsum("n,np,nq->pq", w0, GA, B1))
                     + _sym(np.einsum("n,np,nq->pq", w0, B0, B1)))
    mean_shared = mean + w0 @ B0 + w0 @ B1
    cov_shared = second_shared - np.outer(mean_shared, mean_shared)
    cov_exact = second - np.outer(mean, mean)
    Hinv = np.linalg.inv(H)
    # vanilla SM and MLE baselines (expectations under p alone; for d ≥ 2 by composite Gauss–Legendre
    # in z per component, which resolves the sharp switches of the mixture scores at β = 0 that
    # Gauss–Hermite converges to slowly)
    if d >= 2:
        xs0, w0 = mixture_lift_rule(lift.target, 0.0, nh, "legendre")
    v = base_problem(problem).per_sample(xs0, th, parts=("psi", "hess", "score"))
    gv = v["psi"]
    hv = v["hess"].reshape(len(w0), P * P)
    Hv = np.tensordot(w0, hv, axes=(0, 0)).reshape(P, P)
    Cv = np.einsum("n,np,nq->pq", w0, gv, gv) - np.outer(w0 @ gv, w0 @ gv)
    Hvi = np.linalg.inv(Hv)
    s0 = v["score"]
    I0 = np.einsum("n,np,nq->pq", w0, s0, s0)

    def lifted_score(x: Array, bta: Array) -> list[Array]:
        s = problem.per_sample(joint_points(x, bta, d), th, parts=("score",))["score"]
        return [np.einsum("...i,...j->...ij", s, s)]

    I1 = lift.joint_expect(lifted_score, panels=panels, nh=nh)[0]
    return {"gsm": Hinv @ cov_shared @ Hinv, "gsm_exact": Hinv @ cov_exact @ Hinv, "vanilla": Hvi @ Cv @ Hvi,
            "mle0": np.linalg.inv(I0), "mle1": np.linalg.inv(I1), "H": H, "mean": mean_shared}


def _sym(a: Array) -> Array:
    return a + a.T


def ctld_efficiency(problem: EstimationProblem, *, panels: int = 6, nh: int = 8) -> Efficiency:
    r"""Sandwich covariances of CTLD and vanilla SM and both MLE baselines at θ* (two resolutions).

    Γ = H⁻¹ Cov(ψ) H⁻¹ with ψ the per-data-point θ-gradient of the empirical CTLD loss (bulk at
    (x + √(βλ)z, β) plus the β-faces from the same x), H = E[∇²_θ ψ]; Γ_vanilla likewise for
    ½|∇ℓ_θ|² + Δℓ_θ under p; Γ_MLE = I_p(θ*)⁻¹ and E_r[I_{p^β}(θ*)]⁻¹. Expectations by the
    problem's quadrature at (``panels``, ``nh``) and at twice both; the reported values are the
    finer ones, ``error`` the largest relative change (``nh``: x panels of 16 nodes for d = 1,
    Gauss–Hermite nodes per axis for d ≥ 2).
    """
    lo = _ctld_cov(problem, panels, nh)
    hi = _ctld_cov(problem, 2 * panels, 2 * nh)
    err = 0.0
    for k in ("gsm", "gsm_exact", "vanilla", "mle0", "mle1"):
        a, b = lo[k], hi[k]
        err = max(err, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)))
    d = lift_of(problem).dim
    if d == 1:
        method = "Gauss-Legendre in beta x composite Gauss-Legendre in x weighted by p^beta"
        res: dict[str, Any] = {"beta_panels": 2 * panels, "x_panels": 2 * nh}
    else:
        method = "Gauss-Legendre in beta x tensor Gauss-Hermite per mixture component in x"
        res = {"beta_panels": 2 * panels, "hermite_nodes_per_axis": 2 * nh, "dim": d}
    return lifted_efficiency(problem.params, problem.truth, hi["gsm"], hi["gsm_exact"], hi["vanilla"], hi["mle0"],
                             hi["mle1"], hi["H"], err, method, {**res, "score_mean_at_truth": hi["mean"].tolist()})


def lifted_smoothness(problem: EstimationProblem, panels: int, nh: int) -> tuple[float, float]:
    r"""‖Cov(J∇ℓ)‖ and ‖Cov(∇_θΔℓ_θ)‖ on the joint at θ*, with z = (x, β), J = ∇_θ∇_zℓ_θ: the problem's
    per-sample a and b_tr + b_div (D = I on the lift, so b_div = 0) under r p^β."""
    lift = lift_of(problem)
    th = [float(t) for t in problem.truth]

    def fn(x: Array, beta: Array) -> list[Array]:
        out = problem.per_sample(joint_points(x, beta, lift.dim), th, parts=("a", "b_tr", "b_div"))
        va, vb = out["a"], out["b_tr"] + out["b_div"]
        return [va, np.einsum("...i,...j->...ij", va, va), vb, np.einsum("...i,...j->...ij", vb, vb)]

    ea, eaa, eb, ebb = lift.joint_expect(fn, panels=panels, nh=nh)
    ca = eaa - np.outer(ea, ea)
    cb = ebb - np.outer(eb, eb)
    return float(np.linalg.norm(ca, 2)), float(np.linalg.norm(cb, 2))
