r"""Worst-case search: maximise the constant a printed inequality needs over a family of cases.

For an inequality ``L(case) ≤ c·R(case)`` the constant a case needs is ``L/R``; the statement with
the printed ``c`` is false as soon as one case needs more. :func:`maximize` looks for the worst
case the way PEPit looks for the worst function: it solves for it, by multi-start Nelder–Mead in a
box of the family's parameters (each coordinate mapped to [0, 1], logarithmically where the box
says so, and reflected into the box), with

- a budget of objective evaluations shared by the starts (a start stops at its share),
- starts at the given points first (the defaults, a cached witness) and then at scrambled Sobol
  points of the box, so the search never reports less than a known point,
- failures (an exception, NaN) counted and treated as ``-inf``, never as a value.

The :class:`SearchResult` keeps the best value and point, every start's result, the budget and
the evaluations spent, and the wall time: the report shows them beside the verdict.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.stats import qmc

from gsmtheory._json import plain

__all__ = ["Box", "SearchResult", "maximize"]


@dataclass(frozen=True)
class Box:
    """The family's parameters: names, lower and upper ends, and which are searched in log scale.

    Attributes
    ----------
    names : tuple of str
        The parameters.
    lo, hi : tuple of float
        Their finite ranges, lo < hi.
    log : tuple of bool
        Which are searched in log scale (default: none; a log range must be positive).

    Raises
    ------
    ValueError
        Lengths that differ, an empty box, a range that is not finite with lo < hi, or a log
        range that is not positive.

    Examples
    --------
    >>> from gsmtheory.verify import Box
    >>> box = Box.of({"a": (1, 6), "t": (0.1, 100, "log")})
    >>> box.point([0.5, 0.5])                                  # t at the geometric midpoint
    {'a': 3.5, 't': 3.1622776601683795}
    """

    names: tuple[str, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    log: tuple[bool, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.names)
        log = tuple(self.log) if self.log else (False,) * n
        if not (len(self.lo) == len(self.hi) == len(log) == n) or n == 0:
            raise ValueError("a search box needs one lower end, upper end and log flag per name")
        for name, a, b, lg in zip(self.names, self.lo, self.hi, log, strict=True):
            if not (math.isfinite(a) and math.isfinite(b) and a < b):
                raise ValueError(f"search box for {name}: need finite lo < hi, got [{a}, {b}]")
            if lg and a <= 0:
                raise ValueError(f"search box for {name}: a log-scale range must be positive")
        object.__setattr__(self, "log", log)

    @classmethod
    def of(cls, ranges: Mapping[str, tuple[float, float] | tuple[float, float, str]]) -> Box:
        """``Box.of({"a": (1, 6), "t": (0.1, 100, "log")})``."""
        names, lo, hi, log = [], [], [], []
        for k, r in ranges.items():
            names.append(k)
            lo.append(float(r[0]))
            hi.append(float(r[1]))
            log.append(len(r) > 2 and r[2] == "log")  # type: ignore[misc]
        return cls(tuple(names), tuple(lo), tuple(hi), tuple(log))

    def point(self, u: Sequence[float] | np.ndarray) -> dict[str, float]:
        """The parameters at unit coordinates ``u`` (reflected into [0, 1])."""
        v = np.abs(np.asarray(u, dtype=float)) % 2.0
        v = np.where(v > 1.0, 2.0 - v, v)
        out = {}
        for k, (name, a, b, lg) in enumerate(zip(self.names, self.lo, self.hi, self.log, strict=True)):
            out[name] = float(math.exp(math.log(a) + v[k] * (math.log(b) - math.log(a)))) if lg else float(
                a + v[k] * (b - a))
        return out

    def unit(self, point: Mapping[str, float]) -> np.ndarray:
        """Unit coordinates of a point (clipped into the box)."""
        out = []
        for name, a, b, lg in zip(self.names, self.lo, self.hi, self.log, strict=True):
            v = min(max(float(point[name]), a), b)
            out.append((math.log(v) - math.log(a)) / (math.log(b) - math.log(a)) if lg else (v - a) / (b - a))
        return np.array(out)

    def to_dict(self) -> dict[str, Any]:
        return {n: [a, b] + (["log"] if lg else []) for n, a, b, lg in
                zip(self.names, self.lo, self.hi, self.log, strict=True)}


@dataclass(frozen=True)
class SearchResult:
    """The outcome of :func:`maximize`.

    Attributes
    ----------
    objective : str
        What was maximised, in words (e.g. "constant needed by Theorem 6, three-term form").
    family : str
        The family searched, in words.
    best_value : float
        The largest objective value found (``-inf`` if every evaluation failed).
    best_point : dict
        Its parameters.
    evaluations, budget : int
        Objective evaluations spent, and the budget.
    starts : int
        Nelder–Mead starts run.
    failures : int
        Evaluations that raised or returned NaN (counted as ``-inf``).
    start_values : tuple of float
        The best value each start reached, in order (given points first).
    seconds : float
        Wall time.
    box : dict
        The box searched (name → [lo, hi] or [lo, hi, "log"]).

    Examples
    --------
    >>> from gsmtheory.verify import Box, maximize
    >>> res = maximize(lambda p: -(p["a"] - 2.0) ** 2, Box.of({"a": (0, 5)}), budget=60, starts=2)
    >>> round(res.best_point["a"], 2), res.failures
    (2.0, 0)
    """

    objective: str
    family: str
    best_value: float
    best_point: dict[str, float]
    evaluations: int
    budget: int
    starts: int
    failures: int
    start_values: tuple[float, ...]
    seconds: float
    box: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return plain({"objective": self.objective, "family": self.family, "best_value": self.best_value,
                      "best_point": self.best_point, "evaluations": self.evaluations, "budget": self.budget,
                      "starts": self.starts, "failures": self.failures,
                      "start_values": list(self.start_values), "seconds": self.seconds, "box": self.box,
                      "mode": "search"})

    @property
    def summary(self) -> str:
        """``"best 2.93 after 240 of 240 evaluations from 6 starts (1 failed), 31 s"``."""
        return (f"best {self.best_value:.6g} after {self.evaluations} of {self.budget} evaluations from "
                f"{self.starts} starts" + (f" ({self.failures} failed)" if self.failures else "")
                + f", {self.seconds:.0f} s")


def maximize(objective: Callable[[dict[str, float]], float], box: Box, *, budget: int, starts: int,
             seed: int = 0, initial: Sequence[Mapping[str, float]] = (), name: str = "objective",
             family: str = "", xatol: float = 1e-3, fatol: float = 1e-6) -> SearchResult:
    """Multi-start Nelder–Mead maximisation of ``objective(point)`` over ``box`` (module docstring).

    Parameters
    ----------
    objective : callable
        ``point -> value``; an exception or NaN counts as a failed evaluation (``-inf``).
    box : Box
        The parameters and their ranges.
    budget : int
        Total objective evaluations; each start gets an equal share (at least ``2·dim + 2``).
    starts : int
        Number of starts: the ``initial`` points first, then scrambled Sobol points.
    seed : int
        Seeds the Sobol sequence (deterministic).
    initial : sequence of dict
        Known points to start from (defaults, a cached witness).
    name, family : str
        The objective and the family, in words, for the record.

    Returns
    -------
    SearchResult
        The best value and point, the evaluations spent and the failures counted.

    Raises
    ------
    ValueError
        A budget below 1 or no start.

    Examples
    --------
    >>> from gsmtheory.verify import Box, maximize
    >>> res = maximize(lambda p: -(p["a"] - 2.0) ** 2, Box.of({"a": (0, 5)}), budget=60, starts=2)
    >>> round(res.best_value, 6), res.evaluations <= res.budget
    (-0.0, True)
    """
    if budget < 1 or starts < 1:
        raise ValueError("a search needs a positive budget and at least one start")
    t0 = time.perf_counter()
    dim = len(box.names)
    state: dict[str, Any] = {"n": 0, "fail": 0, "best": -math.inf, "point": None}

    def f(u: np.ndarray) -> float:
        if state["n"] >= budget:
            return 1e300  # budget spent: Nelder–Mead sees no improvement and stops at its maxfev
        state["n"] += 1
        p = box.point(u)
        try:
            v = float(objective(p))
        except Exception:
            v = math.nan
        if math.isnan(v):
            state["fail"] += 1
            v = -math.inf
        if v > state["best"]:
            state["best"], state["point"] = v, p
        return -v if math.isfinite(v) else (1e300 if v < 0 else -1e300)

    sobol = qmc.Sobol(dim, scramble=True, seed=seed)
    extra = max(starts - len(initial), 0)
    pts = [box.unit(p) for p in initial][:starts]
    if extra:
        pts += list(sobol.random(1 << max(extra - 1, 0).bit_length())[:extra])
    share = max(budget // max(len(pts), 1), 2 * dim + 2)
    values = []
    for u0 in pts:
        if state["n"] >= budget:
            break
        best_here = -math.inf

        def g(u: np.ndarray) -> float:
            nonlocal best_here
            v = f(u)
            if v < 1e300:
                best_here = max(best_here, -v)
            return v

        init = np.clip(np.asarray(u0, dtype=float), 0.0, 1.0)
        step = np.where(init < 0.85, 0.15, -0.15)
        simplex = np.vstack([init] + [init + step[k] * np.eye(dim)[k] for k in range(dim)])
        minimize(g, init, method="Nelder-Mead",
                 options={"maxfev": min(share, budget - state["n"]), "xatol": xatol, "fatol": fatol,
                          "initial_simplex": simplex})
        values.append(best_here)
    return SearchResult(name, family, float(state["best"]), dict(state["point"] or {}), int(state["n"]),
                        int(budget), len(values), int(state["fail"]), tuple(float(v) for v in values),
                        time.perf_counter() - t0, box.to_dict())
