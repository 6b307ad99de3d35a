r"""The lifted estimator's covariance by the lift's quadrature: the ``quadrature`` covariance method on a lift.

Γ = H⁻¹ Cov(ψ) H⁻¹, ψ the per-data-point θ-gradient of the empirical lifted loss: for data x, the
bulk term at (x̃, β) with β from the lift's noise-level law and x̃ = :meth:`gsmtheory.solve.Lift.noised`
(x, β, z), z ∼ N(0, I), and the β-face terms from the same x (docs/design.md §6). Every expectation
is the lift's quadrature (:meth:`gsmtheory.solve.Lift.joint_expect`, ``x_rule``, ``beta_rule``) with
Gauss–Hermite rules for z; the covariance of ψ counts the data point shared by the bulk and face
terms. Beside it: vanilla score matching's Γ and both MLE baselines (:func:`lifted_baselines`).
The code reads the lift only through its interface, so it holds no formula of CTLD's lift.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError
from gsmtheory.estimation._efficiency_record import Efficiency
from gsmtheory.estimation._lifted_efficiency import (
    closed_form_reason,
    lift_of,
    lifted_baselines,
    lifted_efficiency,
    lifted_theorem,
    replace_lifted,
)
from gsmtheory.numeric import normal_rule
from gsmtheory.solve import Problem, joint_points, poincare_constant

__all__ = ["lifted_quadrature", "quadrature_reason", "run_lifted_quadrature"]

Array = NDArray[Any]


def _moments(problem: Problem, panels: int, nh: int) -> dict[str, Array]:
    lift, joint = lift_of(problem), problem.joint
    P = problem.n_params
    th = [float(t) for t in problem.truth]
    d = lift.dim

    def bulk_fn(x: Array, b: Array) -> list[Array]:
        out = joint.per_sample(joint_points(x, b, d), th, parts=("psi", "hess"))
        g = out["psi"]
        return [g, np.einsum("...i,...j->...ij", g, g), out["hess"].reshape(*g.shape[:-1], P * P)]

    Eg, Egg, Eh = lift.joint_expect(bulk_fn, panels=panels, nh=nh)
    H = Eh.reshape(P, P).copy()
    # faces: −c_f E_{p^{β_f}}[flux]; ψ gets −c_f ∇flux(x_f), x_f the data point lifted to the face's level
    # by noise of its own; per face its mean given x (N, P) and second moment given x (N, P, P; None:
    # the face at level 0 sees the data point itself, noised(x, 0, z) = x, so it is the mean's square)
    xs0, w0 = lift.x_rule(0.0, nh)  # data x ~ p: (N,) or (N, d)
    z, wz = normal_rule(40 if d == 1 else 12, d)
    means: list[Array] = []
    seconds: list[Array | None] = []
    for face in lift.faces:
        if face.at == 0.0:
            vals = lift.face_values(face, xs0, th)
            means.append(-face.weight * np.stack(vals[1:1 + P], axis=-1))
            seconds.append(None)
            H -= face.weight * np.tensordot(w0, np.stack(vals[1 + P:], axis=-1), axes=(0, 0)).reshape(P, P)
        else:
            xx = lift.noised(xs0[:, None], face.at, z[None, :])  # (N, M) or (N, M, d)
            vals = lift.face_values(face, xx, th)
            gf = -face.weight * np.stack(vals[1:1 + P], axis=-1)
            H -= face.weight * np.einsum("n,m,nmk->k", w0, wz, np.stack(vals[1 + P:], axis=-1)).reshape(P, P)
            means.append(np.einsum("m,nmp->np", wz, gf))
            seconds.append(np.einsum("m,nmp,nmq->npq", wz, gf, gf))
    # conditional mean of the bulk gradient given the data point x: G_A(x) = E_{β,z}[∇φ(x + √(βλ)z, β)]
    b, wb = lift.beta_rule(max(panels // 2, 4))
    zg, wzg = normal_rule(24 if d == 1 else 8, d)
    xx = lift.noised(xs0[:, None, None], b[None, :, None], zg[None, None])  # (N, nb, M) or (N, nb, M, d)
    bb = np.broadcast_to(b[None, :, None], xx.shape[:3])
    ga = joint.per_sample(joint_points(xx, bb, d), th, parts=("psi",))["psi"]
    ga = np.where(np.isfinite(ga), ga, 0.0)
    GA = np.einsum("b,m,nbmp->np", wb, wzg, ga)
    second = Egg.reshape(P, P).copy()
    mean = Eg.reshape(P).copy()
    # E[ψψᵀ] with ψ = bulk + Σ_f face_f: the faces' own second moments, bulk × face through G_A, and
    # face × face (independent noise given x) through their means
    second_shared = second
    for mf, sf in zip(means, seconds, strict=True):
        second_shared = second_shared + (np.einsum("n,np,nq->pq", w0, mf, mf) if sf is None
                                         else np.einsum("n,npq->pq", w0, sf))
    for mf in means:
        second_shared = second_shared + _sym(np.einsum("n,np,nq->pq", w0, GA, mf))
    for i, mf in enumerate(means):
        for mg in means[i + 1:]:
            second_shared = second_shared + _sym(np.einsum("n,np,nq->pq", w0, mf, mg))
    mean_shared = mean
    for mf in means:
        mean_shared = mean_shared + w0 @ mf
    cov_shared = second_shared - np.outer(mean_shared, mean_shared)
    cov_exact = second - np.outer(mean, mean)
    Hinv = np.linalg.inv(H)
    return {"gsm": Hinv @ cov_shared @ Hinv, "gsm_exact": Hinv @ cov_exact @ Hinv, "H": H, "mean": mean_shared,
            **lifted_baselines(problem, panels, nh)}


def _sym(a: Array) -> Array:
    return a + a.T


def lifted_quadrature(problem: Problem, *, panels: int = 6, nh: int = 8, rtol: float = 1e-3) -> Efficiency:
    """Γ = H⁻¹ Cov(ψ) H⁻¹ of the lifted estimator and vanilla SM's Γ against both MLE baselines at θ*, at two resolutions.

    ψ: the per-data-point θ-gradient of the empirical lifted loss (bulk at (x̃, β), x̃ the lift of x, β-faces
    from the same x), H = E[∇_θ ψ]; Γ_vanilla likewise for ½|∇ℓ_θ|² + Δℓ_θ under p; Γ_MLE = I_p(θ*)⁻¹,
    E_r[I_{p^β}(θ*)]⁻¹ (docs/design.md §6). The lift's quadrature at (``panels``, ``nh``: x panels of
    16 nodes for d = 1, Gauss–Hermite per axis beyond) and twice both: the finer values, ``error`` the largest relative change.

    Parameters
    ----------
    problem : Problem
        A lifted problem (``build_problem(spec, lift=True)``), d ≤ 2.
    panels, nh : int
        β panels and x nodes of the coarser resolution.
    rtol : float
        Status ``"ok"`` when ``error`` is at most this.

    Returns
    -------
    Efficiency
        ``gsm`` is Γ_CTLD, ``mle`` the original MLE; ``lifted`` holds the rest.

    Raises
    ------
    NumericalError
        A covariance that is not finite (the model's or log r's values where the lift has mass).

    Examples
    --------
    >>> from gsmtheory.solve import build_problem
    >>> from gsmtheory.symbolic import load_spec
    >>> e = lifted_quadrature(build_problem(load_spec("ctld-bimodal"), lift=True), panels=3, nh=4)
    >>> round(e.ratio, -1), round(float(e.mle_covariance[0, 0]), 4)  # ½N(∓2, 1), means ±a: Γ_CTLD ≫ Γ_MLE
    (2690.0, 1.0221)
    """
    lo = _moments(problem, panels, nh)
    hi = _moments(problem, 2 * panels, 2 * nh)
    err = 0.0
    for k in ("gsm", "gsm_exact", "vanilla", "mle0", "mle1"):
        a, b = lo[k], hi[k]
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise NumericalError(f"the lifted covariance {k} is not finite", "check the model and log r on the lift")
        err = max(err, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)))
    d = lift_of(problem).dim
    if d == 1:
        method = "Gauss-Legendre in beta x composite Gauss-Legendre in x weighted by p^beta"
        res: dict[str, Any] = {"beta_panels": 2 * panels, "x_panels": 2 * nh}
    else:
        method = "Gauss-Legendre in beta x tensor Gauss-Hermite per mixture component in x"
        res = {"beta_panels": 2 * panels, "hermite_nodes_per_axis": 2 * nh, "dim": d}
    return lifted_efficiency(problem.params, problem.truth, hi["gsm"], hi["gsm_exact"], hi["vanilla"], hi["mle0"],
                             hi["mle1"], hi["H"], err, method, {**res, "score_mean_at_truth": hi["mean"].tolist()},
                             rtol=rtol)


def quadrature_reason(problem: Problem) -> str | None:
    """Why the lift's quadrature does not cover ``problem`` (None when it does): d ≤ 2 and p^β in closed form."""
    if problem.d > 2:
        return (f"the lift's tensor quadrature covers d <= 2 (this target has d = {problem.d}); ctld_reduction or "
                "monte-carlo answer beyond")
    return closed_form_reason(problem)


def run_lifted_quadrature(problem: Problem, options: Any) -> Efficiency:
    """:func:`lifted_quadrature` at ``options.panels``, ``options.nh``, ``options.rtol`` (default 1e-3);
    with ``options.poincare`` also C_P of the lift and the general theorem on (x, β)."""
    eff = lifted_quadrature(problem, panels=options.panels, nh=options.nh, rtol=options.rtol or 1e-3)
    pr = theorem = None
    if options.poincare:
        pr = poincare_constant(problem, rtol=1e-3 if problem.d == 1 else 1e-2, quick=True)
        theorem = lifted_theorem(problem, eff, pr, 2 * options.panels, 2 * options.nh)
    return replace_lifted(eff, ctld=lift_of(problem).params, poincare=pr, theorem=theorem)
