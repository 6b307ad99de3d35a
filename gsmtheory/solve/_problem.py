r"""One problem per question: the target, D, Q, domain, ends, the model, and the lift it may carry.

A spec (or a diffusion and a model) becomes a :class:`Problem` once, by :func:`build_problem`;
it is the only place where symbolic objects become compiled callables (docs/design.md §3):
the target side (:class:`gsmtheory.solve.TargetView`: log p on arrays, the product structure,
the ends, expectations and samples of p) and the model side (:class:`gsmtheory.solve.ModelView`:
ψ, ∇²_θφ, scores and the theory terms per sample, φ and ℓ_θ in torch, face terms) are compiled
on first use and cached with the problem. A problem may carry a CTLD :class:`Lift`; a lifted
question is the same question asked of a problem with a lift. Its :attr:`Problem.joint` is the
problem of the lifted diffusion and model on (x, β) (their per-sample quantities; the β-faces
stay with the lift); the problem itself keeps answering for the un-lifted target (vanilla score
matching, the original MLE).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.numeric import MixtureLike
from gsmtheory.solve._lift import Lift
from gsmtheory.solve._problem_model import ModelView
from gsmtheory.solve._problem_target import TargetView
from gsmtheory.symbolic import CTLDParameters, Diffusion, Model, ctld_parameters, natural_bounds

__all__ = ["Problem", "build_problem", "sample_target"]


@dataclass(frozen=True, eq=False)  # identity: it caches compiled callables and holds arrays
class Problem(TargetView, ModelView):
    r"""p ∝ e^ℓ on Ω = ∏ [a_i, b_i] under D (docs/design.md §1), a model ℓ_θ, an optional lift; compiled.

    Attributes
    ----------
    name : str
        The spec's (or diffusion's) name.
    diffusion : Diffusion
        The symbolic diffusion (ℓ, D, Q, domain).
    model_or_none : Model or None
        The parametric model (:attr:`model` raises a one-line error when there is none).
    lift : Lift or None
        The CTLD lift the questions are asked on, when there is one.
    mixture : MixtureLike or None
        The Gaussian-mixture target, when the spec gave one.
    constant_D : ndarray or None
        D as numbers when it does not depend on x.
    param_bounds, bound_reasons : tuples
        The parameter box the estimators stay in and why (one entry per parameter).
    own_faces : bool
        Whether the face terms of the diffusion's own finite ends enter the loss (False for the
        joint problem of a lift, whose β-faces the lift holds).
    core_only : bool
        Compile ψ, ∇²_θφ and s first, the theory terms on request (the joint problem of a lift).

    Raises
    ------
    ModelError
        Parameter bounds of the wrong length, an empty range, or a truth outside its range.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("gaussian"))
    >>> pr.name, pr.params, pr.dim, pr.lifted
    ('gaussian', ('mu',), 1, False)
    """

    name: str
    diffusion: Diffusion
    model_or_none: Model | None = None
    lift: Lift | None = None
    mixture: MixtureLike | None = None
    constant_D: np.ndarray | None = None
    param_bounds: tuple[tuple[float, float], ...] = ()
    bound_reasons: tuple[str, ...] = ()
    own_faces: bool = True
    core_only: bool = False
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.model_or_none is None:
            return
        P = len(self.model_or_none.params)
        if not self.param_bounds:
            object.__setattr__(self, "param_bounds", ((-math.inf, math.inf),) * P)
        if len(self.param_bounds) != P:
            raise ModelError(f"{len(self.param_bounds)} parameter bounds for {P} parameters",
                             "give one (lo, hi) pair per parameter")
        for name, (lo, hi), t in zip(self.params, self.param_bounds, self.model_or_none.truth, strict=True):
            if not lo < hi:
                raise ModelError(f"the bounds of {name} are empty ({lo}, {hi})", "give lo < hi")
            if not lo <= float(t) <= hi:
                raise ModelError(f"the truth {name} = {float(t)} lies outside its range [{lo}, {hi}]",
                                 "change the truth or the bounds")

    @property
    def lifted(self) -> bool:
        """True when the problem carries a lift."""
        return self.lift is not None

    @property
    def joint(self) -> Problem:
        """The problem of the lifted diffusion and model on (x, β), without face terms of its own."""
        if self.lift is None:
            raise SpecError(f"the problem {self.name!r} carries no lift", "build it with build_problem(spec, lift=True)")
        lift = self.lift
        return self.memo("joint", lambda: _build(lift.diffusion, lift.model, lift.diffusion.name, None, False, True))  # type: ignore[no-any-return]

    def without_lift(self) -> Problem:
        """The same problem without its lift (the un-lifted target; compiled pieces shared)."""
        return replace(self, lift=None)


def _numbers(D: sp.ImmutableMatrix) -> np.ndarray:
    """A constant SymPy matrix as floats; a diagonal one from its diagonal (d, not d² entries)."""
    if D.is_diagonal():
        return np.diag(np.array([D[i, i] for i in range(D.rows)], dtype=float))
    return np.array(D.tolist(), dtype=float)


@dataclass(frozen=True, eq=False)
class _ByIdentity:
    """A cache key for a diffusion whose mixture ℓ is not built: hashing the diffusion's fields
    would build it (d = 1000: tens of seconds), so such a diffusion is its own key."""

    diffusion: Diffusion

    def __hash__(self) -> int:
        return id(self.diffusion)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByIdentity) and other.diffusion is self.diffusion


def _build(diffusion: Diffusion, model: Model | None, name: str, params: CTLDParameters | None,
           own_faces: bool = True, core_only: bool = False) -> Problem:
    """The problem, built once per (diffusion, model, name, lift, faces) and cached."""
    lazy = getattr(diffusion, "mixture", None) is not None and not diffusion.log_density_built
    key = _ByIdentity(diffusion) if lazy else diffusion
    return _build_cached(key, model, name, params, own_faces, core_only)


@functools.lru_cache(maxsize=64)
def _build_cached(key: Diffusion | _ByIdentity, model: Model | None, name: str,
                  params: CTLDParameters | None, own_faces: bool, core_only: bool) -> Problem:
    diffusion = key.diffusion if isinstance(key, _ByIdentity) else key
    mixture = getattr(diffusion, "mixture", None)
    D = sp.ImmutableMatrix(diffusion.D)
    # a mixture's numbers are validated finite and its ℓ is built only when asked for (d = 1000:
    # tens of seconds), so only D is checked then; the matrix as one object, not d² entries
    for expr in (D,) if mixture is not None else (diffusion.log_density, D):
        if sp.sympify(expr).has(sp.nan, sp.zoo):
            raise NumericalError("the diffusion contains NaN", "check the parameters")
    const = not (D.free_symbols & set(diffusion.coords))
    box, reasons = natural_bounds(model) if model is not None else ((), ())
    lift = None if params is None else Lift.of(diffusion, params, model)
    return Problem(name, diffusion, model, lift, mixture, _numbers(D) if const else None, box, reasons,
                   own_faces, core_only)


def build_problem(source: Any, model: Model | None = None, *, lift: bool | CTLDParameters | None = False,
                  bounds: dict[str, tuple[float, float]] | None = None, **overrides: Any) -> Problem:
    """The problem of a spec (or of a diffusion and a model), compiled on first use and cached.

    Parameters
    ----------
    source : Spec, Diffusion or Problem
        A spec gives its diffusion, model (unless ``model`` is given) and ``[ctld]`` table.
    lift : bool or CTLDParameters
        False (default): no lift. True: the CTLD lift with the spec's ``[ctld]`` table, or the
        reported defaults (Definition 6) when it has none; ``overrides`` (lambda_min=,
        diameter=, beta_max=, log_r=) replace entries. A :class:`CTLDParameters`: that lift.
    bounds : {param: (lo, hi)}, optional
        Declared parameter ranges (default: those the model's meaning implies,
        :func:`gsmtheory.symbolic.natural_bounds`).

    Raises
    ------
    SpecError
        NaN in ℓ or D, a truth outside its range, a target that cannot be lifted, bad CTLD
        constants, overrides without ``lift=True``.

    Returns
    -------
    Problem
        The compiled problem (the same object for the same inputs: it is cached).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("ctld-bimodal"), lift=True)
    >>> pr.lifted, pr.lift.beta_max, pr.without_lift().lifted
    (True, 223.0, False)
    """
    if isinstance(source, Problem):
        source, model = (source.diffusion, model if model is not None else source.model_or_none)
    if isinstance(source, Diffusion):
        diffusion, name, table, constants = source, source.name, None, {}
    else:
        diffusion, name, table, constants = source.diffusion, source.name, source.ctld, source.constants_map
        model = model if model is not None else source.model
    if overrides and lift is not True:
        raise SpecError(f"CTLD option(s) {', '.join(sorted(overrides))} without a lift", "pass lift=True")
    params = None
    if isinstance(lift, CTLDParameters):
        params = lift
    elif lift is True:
        params = table if table is not None and not overrides else ctld_parameters(
            diffusion, table, constants=constants, **overrides)
    problem = _build(diffusion, model, name, params)
    return problem.with_bounds(bounds) if bounds else problem


def sample_target(source: Any, n: int | tuple[int, ...], seed: int | np.random.Generator = 0) -> np.ndarray:
    """Exact samples x ∼ p of the target of ``source``, shape ``(*n, d)`` (mixtures and Gaussians; 1D by inversion).

    Parameters
    ----------
    source : Problem, Spec or Diffusion
        The target p ∝ e^ℓ.
    n : int or tuple of int
        The batch shape.
    seed : int or numpy.random.Generator
        The random stream.

    Returns
    -------
    ndarray
        The samples, shape ``(*n, d)``.

    Raises
    ------
    ModelError
        A target in d ≥ 2 that is not a Gaussian mixture (no exact sampler).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> x = sample_target(load_spec("gaussian", constants={"sigma": 2.0}), 20000, seed=0)
    >>> x.shape, round(float(x.std()), 1)                # N(0, σ²) with σ = 2
    ((20000, 1), 2.0)"""
    problem = source if isinstance(source, Problem) else build_problem(source)
    return problem.sample(n, seed)
