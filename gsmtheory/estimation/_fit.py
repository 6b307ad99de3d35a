r"""The fit question: estimate the model's parameters from data by a registered estimator.

:func:`fit` asks the estimator registry (:func:`estimators`: every ``METHOD``/``METHODS`` of the
``gsmtheory/estimation/_estimator_*.py`` files, ``run(problem, data, options) -> FitResult``):
``gsm`` (the implicit GSM loss; exponential families in closed form), ``mle`` (maximum likelihood)
on un-lifted problems, ``ctld`` (the annealed CTLD loss) on lifted ones. An estimate never leaves
the problem's parameter range (``problem.param_bounds``); one on its boundary has status
"bound" and no standard errors. The shared pipeline here — several starts (the truth and
jittered copies), projected damped Newton with autograd Hessians (:func:`newton_minimize`), the
best converged start, standard errors — is what the iterative estimators call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import SpecError
from gsmtheory._methods import Registry, discover
from gsmtheory.estimation._data import validate_data
from gsmtheory.estimation._newton import NewtonResult, newton_minimize
from gsmtheory.estimation._records import plain
from gsmtheory.solve import Problem, build_problem
from gsmtheory.symbolic import Model

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = [
    "FitOptions",
    "FitResult",
    "best_start",
    "clip",
    "estimators",
    "feasible_box",
    "fit",
    "inside",
    "jittered_starts",
    "newton_fit",
    "sandwich_se",
    "snap",
    "start_info",
    "start_of",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class FitResult:
    """θ̂ with standard errors √(diag Γ̂/n), or its failure status (never a silent number).

    Attributes
    ----------
    params : tuple of str
        Parameter names.
    loss_name : str
        The estimator (``"gsm"``, ``"mle"``, ``"ctld"``).
    estimate, standard_errors : tuple of float or None
        θ̂ and its standard errors; None when ``converged`` is False (standard errors also where
        the sandwich does not apply, with the reason in ``message``).
    loss : float or None
        The empirical objective at θ̂.
    converged : bool
        Whether some start converged.
    status : str
        "converged", "bound" or a failure.
    method, message : str
        How; one line for a human.
    n : int
        The sample size.
    starts : tuple of dict
        Each start with where it ended.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("gaussian", constants={"sigma": 1.0}))
    >>> r = fit(pr, sample_target(pr, 2000, seed=1))
    >>> r.status, round(r.estimate[0], 3), round(r.standard_errors[0], 3)   # se ≈ 1/√2000
    ('converged', 0.008, 0.022)
    """

    params: tuple[str, ...]
    loss_name: str
    estimate: tuple[float, ...] | None
    standard_errors: tuple[float, ...] | None
    loss: float | None
    converged: bool
    status: str
    method: str
    n: int
    message: str = ""
    starts: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Keys of `gsmtheory fit` (docs/design.md §4)."""
        est = None if self.estimate is None else dict(zip(self.params, self.estimate, strict=True))
        se = None if self.standard_errors is None else dict(zip(self.params, self.standard_errors, strict=True))
        return plain({
            "estimate": est if est is not None else dict.fromkeys(self.params),
            "standard_errors": se if se is not None else dict.fromkeys(self.params),
            "loss": self.loss, "loss_name": self.loss_name, "converged": self.converged,
            "status": self.status, "method": self.method, "n": self.n, "message": self.message,
            "starts": list(self.starts),
        })


@dataclass(frozen=True)
class FitOptions:
    """How :func:`fit` searches: starts θ₀ (the truth or ``start``, and ``starts − 1`` jittered copies).

    Parameters
    ----------
    starts : int
        Starting points (≥ 1).
    max_iter : int
        Newton iterations per start (≥ 1).
    seed : int
        Seed of the jitter (and of the CTLD draws).
    start : sequence of float, optional
        The first start (default: the spec's truth).

    Raises
    ------
    SpecError
        ``starts`` or ``max_iter`` below 1.

    Examples
    --------
    >>> FitOptions(starts=2).max_iter
    100
    """

    starts: int = 4
    max_iter: int = 100
    seed: int = 0
    start: Sequence[float] | None = None

    def __post_init__(self) -> None:
        if self.starts < 1 or self.max_iter < 1:
            raise SpecError("starts and max_iter must be at least 1", "give positive integers")


@cache
def estimators() -> Registry[Any]:
    """The registry of estimators, discovered once (``gsmtheory/estimation/_estimator_*.py``)."""
    return discover("gsmtheory.estimation", "_estimator_", "estimator")


