r"""The CTLD lift on arrays: its schedule, joint density, exact draws and drift, and C_P for d = 1.

Joint density on R^d × [0, β_max] (docs/design.md §1, Qin & Risteski 2023 §CTLD):

    p(x, β) = r(β) p^β(x) / Z_r,   p^β = p * N(0, βλI),   Z_r = ∫_0^{β_max} r,

E(g) = E[|∇_x g|² + g_β²]. :class:`CTLDSchedule` holds λ, β_max and r, its ``law`` the β-marginal
r/Z_r (:class:`gsmtheory.numeric.IntervalLaw`: Z_r, density, CDF, draws); :func:`ctld_joint_logpdf`
is log p(x, β) for a Gaussian mixture (closed form) or a 1D log-density callable (numerical
convolution); :func:`sample_ctld_joint` draws β from the law and x | β from p^β;
:func:`ctld_drift` is the drift of the reflected chain (:func:`gsmtheory.numeric.reflected_langevin`).
:func:`ctld_poincare` (d = 1): finite volumes on the box holding the mass, three grids
extrapolated at the declared order :data:`CTLD_FV2D_ORDER`, the observed order checked. d ≥ 2 is
in :mod:`gsmtheory.numeric._ctld_nd`.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._convolve import convolve_logpdf_1d, smoothed
from gsmtheory.numeric._fv import tensor_chain, top_pinv
from gsmtheory.numeric._interval_law import IntervalLaw
from gsmtheory.numeric._ladder import settle_ladder
from gsmtheory.numeric._mixture import MixtureLike, sample_mixture
from gsmtheory.numeric._mixture_pdf import mixture_dlogpdf_ds, mixture_logpdf, mixture_score
from gsmtheory.numeric._quadrature import support_interval
from gsmtheory.numeric._reflected_langevin import Drift
from gsmtheory.numeric._result import PoincareResult

__all__ = ["CTLD_FV2D_ORDER", "CTLDSchedule", "as_1d_mixture", "ctld_beta_range", "ctld_drift", "ctld_joint_logpdf",
           "ctld_poincare", "sample_ctld_joint"]

#: declared order of the lifted 1D chain (x, β) in its cell width (the ladder checks it)
CTLD_FV2D_ORDER = 2.0
Array = NDArray[Any]


@dataclass(frozen=True)
class CTLDSchedule:
    r"""The β side of the lift on arrays: λ, β_max and log r(β) with its derivative, compiled.

    p(x, β) = r(β) p^β(x) / Z_r on R^d × [0, β_max], p^β = p * N(0, βλI) (docs/design.md §1).
    :func:`gsmtheory.solve.ctld_schedule` compiles one from a symbolic
    :class:`gsmtheory.symbolic.CTLDParameters`; the array code here never sees SymPy.

    Attributes
    ----------
    lambda_min : float
        λ > 0, the variance scale of the tempering noise N(0, βλI).
    beta_max : float
        Upper reflecting end of β (> 0).
    log_r, dlog_r : callable
        β ↦ log r(β) (unnormalized) and d log r/dβ, on float arrays of any shape (same shape out).

    Raises
    ------
    SpecError
        If λ or β_max is not positive finite, log r or its derivative not callable, or log r not finite on [0, β_max].

    Examples
    --------
    A uniform r on [0, 2] with λ = 1: ``law`` is r/Z_r (:class:`IntervalLaw`), log Z_r = log 2:

    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> round(flat.law.log_normalizer(), 12), round(float(np.log(2)), 12)
    (0.69314718056, 0.69314718056)
    """

    lambda_min: float
    beta_max: float
    log_r: Callable[[Array], Array]
    dlog_r: Callable[[Array], Array]

    def __post_init__(self) -> None:
        for name in ("lambda_min", "beta_max"):
            v = getattr(self, name)
            if not (isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and float(v) > 0):
                raise SpecError(f"CTLD {name} = {v} must be a positive finite number", f"set {name} > 0")
        if not (callable(self.log_r) and callable(self.dlog_r)):
            raise SpecError("log r and its derivative must be callables on arrays",
                            "compile symbolic CTLD parameters with gsmtheory.solve.ctld_schedule")
        b = np.linspace(0.0, float(self.beta_max), 257)
        with np.errstate(all="ignore"):
            lr = np.broadcast_to(np.asarray(self.log_r(b), dtype=float), b.shape)
        if (bad := np.isnan(lr) | np.isposinf(lr)).any() or not np.isfinite(lr).any():
            at = f"at beta = {b[bad][0]:g}" if bad.any() else f"everywhere on [0, {self.beta_max:g}]"
            raise SpecError(f"log r(beta) is not finite {at}", "give a log r that is finite on [0, beta_max]")

    @property
    def law(self) -> IntervalLaw:
        """The β-marginal r/Z_r on [0, β_max]."""
        return IntervalLaw(self.log_r, self.beta_max)

    @staticmethod
    def require(params: Any) -> CTLDSchedule:
        """``params`` when it is a schedule, else a one-line SpecError (symbolic parameters need compiling)."""
        if not isinstance(params, CTLDSchedule):
            raise SpecError(f"the array-level CTLD code takes a CTLDSchedule, not {type(params).__name__}",
                            "compile symbolic CTLD parameters with gsmtheory.solve.ctld_schedule(params)")
        return params


def ctld_beta_range(mixture: MixtureLike, params: CTLDSchedule, tail: float) -> tuple[float, float]:
    """[β_lo, β_max]: β below β_lo carries joint density < e^{-tail} of the maximum anywhere (a grid's β range).

    The joint density at (x, β) is at most r(β)/Z_r · max_k N(0; 0, Σ + λβI), so β is kept
    where log r(β) − ½ log det(Σ + λβI) lies within ``tail`` of its maximum over [0, β_max].
    """

    b_max = float(params.beta_max)
    bs = np.linspace(0.0, b_max, 4001)
    eig = np.linalg.eigvalsh(np.asarray(mixture.covariance, dtype=float))
    with np.errstate(all="ignore"):
        bound = (np.asarray(CTLDSchedule.require(params).law.logpdf(bs), dtype=float)
                 - 0.5 * np.sum(np.log(eig[None, :] + float(params.lambda_min) * bs[:, None]), axis=1))
    ok = np.nonzero(bound >= float(np.max(bound[np.isfinite(bound)])) - tail)[0]
    return float(bs[max(int(ok[0]) - 1, 0)]), b_max


def ctld_joint_logpdf(target: MixtureLike | Callable[[Array], Array], params: CTLDSchedule,
                      x: Array, beta: Array) -> Array:
    r"""log p(x, β) = log r(β) − log Z_r + log p^β(x), normalized on R^d × [0, β_max].

    ``target`` is a Gaussian mixture (:class:`MixtureLike`, closed form; x of shape (..., d) or
    (...) for d = 1) or a 1D log-density callable (numerical convolution).

    Parameters
    ----------
    target : MixtureLike or callable
        The target p: a Gaussian mixture, or a 1D log density ℓ (optionally with ``support``,
        ``log_normalizer`` and ``nodes`` attributes for the convolution).
    params : CTLDSchedule
        λ, β_max and r.
    x, beta : array
        Points and noise levels, broadcast together (β ≥ 0).

    Returns
    -------
    ndarray
        log p(x, β).

    Raises
    ------
    NumericalError
        If some β < 0.
    SpecError
        If ``target`` is neither a mixture nor a callable, or ``params`` is not a :class:`CTLDSchedule`.

    Examples
    --------
    N(0, 1) lifted with a uniform r on [0, 2], λ = 1: p(0, 1) = ½ · N(0; 0, 2), the same from the
    closed form and from the numerical convolution of the callable:

    >>> import math
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> mix = MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]])
    >>> exact = math.log(0.5) - 0.5 * math.log(4 * math.pi)
    >>> round(float(ctld_joint_logpdf(mix, flat, np.array([0.0]), np.array([1.0]))[0]) - exact, 12)
    0.0
    >>> round(float(ctld_joint_logpdf(lambda y: -y**2 / 2, flat, np.array([0.0]), np.array([1.0]))[0]) - exact, 9)
    0.0
    """
    log_r = CTLDSchedule.require(params).log_r
    b = np.asarray(beta, dtype=float)
    if np.any(b < 0):
        raise NumericalError("beta must be >= 0", "evaluate on [0, beta_max]")
    lz = params.law.log_normalizer()
    if isinstance(target, MixtureLike):
        xa = np.asarray(x, dtype=float)
        if target.dim == 1:
            xa, b = np.broadcast_arrays(xa, b)
            xa = xa[..., None]
        return np.asarray(log_r(b) - lz + mixture_logpdf(target, xa, b * params.lambda_min))
    if callable(target):
        xa, bb = np.broadcast_arrays(np.asarray(x, dtype=float), b)
        return log_r(bb) - lz + convolve_logpdf_1d(target, xa, bb * params.lambda_min,
                                                   support=getattr(target, "support", None),
                                                   log_normalizer=getattr(target, "log_normalizer", None),
                                                   nodes=getattr(target, "nodes", 4096))
    raise SpecError("target must be a Gaussian mixture (means, weights, covariance) or a 1D "
                    "log-density callable", "pass one of them")


def as_1d_mixture(target: MixtureLike) -> MixtureLike:
    if not isinstance(target, MixtureLike):
        raise SpecError("this CTLD computation needs a Gaussian-mixture target",
                        "pass a Gaussian mixture (means, weights, covariance)")
    return target


def sample_ctld_joint(target: MixtureLike, params: CTLDSchedule, n: int,
                      seed: int | np.random.Generator = 0) -> tuple[Array, Array]:
    r"""Exact samples of (x, β) ∼ r(β)p^β(x)/Z_r: β by inverse CDF on a fine grid (``params.law``),
    x | β from p^β (a draw of p, :func:`gsmtheory.numeric.sample_mixture`, plus N(0, βλI) noise).

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

    Raises
    ------
    SpecError
        If ``params`` is not a :class:`CTLDSchedule`.

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
    beta = CTLDSchedule.require(params).law.sample(n, rng)
    x = sample_mixture(target, n, rng)
    return smoothed(x, beta * params.lambda_min, rng.standard_normal(x.shape)), beta


