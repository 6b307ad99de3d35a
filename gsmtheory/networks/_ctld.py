r"""CTLD and denoising score matching losses for noise-conditional networks s_θ(x, β).

CTLD (docs/design.md §1; Qin & Risteski 2024, Definition 6 and Proposition 7) lifts the target to
p(x, β) = r(β) p^β(x) / Z_r on R^d × [0, β_max], p^β = p * N(0, βλI), and uses the GSM loss
with O = ∇_(x,β). For a network with x-score s = s_θ(x, β) (or −∇_x E_θ(x, β)) the β-score of
its model is taken from the heat identity (docs/paper.md Lemma 28, with the factor λ/2 of
p^β = p * N(0, βλI)),

    u_θ(x, β) = ∂_β log p_θ^β = (λ/2)(div_x s + |s|²),

and the lifted model score is (s, (log r)'(β) + u). Integration by parts in (x, β) gives the
per-sample loss

    ℓ_θ(x, β) = ½|s|² + div_x s + ½((log r)' + u)² + (log r)'' + ∂_β u          (bulk)
              = [Prop. 7: ½|s|² + Δ_x log p_θ + ½u² + (log r)'·u + ∂_β u] + θ-free terms,

plus the β-faces, −Σ_f c_f E_{p^{β_f}}[n_f ∂_β ℓ_θ(·, β_f)] with c_f = r(β_f)/Z_r, n = −1 at
β = 0 and +1 at β_max (the face terms :func:`gsmtheory.symbolic.gsm_loss` derives for the lift;
Prop. 7 prints the loss without them). Both faces are expectations under laws the data give:
p^0 = p (the samples) and p^{β_max} (the samples plus N(0, β_max λ I) noise). One draw per
sample — β ∼ r, x̃ = x + √(βλ) z, and x + √(β_max λ) z' for the upper face — makes the mean an
unbiased estimate of the implicit lifted loss; for the true lifted score it equals
−½E[|∇_(x,β) log p(x, β)|²].

The integration by parts holds for any pair (s, u), so the loss is a proper lifted GSM
divergence for every network, not only for those whose u is the β-score of a density.

Denoising score matching (Song & Ermon 2019, annealed, with the same r): β ∼ r, σ² = βλ,
x̃ = x + σz, per-sample loss w(β)·½|s_θ(x̃, β) + z/σ|² with w = σ² (their λ(σ) = σ²) by
default. At each β, E_{x,z}[½|s(x̃, β) + z/σ|²] = E_{p^β}[½|s|² + div s] + d/(2σ²) exactly
(Gaussian integration by parts), so DSM and CTLD's x-part agree up to a θ-free constant at
each noise level.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.networks._autograd import (
    check_divergence,
    check_kind,
    network_score,
    weighted_divergence,
)
from gsmtheory.networks._gsm import takes_noise_level
from gsmtheory.numeric import beta_cdf, ctld_beta_logpdf
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import BETA, CTLDParameters, Spec, ctld_parameters

__all__ = ["DSM_WEIGHTS", "BetaSampler", "CTLDNetworkLoss", "DSMNetworkLoss", "ctld_parameters_for"]

#: weights w(β) of the DSM baseline: σ² = βλ (Song & Ermon) or none (1)
DSM_WEIGHTS: tuple[str, ...] = ("sigma2", "none")

_CDF_NODES = 20001


def ctld_parameters_for(spec: Spec, **overrides: Any) -> CTLDParameters:
    """CTLD constants (λ, β_max, log r) of a spec's ``[ctld]`` table, the reported defaults filling the rest.

    Raises
    ------
    SpecError
        A spec on a bounded domain (CTLD convolves over R^d), or bad CTLD constants.
    """
    diffusion = spec.diffusion
    if any(lo.is_finite or hi.is_finite for lo, hi in diffusion.domain):
        raise SpecError("CTLD convolves over the whole space but the target's domain is bounded",
                        "drop the [domain] table for a CTLD loss")
    return ctld_parameters(diffusion, spec.ctld, constants=spec.constants_map, **overrides)


class BetaSampler:
    """Draws of β ∼ r(β)/Z_r on [0, β_max] by inverse CDF (linear on 20001 nodes), on any device."""

    def __init__(self, params: CTLDParameters) -> None:
        grid = np.linspace(0.0, params.beta_max, _CDF_NODES)
        self.grid = torch.tensor(grid, dtype=torch.float64)
        self.cdf = torch.tensor(beta_cdf(ctld_schedule(params), grid), dtype=torch.float64)

    def __call__(self, n: int, like: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws in the dtype and on the device of ``like``."""
        grid, cdf = self.grid.to(like.device), self.cdf.to(like.device)
        u = torch.rand(n, generator=generator, device=like.device, dtype=torch.float64)
        idx = torch.searchsorted(cdf, u).clamp(1, len(cdf) - 1)
        c0, c1 = cdf[idx - 1], cdf[idx]
        t = ((u - c0) / (c1 - c0).clamp_min(1e-300)).clamp(0.0, 1.0)
        return (grid[idx - 1] + t * (grid[idx] - grid[idx - 1])).to(like.dtype)


