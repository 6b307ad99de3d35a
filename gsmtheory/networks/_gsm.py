r"""The GSM loss of a torch score or energy network under a derived diffusion (docs/design.md §1).

For a diffusion with matrix D(x) on Ω = ∏[a_i, b_i] and a network score s = s_θ(x) (or
s = −∇E_θ), integration by parts of the explicit loss ½E_p[(∇ℓ − s)ᵀD(∇ℓ − s)] gives

    ½E_p[(∇ℓ − s)ᵀD(∇ℓ − s)] = E_p[ℓ_θ(x)] − Σ_faces ∫_face p nᵀD s dS + ½E_p[∇ℓᵀD∇ℓ],
    ℓ_θ(x) = ½ sᵀ D s + ∇·(D s) = ½ sᵀ D s + (div D)·s + Tr(D ∇s),   (div D)_j = Σ_i ∂_i D_ij,

(Qin & Risteski 2024, Lemma 2 with the boundary terms kept; the same form as
:func:`gsmtheory.symbolic.gsm_loss`, whose ``implicit`` integrand is ℓ_θ for s = ∇ℓ_q).
D and div D are derived with SymPy and compiled to torch; the divergence is exact (d
vector–Jacobian products) or Hutchinson's unbiased estimate with Rademacher probes.

A finite end contributes −p(face)·n·(D s)(face) (n = −1 at a lower end, +1 at an upper one).
The term vanishes for every network when the normal row of D vanishes on the face (Jacobi-type
D) or when the target density does; otherwise it needs p on the face, which samples do not
give: in 1D the value p(a) can be supplied (or taken from the diffusion's own normalized
target); in d ≥ 2 such a face is refused.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
import torch

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.networks._autograd import (
    check_divergence,
    check_kind,
    network_score,
    weighted_divergence,
)
from gsmtheory.numeric import expect_1d
from gsmtheory.symbolic import Diffusion

__all__ = ["Face", "GSMNetworkLoss", "gsm_network_loss", "takes_noise_level"]

FaceDensity = Mapping[tuple[str, str], float] | str | None


@dataclass(frozen=True)
class Face:
    """A finite end x_i = at kept in the loss: per-sample term −density · normal · (D s)_i(face)."""

    coord_index: int
    side: str
    at: float
    normal: float
    density: float


def takes_noise_level(network: Callable[..., Any]) -> bool:
    """True when ``network`` can be called as network(x, beta) (two positional arguments or *args)."""
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


def _face_vanishes(diffusion: Diffusion, index: int, at: sp.Expr) -> bool:
    """nᵀD s ≡ 0 on the face for every s (row i of D vanishes there), or p vanishes on it."""
    x = diffusion.coords[index]
    row = [sp.simplify(diffusion.D[index, j].subs(x, at)) for j in range(diffusion.dim)]
    if all(v == 0 for v in row):
        return True
    density = sp.exp(diffusion.log_density)
    try:
        if diffusion.dim == 1:
            lim = sp.limit(density, x, at, dir="+" if at == diffusion.domain[index][0] else "-")
        else:
            lim = sp.simplify(density.subs(x, at))
    except (NotImplementedError, ValueError, TypeError):
        return False
    return bool(lim == 0)


def _target_face_density(diffusion: Diffusion, at: float) -> float:
    """p(at) of the diffusion's own target, normalized by 1D quadrature."""
    logp = compile_expr(diffusion.coords, diffusion.log_density, "numpy")

    def ell(y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(logp(y), dtype=float), np.shape(y))

    lo, hi = (float(v) for v in diffusion.domain[0])
    ex = expect_1d(ell, lambda y: np.zeros_like(y), lo, hi, panels=64)
    value = float(ell(np.array([at]))[0])
    return math.exp(value - ex.log_normalizer) if math.isfinite(value) else 0.0


def _faces(diffusion: Diffusion, face_density: FaceDensity) -> tuple[Face, ...]:
    kept = []
    for index, side, at in diffusion.finite_ends:
        if _face_vanishes(diffusion, index, at):
            continue
        name = str(diffusion.coords[index])
        if diffusion.dim >= 2:
            raise ModelError(f"the face {name} = {at} contributes -integral of p * n^T D s over the face, which needs "
                             "the target density on the face (samples do not give it)",
                             "use a D whose normal row vanishes on finite ends (e.g. x*(1 - x)), or a target on "
                             "the whole space")
        if face_density == "target":
            density = _target_face_density(diffusion, float(at))
        elif isinstance(face_density, Mapping) and (name, side) in face_density:
            density = float(face_density[(name, side)])
        else:
            raise ModelError(f"the {side} end {name} = {at} contributes -p({at}) * n * D s({at}), which needs the "
                             "target density at that end", f"pass face_density={{('{name}', '{side}'): p_at_end}} "
                             "(an estimate of p there), or face_density='target' when the diffusion's log density "
                             "is the target")
        if not (math.isfinite(density) and density >= 0):
            raise NumericalError(f"face density {density} at {name} = {at} is not a finite number >= 0",
                                 "give the normalized target density at the end")
        kept.append(Face(index, side, float(at), -1.0 if side == "lower" else 1.0, density))
    return tuple(kept)


