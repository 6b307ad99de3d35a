"""gsmtheory: generalized score matching made executable.

Layers (docs/design.md §3), each importing only those above it:
``symbolic`` → ``compile`` → ``numeric`` → ``solve`` → ``estimation`` → ``api`` → ``networks`` →
``verify`` → ``sweep`` → ``cli``. ``numeric`` takes arrays and callables only (no SymPy);
``solve`` is the one place a symbolic spec meets those solvers: it compiles the spec's pieces
and dispatches to a registered method (:class:`Method`, one file each, discovered into a
:class:`Registry` per question).
"""

from __future__ import annotations

from gsmtheory._errors import GSMError, ModelError, NumericalError, SpecError
from gsmtheory._methods import Method, Registry, Theory

__version__ = "0.1.0"

__all__ = [
    "GSMError",
    "Method",
    "ModelError",
    "NumericalError",
    "Registry",
    "SpecError",
    "Theory",
    "__version__",
]
