r"""Batched damped Newton in torch: R independent small problems minimized at once.

Each row r of θ (R, P) has its own objective f_r(θ_r) (rows do not interact), so
∇(Σ_r f_r) gives every row's gradient in one backward pass and P more passes give the
Hessians. The step solves (H + μI)s = −g with μ lifting H to positive definite where it is not,
then backtracks (Armijo, factor ½) row by row. A row has converged when
‖g‖_∞ ≤ gtol·(1 + |f|) with H positive definite (or, once no step decreases f, when
‖g‖_∞ ≤ noise_gtol·(1 + |f|): the floating-point floor); rows that run out of iterations, stall in the
line search or produce non-finite values are reported with their status, never as numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["NewtonResult", "newton_minimize"]

Objective = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class NewtonResult:
    """θ (R, P), f (R,), gradient max-norm (R,), iterations (R,), status per row."""

    theta: torch.Tensor
    value: torch.Tensor
    grad_norm: torch.Tensor
    hessian: torch.Tensor
    iterations: torch.Tensor
    status: tuple[str, ...]

    @property
    def converged(self) -> torch.Tensor:
        """Boolean mask of converged rows."""
        return torch.tensor([s == "converged" for s in self.status])


def _derivatives(objective: Objective, theta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    th = theta.detach().requires_grad_(True)
    f = objective(th)
    (g,) = torch.autograd.grad(f.sum(), th, create_graph=True)
    rows = []
    P = th.shape[1]
    for k in range(P):
        (hk,) = torch.autograd.grad(g[:, k].sum(), th, retain_graph=k < P - 1, allow_unused=True)
        rows.append(torch.zeros_like(th) if hk is None else hk)
    H = torch.stack(rows, dim=1)
    return f.detach(), g.detach(), ((H + H.transpose(1, 2)) / 2).detach()


def newton_minimize(objective: Objective, theta0: torch.Tensor, *, max_iter: int = 100,
                    gtol: float = 1e-12, max_halvings: int = 40, noise_gtol: float = 1e-7) -> NewtonResult:
    """Minimize R independent objectives from θ0 (R, P); see the module docstring."""
    theta = theta0.detach().clone()
    R, P = theta.shape
    eye = torch.eye(P, dtype=theta.dtype, device=theta.device)
    active = torch.ones(R, dtype=torch.bool, device=theta.device)
    status = ["not_converged"] * R
    iters = torch.zeros(R, dtype=torch.long)
    f, g, H = _derivatives(objective, theta)
    for it in range(max_iter + 1):
        finite = torch.isfinite(f) & torch.isfinite(g).all(1) & torch.isfinite(H).flatten(1).all(1)
        eig = torch.linalg.eigvalsh(torch.where(finite[:, None, None], H, eye))
        scale = eig.abs().max(1).values.clamp_min(1e-300)
        pd = eig[:, 0] > 1e-12 * scale
        done = finite & pd & (g.abs().max(1).values <= gtol * (1 + f.abs()))
        for r in torch.nonzero(active & done).flatten().tolist():
            status[r] = "converged"
        for r in torch.nonzero(active & ~finite).flatten().tolist():
            status[r] = "non_finite"
        active = active & ~done & finite
        if not bool(active.any()) or it == max_iter:
            break
        iters[active.cpu()] += 1
        mu = torch.where(pd, torch.zeros_like(scale), -eig[:, 0] + 1e-6 * scale)
        Hm = torch.where(active[:, None, None], H + mu[:, None, None] * eye, eye)
        step = -torch.linalg.solve(Hm, torch.where(active[:, None], g, torch.zeros_like(g)))
        slope = (g * step).sum(1)
        t = torch.ones(R, dtype=theta.dtype, device=theta.device)
        accepted = ~active
        new_theta = theta.clone()
        new_f = f.clone()
        for _ in range(max_halvings):
            cand = theta + t[:, None] * step
            with torch.no_grad():
                fc = objective(cand)
            ok = (~accepted) & torch.isfinite(fc) & (fc <= f + 1e-4 * t * slope + 1e-14 * f.abs())
            new_theta = torch.where(ok[:, None], cand, new_theta)
            new_f = torch.where(ok, fc, new_f)
            accepted = accepted | ok
            if bool(accepted.all()):
                break
            t = torch.where(accepted, t, t / 2)
        stalled = active & ~accepted
        # no decrease possible: at the floating-point floor if the gradient is already tiny
        floor = stalled & pd & (g.abs().max(1).values <= noise_gtol * (1 + f.abs()))
        for r in torch.nonzero(stalled).flatten().tolist():
            status[r] = "converged" if bool(floor[r]) else "line_search_failed"
        active = active & accepted
        theta = torch.where(active[:, None], new_theta, theta)
        f, g, H = _derivatives(objective, theta)
    return NewtonResult(theta.detach(), f, g.abs().max(1).values, H, iters, tuple(status))
