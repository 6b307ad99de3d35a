r"""The lifted CTLD chain on (x, β) ∈ R^d × [0, β_max]: its C_P for d ≤ 2, exact draws, the reflected SDE.

Joint density p(x, β) ∝ r(β)(p ∗ N(0, βλI))(x) (docs/design.md §1, :mod:`gsmtheory.numeric._ctld_law`),
E(g) = E[|∇_x g|² + g_β²]. :func:`ctld_poincare` (d = 1): finite volumes on the box holding the
mass, three grids extrapolated at the declared order :data:`CTLD_FV2D_ORDER`, the observed order
checked; :func:`ctld_poincare_3d` (d = 2): :func:`gsmtheory.numeric.poincare_3d` on
:func:`ctld_grid`. :func:`sample_ctld_joint` draws β first and x | β from p^β; :func:`simulate_ctld`
runs Euler–Maruyama for dX = ∇ℓ dt + √2 dB, β mirrored at 0 and β_max
(:func:`gsmtheory.numeric._reflected_langevin.reflected_langevin` with the lift's drift).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._ctld_law import (
    CTLDSchedule,
    as_1d_mixture,
    ctld_beta_logpdf,
    ctld_beta_range,
    ctld_joint_logpdf,
    log_r_functions,
    sample_beta,
)
from gsmtheory.numeric._fv import tensor_chain, top_pinv
from gsmtheory.numeric._fv_grid import Stretch
from gsmtheory.numeric._ladder import settle_ladder
from gsmtheory.numeric._mixture import MixtureLike, sample_mixture
from gsmtheory.numeric._mixture_pdf import mixture_dlogpdf_ds, mixture_logpdf, mixture_score
from gsmtheory.numeric._quadrature import support_interval
from gsmtheory.numeric._reflected_langevin import reflected_langevin
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._spectral3d import poincare_3d

__all__ = ["CTLD_FV2D_ORDER", "CTLDSimulation", "ctld_grid", "ctld_poincare", "ctld_poincare_3d", "sample_ctld_joint",
           "simulate_ctld"]

#: declared order of the lifted 1D chain (x, β) in its cell width (the ladder checks it)
CTLD_FV2D_ORDER = 2.0
Array = NDArray[Any]


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
    grids are extrapolated (second order, :func:`gsmtheory.numeric._ladder.settle_ladder`), and the
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
    value, err, q, status = settle_ladder(results, h, CTLD_FV2D_ORDER, tolerance)
    return PoincareResult(
        value, err, "ctld-fv2d",
        resolution={"grids": [list(s) for s in sizes], "raw": results, "drop": drop,
                    "declared_order": CTLD_FV2D_ORDER, "observed_order": q,
                    "seconds": time.perf_counter() - start},
        status=status,
        message=f"CTLD C_P by finite volumes on {sizes[-1][2]} cells, Richardson over {len(levels)} grids",
        truncation=(box.x, box.beta))


def ctld_grid(mixture: MixtureLike, params: CTLDSchedule, resolution: float, tail: float, *, xy_density: float = 2.5,
               beta_density: float = 1.0) -> tuple[list[tuple[float, float]], list[Stretch], list[int]]:
    """Box, stretch and base shape of the CTLD lift of a 2D mixture (:func:`ctld_poincare_3d`).

    ``xy_density`` and ``beta_density`` are the base cells per unit of the mapped variable
    (times ``resolution``).
    """
    if not (math.isfinite(resolution) and resolution > 0):
        raise SpecError(f"resolution = {resolution} must be positive", "use e.g. resolution=1.0")
    lam = float(params.lambda_min)
    b_lo, b_hi = ctld_beta_range(mixture, params, tail)
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
    where the joint density can reach e^{-tail} of its maximum (:func:`~gsmtheory.numeric._ctld_law.ctld_beta_range`)
    to β_max, x and y over the means ± sqrt(2·tail·v), v the largest variance Σ_kk + λβ_max. Faces:
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


# ---------------------------------------------------------------------------- sampling the lift
def sample_ctld_joint(target: MixtureLike, params: CTLDSchedule, n: int,
                      seed: int | np.random.Generator = 0) -> tuple[Array, Array]:
    r"""Exact samples of (x, β) ∼ r(β)p^β(x)/Z_r: β by inverse CDF on a fine grid, x | β from p^β
    (a draw of p, :func:`gsmtheory.numeric.sample_mixture`, plus N(0, βλI) noise).

    Parameters
    ----------
    target : MixtureLike
        A Gaussian mixture.
    params : CTLDSchedule
        λ, β_max and r.
    n : int
        Number of samples.
    seed : int or numpy.random.Generator, optional
        The random state.

    Returns
    -------
    x, beta : ndarray
        Shapes (n, d) and (n,).

    Examples
    --------
    For N(0, 1) and a uniform r on [0, 2] (λ = 1), Var x = 1 + E β = 2:

    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> x, beta = sample_ctld_joint(MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]]), flat, 200_000)
    >>> x.shape, abs(float(x.var()) - 2) < 0.03
    ((200000, 1), True)
    """
    rng = np.random.default_rng(seed)
    beta = sample_beta(params, n, rng)
    x = sample_mixture(target, n, rng)
    return x + rng.standard_normal(x.shape) * np.sqrt(beta * params.lambda_min)[:, None], beta


@dataclass(frozen=True)
class CTLDSimulation:
    r"""Final states of independent reflected CTLD chains (Euler–Maruyama, mirrored in β).

    Attributes
    ----------
    x : ndarray
        Final positions, (chains,) for d = 1 or (chains, d).
    beta : ndarray
        Final noise levels in [0, β_max].
    dt, steps, seed : float, int, int
        Step, number of steps, seed.
    reflections : int
        Mirror reflections of β at either end over the run.
    details : dict
        Anything else recorded.

    Examples
    --------
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> mix = MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]])
    >>> sim = simulate_ctld(mix, flat, chains=100, time_span=0.1, dt=0.01)
    >>> sim.x.shape, sim.steps, bool(np.all((sim.beta >= 0) & (sim.beta <= 2)))
    ((100,), 10, True)
    """

    x: Array
    beta: Array
    dt: float
    steps: int
    seed: int
    reflections: int
    details: dict[str, Any] = field(default_factory=dict)


def simulate_ctld(target: MixtureLike, params: CTLDSchedule, *, chains: int = 4000, time_span: float = 20.0,
                  dt: float = 0.01, seed: int = 0, x0: Array | float | None = None,
                  beta0: Array | float | None = None) -> CTLDSimulation:
    r"""Simulate dX = ∇_x ℓ dt + √2 dB, dβ = ∂_β ℓ dt + √2 dW, β mirrored into [0, β_max].

    ∇_x ℓ = ∇ log p^β(x), ∂_β ℓ = (log r)'(β) + λ ∂_s log p^s(x)|_{s=βλ} (closed form). Chains
    start at (x0, beta0) (default: an exact draw from the joint, so the run tests invariance).
    The Euler–Maruyama bias is O(dt) and is not estimated here.

    Parameters
    ----------
    target : MixtureLike
        A Gaussian mixture (any d).
    params : CTLDSchedule
        λ, β_max and r.
    chains : int, optional
        Independent chains.
    time_span, dt : float, optional
        Simulated time and step.
    seed : int, optional
        The random seed.
    x0, beta0 : array or float, optional
        Starting states (default: exact draws from the joint).

    Returns
    -------
    CTLDSimulation
        The final states and the number of reflections.

    Raises
    ------
    NumericalError
        If ``dt``, ``time_span`` or ``chains`` is not positive.
    SpecError
        If ``target`` is not a Gaussian mixture.

    Examples
    --------
    Started at the lifted law of N(0, 1) under a uniform r on [0, 2] (λ = 1), the chains stay
    there: E[x²] = E[1 + β] = 2 (2000 chains, Monte Carlo error about 0.06):

    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> mix = MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]])
    >>> sim = simulate_ctld(mix, flat, chains=2000, time_span=1.0, dt=0.01, seed=0)
    >>> abs(float(np.mean(sim.x**2)) - 2) < 0.2, abs(float(np.mean(sim.beta)) - 1) < 0.1
    (True, True)
    """
    mix = as_1d_mixture(target)
    if not (dt > 0 and time_span > 0 and chains >= 1):
        raise NumericalError("dt, time_span and chains must be positive", "give positive values")
    rng = np.random.default_rng(seed)
    d = mix.dim
    if x0 is None or beta0 is None:
        xs, bs = sample_ctld_joint(mix, params, chains, rng)
    if x0 is not None:
        xs = np.broadcast_to(np.asarray(x0, dtype=float), (chains, d)).copy() if d > 1 else \
            np.full((chains, 1), float(np.asarray(x0).reshape(-1)[0]))
    if beta0 is not None:
        bs = np.full(chains, float(beta0))
    _, dlog_r = log_r_functions(params)
    lam = params.lambda_min

    def drift(x: Array, b: Array) -> tuple[Array, Array]:
        return mixture_score(mix, x, b * lam), dlog_r(b) + lam * mixture_dlogpdf_ds(mix, x, b * lam)

    xs, bs, steps, reflections = reflected_langevin(drift, xs, bs, params.beta_max, time_span=time_span, dt=dt, rng=rng)
    return CTLDSimulation(xs[:, 0] if d == 1 else xs, bs, dt, steps, seed, reflections)