def fit(source: Any, data: Any, *, loss: str = "gsm", model: Model | None = None, starts: int = 4,
        max_iter: int = 100, seed: int = 0, start: Sequence[float] | None = None) -> FitResult:
    """θ̂ = argmin_θ (1/n)Σ_i φ(X_i; θ) for the estimator ``loss``, with standard errors (docs/design.md §6).

    One pipeline for every estimator: an empirical objective (1/n)Σ_i φ(X_i; θ), minimized by
    projected damped Newton from several starts, standard errors from the sandwich
    H⁻¹Ĉov(∇_θφ)H⁻¹/n (GSM, CTLD) or the inverse Hessian (MLE).

    Parameters
    ----------
    source : Problem, Spec or Diffusion
        The problem; an estimator for lifted problems (``"ctld"``) lifts a spec with its
        ``[ctld]`` table or the reported defaults.
    data : array-like (n, d)
        The samples (checked by :func:`validate_data`).
    loss : str
        A registered estimator: ``"gsm"``, ``"mle"``, ``"ctld"`` (``estimators().names()``).
    model : Model, optional
        The model, when ``source`` is a diffusion.
    starts, max_iter, seed, start
        :class:`FitOptions`.

    Returns
    -------
    FitResult
        With ``converged=False`` and no numbers when no start converged.

    Raises
    ------
    SpecError
        An estimator that does not apply to the problem (its reason), or a bad start.
    NumericalError
        Data :func:`validate_data` refuses.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = build_problem(load_spec("gaussian", constants={"sigma": 1.0}))
    >>> r = fit(pr, sample_target(pr, 2000, seed=1), loss="gsm")
    >>> r.loss_name, round(r.estimate[0], 3), round(r.standard_errors[0], 3)  # μ* = 0, se ≈ 1/√2000
    ('gsm', 0.008, 0.022)
    """
    options = FitOptions(starts, max_iter, seed, start)
    method = estimators().get(loss)
    problem = source if isinstance(source, Problem) and model is None else build_problem(source, model)
    if method.lifted and problem.lift is None:
        problem = build_problem(problem.diffusion if not hasattr(source, "ctld") else source,
                                problem.model_or_none, lift=True)
    elif method.lifted is False and problem.lift is not None:
        problem = problem.without_lift()
    reason = method.why_not(problem)
    if reason is not None:
        raise SpecError(reason, f"use another estimator ({', '.join(estimators().names())})")
    x = validate_data(data, problem.dim, domain=problem.bounds, coords=[str(c) for c in problem.coords])
    return method.run(problem, x, options)  # type: ignore[no-any-return]


def newton_fit(problem: Problem, x_np: Array, objective: Any, name: str, options: FitOptions, method: str,
               standard_errors: Callable[[Array, NewtonResult, int], tuple[float, ...] | None],
               suffix: str = "") -> FitResult:
    """Projected damped Newton from the starts, the best converged start, its standard errors
    (``method`` and ``suffix`` frame "best of N start(s)" in the record's method text)."""
    import torch
    n, names = len(x_np), problem.params
    box = feasible_box(problem)
    first = problem.truth if options.start is None else start_of(options.start, names)
    theta0 = torch.as_tensor(jittered_starts(first, options.starts, options.seed, box))
    res = newton_minimize(objective, theta0, bounds=box, subset=True, max_iter=options.max_iter)
    method = f"{method}, best of {len(res.status)} start(s){suffix}" + _range_text(problem)
    best, failed = best_start(res, theta0, names, name, method, n)
    if failed is not None:
        return failed
    theta = snap(problem, res.theta.numpy(), res.at_bound)[best]
    info = start_info(res, theta0)
    if res.status[best] == "bound":
        assert res.at_bound is not None  # always set by newton_minimize
        held = [names[k] for k in range(len(names)) if bool(res.at_bound[best, k])]
        return FitResult(names, name, tuple(float(v) for v in theta), None, float(res.value[best]), True,
                         "bound", method, n,
                         f"the estimate of {', '.join(held)} lies on the boundary of its range; "
                         "standard errors omitted (no normal approximation at a boundary)", info)
    se = standard_errors(theta, res, best)
    return FitResult(names, name, tuple(float(v) for v in theta), se, float(res.value[best]), True,
                     "converged", method, n, "", info)


def _range_text(problem: Problem) -> str:
    if not problem.is_bounded:
        return ""
    return "; parameter range " + ", ".join(
        f"{name} in [{lo:g}, {hi:g}]" for name, (lo, hi) in zip(problem.params, problem.param_bounds, strict=True))


