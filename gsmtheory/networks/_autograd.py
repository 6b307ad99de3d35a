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

import inspect
from collections.abc import Callable
from typing import Any, Literal

import torch

from gsmtheory._errors import ModelError, SpecError

__all__ = ["DIVERGENCES", "KINDS", "network_score", "rademacher", "takes_noise_level", "weighted_divergence"]

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


def takes_noise_level(network: Callable[..., Any]) -> bool:
    """True when ``network`` can be called as network(x, β): two positional arguments, or ``*args``.

    Parameters
    ----------
    network : callable
        A function or a ``torch.nn.Module`` (its ``forward`` is inspected).

    Returns
    -------
    bool
        Whether the network is noise-conditional.

    Examples
    --------
    >>> takes_noise_level(lambda x: -x), takes_noise_level(lambda x, beta: -x / (1 + beta))
    (False, True)
    """
    target = network.forward if isinstance(network, torch.nn.Module) else network
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):  # builtins without a signature: assume it can
        return True
    positional = 0
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


def network_score(network: Network, x: torch.Tensor, beta: torch.Tensor | None = None, *,
                  kind: str = "score", event: tuple[int, ...] | None = None) -> torch.Tensor:
    """s(x) (or s(x, β)) as a flat (n, d) tensor: the network's output, or s = −∇_x E for an energy network.

    ``x`` is the flat batch (n, d) with a graph to the caller's input (it requires grad); the
    network sees it reshaped to (n, *event) (``event`` defaults to (d,)) and returns a score of
    that shape or one energy per sample. The graph is kept (``create_graph=True``).

    Parameters
    ----------
    network : callable
        x ↦ s(x) or E(x) (or (x, β) ↦ ...).
    x : torch.Tensor
        The flat batch (n, d), requiring grad.
    beta : torch.Tensor, optional
        The noise levels (n,), for a noise-conditional network.
    kind : {"score", "energy"}
        What the network returns.
    event : tuple of int, optional
        The event shape the network expects.

    Returns
    -------
    torch.Tensor
        s, shape (n, d), with a graph to x and the parameters.

    Raises
    ------
    ModelError
        A score of the wrong shape, an energy that is not one number per sample, or an energy
        whose output carries no autograd graph to x (computed under no_grad, detached, NumPy).

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[1.0, -2.0]], dtype=torch.float64, requires_grad=True)
    >>> network_score(lambda y: 0.5 * (y ** 2).sum(-1), x, kind="energy").tolist()   # E = ½|x|²: s = −x
    [[-1.0, 2.0]]
    """
    n, d = x.shape
    shape = (n, d) if event is None else (n, *event)
    xin = x if event is None else x.reshape(shape)
    try:
        out = network(xin) if beta is None else network(xin, beta)
    except TypeError:
        if beta is not None and not takes_noise_level(network):
            raise ModelError("this loss needs a noise-conditional model s(x, beta), but the model takes only x",
                             "give a model whose forward takes (x, beta) with beta of shape (n,)") from None
        raise
    if not isinstance(out, torch.Tensor):
        raise ModelError(f"the network returned a {type(out).__name__}, not a torch tensor",
                         "return a tensor computed from the input with torch operations")
    if kind == "score":
        if out.shape != shape:
            raise ModelError(f"the score network returned shape {tuple(out.shape)} for {n} samples of shape "
                             f"{shape[1:]}", f"return one score per sample, shape {shape}")
        return out if event is None else out.reshape(n, d)
    check_kind(kind)
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
    """Independent entries v_i ∈ {−1, +1} with probability ½ each (E v = 0, E vvᵀ = I), like ``like``.

    Parameters
    ----------
    shape : tuple of int
        The shape of the draw.
    like : torch.Tensor
        Gives the dtype and the device.
    generator : torch.Generator, optional
        The random stream.

    Returns
    -------
    torch.Tensor
        The probes.

    Examples
    --------
    >>> import torch
    >>> v = rademacher((2, 3), torch.zeros(1, dtype=torch.float64), torch.Generator().manual_seed(0))
    >>> v.dtype, sorted(set(v.flatten().tolist())) <= [-1.0, 1.0]
    (torch.float64, True)
    """
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
    """Tr(M ∇s) = Σ_ij M_ij ∂_i s_j per sample, exact or one Hutchinson estimate vᵀM(∇s)v per probe.

    Parameters
    ----------
    s : tensor (n, d)
        The score, built from ``x`` with a graph.
    x : tensor (n, d)
        The input (requires grad).
    M : tensor (d, d) or (n, d, d), optional
        A symmetric matrix, constant or per sample (default: the identity, giving div s).
    divergence : {"exact", "hutchinson"}
        d vector–Jacobian products, or Rademacher probes.
    probes : int
        Rademacher probes (Hutchinson only).
    generator : torch.Generator, optional
        The probes' random stream.

    Returns
    -------
    tensor
        (n,) for ``"exact"``; (probes, n) for ``"hutchinson"``: independent unbiased estimates,
        whose mean over the first axis is the estimate with ``probes`` probes.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(3, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    >>> weighted_divergence(-x, x).tolist()                    # div(−x) = −d
    [-2.0, -2.0, -2.0]
    """
    n, d = x.shape
    if divergence == "exact":
        total = torch.zeros(n, dtype=x.dtype, device=x.device)
        if not s.requires_grad:
            return total
        for j in range(d):
            (g,) = torch.autograd.grad(s[:, j].sum(), x, create_graph=True, allow_unused=True)
            if g is None:  # s_j does not depend on x
                continue
            if M is None:
                total = total + g[:, j]
            else:  # g[:, i] = ∂_i s_j
                total = total + (M[..., :, j] * g).sum(-1)
        return total
    check_divergence(divergence, probes)
    out = []
    for _ in range(probes):
        v = rademacher((n, d), x, generator)
        g = _vjp(s, x, v)
        mv = v if M is None else (v @ M if M.ndim == 2 else torch.einsum("nij,nj->ni", M, v))
        out.append((mv * g).sum(-1))
    return torch.stack(out)
