r"""The Poincaré methods: every ``METHOD``/``METHODS`` of the ``gsmtheory/solve/_solve_*.py`` files.

Adding a method is one file: ``gsmtheory/solve/_solve_<name>.py`` defining
``METHOD = Method(name, applies, run, summary, theory, priority=...)`` (see
:class:`gsmtheory.Method`; ``run(problem, rtol, quick) -> PoincareResult``). ``method="auto"``
tries the methods by ascending ``priority`` and takes the first whose ``applies`` is None (and
whose ``auto`` is set); ``method=name`` forces one.
"""

from __future__ import annotations

from functools import cache

from gsmtheory._methods import Registry, discover

__all__ = ["poincare_methods", "solver_names"]


@cache
def poincare_methods() -> Registry:
    """The registry of Poincaré methods, discovered once."""
    return discover("gsmtheory.solve", "_solve_", "Poincaré")


def solver_names() -> tuple[str, ...]:
    """The ``method=`` names of the registered methods, in ``auto`` order."""
    return poincare_methods().names()
