r"""Noise schedules people train with: CTLD's r(β) here, geometric σ lists, VE and VP SDEs in ``_sde_schedules.py``.

Every schedule perturbs data x ∼ p as x̃ = α·x + σ·z (z ∼ N(0, I)) at a random *level* that the
noise-conditional network receives as its second argument:

| schedule | level | α | σ² |
| --- | --- | --- | --- |
| :class:`BetaSchedule` (CTLD, docs/design.md §1) | β ∼ r(β)/Z_r on [0, β_max] | 1 | βλ |
| :class:`GeometricSigmas` (Song & Ermon 2019) | β = σ_i²/λ, i uniform | 1 | σ_i² |
| :class:`VESDE` (Song et al. 2021) | β = σ(t)²/λ, σ(t) = σ_min(σ_max/σ_min)^t, t ∼ U(0, 1) | 1 | σ(t)² |
| :class:`VPSDE` (Song et al. 2021) | t ∼ U(ε, 1) | e^{−B(t)/2} | 1 − α² |

with B(t) = ∫_0^t b = b_min t + (b_max − b_min)t²/2. **Near the data** means a noise-to-signal
variance σ²/α² ≤ λ (λ: the variance scale of the data's finest structure, λ_min of a mixture);
``mass_near_zero`` is the probability the schedule puts there, and a schedule with less than
:data:`MIN_NEAR_ZERO_MASS` warns (:class:`ScheduleWarning`) and says so in :meth:`describe`,
which the training records carry. The paper's r (Definition 6 of docs/paper.md) at D = 10,
λ = 1 has P(β ≤ 1) ≈ 1.2e-157: a network trained on it never sees the data's own scale.

β is drawn by inverse CDF through :func:`gsmtheory.numeric.inverse_cdf`, the one sampler the
NumPy code, these losses and the estimation layer's Monte Carlo share.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from gsmtheory._errors import SpecError
from gsmtheory.numeric import (
    CTLDSchedule,
    InverseCDFTable,
    inverse_cdf,
    mass_below,
)
from gsmtheory.solve import log_r_derivatives
from gsmtheory.symbolic import CTLDParameters

__all__ = [
    "MIN_NEAR_ZERO_MASS",
    "BetaSchedule",
    "NoiseSchedule",
    "ScheduleWarning",
    "log_uniform_schedule",
    "paper_schedule",
    "require_positive",
]

#: a schedule putting less than this mass at σ²/α² ≤ λ warns
MIN_NEAR_ZERO_MASS = 0.01


class ScheduleWarning(UserWarning):
    """A noise schedule puts P(σ²/α² ≤ λ) < :data:`MIN_NEAR_ZERO_MASS` of its draws near the data.

    A network trained with it (almost) never sees the data's own scale.

    Parameters
    ----------
    *args
        The message, as for any warning.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = paper_schedule(4.0)                  # β_max = 223: P(βλ ≤ λ) ≈ 2e-28
    >>> caught[0].category.__name__
    'ScheduleWarning'
    """


def require_positive(**values: float) -> None:
    for name, v in values.items():
        if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
            raise SpecError(f"{name} = {v!r} must be a positive finite number", f"give {name} > 0")


def _log1p(b: Any) -> Any:
    return torch.log1p(b) if isinstance(b, torch.Tensor) else np.log1p(b)


class NoiseSchedule:
    """Base of the noise laws x̃ = α(level)·x + σ(level)·z: α, σ², draws, a decreasing ladder, the mass near 0.

    Subclasses (:class:`BetaSchedule`, :class:`GeometricSigmas`, :class:`VESDE`, :class:`VPSDE`)
    define ``sample``, ``sigma2``, ``ladder`` and ``near_zero`` = P(σ²/α² ≤ λ); ``describe()``
    reports it and warns (:class:`ScheduleWarning`) when it is below :data:`MIN_NEAR_ZERO_MASS`.

    Attributes
    ----------
    lam : float
        λ, the data's scale.
    kind : str
        The schedule's name in records.
    exploding : bool
        α ≡ 1 (x̃ = x + σz).

    Examples
    --------
    >>> s = GeometricSigmas(0.01, 10.0, levels=5)
    >>> isinstance(s, NoiseSchedule), s.exploding, round(s.near_zero(), 2)   # 3 of 5 levels have σ ≤ 1
    (True, True, 0.6)
    """

    lam: float
    kind: str = "schedule"
    #: α ≡ 1 (x̃ = x + σz)
    exploding: bool = True

    def sample(self, n: int, like: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """n levels in the dtype and on the device of ``like``."""
        raise NotImplementedError

    def alpha(self, level: torch.Tensor) -> torch.Tensor:
        """Signal scale α at each level (1 for variance-exploding schedules)."""
        return torch.ones_like(level)

    def sigma2(self, level: torch.Tensor) -> torch.Tensor:
        """Noise variance σ² at each level."""
        return level if self.lam == 1.0 else self.lam * level

    def ladder(self, levels: int) -> list[float]:
        """A decreasing list of levels from the top of the schedule to its bottom, for the samplers."""
        raise NotImplementedError

    def near_zero(self) -> float:
        """P(σ²/α² ≤ λ) under the schedule's law of levels."""
        raise NotImplementedError

    def parameters_dict(self) -> dict[str, Any]:
        """The schedule's defining numbers."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Kind, numbers, the mass near the data and the warning (None when there is none), for records."""
        mass = self.near_zero()
        warning = None
        if mass < MIN_NEAR_ZERO_MASS:
            warning = (f"{self.kind} puts P(sigma^2/alpha^2 <= lambda) = {mass:.3g} < {MIN_NEAR_ZERO_MASS} of its "
                       "draws near the data: a network trained with it barely sees the data's own scale")
        return {"kind": self.kind, **self.parameters_dict(), "mass_near_zero": mass,
                "near_zero": f"P(sigma^2/alpha^2 <= lambda = {self.lam:g})", "warning": warning}

    def _warn(self) -> None:
        message = self.describe()["warning"]
        if message is not None:
            warnings.warn(message, ScheduleWarning, stacklevel=4)