def ctld_drift(target: MixtureLike, params: CTLDSchedule) -> Drift:
    r"""(x, β) ↦ (∇_x ℓ, ∂_β ℓ) of the lift, ℓ = log r(β) + log p^β(x), for :func:`reflected_langevin`.

    ∇_x ℓ = ∇ log p^β(x) and ∂_β ℓ = (log r)'(β) + λ ∂_s log p^s(x)|_{s=βλ}, in closed form for a
    Gaussian mixture: the reflected chain dX = ∇_x ℓ dt + √2 dB, dβ = ∂_β ℓ dt + √2 dW, β mirrored
    into [0, β_max], leaves r(β)p^β(x) invariant (Euler–Maruyama bias O(dt), not estimated).

    Parameters
    ----------
    target : MixtureLike
        A Gaussian mixture (any d).
    params : CTLDSchedule
        λ, β_max and r.

    Returns
    -------
    callable
        (x of shape (chains, d), β of shape (chains,)) ↦ (∇_x ℓ, ∂_β ℓ).

    Raises
    ------
    SpecError
        If ``target`` is not a Gaussian mixture or ``params`` not a :class:`CTLDSchedule`.

    Examples
    --------
    Started at the lifted law of N(0, 1) under a uniform r on [0, 2] (λ = 1), chains stay there:
    E[x²] = E[1 + β] = 2 (2000 chains, Monte Carlo error about 0.06):

    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> mix = MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]])
    >>> x, beta = sample_ctld_joint(mix, flat, 2000, seed=0)
    >>> run = reflected_langevin(ctld_drift(mix, flat), x, beta, 2.0, time_span=1.0, dt=0.01,
    ...                          rng=np.random.default_rng(0))
    >>> abs(float(np.mean(run.x**2)) - 2) < 0.2, abs(float(np.mean(run.t)) - 1) < 0.1
    (True, True)
    """
    mix, sched = as_1d_mixture(target), CTLDSchedule.require(params)
    lam = sched.lambda_min

    def drift(x: Array, b: Array) -> tuple[Array, Array]:
        return mixture_score(mix, x, b * lam), sched.dlog_r(b) + lam * mixture_dlogpdf_ds(mix, x, b * lam)

    return drift


@dataclass(frozen=True)
class _Box:
    x: tuple[float, float]
    beta: tuple[float, float]
    min_std: float


def _lifted_box(mixture: MixtureLike, params: CTLDSchedule, drop: float) -> _Box:
    lam, law = params.lambda_min, params.law  # params: a schedule (ctld_poincare required it)

    def blp(b: Array) -> Array:
        return law.logpdf(np.clip(b, 0.0, params.beta_max))

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
        If the mixture is not 1D or ``params`` not a :class:`CTLDSchedule`.
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
    mix, params = as_1d_mixture(target), CTLDSchedule.require(params)
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
