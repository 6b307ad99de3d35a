r"""Langevin chains on R^d × [0, t_max] with the last coordinate mirrored at both ends (Euler–Maruyama).

The identity diffusion of a density e^{ℓ(x, t)} on R^d × [0, t_max], reflected at t = 0 and
t = t_max (docs/design.md §1):

    dX = ∇_x ℓ dt + √2 dB,      dT = ∂_t ℓ dt + √2 dW,      T mirrored into [0, t_max],

one Euler–Maruyama step of size dt at a time (bias O(dt), not estimated here). The drift is a
callable on arrays, so any such density runs (CTLD's lift is one, t = β, with
:func:`gsmtheory.numeric.ctld_drift`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError

__all__ = ["ReflectedRun", "reflected_langevin"]

Array = NDArray[Any]
Drift = Callable[[Array, Array], tuple[Array, Array]]


@dataclass(frozen=True)
class ReflectedRun:
    r"""Final states of independent reflected Langevin chains (:func:`reflected_langevin`).

    Attributes
    ----------
    x : ndarray
        Final positions, (chains, d).
    t : ndarray
        Final values of the reflected coordinate, in [0, t_max].
    dt : float
        The step.
    steps, reflections : int
        Steps taken; mirror reflections of t at either end over the run.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> run = reflected_langevin(lambda x, t: (-x, np.zeros_like(t)), np.zeros((3, 1)), np.ones(3), 2.0,
    ...                          time_span=0.1, dt=0.01, rng=rng)
    >>> run.x.shape, run.steps, bool(np.all((run.t >= 0) & (run.t <= 2)))
    ((3, 1), 10, True)
    """

    x: Array
    t: Array
    dt: float
    steps: int
    reflections: int


def reflected_langevin(drift: Drift, x: Array, t: Array, t_max: float, *, time_span: float, dt: float,
                       rng: int | np.random.Generator) -> ReflectedRun:
    r"""Run dX = ∇_x ℓ dt + √2 dB, dT = ∂_t ℓ dt + √2 dW with T mirrored into [0, t_max].

    Each step draws the noise of x, then that of t, from ``rng``; a t past an end is mirrored
    back (−t below 0, 2t_max − t above t_max) and clipped into [0, t_max].

    Parameters
    ----------
    drift : callable
        (x, t) ↦ (∇_x ℓ, ∂_t ℓ) on arrays of shapes (chains, d) and (chains,).
    x, t : ndarray
        Starting states, (chains, d) and (chains,), t in [0, t_max].
    t_max : float
        The upper end of t.
    time_span, dt : float
        Simulated time and step (ceil(time_span/dt) steps).
    rng : int or numpy.random.Generator
        The random state (a seed, or a generator used as is).

    Returns
    -------
    ReflectedRun
        The final states, the steps taken and the mirror reflections of t.

    Raises
    ------
    NumericalError
        If ``dt``, ``time_span``, ``t_max`` or the number of chains is not positive and finite, the
        shapes are not (chains, d) and (chains,), or a starting t lies outside [0, t_max].

    Examples
    --------
    Started at its law, N(0, 1) ⊗ Uniform[0, 2] (ℓ = −x²/2) stays there: E[x²] = 1, E[t] = 1:

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x, t = rng.standard_normal((4000, 1)), rng.uniform(0, 2, 4000)
    >>> run = reflected_langevin(lambda x, t: (-x, np.zeros_like(t)), x, t, 2.0, time_span=1.0, dt=0.01, rng=rng)
    >>> run.steps, abs(float(np.mean(run.x**2)) - 1) < 0.1, abs(float(np.mean(run.t)) - 1) < 0.1
    (100, True, True)
    """
    x, t = np.asarray(x, dtype=float), np.asarray(t, dtype=float)
    if not all(math.isfinite(v) and v > 0 for v in (dt, time_span, t_max)) or t.size < 1:
        raise NumericalError("dt, time_span, t_max and chains must be positive and finite", "give positive values")
    if x.ndim != 2 or t.shape != (x.shape[0],):
        raise NumericalError(f"x has shape {x.shape} and t {t.shape}; expected (chains, d) and (chains,)",
                             "pass x as a 2D array, one row per chain (x[:, None] for d = 1)")
    if np.any((t < 0) | (t > t_max)):
        raise NumericalError(f"a starting t lies outside [0, {t_max:g}]", "start every chain inside the interval")
    rng = np.random.default_rng(rng)
    steps = math.ceil(time_span / dt)
    sq = math.sqrt(2 * dt)
    reflections = 0
    for _ in range(steps):
        gx, gt = drift(x, t)
        x = x + gx * dt + sq * rng.standard_normal(x.shape)
        t = t + gt * dt + sq * rng.standard_normal(t.shape)
        low, high = t < 0, t > t_max
        reflections += int(low.sum() + high.sum())
        t = np.where(low, -t, t)
        t = np.where(high, 2 * t_max - t, t)
        t = np.clip(t, 0.0, t_max)
    return ReflectedRun(x, t, dt, steps, reflections)
