"""gsmtheory: generalized score matching made executable.

Layers (docs/design.md §3), each importing only those above it:
``symbolic`` → ``compile`` → ``numeric`` → ``solve`` → ``estimation`` → ``api`` → ``networks`` →
``verify`` → ``sweep`` → ``cli``. ``numeric`` takes arrays and callables only (no SymPy);
``solve`` is the one place a symbolic spec meets those solvers: it compiles the spec's pieces
and dispatches to a registered solver.
"""

from __future__ import annotations

from gsmtheory._errors import GSMError, ModelError, NumericalError, SpecError

__version__ = "0.1.0"

__all__ = ["GSMError", "ModelError", "NumericalError", "SpecError", "__version__"]