class GSMNetworkLoss(torch.nn.Module):
    r"""Per-sample GSM loss ½ sᵀDs + (div D)·s + Tr(D∇s) (+ face terms) of a score or energy network.

    The mean over samples x_i ∼ p is an unbiased estimate of D_GSM(p, s) − ½E_p[∇ℓᵀD∇ℓ]
    (module docstring), whatever the network; its θ-gradient is the gradient of the GSM
    divergence. Runs on the device and in the dtype of the samples.

    Parameters
    ----------
    diffusion : Diffusion
        Supplies D(x) (Q drops out of the loss) and the domain.
    network : callable or torch.nn.Module
        s_θ(x) → (n, d) (``kind="score"``) or E_θ(x) → (n,) (``kind="energy"``).
    kind : {"score", "energy"}
    divergence : {"exact", "hutchinson"}
        Exact trace (d vector–Jacobian products) or Hutchinson with ``probes`` Rademacher
        probes (one product each; unbiased).
    probes : int
        Number of Rademacher probes per sample (Hutchinson).
    face_density : mapping or "target", optional
        p at each finite end that does not vanish, keyed by (coordinate name, "lower"/"upper")
        (1D only), or ``"target"`` to take it from the diffusion's normalized log density.

    Raises
    ------
    ModelError
        A non-vanishing face in d ≥ 2 or without its density; a network of the wrong shape or a
        non-differentiable energy (on the first call).
    """

    def __init__(self, diffusion: Diffusion, network: Callable[..., torch.Tensor], *, kind: str = "score",
                 divergence: str = "exact", probes: int = 1, face_density: FaceDensity = None) -> None:
        super().__init__()
        if not isinstance(diffusion, Diffusion):
            raise SpecError(f"expected a Diffusion, got {type(diffusion).__name__}",
                            "pass spec.diffusion or a gsmtheory.symbolic.Diffusion")
        check_kind(kind)
        check_divergence(divergence, probes)
        self.diffusion = diffusion
        self.network = network
        self.kind = kind
        self.divergence = divergence
        self.probes = int(probes)
        x, D, d = diffusion.coords, diffusion.D, diffusion.dim
        self.identity = bool((D - sp.eye(d)).is_zero_matrix)
        div_d = [sum((sp.diff(D[i, j], x[i]) for i in range(d)), sp.Integer(0)) for j in range(d)]
        self.has_div = any(v != 0 for v in div_d)
        self._D = compile_expr(x, D, "torch")
        self._div_d = compile_expr(x, div_d, "torch")
        self.faces = _faces(diffusion, face_density)
        self.lower = torch.tensor([float(lo) for lo, _ in diffusion.domain], dtype=torch.float64)
        self.upper = torch.tensor([float(hi) for _, hi in diffusion.domain], dtype=torch.float64)

    def _check(self, x: torch.Tensor) -> None:
        d = self.diffusion.dim
        if x.ndim != 2 or x.shape[1] != d:
            raise NumericalError(f"samples have shape {tuple(x.shape)} but the diffusion has d = {d}",
                                 f"pass a tensor of shape (n, {d})")
        if not x.is_floating_point():
            raise NumericalError("samples are not floating point", "pass float64 (or float32) samples")
        lo, hi = self.lower.to(x.device, x.dtype), self.upper.to(x.device, x.dtype)
        outside = (x < lo) | (x > hi)
        if bool(outside.any()):
            raise NumericalError(f"{int(outside.any(1).sum())} samples lie outside the domain "
                                 f"{[(float(a), float(b)) for a, b in zip(self.lower, self.upper, strict=True)]}",
                                 "pass samples of the target, inside its domain")

    def matrix(self, x: torch.Tensor) -> torch.Tensor:
        """D(x), shape (n, d, d)."""
        cols = [x[:, i] for i in range(x.shape[1])]
        return self._D(*cols).to(x.dtype)

    def bulk(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """½ sᵀDs + (div D)·s + Tr(D∇s) per sample (Hutchinson: averaged over the probes)."""
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            s = network_score(self.network, xg, kind=self.kind)
            if self.identity:
                M = None
                quad = (s * s).sum(-1)
            else:
                M = self.matrix(xg)
                quad = torch.einsum("ni,nij,nj->n", s, M, s)
            tr = weighted_divergence(s, xg, M, divergence=self.divergence, probes=self.probes,
                                     generator=generator)
            if tr.ndim == 2:
                tr = tr.mean(0)
            out = 0.5 * quad + tr
            if self.has_div:
                cols = [xg[:, i] for i in range(xg.shape[1])]
                div_d = torch.stack(list(self._div_d(*cols)), dim=-1).to(x.dtype)
                out = out + (div_d * s).sum(-1)
        return out

    def boundary(self, like: torch.Tensor) -> torch.Tensor:
        """−Σ_faces p(face) n (D s)(face), a scalar tensor (zero without kept faces)."""
        total = torch.zeros((), dtype=like.dtype, device=like.device)
        for face in self.faces:
            if face.density == 0.0:
                continue
            with torch.enable_grad():
                xf = torch.full((1, 1), face.at, dtype=like.dtype, device=like.device, requires_grad=True)
                s = network_score(self.network, xf, kind=self.kind)
                flux = face.normal * (self.matrix(xf)[:, face.coord_index, :] * s).sum(-1)
            total = total - face.density * flux[0]
        return total

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Per-sample loss, shape (n,): bulk(x_i) plus the face terms (the same for every sample)."""
        self._check(x)
        grad_on = torch.is_grad_enabled()
        out = self.bulk(x, generator)
        if self.faces:
            out = out + self.boundary(x)
        return out if grad_on else out.detach()


def gsm_network_loss(diffusion: Diffusion, network: Callable[..., torch.Tensor], x: torch.Tensor, *,
                     kind: str = "score", divergence: str = "exact", probes: int = 1,
                     face_density: FaceDensity = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """Per-sample GSM loss of ``network`` at samples ``x`` (see :class:`GSMNetworkLoss`)."""
    loss = GSMNetworkLoss(diffusion, network, kind=kind, divergence=divergence, probes=probes,
                          face_density=face_density)
    return loss(x, generator)
