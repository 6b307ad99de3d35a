r"""A soft heat-identity tie for free noise-conditional energy models.

A model q^β ∝ e^{−E(x, β)} is the heat flow of q^0 (q^β = q^0 ∗ N(0, βλI), docs/design.md §1) exactly
when its normalized log density solves ∂_β log q^β = (λ/2)(Δ log q^β + |∇ log q^β|²) (the heat
identity, docs/paper.md Lemma 28 with the factor λ/2). With the normalizer unknown, that is

    R(x, β) = −∂_β E − (λ/2)(|∇_x E|² − Δ_x E) = (log Z)'(β)   for every x,

a function of β alone. :class:`HeatTie` penalizes (R − c_φ(β))² with a small learned c_φ (its own
parameters), at the points the denoising loss visits; tied models (a Gaussian mixture whose
variance grows by βλ) have R ≡ (log Z)' and cost nothing. Added to :class:`DSMLoss` it gives a
free network the tie that parametric heads have by construction; CTLD's loss ties through its
β-score, which it takes from the same identity.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from gsmtheory._errors import SpecError
from gsmtheory.networks._autograd import network_score, weighted_divergence
from gsmtheory.networks._gsm import flat_batch

__all__ = ["HeatTie", "heat_residual"]


def heat_residual(energy: Callable[..., torch.Tensor], x: torch.Tensor, beta: torch.Tensor,
                  lam: float) -> torch.Tensor:
    r"""R(x, β) = −∂_β E − (λ/2)(|∇E|² − ΔE) per sample (exact Laplacian), with a graph to the parameters."""
    with torch.enable_grad():
        _, flat, event = flat_batch(x)
        bg = beta if beta.requires_grad else beta.detach().requires_grad_(True)
        xin = flat.reshape(x.shape[0], *event)
        e = energy(xin, bg).reshape(-1)
        (de_db,) = torch.autograd.grad(e.sum(), bg, create_graph=True)
        s = network_score(energy, flat, bg, kind="energy", event=event)
        lap_log = weighted_divergence(s, flat)  # Δ log q = div s
        return -de_db - 0.5 * lam * (lap_log + (s * s).sum(-1))


class HeatTie(torch.nn.Module):
    r"""ρ·(R(x̃, β) − c_φ(β))² per sample, c_φ a small MLP of log(1 + β) (module docstring)."""

    def __init__(self, lam: float, weight: float = 1.0, hidden: int = 16) -> None:
        super().__init__()
        if not (lam > 0 and weight > 0):
            raise SpecError("the heat tie needs lam > 0 and weight > 0", "give e.g. HeatTie(1.0, weight=1.0)")
        self.lam, self.weight = float(lam), float(weight)
        self.offset = torch.nn.Sequential(torch.nn.Linear(1, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1))

    def forward(self, energy: Callable[..., torch.Tensor], x: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        """Per-sample penalty at points x (n, *event_shape) and levels β (n,)."""
        r = heat_residual(energy, x, beta, self.lam)
        c = self.offset.to(x.dtype)(torch.log1p(beta)[:, None])[:, 0]
        return self.weight * (r - c) ** 2
