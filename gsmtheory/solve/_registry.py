r"""The ordered list of Poincaré solvers: registering a solver is one entry in :data:`SOLVERS`.

``method="auto"`` tries them in this order and takes the first whose ``why_not`` is None (and
whose ``auto`` is set); ``method=name`` forces one. To add a solver, write
``gsmtheory/solve/_solve_<name>.py`` defining ``SOLVER = Solver(name, why_not, solve, summary)``
(see :class:`gsmtheory.solve.Solver`), then register it here:
``from gsmtheory.solve._solve_<name> import SOLVER as <NAME>`` and ``<NAME>,`` in
:data:`SOLVERS` at the place where ``auto`` should try it.
"""

from __future__ import annotations

from gsmtheory.solve._solve_1d import SOLVERS as ONE_D
from gsmtheory.solve._solve_2d import SOLVER as FV2D
from gsmtheory.solve._solve_3d import SOLVER as FV3D
from gsmtheory.solve._solve_gaussian import SOLVER as GAUSSIAN
from gsmtheory.solve._solve_rayleigh_ritz import SOLVER as RAYLEIGH_RITZ
from gsmtheory.solve._solve_reduction import SOLVER as REDUCTION
from gsmtheory.solve._solve_tensorization import SOLVER as TENSORIZATION
from gsmtheory.solve._solver import Solver

__all__ = ["SOLVERS", "solver_names"]

#: the registered solvers, in the order ``method="auto"`` tries them
SOLVERS: tuple[Solver, ...] = (
    GAUSSIAN,
    REDUCTION,
    TENSORIZATION,
    *ONE_D,
    FV2D,
    FV3D,
    RAYLEIGH_RITZ,
)


def solver_names() -> tuple[str, ...]:
    """The ``method=`` names of the registered solvers, in registration order."""
    return tuple(s.name for s in SOLVERS)
