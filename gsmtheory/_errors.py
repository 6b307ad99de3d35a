"""User-facing errors: one line that names the problem and the fix.

Every error a user can cause (a bad spec, an unnormalizable density, a singular
model) is a :class:`GSMError`. The command line prints ``str(error)`` on one line
of stderr and exits with status 2; nothing else is printed.
"""

from __future__ import annotations

__all__ = ["GSMError", "ModelError", "NumericalError", "SpecError"]


class GSMError(ValueError):
    """A user-facing error whose message is ``"<problem>; <fix>"`` on one line."""

    def __init__(self, problem: str, fix: str | None = None) -> None:
        text = problem if fix is None else f"{problem}; {fix}"
        super().__init__(" ".join(text.split()))


class SpecError(GSMError):
    """A spec (TOML file, catalogue name or expression) cannot be used as written."""


class ModelError(GSMError):
    """A target or model is not usable for the question asked (not normalizable, unidentifiable)."""


class NumericalError(GSMError):
    """Input that is numerically meaningless (NaN parameters, empty data)."""
