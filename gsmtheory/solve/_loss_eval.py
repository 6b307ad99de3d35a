r"""Numbers from a derived GSM loss: explicit divergence, implicit form, boundary terms.

For p ∝ e^ℓ (normalized numerically) and q_θ ∝ e^{ℓ_θ}:

explicit(θ) = E_p[½ (∇ℓ − ∇ℓ_θ)ᵀ D (∇ℓ − ∇ℓ_θ)]                       (needs p)
boundary(θ) = −Σ_faces ∫_face p · nᵀ D ∇ℓ_θ dS
implicit(θ) = E_p[½ ∇ℓ_θᵀ D ∇ℓ_θ + ∇·(D ∇ℓ_θ)] + boundary(θ)             (partition-free integrand)

and implicit − explicit = −½ E_p[∇ℓᵀ D ∇ℓ] at every θ (integration by parts). 1D and 2D use
quadrature with refinement errors; d ≥ 3 uses Monte Carlo from exact samples of a Gaussian
mixture target, with standard errors.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import (
    NEGLIGIBLE_MASS,
    expect_1d,
    expect_2d,
    gauss_legendre_panels,
    mixture_logpdf,
    sample_mixture,
)
from gsmtheory.solve._loss_record import LossEvaluation, loss_points
from gsmtheory.solve._loss_torch import torch_mc_loss
from gsmtheory.symbolic import GSMLoss, kinks_1d

__all__ = ["LOSS_METHODS", "LossEvaluation", "evaluate_gsm_loss"]


#: ``method`` values of :func:`evaluate_gsm_loss`
LOSS_METHODS: tuple[str, ...] = ("auto", "quadrature", "monte-carlo", "torch-mc")


def evaluate_gsm_loss(loss: GSMLoss, at: Sequence[Mapping[str, float]], *, panels: int = 64,
                      mc_samples: int = 200_000, seed: int = 0, method: str = "auto",
                      device: str = "cpu") -> LossEvaluation:
    """Evaluate explicit, implicit and boundary parts of ``loss`` at parameter points ``at``.

    Parameters
    ----------
    loss : GSMLoss
        From :func:`gsmtheory.symbolic.gsm_loss`.
    at : sequence of mappings
        Parameter name → value, one mapping per point.
    panels : int
        Base number of quadrature panels (1D; 2D uses panels // 2); the error estimate compares
        with twice as many.
    mc_samples, seed : int
        Monte Carlo size and seed (mixture targets on the whole space only).
    method : {"auto", "quadrature", "monte-carlo", "torch-mc"}
        ``auto``: quadrature for d ≤ 2, NumPy Monte Carlo from exact samples for d ≥ 3;
        ``torch-mc``: Monte Carlo in torch on ``device``, batches sized to its free memory
        (any d; boundary terms are zero on the whole space).
    device : {"cpu", "auto", "cuda"}
        torch device for ``method="torch-mc"``; the other methods run in NumPy on the CPU.
    """
    if method not in LOSS_METHODS:
        raise SpecError(f"unknown loss method {method!r}", f"use one of {', '.join(LOSS_METHODS)}")
    if method == "torch-mc":

        return torch_mc_loss(loss, at, device=device, samples=mc_samples, seed=seed)
    diffusion = loss.diffusion
    x = diffusion.coords
    theta = loss.model.params
    args = (*x, *theta)
    exprs = [loss.explicit, loss.implicit, loss.constant]
    f = compile_expr(args, exprs, "numpy")
    logp = compile_expr(x, diffusion.log_density, "numpy")
    if diffusion.mixture is not None:
        mix = diffusion.mixture

        def logp_arr(*xs: np.ndarray) -> np.ndarray:
            return mixture_logpdf(mix, np.stack(np.broadcast_arrays(*xs), axis=-1))
    else:
        def logp_arr(*xs: np.ndarray) -> np.ndarray:
            return np.asarray(logp(*xs), dtype=float)
    points = loss_points(loss, at)
    d = diffusion.dim
    bounds = [(float(lo), float(hi)) for lo, hi in diffusion.domain]
    explicit, implicit, boundary, e_err, i_err = [], [], [], [], []
    constant = math.nan
    statuses: list[str] = []
    resolution: dict[str, Any]
    if method == "quadrature" and d > 2:
        raise SpecError(f"quadrature covers d = 1 and 2, this target has d = {d}",
                        "use method 'monte-carlo' or 'torch-mc'")
    if d in (1, 2) and method != "monte-carlo":
        for th in points:
            integrand = functools.partial(_at_theta, f, th)
            if d == 1:
                kinks = kinks_1d([loss.explicit, loss.implicit, diffusion.log_density, diffusion.D[0, 0]],
                                 x[0], *diffusion.domain[0], subs=dict(zip(theta, th, strict=True)))
                ex = expect_1d(logp_arr, integrand, *bounds[0], panels=panels, points=kinks)
                b = _boundary_1d(loss, logp_arr, th, ex.log_normalizer)
            else:
                ex = expect_2d(logp_arr, integrand, (bounds[0], bounds[1]), panels=max(panels // 2, 8))
                b = _boundary_2d(loss, logp_arr, th, ex)
            statuses.append(ex.status)
            explicit.append(ex.values[0])
            implicit.append(ex.values[1] + b)
            boundary.append(b)
            e_err.append(ex.errors[0])
            i_err.append(ex.errors[1])
            constant = ex.values[2]
        support = [list(s) for s in ex.support]
        method, resolution = ex.method, {**ex.resolution, "support": support[0] if d == 1 else support}
    else:
        if diffusion.mixture is None or any(math.isfinite(v) for pair in bounds for v in pair):
            raise SpecError(f"d = {d}: Monte Carlo needs exact samples of p",
                            "give the target as a [mixture] on the whole space")
        xs = sample_mixture(diffusion.mixture, mc_samples, seed)
        cols = [xs[:, i] for i in range(d)]
        for th in points:
            vals = f(*cols, *th)
            explicit.append(float(np.mean(vals[0])))
            implicit.append(float(np.mean(vals[1])))
            boundary.append(0.0)
            e_err.append(float(1.96 * np.std(vals[0]) / math.sqrt(mc_samples)))
            i_err.append(float(1.96 * np.std(vals[1]) / math.sqrt(mc_samples)))
            constant = float(np.mean(vals[2]))
        method = "monte carlo (exact mixture samples), error 1.96 standard errors"
        resolution = {"samples": mc_samples, "seed": seed}
    names = [str(t) for t in theta]
    status = next((s for s in ("divergent", "heavy_tail", "not_converged") if s in statuses), "ok")
    return LossEvaluation(
        tuple(tuple(zip(names, p, strict=True)) for p in points),
        tuple(explicit), tuple(implicit), tuple(boundary), tuple(e_err), tuple(i_err),
        constant, method, resolution, status)


def _at_theta(f: Any, theta: tuple[float, ...], *xs: np.ndarray) -> Any:
    """f(x..., θ...) with θ fixed: the integrands at one parameter point."""
    return f(*xs, *theta)


def _boundary_1d(loss: GSMLoss, logp: Any, theta: tuple[float, ...], log_z: float) -> float:
    total = 0.0
    for term in loss.boundary_terms:
        if term.vanishes is True:
            continue
        at = float(term.at)
        flux = compile_expr((*loss.diffusion.coords, *loss.model.params), term.flux, "numpy")
        with np.errstate(all="ignore"):
            lp = float(np.asarray(logp(np.array([at])), dtype=float)[0])
            value = float(np.asarray(flux(np.array([at]), *theta)).reshape(-1)[0])
        density = math.exp(lp - log_z) if lp > -math.inf else 0.0
        if density == 0.0 or value == 0.0:
            continue
        total -= density * value
    return total


def _boundary_2d(loss: GSMLoss, logp: Any, theta: tuple[float, ...], ex: Any) -> float:
    total = 0.0
    coords = loss.diffusion.coords
    for term in loss.boundary_terms:
        if term.vanishes is True:
            continue
        other = 1 - term.coord_index
        lo, hi = ex.support[other]
        t, w = gauss_legendre_panels(lo, hi, 2 * ex.resolution["panels"], ex.resolution["order"])
        at = np.full_like(t, float(term.at))
        xy = (at, t) if term.coord_index == 0 else (t, at)
        flux = compile_expr((*coords, *loss.model.params), term.flux, "numpy")
        with np.errstate(all="ignore"):
            lp = np.asarray(logp(*xy), dtype=float)
            values = np.broadcast_to(np.asarray(flux(*xy, *theta), dtype=float), t.shape)
            dens = np.where(np.isfinite(lp), np.exp(lp - ex.log_normalizer), 0.0)
        mass = w * dens
        bad = ~np.isfinite(values) & (mass > 0)
        if np.any(bad) and float(mass[bad].sum()) > NEGLIGIBLE_MASS * max(float(mass.sum()), 1e-300):
            raise NumericalError(f"the boundary flux at {term.coord} = {term.at} is not finite where p has mass",
                                 "check the model's score at the boundary")
        good = np.isfinite(values) & (mass > 0)
        total -= float(np.sum(np.where(good, mass * np.where(good, values, 0.0), 0.0)))
    return total