@dataclass(frozen=True, eq=False)
class BetaSchedule(NoiseSchedule):
    """CTLD's temperature law r(β)/Z_r on [0, β_max] (docs/design.md §1), σ² = βλ.

    ``log_r``, ``dlog_r`` and ``d2log_r`` take NumPy arrays *and* torch tensors (or use
    :meth:`from_parameters` to compile a symbolic law); the CTLD loss needs (log r)' and (log r)''.

    Attributes
    ----------
    lam, beta_max : float
        λ and β_max.
    log_r, dlog_r, d2log_r : callable
        β ↦ log r(β) and its first two derivatives.
    name, kind : str
        The law's description and the schedule kind.

    Examples
    --------
    >>> s = log_uniform_schedule(100.0)
    >>> s.beta_max, round(s.near_zero(), 4)           # P(β ≤ 1) = log 2 / log 101
    (100.0, 0.1502)
    """

    lam: float
    beta_max: float
    log_r: Callable[[Any], Any] = field(repr=False)
    dlog_r: Callable[[Any], Any] = field(repr=False)
    d2log_r: Callable[[Any], Any] = field(repr=False)
    name: str = "r(beta)"
    kind: str = "ctld-beta"
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        require_positive(lam=self.lam, beta_max=self.beta_max)
        grid, cdf = self.numeric().law.table()
        self._cache["table"] = (grid, cdf)
        self._warn()

    def numeric(self) -> CTLDSchedule:
        """The array-level schedule of :mod:`gsmtheory.numeric`."""
        return CTLDSchedule(float(self.lam), float(self.beta_max), self.log_r, self.dlog_r)

    @classmethod
    def from_parameters(cls, params: CTLDParameters) -> BetaSchedule:
        """Compile a symbolic law (:func:`gsmtheory.symbolic.ctld_parameters`, a spec's ``[ctld]`` table)."""
        if not isinstance(params, CTLDParameters):
            raise SpecError(f"expected CTLDParameters, got {type(params).__name__}",
                            "pass gsmtheory.symbolic.ctld_parameters(...) or a BetaSchedule")
        f_np, f_t = log_r_derivatives(params, "numpy"), log_r_derivatives(params, "torch")

        def pick(i: int) -> Callable[[Any], Any]:
            def fn(b: Any) -> Any:
                f = f_t if isinstance(b, torch.Tensor) else f_np
                out = f(b)[i]
                return out * (b * 0 + 1)  # broadcast constants to the shape of b

            return fn

        return cls(float(params.lambda_min), float(params.beta_max), pick(0), pick(1), pick(2),
                   name=f"log r = {params.log_r}")

    def torch_table(self, like: torch.Tensor) -> InverseCDFTable:
        """The packed CDF table as float64 tensors on the device of ``like`` (converted once per device)."""
        key = ("torch", like.device)
        if key not in self._cache:
            self._cache[key] = InverseCDFTable.from_cdf(*self._cache["table"]).to_torch(like.device)
        out: InverseCDFTable = self._cache[key]
        return out

    def sample(self, n: int, like: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        u = torch.rand(n, generator=generator, device=like.device, dtype=torch.float64)
        return inverse_cdf(self.torch_table(like), u).to(like.dtype)

    def density_at(self, beta: float) -> float:
        """r(β)/Z_r (the weight c_f of a β-face)."""
        return math.exp(float(self.numeric().law.logpdf(np.array([float(beta)]))[0]))

    def ladder(self, levels: int) -> list[float]:
        """β_max down to β_max·10⁻⁴ geometrically, then 0."""
        ratio = 1e-4 ** (1.0 / max(levels - 1, 1))
        return [self.beta_max * ratio**i for i in range(levels)] + [0.0]

    def near_zero(self) -> float:
        if "near" not in self._cache:
            self._cache["near"] = mass_below(self.log_r, self.beta_max, 1.0)
        return float(self._cache["near"].value)

    def parameters_dict(self) -> dict[str, Any]:
        self.near_zero()
        return {"lambda": self.lam, "beta_max": self.beta_max, "law": self.name,
                "log10_mass_near_zero": self._cache["near"].log_value / math.log(10)}


def paper_schedule(diameter: float, lam: float = 1.0) -> BetaSchedule:
    """The paper's law (docs/paper.md, Definition 6): log r = −7D²/(λ(1 + β)) on [0, 14D²/λ − 1].

    Parameters
    ----------
    diameter : float
        D, the diameter of the target's means.
    lam : float
        λ.

    Returns
    -------
    BetaSchedule
        The law (it warns: it puts almost no mass near β = 0 for D² ≫ λ).

    Raises
    ------
    SpecError
        14D²/λ − 1 ≤ 0.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     s = paper_schedule(4.0)
    >>> s.beta_max, float(s.log_r(0.0))               # 14·16 − 1 and −7·16
    (223.0, -112.0)
    """
    require_positive(diameter=diameter, lam=lam)
    c = 7.0 * diameter**2 / lam
    bmax = 14.0 * diameter**2 / lam - 1.0
    if bmax <= 0:
        raise SpecError(f"14 D^2/lambda - 1 = {bmax:g} <= 0", "the paper's law needs D^2 > lambda/14")
    return BetaSchedule(lam, bmax, lambda b: -c / (1 + b), lambda b: c / (1 + b) ** 2,
                        lambda b: -2 * c / (1 + b) ** 3, name=f"paper: log r = -{c:g}/(1 + beta)")


def log_uniform_schedule(beta_max: float, lam: float = 1.0) -> BetaSchedule:
    """r(β) ∝ 1/(1 + β) on [0, β_max]: log-uniform in 1 + β (Song & Ermon's geometric levels, reaching β = 0).

    Parameters
    ----------
    beta_max : float
        β_max.
    lam : float
        λ.

    Returns
    -------
    BetaSchedule
        The law.

    Examples
    --------
    >>> s = log_uniform_schedule(100.0)
    >>> round(s.near_zero(), 4), round(float(s.dlog_r(0.0)), 6)    # log 2/log 101, −1/(1 + β)
    (0.1502, -1.0)
    """
    require_positive(beta_max=beta_max, lam=lam)
    return BetaSchedule(lam, beta_max, lambda b: -_log1p(b), lambda b: -1 / (1 + b), lambda b: 1 / (1 + b) ** 2,
                        name="log-uniform: log r = -log(1 + beta)")
