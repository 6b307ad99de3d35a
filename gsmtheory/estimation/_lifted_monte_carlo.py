r"""The lifted estimator's covariance by Monte Carlo in torch: the ``monte-carlo`` covariance method on a lift.

The same sandwich Γ = H⁻¹ Cov(ψ) H⁻¹ as :func:`gsmtheory.estimation._lifted_quadrature.lifted_quadrature`,
in any d, from exact draws: x ∼ p and β from the lift's noise-level law
(:class:`gsmtheory.numeric.MixtureDraws`), z, z' ∼ N(0, I), the lifted points from
:meth:`gsmtheory.solve.Lift.noised`. Sample means u of the per-draw θ-derivatives (compiled for
torch once) give every block Γ = f(E[u]) with delta-method standard errors over groups of
``_GROUP`` draws (:func:`delta_method_means`); the sample grows until ``rtol`` or the budget is met.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from numpy.typing import NDArray

from gsmtheory._device import batch_size, resolve_device
from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.estimation._efficiency import covariance_methods
from gsmtheory.estimation._efficiency_record import Efficiency
from gsmtheory.estimation._lifted_efficiency import lift_of, lifted_efficiency, replace_lifted
from gsmtheory.estimation._torch_monte_carlo import delta_method_means
from gsmtheory.numeric import MixtureDraws
from gsmtheory.solve import Lift, Problem
from gsmtheory.symbolic import estimating_terms, theta_derivatives

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["lifted_monte_carlo", "run_lifted_monte_carlo"]

Array = NDArray[Any]

_KEYS = ("gsm", "gsm_exact", "vanilla", "mle0", "mle1", "H")
_GROUP = 512  # draws per group mean (the delta method's covariance of m̂ is estimated from groups)


@dataclass(frozen=True)
class _TorchPieces:
    """The per-draw θ-derivatives of the lifted problem, compiled for torch once."""

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
    lift = lift_of(problem)
    P = problem.n_params
    x = sampler.target(n)
    beta = sampler.law(n)  # β from the lift's noise-level law, by inverse CDF
    xt = lift.noised(x, beta, sampler.normal(n))
    out = pieces.bulk(*xt.unbind(-1), beta, *theta)
    g = _stack(out[:P], n)
    h = _stack(out[P:], n)
    psi = g.clone()
    for at, weight, fn in pieces.faces:
        xf = x if at == 0.0 else lift.noised(x, at, sampler.normal(n))
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


def lifted_monte_carlo(problem: Problem, *, samples: int = 100_000, rtol: float = 1e-2,
                       max_samples: int = 1_600_000, seed: int = 0, device: str = "auto") -> Efficiency:
    """Γ of the lifted estimator (both face treatments), Γ_vanilla, Γ_MLE (both baselines) and H by Monte Carlo in torch.

    The same sandwich Γ = H⁻¹ Cov(ψ) H⁻¹ as :func:`gsmtheory.estimation._lifted_quadrature.lifted_quadrature`,
    from exact draws of (x, β, z) in any d; errors by the delta method.

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
    >>> from gsmtheory.solve import build_problem
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("ctld-bimodal"), lift=True)
    >>> e = lifted_monte_carlo(pr, samples=8192, rtol=0.5, max_samples=8192, device="cpu")
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
                              label="lifted Monte Carlo")


def run_lifted_monte_carlo(problem: Problem, options: Any, priority: float) -> Efficiency:
    """At most ``options.samples`` draws rounded up to whole groups of 512 (from 100000), to the relative
    standard error ``options.rtol`` (default 1e-2), on ``options.device``; no C_P. ``resolution["why_not"]``
    holds the reasons of the lifted covariance methods that ``auto`` tries before ``priority`` (this
    method's) and that do not apply."""
    samples = options.samples
    if samples < 8 * _GROUP:
        raise SpecError(f"the Monte Carlo of a lift needs at least {8 * _GROUP} samples (8 groups of {_GROUP}), "
                        f"got {samples}", f"give --samples {8 * _GROUP} or more (samples= in Python)")
    mc = lifted_monte_carlo(problem, samples=min(100_000, samples), max_samples=samples,
                            rtol=1e-2 if options.rtol is None else options.rtol, seed=options.seed,
                            device=options.device)
    ahead = {m.name: m.why_not(problem) for m in covariance_methods()
             if m.auto and m.priority < priority and m.lifted is not False}
    return replace_lifted(mc, ctld=lift_of(problem).params,
                          resolution={**mc.resolution, "why_not": {k: v for k, v in ahead.items() if v}})
