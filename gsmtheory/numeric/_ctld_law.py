r"""CTLD on arrays: the noise-level law r(β), its β-marginal and the joint density.

Joint density on R × [0, β_max] (docs/design.md §1, Qin & Risteski 2023 §CTLD):

    p(x, β) = r(β) p^β(x) / Z_r,   p^β = p * N(0, βλ),   Z_r = ∫_0^{β_max} r.

- :class:`CTLDSchedule`, :func:`log_r_functions`, :func:`log_normalizer_r`,
  :func:`ctld_beta_logpdf`: the β side, r(β) and its normalizer Z_r;
- :func:`ctld_beta_table`, :func:`sample_beta`, :func:`beta_cdf`: the β-marginal r/Z_r by its
  tabulated inverse CDF (:mod:`gsmtheory.numeric._beta_sampler`);
- :func:`ctld_joint_logpdf`: log p(x, β) for a Gaussian mixture (closed form) or any 1D target
  given as a log-density callable (:func:`gsmtheory.numeric._convolve.convolve_logpdf_1d`);
- :func:`conditional_cdf`: F(x | β) of a 1D mixture (probability integral transform tests).

C_P, exact draws and the reflected SDE of the lift are in :mod:`gsmtheory.numeric._ctld_gap`, R^d
and the χ² between lifted components in :mod:`gsmtheory.numeric._ctld_nd`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric._beta_sampler import BETA_NODES, beta_table, inverse_cdf
from gsmtheory.numeric._convolve import convolve_logpdf_1d
from gsmtheory.numeric._mixture import MixtureLike
from gsmtheory.numeric._mixture_pdf import mixture_cdf, mixture_logpdf
from gsmtheory.numeric._quadrature import gauss_legendre_panels

__all__ = ["CTLDSchedule", "as_1d_mixture", "beta_cdf", "conditional_cdf", "ctld_beta_logpdf", "ctld_beta_range",
           "ctld_beta_table", "ctld_joint_logpdf", "log_normalizer_r", "log_r_functions", "sample_beta"]

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
        If λ or β_max is not a positive finite number, or log r / its derivative are not callables.

    Examples
    --------
    A uniform r on [0, 2] with λ = 1 (log Z_r = log 2):

    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> round(log_normalizer_r(flat), 12), round(float(np.log(2)), 12)
    (0.69314718056, 0.69314718056)
    """

    lambda_min: float
    beta_max: float
    log_r: Callable[[Array], Array]
    dlog_r: Callable[[Array], Array]

    def __post_init__(self) -> None:
        for name in ("lambda_min", "beta_max"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise SpecError(f"CTLD {name} = {v} must be a positive finite number", f"set {name} > 0")
        if not (callable(self.log_r) and callable(self.dlog_r)):
            raise SpecError("log r and its derivative must be callables on arrays",
                            "compile symbolic CTLD parameters with gsmtheory.solve.ctld_schedule")


def log_r_functions(params: CTLDSchedule) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    r"""(log r, d log r/dβ) of a compiled schedule, broadcasting over arrays.

    Parameters
    ----------
    params : CTLDSchedule
        The compiled schedule.

    Returns
    -------
    log_r, dlog_r : callable
        β ↦ log r(β) (unnormalized) and its derivative.

    Raises
    ------
    SpecError
        If ``params`` is not a :class:`CTLDSchedule` (e.g. symbolic CTLD parameters).

    Examples
    --------
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> log_r, dlog_r = log_r_functions(flat)
    >>> log_r(np.array([0.5, 1.5]))
    array([0., 0.])
    """
    if not isinstance(params, CTLDSchedule):
        raise SpecError(f"the array-level CTLD code takes a CTLDSchedule, not {type(params).__name__}",
                        "compile symbolic CTLD parameters with gsmtheory.solve.ctld_schedule(params)")
    return params.log_r, params.dlog_r


def log_normalizer_r(params: CTLDSchedule, panels: int = 64) -> float:
    r"""log Z_r = log ∫_0^{β_max} r(β) dβ, by composite 16-point Gauss–Legendre (log-sum-exp stable).

    Parameters
    ----------
    params : CTLDSchedule
        The compiled schedule.
    panels : int, optional
        Gauss–Legendre panels on [0, β_max].

    Returns
    -------
    float
        log Z_r.

    Examples
    --------
    r(β) = e^{−β} on [0, 2]: Z_r = 1 − e^{−2}.

    >>> import math
    >>> import numpy as np
    >>> s = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.negative, dlog_r=lambda b: -np.ones_like(b))
    >>> abs(log_normalizer_r(s) - math.log(1 - math.exp(-2))) < 1e-12
    True
    """
    log_r, _ = log_r_functions(params)
    t, w = gauss_legendre_panels(0.0, params.beta_max, panels, 16)
    v = log_r(t)
    top = float(np.max(v))
    return top + math.log(float(np.sum(w * np.exp(v - top))))


def ctld_beta_logpdf(params: CTLDSchedule, beta: Array) -> Array:
    r"""log of the β-marginal r(β)/Z_r on [0, β_max] (−inf outside).

    Parameters
    ----------
    params : CTLDSchedule
        The compiled schedule.
    beta : array
        Noise levels.

    Returns
    -------
    ndarray
        log r(β) − log Z_r, −inf outside [0, β_max].

    Examples
    --------
    The uniform law on [0, 2] has density ½:

    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> np.exp(ctld_beta_logpdf(flat, np.array([0.5, 3.0])))
    array([0.5, 0. ])
    """
    log_r, _ = log_r_functions(params)
    b = np.asarray(beta, dtype=float)
    out = log_r(b) - log_normalizer_r(params)
    return np.where((b >= 0) & (b <= params.beta_max), out, -np.inf)


def ctld_beta_range(mixture: MixtureLike, params: CTLDSchedule, tail: float) -> tuple[float, float]:
    """[β_lo, β_max]: β below β_lo carries joint density < e^{-tail} of the maximum anywhere (a grid's β range).

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


def ctld_beta_table(params: CTLDSchedule, nodes: int = BETA_NODES) -> tuple[Array, Array]:
    r"""(nodes, CDF) of the β-marginal r/Z_r on [0, β_max], for :func:`inverse_cdf` (NumPy or torch draws).

    Parameters
    ----------
    params : CTLDSchedule
        λ, β_max and r.
    nodes : int, optional
        Equispaced nodes.

    Returns
    -------
    grid, cdf : ndarray
        The table (:func:`beta_table`).

    Examples
    --------
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> ctld_beta_table(flat, 5)
    (array([0. , 0.5, 1. , 1.5, 2. ]), array([0.  , 0.25, 0.5 , 0.75, 1.  ]))
    """
    return beta_table(lambda b: ctld_beta_logpdf(params, b), params.beta_max, nodes)


def sample_beta(params: CTLDSchedule, n: int, seed: int | np.random.Generator = 0) -> Array:
    r"""n draws of β ∼ r/Z_r on [0, β_max] by inverse CDF (piecewise linear on 20001 nodes, :func:`inverse_cdf`).

    Parameters
    ----------
    params : CTLDSchedule
        λ, β_max and r.
    n : int
        Number of draws.
    seed : int or numpy.random.Generator, optional
        The random state.

    Returns
    -------
    ndarray
        Shape (n,).

    Examples
    --------
    The uniform law on [0, 2] has mean 1 (standard error 0.002 at n = 10⁵):

    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> abs(float(sample_beta(flat, 100_000).mean()) - 1) < 0.01
    True
    """
    rng = np.random.default_rng(seed)
    return inverse_cdf(ctld_beta_table(params), rng.random(n))


def beta_cdf(params: CTLDSchedule, beta: Array) -> Array:
    r"""CDF of the β-marginal r/Z_r (cumulative trapezoid on a fine grid, then interpolation).

    Parameters
    ----------
    params : CTLDSchedule
        λ, β_max and r.
    beta : array
        Where to evaluate.

    Returns
    -------
    ndarray
        F(β).

    Examples
    --------
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> beta_cdf(flat, np.array([0.5, 1.0]))
    array([0.25, 0.5 ])
    """
    grid, c = ctld_beta_table(params, 200001)
    return np.interp(np.asarray(beta, dtype=float), grid, c)


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
        If ``target`` is neither a mixture nor a callable.

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
    log_r, _ = log_r_functions(params)
    b = np.asarray(beta, dtype=float)
    if np.any(b < 0):
        raise NumericalError("beta must be >= 0", "evaluate on [0, beta_max]")
    lz = log_normalizer_r(params)
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


def conditional_cdf(target: MixtureLike, params: CTLDSchedule, x: Array, beta: Array) -> Array:
    r"""F(x | β) = Σ_k w_k Φ((x − μ_k)/√(σ² + βλ)) for a 1D mixture: :func:`mixture_cdf` at s = βλ.

    Parameters
    ----------
    target : MixtureLike
        A 1D Gaussian mixture.
    params : CTLDSchedule
        λ (β_max and r are not used).
    x, beta : array
        Points and noise levels, broadcast together.

    Returns
    -------
    ndarray
        F(x | β).

    Raises
    ------
    ModelError
        If the mixture is not 1D.

    Examples
    --------
    N(0, 1) at β = 1, λ = 1 is N(0, 2): F(√2 | 1) = Φ(1) = 0.841345:

    >>> import math
    >>> import numpy as np
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> mix = MixtureArrays(means=[[0.0]], weights=[1.0], covariance=[[1.0]])
    >>> conditional_cdf(mix, flat, np.array([0.0, math.sqrt(2)]), np.array([1.0, 1.0])).round(6)
    array([0.5     , 0.841345])
    """
    mix = as_1d_mixture(target)
    if mix.dim != 1:
        raise ModelError("conditional CDF is for 1D targets", "use a 1D mixture")
    return mixture_cdf(mix, x, np.asarray(beta) * params.lambda_min)