def _check_network(network: Callable[..., Any], what: str) -> None:
    if not takes_noise_level(network):
        raise ModelError(f"{what} needs a noise-conditional network s(x, beta), but the network takes only x",
                         "give a network whose forward takes (x, beta) with beta of shape (n,)")


def _check_samples(x: torch.Tensor) -> None:
    if x.ndim != 2 or not x.is_floating_point():
        raise NumericalError(f"samples have shape {tuple(x.shape)} (dtype {x.dtype})",
                             "pass a floating-point tensor of shape (n, d)")


class CTLDNetworkLoss(torch.nn.Module):
    r"""Per-sample CTLD loss of a noise-conditional score or energy network (module docstring).

    Parameters
    ----------
    params : CTLDParameters
        λ, β_max and log r(β) (from :func:`gsmtheory.symbolic.ctld_parameters`, or a spec's
        ``[ctld]`` table through :meth:`from_spec`; reported defaults or user-given).
    network : callable or torch.nn.Module
        s_θ(x, β) → (n, d) or E_θ(x, β) → (n,), with x of shape (n, d) and β of shape (n,).
    kind : {"score", "energy"}
    divergence : {"exact", "hutchinson"}
        Hutchinson needs ``probes`` ≥ 2: the β-part squares u, and the product of two
        independent probe estimates keeps ½u² unbiased.
    faces : bool
        Keep the β-face terms (default; without them the loss is Prop. 7 as printed, biased).

    Raises
    ------
    ModelError
        A network that does not take (x, β).
    """

    def __init__(self, params: CTLDParameters, network: Callable[..., torch.Tensor], *, kind: str = "score",
                 divergence: str = "exact", probes: int = 2, faces: bool = True) -> None:
        super().__init__()
        if not isinstance(params, CTLDParameters):
            raise SpecError(f"expected CTLDParameters, got {type(params).__name__}",
                            "pass gsmtheory.symbolic.ctld_parameters(...) or use CTLDNetworkLoss.from_spec")
        check_kind(kind)
        check_divergence(divergence, probes)
        if divergence == "hutchinson" and probes < 2:
            raise SpecError("the CTLD loss with Hutchinson's estimator needs probes >= 2 (its beta-part squares the "
                            "divergence; two independent probes keep that square unbiased)", "give probes=2 or more")
        _check_network(network, "the CTLD loss")
        self.params = params
        self.network = network
        self.kind = kind
        self.divergence = divergence
        self.probes = int(probes)
        self.faces = bool(faces)
        self.lam = float(params.lambda_min)
        self.beta_max = float(params.beta_max)
        self._log_r = compile_expr((BETA,), [params.log_r.diff(BETA), params.log_r.diff(BETA, 2)], "torch")
        logc = ctld_beta_logpdf(ctld_schedule(params), np.array([0.0, params.beta_max]))
        self.face_weights = (math.exp(float(logc[0])), math.exp(float(logc[1])))
        self.sampler = BetaSampler(params)

    @classmethod
    def from_spec(cls, spec: Spec, network: Callable[..., torch.Tensor], **kwargs: Any) -> CTLDNetworkLoss:
        """The loss for a spec's ``[ctld]`` table (or the reported defaults)."""
        _check_network(network, f"spec {spec.name!r} with a [ctld] table")
        return cls(ctld_parameters_for(spec), network, **kwargs)

    def log_r_derivatives(self, beta: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """((log r)'(β), (log r)''(β)), each of the shape of β."""
        a1, a2 = self._log_r(beta)
        return a1.to(beta.dtype), a2.to(beta.dtype)

    def _scores(self, x: torch.Tensor, beta: torch.Tensor,
                generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(s, div estimates (P, n), u estimates (P, n)); P = 1 for the exact divergence."""
        s = network_score(self.network, x, beta, kind=self.kind)
        div = weighted_divergence(s, x, divergence=self.divergence, probes=self.probes, generator=generator)
        if div.ndim == 1:
            div = div[None]
        sq = (s * s).sum(-1)
        u = 0.5 * self.lam * (div + sq[None])
        return s, div, u

    def bulk(self, x: torch.Tensor, beta: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""½|s|² + div s + ½((log r)' + u)² + (log r)'' + ∂_β u at the points (x, β), per sample."""
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            bg = beta.detach().to(x.dtype).requires_grad_(True)
            s, div, u = self._scores(xg, bg, generator)
            a1, a2 = self.log_r_derivatives(bg)
            ubar = u.mean(0)
            if u.shape[0] == 1:
                square = (a1 + ubar) ** 2
            else:
                p = u.shape[0]
                pairs = (u.sum(0) ** 2 - (u * u).sum(0)) / (p * (p - 1))
                square = a1 * a1 + 2 * a1 * ubar + pairs
            (du,) = torch.autograd.grad(ubar.sum(), bg, create_graph=True, allow_unused=True)
            du = torch.zeros_like(ubar) if du is None else du
            return 0.5 * (s * s).sum(-1) + div.mean(0) + 0.5 * square + a2 + du

    def beta_score(self, x: torch.Tensor, beta: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""∂_β ℓ_θ(x, β) = (log r)'(β) + (λ/2)(div_x s + |s|²) per sample (Hutchinson: probe mean)."""
        with torch.enable_grad():
            xg = x.detach().requires_grad_(True)
            bg = beta.detach().to(x.dtype)
            _, _, u = self._scores(xg, bg, generator)
            a1, _ = self.log_r_derivatives(bg)
            return a1 + u.mean(0)

    def parts(self, x: torch.Tensor, *, beta: torch.Tensor | None = None, noise: torch.Tensor | None = None,
              face_noise: torch.Tensor | None = None,
              generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        r"""The per-sample pieces: ``bulk`` at (x + √(βλ)z, β), ``face_lower`` = c_0 ∂_βℓ_θ(x, 0) and
        ``face_upper`` = −c_max ∂_βℓ_θ(x + √(β_max λ)z', β_max); ``beta`` and ``points`` as used."""
        _check_samples(x)
        n = x.shape[0]
        beta = self.sampler(n, x, generator) if beta is None else beta.to(x.device, x.dtype)
        if beta.shape != (n,):
            raise NumericalError(f"beta has shape {tuple(beta.shape)} for {n} samples", f"give shape ({n},)")
        if bool(((beta < 0) | (beta > self.beta_max)).any()):
            raise NumericalError(f"beta outside [0, {self.beta_max:g}]", "draw beta in [0, beta_max]")
        if noise is None:
            noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        points = x + torch.sqrt(beta * self.lam)[:, None] * noise
        out = {"beta": beta, "points": points, "bulk": self.bulk(points, beta, generator)}
        zero = torch.zeros(n, dtype=x.dtype, device=x.device)
        out["face_lower"], out["face_upper"] = zero, zero
        if self.faces:
            c0, c1 = self.face_weights
            out["face_lower"] = c0 * self.beta_score(x, torch.zeros(n, dtype=x.dtype, device=x.device), generator)
            if face_noise is None:
                face_noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            top = torch.full((n,), self.beta_max, dtype=x.dtype, device=x.device)
            xf = x + math.sqrt(self.beta_max * self.lam) * face_noise
            out["face_upper"] = -c1 * self.beta_score(xf, top, generator)
        return out

    def forward(self, x: torch.Tensor, *, beta: torch.Tensor | None = None, noise: torch.Tensor | None = None,
                face_noise: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """Per-sample CTLD loss (bulk + both β-faces), shape (n,); β, z, z' drawn unless given."""
        grad_on = torch.is_grad_enabled()
        p = self.parts(x, beta=beta, noise=noise, face_noise=face_noise, generator=generator)
        out = p["bulk"] + p["face_lower"] + p["face_upper"]
        return out if grad_on else out.detach()


class DSMNetworkLoss(torch.nn.Module):
    r"""Annealed denoising score matching (Song & Ermon 2019) with CTLD's r(β): w(β)·½|s(x̃, β) + z/σ|².

    β ∼ r(β)/Z_r on [0, β_max], σ² = βλ, x̃ = x + σz. ``weight="sigma2"`` (default) uses
    w = σ², i.e. ½|σ s + z|² (finite at β = 0); ``weight="none"`` uses w = 1.
    """

    def __init__(self, params: CTLDParameters, network: Callable[..., torch.Tensor], *, kind: str = "score",
                 weight: str = "sigma2") -> None:
        super().__init__()
        if not isinstance(params, CTLDParameters):
            raise SpecError(f"expected CTLDParameters, got {type(params).__name__}",
                            "pass gsmtheory.symbolic.ctld_parameters(...) or use DSMNetworkLoss.from_spec")
        check_kind(kind)
        if weight not in DSM_WEIGHTS:
            raise SpecError(f"unknown DSM weight {weight!r}", f"use one of {', '.join(DSM_WEIGHTS)}")
        _check_network(network, "denoising score matching")
        self.params = params
        self.network = network
        self.kind = kind
        self.weight = weight
        self.lam = float(params.lambda_min)
        self.beta_max = float(params.beta_max)
        self.sampler = BetaSampler(params)

    @classmethod
    def from_spec(cls, spec: Spec, network: Callable[..., torch.Tensor], **kwargs: Any) -> DSMNetworkLoss:
        """The baseline for a spec's ``[ctld]`` table (or the reported defaults)."""
        _check_network(network, f"spec {spec.name!r} with a [ctld] table")
        return cls(ctld_parameters_for(spec), network, **kwargs)

    def forward(self, x: torch.Tensor, *, beta: torch.Tensor | None = None, noise: torch.Tensor | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """Per-sample DSM loss, shape (n,); β and z drawn unless given."""
        _check_samples(x)
        n = x.shape[0]
        beta = self.sampler(n, x, generator) if beta is None else beta.to(x.device, x.dtype)
        if beta.shape != (n,):
            raise NumericalError(f"beta has shape {tuple(beta.shape)} for {n} samples", f"give shape ({n},)")
        if noise is None:
            noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        sigma = torch.sqrt(beta * self.lam)
        grad_on = torch.is_grad_enabled()
        with torch.enable_grad():
            xg = (x + sigma[:, None] * noise).detach().requires_grad_(True)
            s = network_score(self.network, xg, beta.detach(), kind=self.kind)
            if self.weight == "sigma2":
                r = sigma[:, None] * s + noise
            else:
                if bool((sigma <= 0).any()):
                    raise NumericalError("beta = 0 drawn with weight='none' (z/sigma is undefined)",
                                         "use weight='sigma2' or draw beta > 0")
                r = s + noise / sigma[:, None]
            out = 0.5 * (r * r).sum(-1)
        return out if grad_on else out.detach()
