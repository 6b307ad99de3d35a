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
    """L_explicit(θ) = ½E_p[(∇ℓ_θ − ∇ℓ)ᵀD(∇ℓ_θ − ∇ℓ)] and the implicit form at points θ, with errors.

    The implicit form E_p[½∇ℓ_θᵀD∇ℓ_θ + ∇·(D∇ℓ_θ)] − boundary differs from the explicit one by a
    constant −½E_p[∇ℓᵀD∇ℓ] (docs/design.md §1), which :attr:`difference` exposes.

    Attributes
    ----------
    points : tuple
        One ``((name, value), ...)`` per point θ.
    explicit, implicit, boundary : tuple of float
        The two forms of the loss and the boundary (face) terms at each point.
    explicit_error, implicit_error : tuple of float
        Their absolute error estimates (quadrature refinement, or 1.96 standard errors).
    constant : float
        ½E_p[∇ℓᵀD∇ℓ], the constant between the two forms.
    method, resolution : str, dict
        The registered method that answered and what it used.
    status : str
        ``ok``, ``not_converged`` (an error above its tolerance), ``heavy_tail`` (2D: p has mass
        at the edge of the integrated box; the error includes it) or ``divergent`` (a loss is
        infinite, e.g. E_p[ℓ_θ′²] = ∞ under a heavy tail: value inf, error inf).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("gaussian", constants={"sigma": 2.0}))
    >>> ev = evaluate_loss(pr, [{"mu": 0.0}, {"mu": 1.0}])
    >>> [round(v, 8) for v in ev.explicit]          # ½(μ/σ²)² for N(0, σ²), model N(μ, σ²)
    [0.0, 0.03125]
    >>> round(ev.difference[0] - ev.difference[1], 10)
    0.0
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
    """How a loss method may spend its effort (docs/design.md §3): quadrature and Monte Carlo sizes.

    Parameters
    ----------
    panels : int
        Quadrature panels; the error estimate compares against twice as many (≥ 4).
    samples, seed : int
        Monte Carlo draws (≥ 2) and their seed.
    device : str
        The torch device of ``torch-mc``.

    Raises
    ------
    SpecError
        ``panels`` < 4 or ``samples`` < 2.

    Examples
    --------
    >>> LossOptions(panels=32).samples
    200000
    """

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
    """L(θ) of ``problem`` at the points ``at`` (default θ*) by a registered loss method (docs/design.md §3).

    Parameters
    ----------
    problem : Problem
        A :class:`gsmtheory.solve.Problem` with a model.
    at : sequence of {param: value}, optional
        The points θ (every model parameter); default the model's truth θ*.
    method : str
        ``"auto"`` (the first method of :func:`loss_methods` that applies) or a method's name.
    options : LossOptions, optional
        Quadrature panels, Monte Carlo draws, seed, device.

    Returns
    -------
    LossEvaluation
        Explicit and implicit loss with error estimates at each point.

    Raises
    ------
    SpecError
        An unknown method, one that does not apply, or a problem without a model.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> ev = evaluate_loss(build_problem(load_spec("gaussian", constants={"sigma": 1.0})), [{"mu": 1.0}])
    >>> round(ev.explicit[0], 8), ev.status          # ½μ² for N(0, 1)
    (0.5, 'ok')
    """
    methods = loss_methods()
    if method != "auto":
        methods.get(method)  # an unknown name is refused before anything is computed
    model = problem.model
    points = [dict(p) for p in at] if at else [dict(zip(map(str, model.params), model.truth, strict=True))]
    return methods.choose(problem, method).run(problem, points, options or LossOptions())  # type: ignore[no-any-return]


def evaluate_gsm_loss(loss: GSMLoss, at: Sequence[Mapping[str, float]], *, panels: int = 64,
                      mc_samples: int = 200_000, seed: int = 0, method: str = "auto",
                      device: str = "cpu") -> LossEvaluation:
    """L(θ) of a derived :class:`gsmtheory.symbolic.GSMLoss` at ``at``: :func:`evaluate_loss` of its problem.

    Parameters
    ----------
    loss : gsmtheory.symbolic.GSMLoss
        From :func:`gsmtheory.symbolic.gsm_loss` (its diffusion and model are used).
    at : sequence of {param: value}
        The points θ.
    panels, mc_samples, seed, method, device
        As in :class:`LossOptions` and :func:`evaluate_loss`.

    Returns
    -------
    LossEvaluation
        Explicit and implicit loss with error estimates at each point.

    Examples
    --------
    >>> from gsmtheory.symbolic import gsm_loss, load_spec
    >>> spec = load_spec("gaussian", constants={"sigma": 1.0})
    >>> ev = evaluate_gsm_loss(gsm_loss(spec.diffusion, spec.model), [{"mu": 2.0}])
    >>> round(ev.explicit[0], 8)                      # ½μ² for N(0, 1)
    2.0
    """
    problem = build_problem(loss.diffusion, loss.model)
    return evaluate_loss(problem, at, method=method, options=LossOptions(panels, mc_samples, seed, device))


def loss_points(loss: Any, at: Sequence[Mapping[str, float]]) -> list[tuple[float, ...]]:
    """θ as value tuples in the model's parameter order, from ``[{param: value}, ...]``.

    Parameters
    ----------
    loss : object with a ``.model``
        A :class:`gsmtheory.symbolic.GSMLoss` or a :class:`Problem`.
    at : sequence of {param: value}
        The points; each names every parameter of the model and nothing else.

    Returns
    -------
    list of tuple of float
        One tuple per point, in the order of ``loss.model.params``.

    Raises
    ------
    SpecError
        An unknown or missing parameter, or no point at all.
    NumericalError
        A value that is not finite.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> loss_points(build_problem(load_spec("gaussian")), [{"mu": 0.5}])
    [(0.5,)]
    """
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
