r"""An angular sector of a rotation-invariant target: a 1D problem in r with a centrifugal potential.

Setting (docs/design.md §1): p(y) ∝ e^{g(|y|)} on R^d with the identity diffusion. Functions
f(r) Y_k(θ), Y_k a spherical harmonic of degree k, are invariant subspaces of the generator, and on
them E(g) = ∫ (f'² + k(k + d − 2) f²/r²) w dr, Var(g) = ∫ f² w dr (k ≥ 1: the mean is 0) with
w = r^{d−1} e^{g(r)}. So C_P = max(C_0, C_1): C_0 the 1D problem of w (mean-zero radial functions),
C_k = sup ∫ f² w / ∫ (f'² + c f²/r²) w, c = k(k + d − 2), decreasing in k.

:func:`sector_poincare` computes C_k for k ≥ 1 on the 1D finite-volume chain of w
(:mod:`gsmtheory.numeric._chain1d`), the potential entering as its cell averages
V_i = c ∫_cell w/r² (a positive diagonal, so no zero mode and no grounding), the smallest eigenvalue
of the symmetric tridiagonal Π^{-1/2}(A + V)Π^{-1/2} by bisection; the ladder of
:mod:`gsmtheory.numeric._ladder` (cells doubled, Richardson at the declared order
:data:`SECTOR_ORDER`, the observed order checked) and the cut-off at e^{-(tail+20)} (twice the
change) give the error. :func:`radial_range` is where the radial weights t^{d∓1}e^{−t²/2} of a
Gaussian factor N(0, I_d) hold their mass (the CTLD sectors, :mod:`gsmtheory.numeric._ctld_nd`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import brentq

from gsmtheory._errors import SpecError
from gsmtheory.numeric._chain1d import (
    Array,
    Fn,
    as_callable,
    end_map,
    initial_cells,
    normalized_chain_1d,
    truncate_support,
)
from gsmtheory.numeric._fv_grid import AxisMap, extended_map
from gsmtheory.numeric._ladder import extrapolate_at
from gsmtheory.numeric._ladder_cutoff import TAIL_STEP, settle
from gsmtheory.numeric._result import PoincareResult

__all__ = ["SECTOR_ORDER", "radial_range", "sector_poincare"]

#: declared order of the sector chain in its cell width
SECTOR_ORDER = 2.0
_EPS = float(np.finfo(float).eps)


def radial_range(dim: int, tail: float) -> tuple[float, float]:
    r"""[t_lo, t_hi] outside which both t^{dim−1} e^{−t²/2} and t^{dim+1} e^{−t²/2} lie below e^{−tail}
    of their maxima: the radial weights of N(0, I_dim) in sector 0 and, as h = f/t, in sector 1
    (module docstring); t_lo = 0 when a weight does not vanish fast at 0.

    Parameters
    ----------
    dim : int
        The dimension of the rotation-invariant factor (≥ 1).
    tail : float
        The cut-off, in log units.

    Returns
    -------
    tuple of float
        (t_lo, t_hi), in units of the standard deviation.

    Examples
    --------
    >>> lo, hi = radial_range(1, 40.0)
    >>> lo, round(hi, 6)
    (0.0, 9.465966)
    """
    def bounds(power: int) -> tuple[float, float]:
        if power <= 0:
            return 0.0, math.sqrt(2.0 * tail)
        t0 = math.sqrt(power)
        f0 = power * (math.log(t0) - 0.5)

        def g(t: float) -> float:
            return power * math.log(t) - 0.5 * t * t - f0 + tail

        lo = 0.0 if g(1e-300) > 0 else float(brentq(g, 1e-300, t0))
        return lo, float(brentq(g, t0, t0 + math.sqrt(2.0 * tail) + 1.0))

    a, b = bounds(dim - 1), bounds(dim + 1)
    return min(a[0], b[0]), max(a[1], b[1])


def _one(r: Array) -> Array:
    return np.ones_like(r)


def _value(logw: Fn, coef: float, mp: AxisMap, n: int) -> tuple[float, float]:
    """(C_k, its round-off floor) on one chain: 1/λ_min of Π^{-1/2}(A + V)Π^{-1/2}, whose
    bisection is accurate to ~ε‖S‖ absolute."""
    lp, lc, z = normalized_chain_1d(logw, _one, mp, n)

    def log_w_over_r2(r: Array) -> Array:
        with np.errstate(divide="ignore"):
            return np.asarray(logw(r), dtype=np.float64) - 2 * np.log(r)

    lpv, _, zv = normalized_chain_1d(log_w_over_r2, _one, mp, n)
    pi, c = np.exp(lp), np.exp(lc)
    diag = coef * np.exp(lpv + zv - z)
    diag[:-1] += c
    diag[1:] += c
    s = np.sqrt(pi)
    lam = eigh_tridiagonal(diag / pi, -c / (s[:-1] * s[1:]), eigvals_only=True, select="i",
                           select_range=(0, 0))[0]
    if not lam > 0:
        return math.inf, math.inf
    return 1.0 / float(lam), 10 * _EPS * float(np.max(diag / pi)) / float(lam) ** 2


def _cutoff(logw: Fn, coef: float, mp: AxisMap, n: int, tail: float) -> float:
    """Relative change of C_k when the cut moves from e^-tail to e^-(tail+20), same cells."""
    _, b2, _ = truncate_support(logw, 0.0, math.inf, tail=tail + TAIL_STEP)
    ext = extended_map(mp, n, 0.0, math.inf, 0.0, b2)
    if ext is None:
        return 0.0
    return abs(_value(logw, coef, ext[0], ext[1])[0] / _value(logw, coef, mp, n)[0] - 1.0)


def sector_poincare(log_weight: Fn, coef: float, *, rtol: float = 1e-6, tail: float = 40.0,
                    max_cells: int = 2**17) -> PoincareResult:
    r"""C = sup_f ∫ f² w / ∫ (f'² + coef·f²/r²) w on (0, ∞), w = e^{log_weight} (module docstring).

    Parameters
    ----------
    log_weight : callable
        log w(r) = (d − 1) log r + g(r), vectorized.
    coef : float
        k(k + d − 2) > 0 for the sector of degree k.
    rtol : float
        Target relative error of grid and cut-off together.
    tail, max_cells
        The cut-off e^{-tail}; the finest chain.

    Returns
    -------
    PoincareResult
        ``method="sector"``, ``side="estimate"``; status ``"ok"`` iff the error meets rtol and the
        observed order matched :data:`SECTOR_ORDER`.

    Raises
    ------
    SpecError
        If ``coef`` ≤ 0.

    Examples
    --------
    The degree-1 sector of N(0, I₃) (w = r² e^{-r²/2}, coef = 1·(1 + 3 − 2) = 2) holds the
    Ornstein–Uhlenbeck eigenfunctions x_i, whose constant is 1:

    >>> import numpy as np
    >>> r = sector_poincare(lambda r: 2 * np.log(r) - r**2 / 2, 2.0)
    >>> round(r.poincare_constant, 5), r.status, abs(r.poincare_constant - 1) <= r.error_estimate
    (1.0, 'ok', True)
    """
    if not coef > 0:
        raise SpecError(f"coef = {coef} must be positive", "the sector of degree k has k(k + d − 2) > 0")
    logw = as_callable(log_weight, "log weight")
    _, b, _ = truncate_support(logw, 0.0, math.inf, tail=tail)
    mp = end_map(_one, 0.0, b, 0.0, math.inf)
    n = initial_cells(logw, _one, mp)
    trunc = 2 * _cutoff(logw, coef, mp, n, tail)
    values, levels = [], []
    ext = None
    while n <= max_cells:
        v, floor = _value(logw, coef, mp, n)
        values.append(v)
        levels.append(n)
        if len(values) >= 3:
            ext = extrapolate_at(values, [1.0 / k for k in levels], SECTOR_ORDER, floor=floor)
            if ext.order_ok and ext.error + trunc * ext.value <= rtol * ext.value:
                break
        if floor > rtol * v / 4:  # finer chains only add round-off
            break
        n *= 2
    if ext is None:
        ext = extrapolate_at(values, [1.0 / k for k in levels], SECTOR_ORDER)
    err = ext.error + trunc * abs(ext.value)
    status = settle(ext.value, err, rtol, ext.order_ok)
    msg = (f"sector (c = {coef:g}): {len(levels)} levels up to {levels[-1]} cells on (0, {b:.6g}], "
           f"observed order {ext.observed_order if ext.observed_order is None else round(ext.observed_order, 2)}")
    if status != "ok":
        msg = f"not converged: {msg}; relative error {err / abs(ext.value):.2g} > rtol {rtol:g}" + (
            f"; {ext.note}" if ext.note else "")
    res = {"levels": levels, "values": values, "declared_order": SECTOR_ORDER,
           "observed_order": ext.observed_order, "grid_error": ext.error, "truncation_error": trunc * ext.value}
    return PoincareResult(ext.value, err, "sector", res, status, msg, "estimate", ((0.0, b),))
