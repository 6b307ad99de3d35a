r"""A density convolved with a Gaussian: draws x + √s·z of p * N(0, sI), and log (p * N(0, s))(x) of a 1D p ∝ e^ℓ.

:func:`smoothed` is the one place a draw of x smoothed at variance s is written (NumPy or torch:
the CTLD lift's noised points at s = βλ, the lifted estimator's draws, the networks' losses).
:func:`convolve_logpdf_1d` gives the tempered densities p^β = p * N(0, βλ) of a 1D target given as a
callable (docs/design.md §1); a Gaussian mixture has the closed form of
:mod:`gsmtheory.numeric._mixture_pdf` instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError
from gsmtheory.numeric._expect import expect_1d
from gsmtheory.numeric._quadrature import gauss_legendre_panels

__all__ = ["convolve_logpdf_1d", "smoothed"]

Array = NDArray[Any]


def smoothed(x: Any, s: Any, z: Any) -> Any:
    r"""x + √s·z: for x ∼ p and z ∼ N(0, I) a draw of p * N(0, sI).

    Parameters
    ----------
    x : ndarray or torch.Tensor
        Points; ``s`` has their batch shape (x's leading axes): when x has more axes than a
        non-scalar ``s``, √s gains trailing axes (a point's coordinates, or an image's).
    s : float, ndarray or torch.Tensor
        The variance, ≥ 0 (a scalar, or one per point).
    z : ndarray or torch.Tensor
        Standard normal noise, broadcast against x.

    Returns
    -------
    ndarray or torch.Tensor
        The smoothed points, an array of x's kind (NumPy or torch; the dtype by promotion).

    Raises
    ------
    NumericalError
        A variance that is negative or NaN.

    Examples
    --------
    >>> import numpy as np
    >>> smoothed(np.zeros((2, 3)), np.array([1.0, 4.0]), np.ones((2, 3))).tolist()
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    if not bool((s >= 0).all() if hasattr(s, "all") else s >= 0):
        raise NumericalError("a smoothing variance s is negative or NaN", "give s >= 0 (beta * lambda for a lift)")
    scale: Any = math.sqrt(s) if isinstance(s, int | float) else s.sqrt() if hasattr(s, "sqrt") else np.sqrt(s)
    extra = np.ndim(x) - np.ndim(s)
    if extra > 0 and np.ndim(s) > 0:
        scale = scale.reshape(tuple(scale.shape) + (1,) * extra)
    return x + scale * z


def convolve_logpdf_1d(logp: Callable[[Array], Array], x: Array, s: Array | float, *,
                       support: tuple[float, float] | None = None, nodes: int = 4096,
                       log_normalizer: float | None = None) -> Array:
    r"""log (p * N(0, s))(x) for a 1D density p ∝ e^ℓ given as a callable, normalized.

    p^s(x) = ∫ p(y) N(x − y; 0, s) dy. For √s at least four node spacings the integral over y
    is a composite Gauss–Legendre sum (a stable log-sum-exp); below that the Gaussian is
    narrower than the grid and Gauss–Hermite in z (x − √s z) is used instead. s = 0 gives p.
    No error estimate is returned: the quadrature is exact to rounding for smooth p at the
    default ``nodes``, and the support is where p is above e^{-40} of its maximum.

    Parameters
    ----------
    logp : callable
        ℓ(y), vectorized.
    x, s : arrays
        Broadcast together; s ≥ 0.
    support : (lo, hi), optional
        Where p lives (default: :func:`support_interval` from (−∞, ∞)).
    nodes : int
        Gauss–Legendre nodes over the support.
    log_normalizer : float, optional
        log ∫e^ℓ when known (with ``support``, skips the normalizing quadrature).

    Returns
    -------
    ndarray
        log p^s(x), the broadcast shape of ``x`` and ``s``.

    Raises
    ------
    NumericalError
        If some s is negative or not finite.

    Examples
    --------
    N(0, 1) * N(0, 1) = N(0, 2): log p^1(0) = −½ log 4π and log p^1(1) = −¼ − ½ log 4π:

    >>> import math
    >>> import numpy as np
    >>> v = convolve_logpdf_1d(lambda y: -y**2 / 2, np.array([0.0, 1.0]), 1.0)
    >>> [round(float(a) + 0.5 * math.log(4 * math.pi), 10) for a in v]
    [0.0, -0.25]
    """
    xa, sa = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(s, dtype=float))
    if np.any(sa < 0) or not np.all(np.isfinite(sa)):
        raise NumericalError("convolution variance must be finite and >= 0", "use beta >= 0")
    if support is None or log_normalizer is None:
        ex = expect_1d(logp, lambda y: np.zeros_like(y), -math.inf, math.inf, panels=64)
        log_z, (a, b) = ex.log_normalizer, (support if support is not None else ex.support[0])
    else:
        log_z, (a, b) = log_normalizer, support
    y, w = gauss_legendre_panels(a, b, max(nodes // 16, 1), 16)
    with np.errstate(all="ignore"):
        ly = np.asarray(logp(y), dtype=float) + np.log(w) - log_z
    spacing = (b - a) / len(y)
    out = np.empty(xa.shape)
    flat_x, flat_s, flat_o = xa.reshape(-1), sa.reshape(-1), out.reshape(-1)
    wide = np.sqrt(flat_s) >= 4 * spacing
    if np.any(wide):
        where = np.nonzero(wide)[0]
        rows = max(1, 4_000_000 // len(y))  # bound the (rows, nodes) work array to ~32 MB
        for k in range(0, len(where), rows):
            sel = where[k:k + rows]
            xs, ss = flat_x[sel][:, None], flat_s[sel][:, None]
            terms = ly[None, :] - (xs - y[None, :]) ** 2 / (2 * ss) - 0.5 * np.log(2 * np.pi * ss)
            top = np.max(terms, axis=1, keepdims=True)
            flat_o[sel] = (top + np.log(np.sum(np.exp(terms - top), axis=1, keepdims=True)))[:, 0]
    narrow = ~wide
    if np.any(narrow):
        z, wz = np.polynomial.hermite_e.hermegauss(80)
        wz = wz / wz.sum()
        xs, ss = flat_x[narrow][:, None], flat_s[narrow][:, None]
        with np.errstate(all="ignore"):
            terms = np.asarray(logp(xs - np.sqrt(ss) * z[None, :]), dtype=float) + np.log(wz)[None, :]
            terms = np.where(np.isnan(terms), -np.inf, terms)
            top = np.max(terms, axis=1, keepdims=True)
            safe = np.where(np.isfinite(top), top, 0.0)
            flat_o[narrow] = np.where(np.isfinite(top[:, 0]), (safe + np.log(np.sum(np.exp(terms - safe), axis=1,
                                                                                      keepdims=True)))[:, 0],
                                      -np.inf) - log_z
    return out
