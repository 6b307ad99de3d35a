"""User-facing errors: one line that names the problem and the fix.

Every error a user can cause (a bad spec, an unnormalizable density, a singular
model) is a :class:`GSMError`. The command line prints ``str(error)`` on one line
of stderr and exits with status 2; nothing else is printed.
"""

from __future__ import annotations

__all__ = ["GSMError", "ModelError", "NumericalError", "SpecError"]


class GSMError(ValueError):
    """A user-facing error whose message is ``"<problem>; <fix>"`` on one line.

    The command line prints ``str(error)`` after the command's name and exits with status 2;
    every layer raises one of its subclasses for input a user can correct.

    Parameters
    ----------
    problem : str
        What is wrong, in words (``"unknown constant 'k'"``).
    fix : str, optional
        What to do about it (``"declare it in [constants]"``). Whitespace, newlines included,
        is collapsed so the message stays on one line.

    Examples
    --------
    >>> from gsmtheory import GSMError
    >>> str(GSMError("unknown constant 'k'", "declare it in [constants]"))
    "unknown constant 'k'; declare it in [constants]"
    >>> isinstance(GSMError("x"), ValueError)
    True
    """

    def __init__(self, problem: str, fix: str | None = None) -> None:
        text = problem if fix is None else f"{problem}; {fix}"
        super().__init__(" ".join(text.split()))


class SpecError(GSMError):
    r"""A spec (TOML file, catalogue name or expression) cannot be used as written.

    Parameters
    ----------
    problem : str
        What is wrong with the spec.
    fix : str, optional
        How to write it instead.

    Examples
    --------
    >>> from gsmtheory import SpecError
    >>> from gsmtheory.symbolic import parse_spec
    >>> try:
    ...     parse_spec('coords = ["x"]\nlog_density = "-k*x**2"\n')
    ... except SpecError as exc:
    ...     print(str(exc).split(";")[0])
    in expression '-k*x**2': unknown name 'k'
    """


class ModelError(GSMError):
    """A target or model is not usable for the question asked (not normalizable, unidentifiable).

    Parameters
    ----------
    problem : str
        Why the model cannot answer.
    fix : str, optional
        What to change.

    Examples
    --------
    >>> from gsmtheory import GSMError, ModelError
    >>> issubclass(ModelError, GSMError)
    True
    >>> str(ModelError("the Fisher information is singular", "fix or drop a parameter"))
    'the Fisher information is singular; fix or drop a parameter'
    """


class NumericalError(GSMError):
    """Input that is numerically meaningless (NaN parameters, empty or overflowing data).

    Parameters
    ----------
    problem : str
        What is meaningless.
    fix : str, optional
        What to give instead.

    Examples
    --------
    >>> from gsmtheory import NumericalError
    >>> str(NumericalError("data has no rows", "give at least one sample"))
    'data has no rows; give at least one sample'
    """
