r"""Scores of torch networks and their (weighted) divergences, by autograd.

A network is given either as a score s_θ(x) (output of shape (n, d)) or as an energy E_θ(x)
(output (n,) or (n, 1)), whose score is s = −∇_x E computed with ``create_graph=True`` so that
losses built from it keep their θ-gradient. Noise-conditional networks take (x, β) with β of
shape (n,).

The divergence term of the GSM loss, Σ_ij M_ij ∂_i s_j = Tr(M ∇s) for a symmetric matrix field
M (M = D for the preconditioned loss, M = I for the Laplacian), is computed

- exactly: d vector–Jacobian products, one per output coordinate (cost ∝ d);
- by Hutchinson's estimator: for Rademacher probes v (E[vvᵀ] = I),
  Tr(M ∇s) = E_v[(M v) · ∇_x(s · v)], one vector–Jacobian product per probe, unbiased for
  every number of probes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch

from gsmtheory._errors import ModelError, SpecError

__all__ = ["DIVERGENCES", "KINDS", "network_score", "rademacher", "weighted_divergence"]

#: the ways a network is given
KINDS: tuple[str, ...] = ("score", "energy")
#: the divergence estimators
DIVERGENCES: tuple[str, ...] = ("exact", "hutchinson")

Kind = Literal["score", "energy"]
Network = Callable[..., torch.Tensor]


def check_kind(kind: str) -> None:
    """Raise a SpecError for an unknown network kind."""
    if kind not in KINDS:
        raise SpecError(f"unknown network kind {kind!r}", "use kind='score' (s(x)) or kind='energy' (E(x), s = -grad E)")


def check_divergence(divergence: str, probes: int) -> None:
    """Raise a SpecError for an unknown estimator or a probe count below 1."""
    if divergence not in DIVERGENCES:
        raise SpecError(f"unknown divergence estimator {divergence!r}", "use 'exact' or 'hutchinson'")
    if not (isinstance(probes, int) and probes >= 1):
        raise SpecError(f"probes = {probes!r} must be a positive integer", "give e.g. probes=1")


def network_score(network: Network, x: torch.Tensor, beta: torch.Tensor | None = None, *,
                  kind: str = "score") -> torch.Tensor:
    r"""s(x) (or s(x, β)) of shape (n, d): the network's output, or −∇_x E for an energy network.

    ``x`` must require grad (the caller's leaf); the graph is kept (``create_graph=True``).

    Raises
    ------
    ModelError
        A score of the wrong shape, an energy that is not one number per sample, or an energy
        whose output carries no autograd graph to x (computed under no_grad, detached, NumPy).
    """
    check_kind(kind)
    out = network(x) if beta is None else network(x, beta)
    if not isinstance(out, torch.Tensor):
        raise ModelError(f"the network returned a {type(out).__name__}, not a torch tensor",
                         "return a tensor computed from the input with torch operations")
    n, d = x.shape
    if kind == "score":
        if tuple(out.shape) != (n, d):
            raise ModelError(f"the score network returned shape {tuple(out.shape)} for {n} samples in d = {d}",
                             f"return one score vector per sample, shape ({n}, {d})")
        return out
    if tuple(out.shape) not in ((n,), (n, 1)):
        raise ModelError(f"the energy network returned shape {tuple(out.shape)} for {n} samples",
                         f"return one energy per sample, shape ({n},) or ({n}, 1)")
    grad = None
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True, allow_unused=True)
    if grad is None:
        raise ModelError("the energy network's output is not differentiable in x (it carries no autograd graph "
                         "to the input)", "compute E from x with differentiable torch operations (no .detach(), "
                         "torch.no_grad() or NumPy inside forward)")
    return -grad


def rademacher(shape: tuple[int, ...], like: torch.Tensor,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Independent ±1 entries (probability ½ each) in the dtype and on the device of ``like``."""
    bits = torch.randint(0, 2, shape, generator=generator, device=like.device)
    return (2 * bits - 1).to(like.dtype)


def _vjp(s: torch.Tensor, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """∇_x (s · v), i.e. Σ_j ∂_i s_j v_j per sample; zero where s does not depend on x."""
    if not s.requires_grad:
        return torch.zeros_like(x)
    (g,) = torch.autograd.grad((s * v).sum(), x, create_graph=True, allow_unused=True)
    return torch.zeros_like(x) if g is None else g


def weighted_divergence(s: torch.Tensor, x: torch.Tensor, M: torch.Tensor | None = None, *,
                        divergence: str = "exact", probes: int = 1,
                        generator: torch.Generator | None = None) -> torch.Tensor:
    r"""Tr(M ∇s) = Σ_ij M_ij ∂_i s_j per sample, exact or one Hutchinson estimate per probe.

    Parameters
    ----------
    s : tensor (n, d)
        The score, built from ``x`` with a graph.
    x : tensor (n, d)
        The input (requires grad).
    M : tensor (n, d, d), optional
        A symmetric matrix field (default: the identity, giving div s).
    divergence : {"exact", "hutchinson"}
    probes : int
        Rademacher probes (Hutchinson only).

    Returns
    -------
    tensor
        (n,) for ``"exact"``; (probes, n) for ``"hutchinson"``: independent unbiased estimates,
        whose mean over the first axis is the estimate with ``probes`` probes.
    """
    check_divergence(divergence, probes)
    n, d = x.shape
    if divergence == "exact":
        total = torch.zeros(n, dtype=x.dtype, device=x.device)
        if not s.requires_grad:
            return total
        for j in range(d):
            (g,) = torch.autograd.grad(s[:, j].sum(), x, create_graph=True, allow_unused=True)
            if g is None:  # s_j does not depend on x
                continue
            total = total + (g[:, j] if M is None else (M[:, :, j] * g).sum(-1))  # g[:, i] = ∂_i s_j
        return total
    out = []
    for _ in range(probes):
        v = rademacher((n, d), x, generator)
        g = _vjp(s, x, v)
        mv = v if M is None else torch.einsum("nij,nj->ni", M, v)
        out.append((mv * g).sum(-1))
    return torch.stack(out)
