r"""Sampling the lifted law of CTLD: exact draws of (x, β) and the reflected SDE.

p(x, β) = r(β) p^β(x) / Z_r on R^d × [0, β_max], p^β = p * N(0, βλI) (docs/design.md §1):

- :func:`sample_beta`, :func:`ctld_beta_table`, :func:`beta_cdf`: the β-marginal r/Z_r by its
  tabulated inverse CDF (:mod:`gsmtheory.numeric._beta_sampler`);
- :func:`sample_ctld_joint`: exact draws, β first and x | β from p^β;
- :func:`conditional_cdf`: F(x | β) for a 1D mixture (probability integral transform tests);
- :func:`simulate_ctld`: Euler–Maruyama for dX = ∇ℓ dt + √2 dB on (x, β), mirrored at β = 0
  and β = β_max (seeded): :func:`gsmtheory.numeric._reflected_langevin.reflected_langevin` with
  the lift's drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError
from gsmtheory.numeric._beta_sampler import BETA_NODES, beta_table, inverse_cdf
from gsmtheory.numeric._ctld_law import (
    CTLDSchedule,
    as_1d_mixture,
    ctld_beta_logpdf,
    log_r_functions,
)
from gsmtheory.numeric._mixture import MixtureLike, sample_mixture
from gsmtheory.numeric._mixture_pdf import mixture_cdf, mixture_dlogpdf_ds, mixture_score
from gsmtheory.numeric._reflected_langevin import reflected_langevin

__all__ = ["CTLDSimulation", "beta_cdf", "conditional_cdf", "ctld_beta_table", "sample_beta",
           "sample_ctld_joint", "simulate_ctld"]

Array = NDArray[Any]


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
