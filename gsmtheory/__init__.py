"""gsmtheory: generalized score matching made executable.

Layers (DESIGN.md §3), each importing only those above it:
``symbolic`` → ``compile`` → ``numeric`` → ``estimation`` → ``verify`` → ``sweep`` → ``cli``.
"""

from __future__ import annotations

from gsmtheory._errors import GSMError, ModelError, NumericalError, SpecError

__version__ = "0.1.0"

__all__ = ["GSMError", "ModelError", "NumericalError", "SpecError", "__version__"]
