r"""C_P of the CTLD lift of a 1D Gaussian mixture: the lifted chain on (x, β), one refinement ladder.

Setting (docs/design.md §1): the joint density p(x, β) ∝ r(β)(p ∗ N(0, βλ))(x) on R × [0, β_max]
(:mod:`gsmtheory.numeric._ctld_law`), E(g) = E[g_x² + g_β²]; finite volumes on the box holding the
mass, three grids extrapolated at the declared order :data:`CTLD_FV2D_ORDER` with the observed
order checked (:mod:`gsmtheory.numeric._ladder`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._ctld_law import (
    CTLDSchedule,
    as_1d_mixture,
    ctld_beta_logpdf,
    ctld_joint_logpdf,
)
from gsmtheory.numeric._fv import tensor_chain, top_pinv
from gsmtheory.numeric._fv_grid import Stretch
from gsmtheory.numeric._ladder import ORDER_SLACK, observed_order, richardson_limit
from gsmtheory.numeric._ladder_cutoff import settle
from gsmtheory.numeric._mixture import MixtureLike
from gsmtheory.numeric._mixture_pdf import mixture_logpdf
from gsmtheory.numeric._quadrature import (
    support_interval,
)
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._spectral3d import poincare_3d

__all__ = ["CTLD_FV2D_ORDER", "ctld_grid", "ctld_poincare", "ctld_poincare_3d", "ctld_poincare_curve"]

#: declared order of the lifted 1D chain (x, β) in its cell width (the ladder checks it)
CTLD_FV2D_ORDER = 2.0
Array = NDArray[Any]


# ---------------------------------------------------------------------------- spectral gap
@dataclass(frozen=True)
class _Box:
    x: tuple[float, float]
    beta: tuple[float, float]
    min_std: float


def _lifted_box(mixture: MixtureLike, params: CTLDSchedule, drop: float) -> _Box:
    lam = params.lambda_min

    def blp(b: Array) -> Array:
        return ctld_beta_logpdf(params, np.clip(b, 0.0, params.beta_max))

    b_lo, b_hi = support_interval(blp, 0.0, params.beta_max, drop=drop)
    s_hi = b_hi * lam
    x_lo, x_hi = support_interval(lambda x: mixture_logpdf(mixture, x, s_hi), -math.inf, math.inf, drop=drop)
    var = mixture.covariance[0][0]
    return _Box((x_lo, x_hi), (b_lo, b_hi), math.sqrt(var + lam * b_lo))


def ctld_poincare(target: MixtureLike, params: CTLDSchedule, *, cells: int = 48,
                  levels: Sequence[float] = (1.0, 1.5, 2.0), drop: float = 36.0,
                  tolerance: float = 1e-3) -> PoincareResult:
    r"""C_P of CTLD for a 1D Gaussian mixture: Var_p g ≤ C_P E_p[g_x² + g_β²] on R × [0, β_max].

    Finite volumes on a box covering the support (density above e^{−drop} of its maximum; cells
    below it are dropped, their faces reflecting), with ``cells`` × level cells per unit of the
    smallest x standard deviation … scaled so that x and β are resolved alike. The gap of the
    symmetrized generator is found by :func:`gsmtheory.numeric._fv.top_pinv`; the values on the
    grids are extrapolated (second order, :func:`gsmtheory.numeric._fv.richardson_limit`), and the
    error estimate is the spread of the extrapolations.

    Parameters
    ----------
    target : MixtureLike
        A 1D Gaussian mixture.
    params : CTLDSchedule
        λ, β_max and r.
    cells : int, optional
        Base cells per unit of the smallest standard deviation.
    levels : sequence of float, optional
        Refinement factors of the grids.
    drop : float, optional
        Cells below e^{−drop} of the maximal density are dropped.
    tolerance : float, optional
        Relative error for status ``"ok"``.

    Returns
    -------
    PoincareResult
        method ``"ctld-fv2d"``; status ``"ok"`` when the relative error estimate ≤ tolerance.

    Raises
    ------
    SpecError
        If the mixture is not 1D.
    NumericalError
        If the lifted chain cannot be solved.

    Examples
    --------
    With λ → 0 the lift of N(0, 1) is N(0, 1) ⊗ Uniform[0, 6] (r flat), whose constant is
    max(1, (6/π)²) = 3.647563 (the first Neumann mode in β); the estimate covers it:

    >>> import math
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1e-9, beta_max=6.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> r = ctld_poincare(MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]]), flat)
    >>> round(r.poincare_constant, 4), r.status, abs(r.poincare_constant - (6 / math.pi)**2) <= r.error_estimate
    (3.6476, 'ok', True)
    """
    mix = as_1d_mixture(target)
    if mix.dim != 1:
        raise SpecError(f"the lifted solver handles 1D targets (the lift of a {mix.dim}D target is "
                        f"{mix.dim + 1}D)", "use a 1D mixture")
    start = time.perf_counter()
    box = _lifted_box(mix, params, drop)
    lam = params.lambda_min
    width_x = box.x[1] - box.x[0]
    width_b = box.beta[1] - box.beta[0]
    # resolve the narrowest x-profile (std min_std) and the β-scale (profile of log r, ~β itself)
    base_hx = box.min_std / 4.0
    base_hb = max(width_b / 40.0, (lam * box.beta[0] + mix.covariance[0][0]) / (4.0 * lam))
    results, sizes = [], []
    nx0 = max(math.ceil(width_x / base_hx * cells / 48), 16)
    nb0 = max(math.ceil(width_b / base_hb * cells / 48), 16)
    for lv in levels:
        nx, nb = math.ceil(nx0 * lv), math.ceil(nb0 * lv)
        hx, hb = width_x / nx, width_b / nb
        xs = box.x[0] + (np.arange(nx) + 0.5) * hx
        bs = box.beta[0] + (np.arange(nb) + 0.5) * hb
        ell = np.asarray(ctld_joint_logpdf(mix, params, xs[:, None], bs[None, :]), dtype=np.float64)
        lp, edges = tensor_chain(ell, [np.full(nx, hx), np.full(nb, hb)])
        cp, note = top_pinv(lp, edges, drop, tol=1e-12)
        if not (math.isfinite(cp) and cp > 0):
            raise NumericalError(f"the lifted chain on {nx}x{nb} cells could not be solved: {note}",
                                 "report the target and the CTLD parameters")
        results.append(cp)
        sizes.append((nx, nb, int(np.sum(lp >= float(np.max(lp)) - drop))))
    h = [nb0 / math.ceil(nb0 * lv) for lv in levels]
    value, err = richardson_limit(results, h, CTLD_FV2D_ORDER)  # the last pair, against (first, last)
    err += 1e-12 * abs(value)
    q = observed_order(results, h)
    order_ok = len(results) < 3 or (q is not None and q >= CTLD_FV2D_ORDER - ORDER_SLACK) \
        or max(results) - min(results) <= 1e-9 * abs(value)
    if not order_ok:  # the extrapolation is not trusted: the spread of the grids is the error
        err = max(err, max(results) - min(results))
    status = settle(value, err, tolerance, order_ok)
    return PoincareResult(
        value, err, "ctld-fv2d",
        resolution={"grids": [list(s) for s in sizes], "raw": results, "drop": drop,
                    "declared_order": CTLD_FV2D_ORDER, "observed_order": q,
                    "seconds": time.perf_counter() - start},
        status=status,
        message=f"CTLD C_P by finite volumes on {sizes[-1][2]} cells, Richardson over {len(levels)} grids",
        truncation=(box.x, box.beta))


def ctld_poincare_curve(separations: Sequence[float], params_for: Callable[[MixtureLike], CTLDSchedule],
                        mixture_for: Callable[[float], MixtureLike], **kwargs: Any) -> list[PoincareResult]:
    r"""CTLD C_P at each separation: ``mixture_for(m)`` targets lifted with ``params_for(mixture)``.

    Parameters
    ----------
    separations : sequence of float
        The separations m.
    params_for : callable
        mixture ↦ its :class:`CTLDSchedule`.
    mixture_for : callable
        m ↦ the 1D mixture at separation m.
    **kwargs
        Passed to :func:`ctld_poincare`.

    Returns
    -------
    list of PoincareResult
        One record per separation.

    Examples
    --------
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1e-9, beta_max=6.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> rs = ctld_poincare_curve([0.0], lambda mix: flat,
    ...                          lambda m: MixtureArrays(means=[[-m], [m]], weights=[0.5, 0.5], covariance=[[1.0]]))
    >>> [round(r.poincare_constant, 4) for r in rs]
    [3.6476]
    """
    out = []
    for m in separations:
        mix = mixture_for(float(m))
        out.append(ctld_poincare(mix, params_for(mix), **kwargs))
    return out


def _beta_range(mixture: MixtureLike, params: CTLDSchedule, tail: float) -> tuple[float, float]:
    """[β_lo, β_max]: β below β_lo carries joint density < e^{-tail} of the maximum anywhere.

    The joint density at (x, β) is at most r(β)/Z_r · max_k N(0; 0, Σ + λβI), so β is kept
    where log r(β) − ½ log det(Σ + λβI) lies within ``tail`` of its maximum over [0, β_max].
    """

    b_max = float(params.beta_max)
    bs = np.linspace(0.0, b_max, 4001)
    eig = np.linalg.eigvalsh(np.asarray(mixture.covariance, dtype=float))
    with np.errstate(all="ignore"):
        bound = (np.asarray(ctld_beta_logpdf(params, bs), dtype=float)
                 - 0.5 * np.sum(np.log(eig[None, :] + float(params.lambda_min) * bs[:, None]), axis=1))
    ok = np.nonzero(bound >= float(np.max(bound[np.isfinite(bound)])) - tail)[0]
    return float(bs[max(int(ok[0]) - 1, 0)]), b_max


def ctld_grid(mixture: MixtureLike, params: CTLDSchedule, resolution: float, tail: float, *, xy_density: float = 2.5,
               beta_density: float = 1.0) -> tuple[list[tuple[float, float]], list[Stretch], list[int]]:
    """Box, stretch and base shape of the CTLD lift of a 2D mixture (:func:`ctld_poincare_3d`).

    ``xy_density`` and ``beta_density`` are the base cells per unit of the mapped variable
    (times ``resolution``).
    """
    if not (math.isfinite(resolution) and resolution > 0):
        raise SpecError(f"resolution = {resolution} must be positive", "use e.g. resolution=1.0")
    lam = float(params.lambda_min)
    b_lo, b_hi = _beta_range(mixture, params, tail)
    means = np.asarray(mixture.means, dtype=float)
    cov = np.asarray(mixture.covariance, dtype=float)
    box: list[tuple[float, float]] = []
    stretch: list[Stretch] = []
    shape: list[int] = []
    for k in range(2):
        wide = math.sqrt(2.0 * tail * (cov[k, k] + lam * b_hi))
        lo, hi = float(means[:, k].min()) - wide, float(means[:, k].max()) + wide
        s = math.sqrt(cov[k, k] + lam * b_lo)
        c = 0.5 * (lo + hi)
        box.append((lo, hi))
        stretch.append((s, c))
        shape.append(max(8, math.ceil(xy_density * resolution * (math.asinh((hi - c) / s) - math.asinh((lo - c) / s)))))
    sb = (float(np.linalg.eigvalsh(cov).min()) + lam * b_lo) / lam
    box.append((b_lo, b_hi))
    stretch.append((sb, b_lo, (b_hi - b_lo) / 16.0))
    shape.append(max(8, math.ceil(beta_density * resolution * (math.asinh((b_hi - b_lo) / sb) + 16.0))))
    return box, stretch, shape


def ctld_poincare_3d(mixture: MixtureLike, params: CTLDSchedule, *, resolution: float = 1.0, rtol: float = 1e-2,
                     levels: Sequence[float] = (1.0, 1.5, 2.0), tail: float = 40.0,
                     max_cells: int = 400_000, extrapolation: str = "axes") -> PoincareResult:
    r"""C_P of CTLD for a 2D Gaussian mixture: Var g ≤ C_P E[g_x² + g_y² + g_β²] under r(β)p^β(x, y).

    The lifted chain lives on R² × [0, β_max] with identity diffusion and joint density
    r(β) (p * N(0, βλI))(x, y) (docs/design.md §1), solved by :func:`poincare_3d`. The box: β from
    where the joint density can reach e^{-tail} of its maximum (:func:`_beta_range`) to β_max,
    x and y over the means ± sqrt(2·tail·v) with v the largest variance Σ_kk + λβ_max. Faces:
    x, y sinh-stretched at the scale of the narrowest profile sqrt(Σ_kk + λβ_lo) around the
    centre of the means (2.5·resolution cells per unit of asinh); β uniform in
    u = asinh((β − β_lo)/s_β) + 16(β − β_lo)/(β_max − β_lo), s_β = (Σ_min + λβ_lo)/λ (geometric
    cells where the small-β profiles are sharp, at most 1/16 of the range wide where the slow
    β-mode lives; 1.0·resolution cells per unit of u). For the default constants C_P is
    dominated by the β direction (the 1D problem in β alone has C_P within 2 % of the lift for
    separations d ≥ 2), which needs the finer β grid.

    Parameters
    ----------
    mixture : MixtureLike
        A 2D Gaussian mixture.
    params : CTLDSchedule
        λ, β_max and r.
    resolution, rtol, levels, tail, max_cells, extrapolation
        As in :func:`poincare_3d` (rtol decides the status).

    Returns
    -------
    PoincareResult
        From :func:`poincare_3d` (``side="estimate"``, its error estimate and status).

    Raises
    ------
    SpecError
        If the mixture is not 2D.

    Examples
    --------
    With λ → 0 the lift of N(0, I₂) is N(0, I₂) ⊗ Uniform[0, 6]: C_P = (6/π)² = 3.647563.

    >>> import math
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1e-9, beta_max=6.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> mix = MixtureArrays(means=[[0.0, 0.0]], weights=[1.0], covariance=[[1.0, 0.0], [0.0, 1.0]])
    >>> r = ctld_poincare_3d(mix, flat, rtol=0.05, resolution=0.5)
    >>> r.status, abs(r.poincare_constant - (6 / math.pi)**2) <= r.error_estimate
    ('ok', True)
    """
    if mixture.dim != 2:
        raise SpecError(f"ctld_poincare_3d needs a 2D mixture (got {mixture.dim}D)", "use a 2D mixture")

    box, stretch, shape = ctld_grid(mixture, params, resolution, tail)

    def ell(x: Array, y: Array, b: Array) -> Array:
        xx, yy, bb = np.broadcast_arrays(x, y, b)
        return np.asarray(ctld_joint_logpdf(mixture, params, np.stack([xx, yy], axis=-1), bb))

    res = poincare_3d(ell, box, shape=shape, rtol=rtol, levels=levels, stretch=stretch, tail=tail,
                      max_cells=max_cells, extrapolation=extrapolation)
    return PoincareResult(res.poincare_constant, res.error_estimate, "ctld-fv3d",
                          {**dict(res.resolution), "resolution": resolution},
                          res.status, f"CTLD C_P of a 2D mixture: {res.message}", res.side,
                          res.truncation)
