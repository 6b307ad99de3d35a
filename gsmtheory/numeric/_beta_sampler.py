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
and returns the same type, dtype and device, so the NumPy sampler (:meth:`IntervalLaw.sample`), the
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

__all__ = ["BETA_NODES", "InverseCDFTable", "TailMass", "beta_table", "cell_slopes", "inverse_cdf", "mass_below"]

Array = NDArray[Any]
T = TypeVar("T")

#: nodes of the tabulated CDF used for sampling (cells of width β_max / 20000)
BETA_NODES = 20001
_FINE_NODES = 200001


def _is_torch(value: object) -> bool:
    return type(value).__module__.split(".")[0] == "torch"


def cell_slopes(grid: Array, cdf: Array) -> Array:
    r"""dβ/dF on each cell of a table, shape (N − 1,): (β_{k+1} − β_k)/(F_{k+1} − F_k), 0 on cells without mass.

    Parameters
    ----------
    grid : ndarray
        The nodes β_0 < … < β_{N−1}.
    cdf : ndarray
        F at the nodes (non-decreasing, 0 to 1).

    Returns
    -------
    ndarray
        The slope of the inverse CDF on each cell.

    Examples
    --------
    >>> import numpy as np
    >>> cell_slopes(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.5, 1.0]))
    array([2., 2.])
    """
    g, c = np.asarray(grid, dtype=float), np.asarray(cdf, dtype=float)
    dc, dg = np.diff(c), np.diff(g)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(dc > 0, dg / np.where(dc > 0, dc, 1.0), 0.0)  # type: ignore[no-any-return]


@dataclass(frozen=True, eq=False)
class InverseCDFTable:
    r"""A tabulated CDF packed for :func:`inverse_cdf`: ``right`` = F_{k+1} (N − 1,) and ``cells`` (N − 1, 3)
    = (β_k, F_k, slope_k) per cell; NumPy arrays, or torch tensors after :meth:`to_torch`.

    Built by :meth:`from_cdf` (nodes, CDF), which raises :class:`NumericalError` for arrays that
    are not two 1D arrays of the same length ≥ 2.

    Attributes
    ----------
    right : array
        F at the right end of each cell.
    cells : array
        (β_k, F_k, slope_k) per cell (:func:`cell_slopes`).

    Examples
    --------
    The uniform law on [0, 2]: its median is 1.

    >>> import numpy as np
    >>> table = InverseCDFTable.from_cdf(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.5, 1.0]))
    >>> inverse_cdf(table, np.array([0.25, 0.5]))
    array([0.5, 1. ])
    """

    right: Any
    cells: Any

    @classmethod
    def from_cdf(cls, grid: Array, cdf: Array) -> InverseCDFTable:
        """Pack nodes β_0 < … < β_{N−1} and the nondecreasing CDF at them (0 first, 1 last)."""
        g, c = np.asarray(grid, dtype=float), np.asarray(cdf, dtype=float)
        if g.ndim != 1 or g.shape != c.shape or len(g) < 2:
            raise NumericalError(f"a CDF table needs two 1D arrays of the same length >= 2, got {g.shape}, {c.shape}",
                                 "pass the nodes and the CDF at them")
        return cls(c[1:].copy(), np.stack([g[:-1], c[:-1], cell_slopes(g, c)], axis=1))

    def to_torch(self, device: Any = "cpu") -> InverseCDFTable:
        """The same table as float64 torch tensors on ``device``."""
        import torch

        return InverseCDFTable(torch.as_tensor(np.asarray(self.right), dtype=torch.float64, device=device),
                               torch.as_tensor(np.asarray(self.cells), dtype=torch.float64, device=device))


