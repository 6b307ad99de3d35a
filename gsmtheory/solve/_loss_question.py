r"""The loss question: explicit, implicit and boundary parts of the GSM loss of a problem at points θ.

For p ∝ e^ℓ and q_θ ∝ e^{ℓ_θ} (docs/design.md §1):

explicit(θ) = E_p[½ (∇ℓ − ∇ℓ_θ)ᵀ D (∇ℓ − ∇ℓ_θ)]                       (needs p)
boundary(θ) = −Σ_faces ∫_face p · nᵀ D ∇ℓ_θ dS
implicit(θ) = E_p[½ ∇ℓ_θᵀ D ∇ℓ_θ + ∇·(D ∇ℓ_θ)] + boundary(θ)             (partition-free integrand)

and implicit − explicit = −½ E_p[∇ℓᵀ D ∇ℓ] at every θ. On a lifted problem it is the CTLD loss
(O = ∇_(x,β)), the boundary being the β-faces. :func:`evaluate_loss` asks the loss registry
(:func:`loss_methods`: every ``METHOD``/``METHODS`` of the ``gsmtheory/solve/_loss_*.py`` files,
``run(problem, points, options) -> LossEvaluation``) for a method; :class:`LossEvaluation` is
the record, :func:`loss_points` turns ``[{param: value}, ...]`` into value tuples in the model's
parameter order, with one-line errors for unknown, missing or non-finite values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory._methods import Registry, discover
from gsmtheory.solve._problem import build_problem
from gsmtheory.symbolic import GSMLoss

__all__ = ["LossEvaluation", "LossOptions", "evaluate_gsm_loss", "evaluate_loss", "loss_methods", "loss_points"]


@dataclass(frozen=True)
class LossEvaluation:
    """GSM loss values at parameter points, with error estimates and the method used.

    ``status``: ``ok``, ``not_converged`` (an error above its tolerance), ``heavy_tail`` (2D: p
    has mass at the edge of the integrated box; the error includes it) or ``divergent`` (a loss
    is infinite, e.g. E_p[ℓ_θ′²] = ∞ under a heavy tail: value inf, error inf).
    """

    points: tuple[tuple[tuple[str, float], ...], ...]
    explicit: tuple[float, ...]
    implicit: tuple[float, ...]
    boundary: tuple[float, ...]
    explicit_error: tuple[float, ...]
    implicit_error: tuple[float, ...]
    constant: float
    method: str
    resolution: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"

    @property
    def difference(self) -> tuple[float, ...]:
        """implicit − explicit at each point; theory: the same constant −½E_p[∇ℓᵀD∇ℓ] everywhere."""
        return tuple(i - e for i, e in zip(self.implicit, self.explicit, strict=True))

    @property
    def implicit_without_boundary(self) -> tuple[float, ...]:
        """What the implicit form gives if the boundary terms are (wrongly) dropped."""
        return tuple(i - b for i, b in zip(self.implicit, self.boundary, strict=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON keys of `gsmtheory loss` (docs/design.md §4)."""
        return {
            "at": [dict(p) for p in self.points],
            "explicit": list(self.explicit),
            "implicit": list(self.implicit),
            "boundary": list(self.boundary),
            "difference": list(self.difference),
            "expected_difference": -self.constant,
            "explicit_error": list(self.explicit_error),
            "implicit_error": list(self.implicit_error),
            "method": self.method,
            "resolution": self.resolution,
            "status": self.status,
        }


@dataclass(frozen=True)
class LossOptions:
    """How a loss method may spend its effort: quadrature panels (the error uses twice as many),
    Monte Carlo draws and seed, the torch device of ``torch-mc``."""

    panels: int = 64
    samples: int = 200_000
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.panels < 4:
            raise SpecError(f"panels {self.panels} is too small", "use at least 4 (default 64)")
        if self.samples < 2:
            raise SpecError(f"samples {self.samples} is too small", "use at least 2 (e.g. 200000)")


@cache
def loss_methods() -> Registry[Any]:
    """The registry of loss evaluators, discovered once (``gsmtheory/solve/_loss_*.py``)."""
    return discover("gsmtheory.solve", "_loss_", "loss")


def evaluate_loss(problem: Any, at: Sequence[Mapping[str, float]] | None = None, *, method: str = "auto",
                  options: LossOptions | None = None) -> LossEvaluation:
    """The loss of ``problem`` (a :class:`gsmtheory.solve.Problem`) at the points ``at`` (default θ*)
    by the registered method ``method`` (``"auto"``: the first that applies)."""
    methods = loss_methods()
    if method != "auto":
        methods.get(method)  # an unknown name is refused before anything is computed
    model = problem.model
    points = [dict(p) for p in at] if at else [dict(zip(map(str, model.params), model.truth, strict=True))]
    return methods.choose(problem, method).run(problem, points, options or LossOptions())  # type: ignore[no-any-return]


def evaluate_gsm_loss(loss: GSMLoss, at: Sequence[Mapping[str, float]], *, panels: int = 64,
                      mc_samples: int = 200_000, seed: int = 0, method: str = "auto",
                      device: str = "cpu") -> LossEvaluation:
    """The loss of a derived :class:`gsmtheory.symbolic.GSMLoss` (its diffusion and model) at ``at``:
    :func:`evaluate_loss` of their problem."""
    problem = build_problem(loss.diffusion, loss.model)
    return evaluate_loss(problem, at, method=method, options=LossOptions(panels, mc_samples, seed, device))


def loss_points(loss: Any, at: Sequence[Mapping[str, float]]) -> list[tuple[float, ...]]:
    """``[{param: value}, ...]`` as value tuples in the model's parameter order (``loss`` has a ``.model``)."""
    names = [str(p) for p in loss.model.params]
    out = []
    for point in at:
        unknown = set(point) - set(names)
        if unknown:
            raise SpecError(f"--at names unknown parameter(s) {', '.join(sorted(unknown))}",
                            f"use the model params: {', '.join(names)}")
        missing = [n for n in names if n not in point]
        if missing:
            raise SpecError(f"--at lacks {', '.join(missing)}", f"give every parameter, e.g. --at {names[0]}=1.0")
        values = tuple(float(point[n]) for n in names)
        if not all(math.isfinite(v) for v in values):
            raise NumericalError("--at values must be finite", "give finite numbers")
        out.append(values)
    if not out:
        raise SpecError("no parameter point given", "pass --at name=value at least once")
    return out