_MARGIN = 1e-10  # finite bounds are kept at this relative distance (log w stays finite at w = 0)


def feasible_box(problem: Problem) -> tuple[tuple[float, float], ...]:
    """The closed box the iterates live in: ``problem.param_bounds`` pulled in by 1e-10·max(1, |bound|).

    So log w stays finite at a weight's end; an estimate held on this box is reported as the
    range's boundary value itself, with status "bound".

    Parameters
    ----------
    problem : Problem
        Its ``param_bounds`` (declared, or implied by the model, :func:`gsmtheory.symbolic.natural_bounds`).

    Returns
    -------
    tuple of (float, float)
        One (lo, hi) per parameter.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> feasible_box(build_problem(load_spec("bimodal-weight")))       # a mixture weight w ∈ [0, 1]
    ((1e-10, 0.9999999999),)
    """
    out = []
    for lo, hi in problem.param_bounds:
        a = lo + _MARGIN * max(1.0, abs(lo)) if math.isfinite(lo) else lo
        b = hi - _MARGIN * max(1.0, abs(hi)) if math.isfinite(hi) else hi
        out.append((a, b))
    return tuple(out)


def inside(theta: Array, box: Sequence[tuple[float, float]]) -> NDArray[np.bool_]:
    lo = np.array([b[0] for b in box])
    hi = np.array([b[1] for b in box])
    th = np.atleast_2d(theta)
    return np.all((th >= lo) & (th <= hi), axis=-1)


def clip(theta: Array, box: Sequence[tuple[float, float]]) -> Array:
    return np.clip(theta, [b[0] for b in box], [b[1] for b in box])


def snap(problem: Problem, theta: Array, at_bound: torch.Tensor | None) -> Array:
    """Coordinates held on the feasible box are reported as the range's boundary value itself."""
    if at_bound is None:
        return theta
    held = at_bound.detach().cpu().numpy()
    mid = np.array([(lo + hi) / 2 if math.isfinite(lo + hi) else 0.0 for lo, hi in problem.param_bounds])
    lo = np.array([b[0] for b in problem.param_bounds])
    hi = np.array([b[1] for b in problem.param_bounds])
    edge = np.where(theta < mid, lo, hi)
    return np.where(held & np.isfinite(edge), edge, theta)


def jittered_starts(start: Array, count: int, seed: int, box: Sequence[tuple[float, float]]) -> Array:
    """``start`` and ``count − 1`` copies jittered by N(0, (½·max(1, |θ|))²), clipped to the box."""
    rng = np.random.default_rng(seed)
    jitter = rng.standard_normal((max(count, 1) - 1, len(start))) * 0.5 * np.maximum(1.0, np.abs(start))
    return clip(np.vstack([start[None], start[None] + jitter]), box)


def start_of(start: Sequence[float], names: Sequence[str]) -> Array:
    first = np.asarray(start, dtype=float).reshape(-1)
    if first.shape != (len(names),) or not np.all(np.isfinite(first)):
        raise SpecError(f"start {list(start)} is not {len(names)} finite numbers ({', '.join(names)})",
                        "give one number per parameter")
    return first


def start_info(res: NewtonResult, theta0: torch.Tensor) -> tuple[dict[str, Any], ...]:
    return tuple({"start": [float(v) for v in theta0[i]], "status": res.status[i],
                  "loss": float(res.value[i]), "iterations": int(res.iterations[i])}
                 for i in range(len(res.status)))


def best_start(res: NewtonResult, theta0: torch.Tensor, names: tuple[str, ...], loss: str, method: str,
                n: int) -> tuple[int, FitResult | None]:
    """The converged (or bound) start with the lowest loss, or the failure record when none is."""
    ok = [i for i, s in enumerate(res.status) if s in ("converged", "bound")]
    if not ok:
        return -1, FitResult(names, loss, None, None, None, False, res.status[0], method, n,
                             f"no start converged (statuses: {', '.join(sorted(set(res.status)))})",
                             start_info(res, theta0))
    return min(ok, key=lambda i: float(res.value[i])), None


def sandwich_se(per: dict[str, Array], H: Array, n: int) -> tuple[float, ...] | None:
    psi = per["psi"]
    M = np.atleast_2d(np.cov(psi, rowvar=False, bias=True))
    try:
        Hinv = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return None
    G = Hinv @ M @ Hinv
    return tuple(float(v) for v in np.sqrt(np.maximum(np.diag(G), 0.0) / n))
