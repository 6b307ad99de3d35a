r"""The loss record and the parameter points of a derived GSM loss (shared by the evaluators).

:class:`LossEvaluation` holds explicit, implicit and boundary parts of a GSM loss at parameter
points with their errors; :func:`loss_points` turns ``[{param: value}, ...]`` into value tuples
in the model's parameter order, with one-line errors for unknown, missing or non-finite values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.symbolic import GSMLoss

__all__ = ["LossEvaluation", "loss_points"]


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


def loss_points(loss: GSMLoss, at: Sequence[Mapping[str, float]]) -> list[tuple[float, ...]]:
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
