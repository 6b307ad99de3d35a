r"""The annealed (CTLD) estimator ``ctld`` of a lifted problem and its covariance, by quadrature or Monte Carlo.

Γ_CTLD = H⁻¹ Cov(ψ) H⁻¹, ψ the per-data-point θ-gradient of the empirical CTLD loss (bulk at
(x + √(βλ)z, β), β-faces from the same x), against vanilla score matching and both MLE baselines
(docs/design.md §6), as two covariance methods: ``ctld_quadrature`` (:func:`ctld_efficiency`, the
lift's quadrature in d ≤ 2 at two resolutions) and ``ctld_monte_carlo``
(:func:`ctld_efficiency_monte_carlo`, any d: sample means in torch over exact draws x ∼ p, β ∼ r,
z, z' ∼ N(0, I), each block Γ = f(E[u]) with delta-method standard errors over groups of
``_GROUP`` draws). ``ESTIMATOR_METHODS`` registers the estimator ``ctld`` (``_fit_lifted.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._device import batch_size, resolve_device
from gsmtheory._errors import NumericalError, SpecError
from gsmtheory._methods import Method, Theory
from gsmtheory.estimation._efficiency import covariance_methods
from gsmtheory.estimation._efficiency_record import Efficiency
from gsmtheory.estimation._fit_lifted import fit_lifted
from gsmtheory.estimation._lifted_efficiency import (
    lift_of,
    lifted_baselines,
    lifted_efficiency,
    lifted_theorem,
    replace_lifted,
)
from gsmtheory.estimation._torch_monte_carlo import delta_method_means
from gsmtheory.numeric import MixtureDraws, normal_rule
from gsmtheory.solve import Lift, Problem, joint_points, poincare_constant
from gsmtheory.symbolic import estimating_terms, theta_derivatives

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["ESTIMATOR_METHODS", "METHODS", "ctld_efficiency", "ctld_efficiency_monte_carlo", "mixture_model_reason"]

Array = NDArray[Any]


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
    lift, joint = lift_of(problem), problem.joint
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
            **lifted_baselines(problem, panels, nh)}


def _sym(a: Array) -> Array:
    return a + a.T


def ctld_efficiency(problem: Problem, *, panels: int = 6, nh: int = 8, rtol: float = 1e-3) -> Efficiency:
    """Γ_CTLD = H⁻¹ Cov(ψ) H⁻¹ and vanilla SM's Γ against both MLE baselines at θ*, at two resolutions.

    ψ: the per-data-point θ-gradient of the empirical CTLD loss (bulk at (x + √(βλ)z, β), β-faces
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
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise NumericalError(f"the CTLD covariance {k} is not finite", "check the model and log r on the lift")
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


def _quadrature_applies(problem: Problem) -> str | None:
    if problem.d > 2:
        return f"the tensor quadrature covers d <= 2 (this target has d = {problem.d})"
    return mixture_model_reason(problem)


def _run_quadrature(problem: Problem, options: Any) -> Efficiency:
    """Γ_CTLD, Γ_vanilla, both Γ_MLE; with ``options.poincare`` C_P of the lift and the theorem."""
    eff = ctld_efficiency(problem, panels=options.panels, nh=options.nh, rtol=options.rtol or 1e-3)
    pr = theorem = None
    if options.poincare:
        pr = poincare_constant(problem, rtol=1e-3 if problem.d == 1 else 1e-2, quick=True)
        theorem = lifted_theorem(problem, eff, pr, 2 * options.panels, 2 * options.nh)
    return replace_lifted(eff, ctld=lift_of(problem).params, poincare=pr, theorem=theorem)


QUADRATURE = Method("ctld_quadrature", _quadrature_applies, _run_quadrature,
                "CTLD estimator, d <= 2: Gauss-Legendre in beta x Gauss-Legendre/Hermite in x, two resolutions",
                Theory("estimate"), priority=10, lifted=True)


# ---------------------------------------------------------------------------- by Monte Carlo
_KEYS = ("gsm", "gsm_exact", "vanilla", "mle0", "mle1", "H")
_GROUP = 512  # draws per group mean (the delta method's covariance of m̂ is estimated from groups)


@dataclass(frozen=True)
class _TorchPieces:
    """The per-draw θ-derivatives of the CTLD problem, compiled for torch once."""

    bulk: Any  # (x, β, θ) → [∇_θφ (P), ∇²_θφ (P²)]
    faces: tuple[tuple[float, float, Any], ...]  # (β_f, c_f, (x, θ) → [∇_θ flux (P), ∇²_θ flux (P²)])
    vanilla: Any  # (x, θ) → [∇_θφ₀, ∇²_θφ₀]
    score0: Any  # (x, θ) → ∇_θ log q_θ(x)
    score1: Any  # (x, β, θ) → ∇_θ log q^β_θ(x)


def _pieces(problem: Problem) -> _TorchPieces:
    lift, joint = problem.lift, problem.joint
    assert lift is not None
    loss, van = joint.loss, problem.loss
    theta, lifted = loss.model.params, loss.diffusion.coords
    bulk = joint.compiled("mc_bulk", (*lifted, *theta), [*loss.theta_gradient, *loss.theta_hessian], "torch")
    faces = []
    for k, face in enumerate(lift.faces):
        fn = joint.compiled(f"mc_face_{k}", (*lifted[:-1], *theta), theta_derivatives(face.flux, theta)[1:], "torch")
        faces.append((face.at, face.weight, fn))
    args0 = (*problem.coords, *problem.model.params)
    vanilla = problem.compiled("mc_vanilla", args0, [*van.theta_gradient, *van.theta_hessian], "torch")
    score0 = problem.compiled("mc_score", args0, estimating_terms(problem.diffusion, problem.model, False)["score"],
                              "torch")
    score1 = joint.compiled("mc_score", (*lifted, *theta),
                            estimating_terms(joint.diffusion, joint.model, False)["score"], "torch")
    return _TorchPieces(bulk, tuple(faces), vanilla, score0, score1)


def _stack(values: list[torch.Tensor], n: int) -> torch.Tensor:
    import torch
    return torch.stack([v.expand(n) if v.dim() else v.reshape(1).expand(n) for v in values], dim=-1)


def _outer(a: torch.Tensor) -> torch.Tensor:
    return (a[:, :, None] * a[:, None, :]).flatten(1)


def _statistics(problem: Problem, pieces: _TorchPieces, sampler: MixtureDraws, theta: list[torch.Tensor],
                n: int) -> torch.Tensor:
    """u for n draws, shape (n, S): g, ggᵀ, ψ, ψψᵀ, h, g₀, g₀g₀ᵀ, h₀, s₀s₀ᵀ, s₁s₁ᵀ (flattened)."""
    import torch
    assert problem.lift is not None
    P, lambda_min = problem.n_params, problem.lift.lambda_min
    x = sampler.target(n)
    beta = sampler.law(n)  # β ∼ r/Z_r by inverse CDF
    xt = x + torch.sqrt(beta * lambda_min)[:, None] * sampler.normal(n)
    out = pieces.bulk(*xt.unbind(-1), beta, *theta)
    g = _stack(out[:P], n)
    h = _stack(out[P:], n)
    psi = g.clone()
    for at, weight, fn in pieces.faces:
        xf = x if at == 0.0 else x + math.sqrt(at * lambda_min) * sampler.normal(n)
        fo = fn(*xf.unbind(-1), *theta)
        psi = psi - weight * _stack(fo[:P], n)
        h = h - weight * _stack(fo[P:], n)
    vo = pieces.vanilla(*x.unbind(-1), *theta)
    gv, hv = _stack(vo[:P], n), _stack(vo[P:], n)
    s0 = _stack(pieces.score0(*x.unbind(-1), *theta), n)
    s1 = _stack(pieces.score1(*xt.unbind(-1), beta, *theta), n)
    u = torch.cat([g, _outer(g), psi, _outer(psi), h, gv, _outer(gv), hv, _outer(s0), _outer(s1)], dim=1)
    if not bool(torch.isfinite(u).all()):
        raise NumericalError("a Monte Carlo draw gave a non-finite score or Hessian at the truth",
                             "check the model: its derivatives must be finite where the target has mass")
    return u


def _blocks(P: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """m ↦ the six blocks (gsm, gsm_exact, vanilla, mle0, mle1, H), each P² entries, symmetrized."""
    import torch
    sizes = [P, P * P, P, P * P, P * P, P, P * P, P * P, P * P, P * P]

    def f(m: torch.Tensor) -> torch.Tensor:
        parts = torch.split(m, sizes)
        g, psi, gv = parts[0], parts[2], parts[5]
        gg, pp, h, gvgv, hv, s0, s1 = (parts[i].reshape(P, P) for i in (1, 3, 4, 6, 7, 8, 9))

        def sym(a: torch.Tensor) -> torch.Tensor:
            return 0.5 * (a + a.T)

        Hi = torch.linalg.inv(sym(h))
        Hvi = torch.linalg.inv(sym(hv))
        cov_psi = pp - torch.outer(psi, psi)
        cov_g = gg - torch.outer(g, g)
        cov_v = gvgv - torch.outer(gv, gv)
        out = [Hi @ cov_psi @ Hi, Hi @ cov_g @ Hi, Hvi @ cov_v @ Hvi, torch.linalg.inv(sym(s0)),
               torch.linalg.inv(sym(s1)), h]
        return torch.cat([sym(o).reshape(-1) for o in out])

    return f


def ctld_efficiency_monte_carlo(problem: Problem, *, samples: int = 100_000, rtol: float = 1e-2,
                                max_samples: int = 1_600_000, seed: int = 0,
                                device: str = "auto") -> Efficiency:
    """Γ_CTLD (both face treatments), Γ_vanilla, Γ_MLE (both baselines) and H by Monte Carlo in torch.

    The same sandwich Γ = H⁻¹ Cov(ψ) H⁻¹ as :func:`ctld_efficiency`, from exact draws of (x, β, z)
    in any d; errors by the delta method.

    Parameters
    ----------
    problem : Problem
        A lifted problem (``build_problem(spec, lift=True)``), any d.
    samples : int
        Draws to start with (at least 8 groups of 512).
    rtol : float
        Target: every block's largest standard error at most ``rtol`` × its largest entry; the
        sample grows (by the projected n·(error/rtol)²) until it is met or ``max_samples`` is spent.
    max_samples : int
        The sample budget.
    seed : int
        Seed of the torch generator (results repeat for one device and seed).
    device : str
        ``auto``, ``cpu``, ``cuda`` or ``cuda:N``; float64 throughout.

    Returns
    -------
    Efficiency
        The lifted record, values at the full sample; ``resolution["standard_errors"]`` holds one
        matrix of standard errors per block (delta method), ``error`` the largest relative one,
        ``rtol`` the target; status ``ok`` iff ``error <= rtol``.

    Raises
    ------
    SpecError
        Too few samples for the budget, or a negative ``rtol``.
    NumericalError
        A draw with a non-finite score or Hessian at the truth.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("ctld-bimodal"), lift=True)
    >>> e = ctld_efficiency_monte_carlo(pr, samples=8192, rtol=0.5, max_samples=8192, device="cpu")
    >>> bool(e.lifted.error <= 0.5), e.lifted.resolution["samples"]   # quadrature: Γ_CTLD = 2745
    (True, 8192)
    """
    if samples < 8 * _GROUP or max_samples < samples:
        raise SpecError(f"Monte Carlo with {samples} samples (budget {max_samples}) is too few",
                        f"use at least {8 * _GROUP} samples and max_samples >= samples")
    if not rtol >= 0:
        raise SpecError(f"rtol {rtol} must be >= 0", "give e.g. 1e-2 (0 spends the whole budget)")
    dev = resolve_device(device)
    lift = lift_of(problem)
    full, ses, err, G = _converge(problem, lift, dev, samples, rtol, max_samples, seed)
    n = G * _GROUP
    return lifted_efficiency(problem.params, problem.truth, full["gsm"], full["gsm_exact"], full["vanilla"],
                             full["mle0"], full["mle1"], full["H"], err,
                             f"Monte Carlo in torch from {n} exact draws (standard errors by the delta method "
                             f"over {G} groups of {_GROUP})",
                             {"samples": n, "groups": G, "max_samples": max_samples, "rtol": rtol, "seed": seed,
                              "device": dev, "dim": lift.dim,
                              "standard_errors": {k: v.tolist() for k, v in ses.items()}},
                             rtol=rtol)


def _converge(problem: Problem, lift: Lift, dev: str, samples: int, rtol: float, max_samples: int,
              seed: int) -> tuple[dict[str, Array], dict[str, Array], float, int]:
    """(blocks, their standard errors, the largest relative one, groups) once rtol or the budget is met."""
    import torch
    P = problem.n_params
    pieces = _pieces(problem)
    assert lift.mixture is not None
    sampler = MixtureDraws(lift.mixture, dev, seed, lift.schedule.law.table())
    theta = [torch.tensor(float(t), dtype=torch.float64, device=dev) for t in problem.truth]
    S = 3 * P + 8 * P * P  # g, gg, psi, pp, h, gv, gvgv, hv, s0s0, s1s1
    per = max(batch_size(dev, 8 * (6 * S + 16 * (P * P + P + lift.dim + 2)), maximum=1 << 16) // _GROUP, 1)
    return delta_method_means(lambda n: _statistics(problem, pieces, sampler, theta, n), _blocks(P), _KEYS, (P, P),
                              samples=samples, rtol=rtol, max_samples=max_samples, group=_GROUP, per_batch=per,
                              label="CTLD Monte Carlo")


def _run_monte_carlo(problem: Problem, options: Any) -> Efficiency:
    """At most ``options.samples`` draws rounded up to whole groups of 512 (from 100000), to the relative
    standard error ``options.rtol`` (default 1e-2), on ``options.device``; no C_P."""
    samples = options.samples
    mc = ctld_efficiency_monte_carlo(problem, samples=min(100_000, samples), max_samples=samples,
                                     rtol=1e-2 if options.rtol is None else options.rtol, seed=options.seed,
                                     device=options.device)
    reduced = covariance_methods().get("ctld_reduction").why_not(problem)
    return replace_lifted(mc, ctld=lift_of(problem).params,
                          resolution={**mc.resolution, **({"why_not_reduced": reduced} if reduced else {})})


MONTE_CARLO = Method("ctld_monte_carlo", mixture_model_reason, _run_monte_carlo,
                "CTLD estimator, any d: Monte Carlo in torch, delta-method standard errors on every block",
                Theory("estimate", notes="error: the largest relative standard error"), priority=30, lifted=True)
METHODS = (QUADRATURE, MONTE_CARLO)


# ---------------------------------------------------------------------------- the estimator
ESTIMATOR_METHODS = (Method("ctld", mixture_model_reason, fit_lifted,
                "the annealed CTLD loss on (x, beta), beta and the noise drawn from the data",
                Theory("estimate", notes="asymptotic covariance: the CTLD sandwich (ctld_quadrature)"),
                priority=10, lifted=True),)