def inverse_cdf(table: InverseCDFTable | tuple[Any, Any], u: T) -> T:
    r"""β = F̂⁻¹(u), the piecewise-linear inverse of a tabulated CDF (module docstring).

    Parameters
    ----------
    table : InverseCDFTable or (nodes, cdf)
        The tabulated law, in the backend of ``u`` (:meth:`InverseCDFTable.to_torch` for torch).
    u : array
        Uniform draws in [0, 1], any shape; NumPy or torch (the backend of the answer).

    Returns
    -------
    array
        Draws of the shape of ``u``, in [β_0, β_{N−1}]: with k the first cell whose right end has
        F_{k+1} ≥ u, β = β_k + (u − F_k)·slope_k; a cell without mass is never returned for u > 0
        (then F_k < u).

    Examples
    --------
    >>> import numpy as np
    >>> inverse_cdf((np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.5, 1.0])), np.array([0.0, 0.75, 1.0]))
    array([0. , 1.5, 2. ])
    """
    if not isinstance(table, InverseCDFTable):
        table = InverseCDFTable.from_cdf(*table)
        if _is_torch(u):
            table = table.to_torch(u.device)  # type: ignore[attr-defined]
    if _is_torch(u):
        import torch

        tu: Any = u
        flat = tu if tu.ndim == 1 else tu.reshape(-1)
        k = torch.searchsorted(table.right, flat).clamp_(max=len(table.right) - 1)
        g, c, sl = table.cells.index_select(0, k).unbind(1)
        out: Any = torch.addcmul(g, flat - c, sl)
        return out if tu.ndim == 1 else out.reshape(tu.shape)  # type: ignore[no-any-return]
    ua = np.asarray(u)
    idx = np.minimum(np.searchsorted(table.right, ua, side="left"), len(table.right) - 1)
    cell = table.cells[idx]
    res: Any = cell[..., 0] + (ua - cell[..., 1]) * cell[..., 2]
    return res  # type: ignore[no-any-return]


def _check_law(beta_max: float) -> None:
    if not (isinstance(beta_max, int | float) and math.isfinite(beta_max) and beta_max > 0):
        raise SpecError(f"beta_max = {beta_max} must be a positive finite number", "give beta_max > 0")


def beta_table(log_density: Callable[[Array], Array], beta_max: float, nodes: int = BETA_NODES) -> tuple[Array, Array]:
    r"""(nodes, CDF at the nodes) of the law ∝ exp(log_density(β)) on [0, β_max].

    The CDF is the cumulative trapezoid of the density on 200001 equispaced points (relative
    to its maximum, so any log-scale is fine), normalized to 1 and interpolated at ``nodes``
    equispaced nodes — the same numbers as :meth:`gsmtheory.numeric.IntervalLaw.cdf`. The trapezoid
    error is O(h²) with h = β_max/200000, far below the interpolation of :func:`inverse_cdf`.

    Parameters
    ----------
    log_density : callable
        β ↦ log r(β) up to a constant, vectorized.
    beta_max : float
        The right end of the support.
    nodes : int, optional
        Equispaced nodes of the table.

    Returns
    -------
    grid, cdf : ndarray
        The nodes and F at the nodes (F(0) = 0, F(β_max) = 1).

    Raises
    ------
    SpecError
        If ``beta_max`` is not a positive finite number.
    NumericalError
        A log density that is NaN, +inf, or −inf everywhere on the grid.

    Examples
    --------
    The exponential law truncated to [0, 5]: F(1) = (1 − e^{-1})/(1 − e^{-5}) = 0.636409.

    >>> grid, cdf = beta_table(lambda b: -b, 5.0, nodes=6)
    >>> round(float(cdf[1]), 6), float(cdf[-1])
    (0.636409, 1.0)
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
    r"""P(β ≤ at) of a law on [0, β_max]: ``value`` (may underflow to 0), ``log_value`` and the
    absolute error estimate of ``log_value`` (two quadrature resolutions).

    Attributes
    ----------
    at : float
        The threshold.
    value : float
        P(β ≤ at) = exp(``log_value``).
    log_value : float
        log P(β ≤ at), finite even where ``value`` underflows.
    log_error : float
        Absolute error estimate of ``log_value``.

    Examples
    --------
    >>> m = TailMass(at=1.0, value=0.5, log_value=-0.6931471805599453, log_error=1e-16)
    >>> m.to_dict()["value"]
    0.5
    """

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

    Parameters
    ----------
    log_density : callable
        β ↦ log r(β) up to a constant, vectorized.
    beta_max : float
        The right end of the support.
    at : float
        The threshold (≥ 0; values above ``beta_max`` give mass 1).
    panels : int, optional
        Gauss–Legendre panels of the coarse resolution.

    Returns
    -------
    TailMass
        The mass, its logarithm and the error estimate of the logarithm.

    Raises
    ------
    SpecError
        If ``beta_max`` or ``at`` is not admissible.
    NumericalError
        If the log mass is not finite.

    Examples
    --------
    The exponential law on [0, 5]: P(β ≤ 1) = (1 − e^{-1})/(1 − e^{-5}).

    >>> m = mass_below(lambda b: -b, 5.0, 1.0)
    >>> round(m.value, 10), m.log_error < 1e-12
    (0.6364086466, True)
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
