r"""The noise schedules of score-based generative models: geometric σ lists, VE and VP SDEs.

Song & Ermon 2019 (:class:`GeometricSigmas`) and Song et al. 2021 (:class:`VESDE`,
:class:`VPSDE`) as :class:`gsmtheory.networks.NoiseSchedule` s: x̃ = α·x + σ·z at a random
level, with the mass each puts near the data (the table of ``_schedules.py``, docs/design.md §3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from gsmtheory._errors import SpecError
from gsmtheory.networks._schedules import NoiseSchedule, require_positive

__all__ = ["VESDE", "VPSDE", "GeometricSigmas"]


@dataclass(frozen=True, eq=False)
class GeometricSigmas(NoiseSchedule):
    """σ_1 = σ_max > … > σ_L = σ_min geometric (Song & Ermon 2019), each drawn with probability 1/L.

    Parameters
    ----------
    sigma_min, sigma_max : float
        The smallest and the largest σ.
    levels : int
        L.
    lam : float
        λ, the data's scale.
    kind : str
        The schedule's name in records.

    Raises
    ------
    SpecError
        A non-positive value, ``levels`` < 1 or ``sigma_min`` > ``sigma_max``.

    Examples
    --------
    >>> [round(s, 4) for s in GeometricSigmas(0.01, 10.0, levels=4).sigmas()]
    [10.0, 1.0, 0.1, 0.01]
    """

    sigma_min: float
    sigma_max: float
    levels: int = 10
    lam: float = 1.0
    kind: str = "geometric-sigmas"

    def __post_init__(self) -> None:
        require_positive(sigma_min=self.sigma_min, sigma_max=self.sigma_max, lam=self.lam)
        if not (isinstance(self.levels, int) and self.levels >= 1 and self.sigma_min <= self.sigma_max):
            raise SpecError("a geometric list needs levels >= 1 and sigma_min <= sigma_max",
                            "give e.g. GeometricSigmas(0.01, 10.0, levels=10)")
        self._warn()

    def sigmas(self) -> list[float]:
        """σ_1 > … > σ_L."""
        if self.levels == 1:
            return [self.sigma_max]
        ratio = (self.sigma_min / self.sigma_max) ** (1.0 / (self.levels - 1))
        return [self.sigma_max * ratio**i for i in range(self.levels)]

    def sample(self, n: int, like: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        betas = torch.tensor([s * s / self.lam for s in self.sigmas()], dtype=like.dtype, device=like.device)
        return betas[torch.randint(0, self.levels, (n,), generator=generator, device=like.device)]

    def ladder(self, levels: int) -> list[float]:
        """The list itself (``levels`` is ignored)."""
        return [s * s / self.lam for s in self.sigmas()]

    def near_zero(self) -> float:
        return sum(s * s <= self.lam for s in self.sigmas()) / self.levels

    def parameters_dict(self) -> dict[str, Any]:
        return {"sigma_min": self.sigma_min, "sigma_max": self.sigma_max, "levels": self.levels, "lambda": self.lam}


@dataclass(frozen=True, eq=False)
class VESDE(NoiseSchedule):
    """σ(t) = σ_min(σ_max/σ_min)^t, t ∼ U(0, 1): log σ uniform (Song et al. 2021, variance exploding).

    Parameters
    ----------
    sigma_min, sigma_max : float
        σ(0) and σ(1).
    lam : float
        λ, the data's scale.
    kind : str
        The schedule's name in records.

    Raises
    ------
    SpecError
        A non-positive value, or ``sigma_min`` ≥ ``sigma_max``.

    Examples
    --------
    >>> s = VESDE(0.01, 10.0)
    >>> round(s.near_zero(), 4)                       # P(σ ≤ 1) = log(100)/log(1000)
    0.6667
    """

    sigma_min: float = 0.01
    sigma_max: float = 10.0
    lam: float = 1.0
    kind: str = "ve-sde"

    def __post_init__(self) -> None:
        require_positive(sigma_min=self.sigma_min, sigma_max=self.sigma_max, lam=self.lam)
        if self.sigma_min >= self.sigma_max:
            raise SpecError("sigma_min must lie below sigma_max", "give e.g. VESDE(0.01, 10.0)")
        self._warn()

    def sample(self, n: int, like: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        t = torch.rand(n, generator=generator, device=like.device, dtype=like.dtype)
        sigma = self.sigma_min * (self.sigma_max / self.sigma_min) ** t
        return sigma * sigma / self.lam

    def ladder(self, levels: int) -> list[float]:
        ratio = (self.sigma_min / self.sigma_max) ** (1.0 / max(levels - 1, 1))
        return [(self.sigma_max * ratio**i) ** 2 / self.lam for i in range(levels)]

    def near_zero(self) -> float:
        t = math.log(math.sqrt(self.lam) / self.sigma_min) / math.log(self.sigma_max / self.sigma_min)
        return min(max(t, 0.0), 1.0)

    def parameters_dict(self) -> dict[str, Any]:
        return {"sigma_min": self.sigma_min, "sigma_max": self.sigma_max, "lambda": self.lam}


@dataclass(frozen=True, eq=False)
class VPSDE(NoiseSchedule):
    """Variance preserving (Song et al. 2021): α(t) = e^{−B(t)/2}, σ² = 1 − α², t ∼ U(ε, 1); the level is t.

    B(t) = b_min·t + ½(b_max − b_min)t².

    Parameters
    ----------
    b_min, b_max : float
        The linear β(t) of the SDE at t = 0 and 1.
    eps : float
        The smallest t drawn.
    lam : float
        λ, the data's scale.
    kind : str
        The schedule's name in records.
    exploding : bool
        False: α < 1.

    Raises
    ------
    SpecError
        A non-positive value, ``b_min`` > ``b_max`` or ``eps`` ≥ 1.

    Examples
    --------
    >>> s = VPSDE()
    >>> s.exploding, [round(t, 4) for t in s.ladder(3)]     # levels t from 1 down to ε
    (False, [1.0, 0.5005, 0.001])
    """

    b_min: float = 0.1
    b_max: float = 20.0
    eps: float = 1e-3
    lam: float = 1.0
    kind: str = "vp-sde"
    exploding: bool = False

    def __post_init__(self) -> None:
        require_positive(b_min=self.b_min, b_max=self.b_max, eps=self.eps, lam=self.lam)
        if not (self.b_min <= self.b_max and self.eps < 1):
            raise SpecError("a VP SDE needs b_min <= b_max and eps < 1", "give e.g. VPSDE(0.1, 20.0, eps=1e-3)")
        self._warn()

    def integral(self, t: Any) -> Any:
        """B(t) = b_min t + (b_max − b_min) t²/2."""
        return self.b_min * t + 0.5 * (self.b_max - self.b_min) * t * t

    def sample(self, n: int, like: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        u = torch.rand(n, generator=generator, device=like.device, dtype=like.dtype)
        return self.eps + (1.0 - self.eps) * u

    def alpha(self, level: torch.Tensor) -> torch.Tensor:
        return torch.exp(-0.5 * self.integral(level))

    def sigma2(self, level: torch.Tensor) -> torch.Tensor:
        return -torch.expm1(-self.integral(level))

    def ladder(self, levels: int) -> list[float]:
        return [1.0 - (1.0 - self.eps) * i / max(levels - 1, 1) for i in range(levels)]

    def near_zero(self) -> float:
        # σ²/α² = e^{B(t)} − 1 ≤ λ  ⇔  B(t) ≤ log(1 + λ)
        a, b, c = 0.5 * (self.b_max - self.b_min), self.b_min, -math.log1p(self.lam)
        t = -c / b if a == 0 else (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
        return min(max((t - self.eps) / (1.0 - self.eps), 0.0), 1.0)

    def parameters_dict(self) -> dict[str, Any]:
        return {"b_min": self.b_min, "b_max": self.b_max, "eps": self.eps, "lambda": self.lam}
