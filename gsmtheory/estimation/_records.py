r"""Covariance records and the small linear-algebra helpers every estimator shares.

A :class:`CovarianceEstimate` is an asymptotic covariance Γ (√n(θ̂ − θ*) → N(0, Γ)) with an
entry-wise absolute error estimate, the method and resolution that produced it and a status.
:func:`solve_bread` inverts the sandwich's bread H and, when H is singular, raises a
:class:`~gsmtheory.ModelError` that names the flat direction in terms of the parameters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError
from gsmtheory._json import plain

__all__ = ["CovarianceEstimate", "describe_direction", "plain", "solve_bread"]

Array = NDArray[np.float64]
_STATUSES = ("ok", "not_converged", "failed", "infinite_variance")


def _matrix(value: Any, what: str) -> tuple[tuple[float, ...], ...]:
    a = np.atleast_2d(np.asarray(value, dtype=np.float64))
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise NumericalError(f"{what} must be a square matrix, got shape {a.shape}", "pass P×P")
    return tuple(tuple(float(v) for v in row) for row in a)


def describe_direction(direction: Any, params: Sequence[str]) -> str:
    """A unit vector v of θ-space as a readable combination Σ_i v_i·θ_i, e.g. ``0.707·a − 0.707·b``.

    Parameters
    ----------
    direction : array_like
        The vector (P,).
    params : sequence of str
        The parameter names, in the order of ``direction``.

    Returns
    -------
    str
        The combination, entries below 1e-3 of the largest left out.

    Examples
    --------
    >>> import numpy as np
    >>> describe_direction(np.array([1.0, -1.0]) / np.sqrt(2), ["a", "b"])
    '0.707·a - 0.707·b'
    """
    v = np.asarray(direction, dtype=float)
    v = v / (np.linalg.norm(v) or 1.0)
    k = int(np.argmax(np.abs(v)))
    if v[k] < 0:
        v = -v
    terms = []
    for c, name in zip(v, params, strict=True):
        if abs(c) < 5e-4:
            continue
        sign = "-" if c < 0 else "+"
        terms.append(f"{sign} {abs(c):.3g}·{name}")
    text = " ".join(terms).lstrip("+ ").strip()
    return text.replace("- ", "−", 1) if text.startswith("- ") else text


def solve_bread(H: Array, params: Sequence[str], *, what: str = "H", rcond: float = 1e-12) -> Array:
    """H⁻¹ for a symmetric bread matrix H; a singular H raises :class:`ModelError` naming its null direction.

    H is singular (relative to its largest eigenvalue, ``rcond``) exactly when some direction of
    θ leaves the loss flat to second order: the model is not identifiable by this loss there.

    Parameters
    ----------
    H : ndarray
        The symmetric P × P bread (e.g. E_p[∇²_θ φ]).
    params : sequence of str
        Parameter names, for the message.
    what : str
        The matrix's name in the message.
    rcond : float
        Eigenvalues below ``rcond`` × the largest count as zero.

    Returns
    -------
    ndarray
        H⁻¹.

    Raises
    ------
    ModelError
        H singular: the message names the flat direction (:func:`describe_direction`).

    Examples
    --------
    >>> import numpy as np
    >>> solve_bread(np.diag([2.0, 4.0]), ["a", "b"]).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    >>> solve_bread(np.ones((2, 2)), ["a", "b"])
    Traceback (most recent call last):
    ...
    gsmtheory._errors.ModelError: H is singular (eigenvalue 0 against 2) along 0.707·a - 0.707·b: ...
    """
    H = np.asarray(H, dtype=float)
    Hs = (H + H.T) / 2
    if not np.all(np.isfinite(Hs)):
        raise NumericalError(f"{what} contains NaN or inf", "check the model and the data")
    w, V = np.linalg.eigh(Hs)
    scale = max(float(np.max(np.abs(w))), np.finfo(float).tiny)
    if abs(w[0]) <= rcond * scale or w[0] <= 0:
        k = int(np.argmin(np.abs(w))) if w[0] > 0 else 0
        direction = describe_direction(V[:, k], params)
        raise ModelError(
            f"{what} is singular (eigenvalue {w[k]:.3g} against {scale:.3g}) along {direction}: "
            f"the model is not identifiable in that direction",
            "drop or reparametrize one of the parameters in that combination")
    return np.asarray(np.linalg.inv(Hs), dtype=float)


@dataclass(frozen=True)
class CovarianceEstimate:
    """An asymptotic covariance Γ (√n(θ̂ − θ*) ⇒ N(0, Γ)) with its error and provenance (docs/design.md §6).

    Attributes
    ----------
    params : tuple of str
        Parameter names (row/column order).
    matrix : tuple of tuples
        Γ, symmetric P × P.
    error : tuple of tuples
        Entry-wise absolute error estimate (quadrature: difference between the last two
        resolutions; Monte Carlo: half-width of the 95% interval).
    method : str
        How Γ was computed (``"sandwich, quadrature"``, ``"inverse fisher, monte carlo"`` ...).
    resolution : dict
        Panels / samples used.
    status : str
        ``"ok"``, ``"not_converged"`` (the error estimate exceeds the requested tolerance) or
        ``"infinite_variance"`` (a moment the covariance needs is infinite, e.g. E_p|ψ|² = ∞
        under a heavy tail or at a singular end: Γ = inf, ``message`` names the moment).
    message : str
        One line for a human.

    Raises
    ------
    NumericalError
        ``params`` that do not match the size of ``matrix``, or an unknown status.

    Examples
    --------
    >>> c = CovarianceEstimate(("mu",), ((1.0,),), ((0.0,),), "closed form")
    >>> c.matrix, c.status
    (((1.0,),), 'ok')
    """

    params: tuple[str, ...]
    matrix: tuple[tuple[float, ...], ...]
    error: tuple[tuple[float, ...], ...]
    method: str
    resolution: Mapping[str, Any] = field(default_factory=dict)
    status: str = "ok"
    message: str = ""

    def __post_init__(self) -> None:
        m = _matrix(self.matrix, "covariance")
        e = _matrix(self.error, "covariance error")
        if len(m) != len(self.params) or len(e) != len(m):
            raise NumericalError(f"{len(self.params)} params for a {len(m)}×{len(m)} covariance",
                                 "give one name per row")
        if self.status not in _STATUSES:
            raise NumericalError(f"status {self.status!r} is not one of {_STATUSES}", "use one of them")
        object.__setattr__(self, "params", tuple(str(p) for p in self.params))
        object.__setattr__(self, "matrix", m)
        object.__setattr__(self, "error", e)

    @property
    def array(self) -> Array:
        """Γ as a numpy array."""
        return np.array(self.matrix, dtype=float)

    @property
    def error_array(self) -> Array:
        """The error estimate as a numpy array."""
        return np.array(self.error, dtype=float)

    @property
    def norm(self) -> float:
        """‖Γ‖ (operator norm = largest eigenvalue); inf for an infinite covariance."""
        a = self.array
        if not np.all(np.isfinite(a)):
            return math.inf
        return float(np.max(np.linalg.eigvalsh(a)))

    @property
    def relative_error(self) -> float:
        """max |error| / ‖Γ‖."""
        n = self.norm
        return float(np.max(self.error_array) / n) if 0 < n < math.inf else math.inf

    def along(self, v: Sequence[float]) -> float:
        """vᵀΓv for a direction v (normalized to unit length)."""
        u = np.asarray(v, dtype=float).reshape(-1)
        u = u / np.linalg.norm(u)
        return float(u @ self.array @ u)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"params": list(self.params), "matrix": [list(r) for r in self.matrix],
                "error": [list(r) for r in self.error], "norm": self.norm,
                "method": self.method, "resolution": plain(dict(self.resolution)),
                "status": self.status, "message": self.message}
