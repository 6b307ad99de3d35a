r"""One β sampler for every backend: inverse-CDF draws from a tabulated law, and its mass near 0.

A law on [0, β_max] with density r(β)/Z_r (docs/design.md §1: the CTLD temperature, or any
noise-level law of a denoising schedule) is tabulated once as nodes β_0 = 0 < … < β_N = β_max
and its CDF F(β_j) (:func:`beta_table`). A draw is β = F̂⁻¹(u) for u ∼ U(0, 1), with F̂ the
piecewise-linear interpolant of the table:

    β = β_{j−1} + (u − F_{j−1}) / (F_j − F_{j−1}) · (β_j − β_{j−1}),   F_{j−1} < u ≤ F_j,

i.e. exact draws from the law whose density is constant on each cell with the cell's mass; the
Kolmogorov distance to r/Z_r is at most the largest cell mass times the largest relative change
of the density inside a cell (here β_max/N per cell, N = 20000 by default).

:func:`inverse_cdf` is the one implementation of that formula. It takes NumPy arrays or torch
tensors (POT-style dispatch on the type of ``u``; torch is imported only when a tensor arrives)
and returns the same type, dtype and device, so the NumPy sampler (:func:`sample_beta`), the
network losses and the torch Monte Carlo of the estimation layer draw identical β from identical u.

:func:`mass_below` gives P(β ≤ b) in log space with an error estimate: the reported law of the
paper (log r = −7D²/(λ(1 + β))) at D = 10, λ = 1 has P(β < 1) ≈ 1e-157, which no tabulated CDF
resolves.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from scipy.special import logsumexp

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._quadrature import gauss_legendre_panels

__all__ = ["BETA_NODES", "TailMass", "beta_table", "inverse_cdf", "mass_below"]

Array = NDArray[Any]
T = TypeVar("T")

#: nodes of the tabulated CDF used for sampling (cells of width β_max / 20000)
BETA_NODES = 20001
_FINE_NODES = 200001


def _is_torch(value: object) -> bool:
    return type(value).__module__.split(".")[0] == "torch"


def inverse_cdf(grid: T, cdf: T, u: T) -> T:
    r"""β = F̂⁻¹(u), the piecewise-linear inverse of a tabulated CDF (module docstring).

    Parameters
    ----------
    grid, cdf : arrays (N,)
        Increasing nodes and the nondecreasing CDF at them (F = 0 at the first node, 1 at the
        last); NumPy arrays, or torch tensors on the device and in the dtype of ``u``.
    u : array
        Uniform draws in [0, 1], any shape; NumPy or torch (the backend of the answer).

    Returns
    -------
    array
        Draws of the shape of ``u``, in [grid[0], grid[-1]]. A flat stretch of the table (a cell
        without mass) is never returned for u > 0.
    """
    if _is_torch(u):
        import torch

        tg: Any = grid
        tc: Any = cdf
        tu: Any = u
        j = torch.searchsorted(tc, tu.contiguous()).clamp(1, len(tc) - 1)
        c0, c1 = tc[j - 1], tc[j]
        wide = c1 > c0
        t = torch.where(wide, (tu - c0) / torch.where(wide, c1 - c0, torch.ones_like(c0)), 0.5).clamp(0.0, 1.0)
        out: Any = tg[j - 1] + t * (tg[j] - tg[j - 1])
        return out  # type: ignore[no-any-return]
    ga, ca, ua = np.asarray(grid), np.asarray(cdf), np.asarray(u)
    idx = np.clip(np.searchsorted(ca, ua, side="left"), 1, len(ca) - 1)
    a0, a1 = ca[idx - 1], ca[idx]
    big = a1 > a0
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.clip(np.where(big, (ua - a0) / np.where(big, a1 - a0, 1.0), 0.5), 0.0, 1.0)
    res: Any = ga[idx - 1] + frac * (ga[idx] - ga[idx - 1])
    return res  # type: ignore[no-any-return]


def _check_law(beta_max: float) -> None:
    if not (isinstance(beta_max, int | float) and math.isfinite(beta_max) and beta_max > 0):
        raise SpecError(f"beta_max = {beta_max} must be a positive finite number", "give beta_max > 0")


def beta_table(log_density: Callable[[Array], Array], beta_max: float, nodes: int = BETA_NODES) -> tuple[Array, Array]:
    r"""(nodes, CDF at the nodes) of the law ∝ exp(log_density(β)) on [0, β_max].

    The CDF is the cumulative trapezoid of the density on 200001 equispaced points (relative
    to its maximum, so any log-scale is fine), normalized to 1 and interpolated at ``nodes``
    equispaced nodes — the same numbers as :func:`gsmtheory.numeric.beta_cdf`.

    Raises
    ------
    NumericalError
        A log density that is NaN, +inf, or −inf everywhere on the grid.
    """
    _check_law(beta_max)
    fine = np.linspace(0.0, float(beta_max), _FINE_NODES)
    with np.errstate(all="ignore"):
        lp = np.broadcast_to(np.asarray(log_density(fine), dtype=float), fine.shape)
    if np.isnan(lp).any() or np.isposinf(lp).any() or not np.isfinite(lp).any():
        raise NumericalError("the log density of the noise-level law is NaN, +inf or -inf everywhere on "
                             f"[0, {beta_max:g}]", "give a log r(beta) that is finite on [0, beta_max]")
    dens = np.exp(lp - float(np.max(lp)))
    c = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(fine))])
    c /= c[-1]
    grid = np.linspace(0.0, float(beta_max), int(nodes))
    return grid, np.interp(grid, fine, c)


@dataclass(frozen=True)
class TailMass:
    """P(β ≤ at) of a law on [0, β_max]: ``value`` (may underflow to 0), ``log_value`` and the
    absolute error estimate of ``log_value`` (two quadrature resolutions)."""

    at: float
    value: float
    log_value: float
    log_error: float

    def to_dict(self) -> dict[str, float]:
        """Plain numbers for JSON."""
        return {"at": self.at, "value": self.value, "log_value": self.log_value, "log_error": self.log_error}


def _log_integral(log_density: Callable[[Array], Array], a: float, b: float, panels: int) -> float:
    t, w = gauss_legendre_panels(a, b, panels, 16)
    with np.errstate(all="ignore"):
        v = np.broadcast_to(np.asarray(log_density(t), dtype=float), t.shape)
    return float(logsumexp(v, b=w))


def mass_below(log_density: Callable[[Array], Array], beta_max: float, at: float, *, panels: int = 64) -> TailMass:
    r"""P(β ≤ at) = ∫_0^at r / ∫_0^{β_max} r in log space (composite 16-point Gauss–Legendre).

    Both integrals are log-sum-exps over the nodes, so masses far below the float64 range are
    resolved (the paper's r at D = 10, λ = 1: P(β < 1) ≈ 1e-157). The error estimate is the
    change of the log mass from ``panels`` to 2·``panels`` panels.
    """
    _check_law(beta_max)
    if not (math.isfinite(at) and at >= 0):
        raise SpecError(f"at = {at} must be a finite number >= 0", "ask for P(beta <= at) with at >= 0")
    if at >= beta_max:
        return TailMass(float(at), 1.0, 0.0, 0.0)
    if at == 0:
        return TailMass(0.0, 0.0, -math.inf, 0.0)
    logs = [_log_integral(log_density, 0.0, at, p) - _log_integral(log_density, 0.0, beta_max, p)
            for p in (panels, 2 * panels)]
    if not all(math.isfinite(v) for v in logs):
        raise NumericalError(f"P(beta <= {at:g}) is not finite in log space", "check log r(beta) on [0, beta_max]")
    return TailMass(float(at), math.exp(logs[1]), logs[1], abs(logs[1] - logs[0]))
