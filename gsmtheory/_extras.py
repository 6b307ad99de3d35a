"""Optional dependencies (the package's extras) and the one-line error when one is missing.

The core install (sympy, numpy, scipy, pyamg, mpmath, matplotlib, tqdm) runs ``derive``, ``poincare``,
``loss`` by quadrature, ``efficiency`` by quadrature, closed-form fits and ``verify``. What needs
more is imported where it runs — never at module level — and a missing one is reported as
``<what> needs torch, which is not installed; pip install 'gsmtheory[torch]'`` (exit 2 on the
command line). :func:`missing_extra` recognises the import error of such a module wherever it
surfaces, so the command line needs no list of the places that import torch.
"""

from __future__ import annotations

import importlib.util

from gsmtheory._errors import GSMError

__all__ = ["EXTRAS", "MissingExtra", "extra_hint", "missing_extra", "require"]

#: top-level module -> the extra that installs it
EXTRAS: dict[str, str] = {
    "torch": "torch",
    "distributed": "dask",
    "dask": "dask",
    "nbclient": "notebooks",
    "nbformat": "notebooks",
    "jupytext": "notebooks",
    "sphinx": "docs",
}


class MissingExtra(GSMError):
    """A code path needs an optional dependency that is not installed."""


def extra_hint(module: str, what: str = "this") -> str:
    """The one-line message for a missing ``module`` (``what`` names the feature)."""
    top = module.split(".")[0]
    extra = EXTRAS.get(top, top)
    return (f"{what} needs {top}, which is not installed; "
            f"install it with: pip install 'gsmtheory[{extra}]'")


def missing_extra(exc: BaseException) -> str | None:
    """The top-level module name when ``exc`` is the import error of an optional dependency."""
    if not isinstance(exc, ImportError):
        return None
    name = (getattr(exc, "name", None) or "").split(".")[0]
    return name if name in EXTRAS else None


def require(module: str, what: str) -> None:
    """Raise :class:`MissingExtra` (one line, the pip command) unless ``module`` can be imported.

    Only looks the module up (``importlib.util.find_spec``); nothing is imported.
    """
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise MissingExtra(extra_hint(module, what))
