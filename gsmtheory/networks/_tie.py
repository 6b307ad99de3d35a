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
    """R(x, β) = −∂_β E − (λ/2)(|∇E|² − ΔE) per sample: 0 when log p^β = −E solves the heat equation.

    ∂_β log p^β = (λ/2)(Δ log p^β + |∇ log p^β|²) holds for p^β = p ∗ N(0, βλI) (module docstring);
    the Laplacian is exact and the graph to the parameters is kept.

    Parameters
    ----------
    energy : callable
        (x, β) ↦ E(x, β), one number per sample.
    x : torch.Tensor
        Points (n, d), requiring grad.
    beta : torch.Tensor
        Levels (n,), requiring grad where ∂_β is needed.
    lam : float
        λ.

    Returns
    -------
    torch.Tensor
        R, shape (n,).

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(4, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    >>> beta = torch.rand(4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    >>> energy = lambda y, b: 0.5 * (y ** 2).sum(-1) / (1 + b) + 0.5 * torch.log(1 + b)   # N(0, 1 + β)
    >>> heat_residual(energy, x, beta, 1.0).abs().max().item() < 1e-12
    True
    """
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
    """ρ·(R(x̃, β) − c_φ(β))² per sample, c_φ a small MLP of log(1 + β) (module docstring).

    A penalty that ties the levels of a noise-conditional energy together through the heat equation
    (:func:`heat_residual`); c_φ absorbs the β-dependent normalizer.

    Parameters
    ----------
    lam : float
        λ.
    weight : float
        ρ.
    hidden : int
        Width of c_φ.

    Raises
    ------
    SpecError
        λ ≤ 0 or ρ ≤ 0.

    Examples
    --------
    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> tie = HeatTie(1.0)
    >>> x = torch.randn(5, 1, dtype=torch.float64, requires_grad=True)
    >>> energy = lambda y, b: 0.5 * (y ** 2).sum(-1) / (1 + b) + 0.5 * torch.log(1 + b)
    >>> tie(energy, x, torch.rand(5, dtype=torch.float64)).shape
    torch.Size([5])
    """

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
