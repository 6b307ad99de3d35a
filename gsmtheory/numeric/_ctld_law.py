r"""CTLD on arrays: the noise-level law r(β), the joint density, the χ² between lifted components.

Joint density on R × [0, β_max] (docs/design.md §1, Qin & Risteski 2023 §CTLD):

    p(x, β) = r(β) p^β(x) / Z_r,   p^β = p * N(0, βλ),   Z_r = ∫_0^{β_max} r.

- :class:`CTLDSchedule`, :func:`log_r_functions`, :func:`log_normalizer_r`,
  :func:`ctld_beta_logpdf`: the β side, r(β) and its normalizer Z_r;
- :func:`ctld_joint_logpdf`: log p(x, β) for a Gaussian mixture (closed form) or any 1D target
  given as a log-density callable (:func:`gsmtheory.numeric._convolve.convolve_logpdf_1d`,
  numerical convolution);
- :func:`lifted_chi_square`: 1 + χ²(p_i ‖ p_j) = E_r[exp(Δμᵀ(Σ+βλI)⁻¹Δμ)] between the lifted
  components p_k(x, β) = r(β) N(x; μ_k, Σ + βλI) / Z_r (claim 13).

The lifted spectral gap is in :mod:`gsmtheory.numeric._ctld_gap` (1D and 2D targets) and
:mod:`gsmtheory.numeric._ctld_nd` (R^d by angular sectors); exact draws and the reflected SDE in
:mod:`gsmtheory.numeric._ctld_sample`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._convolve import convolve_logpdf_1d
from gsmtheory.numeric._mixture import MixtureLike
from gsmtheory.numeric._mixture_pdf import mixture_logpdf
from gsmtheory.numeric._quadrature import gauss_legendre_panels

__all__ = [
    "CTLDSchedule",
    "as_1d_mixture",
    "ctld_beta_logpdf",
    "ctld_joint_logpdf",
    "lifted_chi_square",
    "log_normalizer_r",
    "log_r_functions",
]

Array = NDArray[Any]


# ---------------------------------------------------------------------------- r(β)
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


# ---------------------------------------------------------------------------- convolution


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


# ---------------------------------------------------------------------------- χ²
def lifted_chi_square(mixture: MixtureLike, params: CTLDSchedule, i: int, j: int, *,
                      panels: int = 64) -> float:
    r"""χ²(p_i ‖ p_j) between lifted components p_k(x, β) = r(β) N(x; μ_k, Σ+βλI)/Z_r.

    Both share the β-marginal r/Z_r, and for Gaussians with one covariance C,
    1 + χ²(N(μ_i, C) ‖ N(μ_j, C)) = exp(Δμᵀ C⁻¹ Δμ), so
    1 + χ² = E_{β∼r}[exp(Δμᵀ(Σ+βλI)⁻¹Δμ)] (a β-quadrature, log-sum-exp stable).

    Parameters
    ----------
    mixture : MixtureLike
        The target mixture.
    params : CTLDSchedule
        λ, β_max and r.
    i, j : int
        The two components.
    panels : int, optional
        Gauss–Legendre panels (16 nodes each) in β.

    Returns
    -------
    float
        χ²(p_i ‖ p_j).

    Examples
    --------
    As β_max → 0 the lift disappears and χ² is the Gaussian one, e^{|Δμ|²/σ²} − 1 = e⁴ − 1 for
    means ±1; tempering up to β_max = 2 shrinks it:

    >>> import math
    >>> import numpy as np
    >>> mix = MixtureArrays(means=[[-1.0], [1.0]], weights=[0.5, 0.5], covariance=[[1.0]])
    >>> tiny = CTLDSchedule(lambda_min=1e-12, beta_max=1e-12, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> round(lifted_chi_square(mix, tiny, 0, 1) - math.expm1(4), 9)
    0.0
    >>> flat = CTLDSchedule(lambda_min=1.0, beta_max=2.0, log_r=np.zeros_like, dlog_r=np.zeros_like)
    >>> lifted_chi_square(mix, flat, 0, 1) < math.expm1(4)
    True
    """
    log_r, _ = log_r_functions(params)
    dm = np.asarray(mixture.means[i]) - np.asarray(mixture.means[j])
    e, u = np.linalg.eigh(np.asarray(mixture.covariance))
    z2 = (u.T @ dm) ** 2
    t, w = gauss_legendre_panels(0.0, params.beta_max, panels, 16)
    quad = np.sum(z2[None, :] / (e[None, :] + params.lambda_min * t[:, None]), axis=1)
    lr = log_r(t)
    num = lr + quad + np.log(w)
    den = lr + np.log(w)
    tn, td = float(np.max(num)), float(np.max(den))
    log_ratio = tn + math.log(float(np.sum(np.exp(num - tn)))) - td - math.log(float(np.sum(np.exp(den - td))))
    return math.expm1(log_ratio)


# ---------------------------------------------------------------------------- SDE
