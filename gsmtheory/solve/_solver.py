r"""The solver record of the Poincaré registry: a name, when it applies, how it solves.

A :class:`Solver` is data (a frozen record of two functions), so the dispatcher
(:func:`gsmtheory.solve.poincare_constant`) is a loop over the ordered registration list in
:mod:`gsmtheory.solve._registry`: ``method="auto"`` takes the first solver with ``auto`` set
whose ``why_not`` returns None; ``method=name`` forces that solver and raises its reason as a
one-line :class:`gsmtheory.SpecError` when it does not apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gsmtheory.numeric import PoincareResult
from gsmtheory.solve._problem import PoincareProblem

__all__ = ["Solver"]


@dataclass(frozen=True)
class Solver:
    """One way to compute C_P of a :class:`PoincareProblem`.

    Attributes
    ----------
    name : str
        The ``method=`` value (and ``gsmtheory poincare --method``) that forces it.
    why_not : callable
        ``why_not(problem)`` → None when the solver applies, else a one-line reason.
    solve : callable
        ``solve(problem, rtol, quick)`` → :class:`gsmtheory.numeric.PoincareResult`
        (``rtol`` None: the solver's default, looser when ``quick``).
    summary : str
        One line for the documentation and the error listing the solvers.
    auto : bool
        Whether ``method="auto"`` may choose it (False: only when forced by name).
    """

    name: str
    why_not: Callable[[PoincareProblem], str | None]
    solve: Callable[[PoincareProblem, float | None, bool], PoincareResult]
    summary: str = ""
    auto: bool = True
