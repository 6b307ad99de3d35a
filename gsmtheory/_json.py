"""One converter from the package's records and arrays to plain JSON values (a base module).

Every layer's ``to_dict()`` and every JSON writer (the command line, the sweep store, the verify
report) goes through :func:`plain`, so a NumPy scalar, an array, a tuple, a torch tensor or a
record is converted the same way everywhere.
"""

from __future__ import annotations

import importlib.metadata
import math
from collections.abc import Mapping, Sequence
from typing import Any

import gsmtheory

__all__ = ["SCHEMA_VERSION", "plain", "provenance"]

#: version of the JSON the command line prints and ``results.json`` holds; raised when a key
#: changes meaning or disappears (new keys do not raise it)
SCHEMA_VERSION = 1
_VERSIONED = ("numpy", "scipy", "sympy", "mpmath", "torch")


def provenance() -> dict[str, Any]:
    """``{"schema_version": 1, "versions": {"gsmtheory": ..., "numpy": ..., ...}}``.

    Versions come from the installed distributions' metadata (:mod:`importlib.metadata`), so
    nothing is imported: torch is listed when it is installed and left out when it is not.

    Examples
    --------
    >>> p = provenance()
    >>> p["schema_version"], sorted(p["versions"])[:3]
    (1, ['gsmtheory', 'mpmath', 'numpy'])
    """
    versions = {"gsmtheory": gsmtheory.__version__}
    for name in _VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {"schema_version": SCHEMA_VERSION, "versions": versions}


def plain(obj: Any, *, finite: bool = False) -> Any:
    """Plain python (None, bool, int, float, str, list, dict) for ``obj``.

    Parameters
    ----------
    obj : object
        Numbers (Python, NumPy), arrays and tensors (through ``tolist``), mappings, sequences,
        complex numbers (``{"real", "imag"}``) and records with ``to_dict()``.
    finite : bool
        Turn non-finite floats into the strings ``"inf"``, ``"-inf"``, ``"nan"`` so that the
        result is standard JSON (``json.dumps(..., allow_nan=False)`` accepts it).

    Returns
    -------
    object
        The same value as nested plain Python.

    Raises
    ------
    TypeError
        For anything else, naming its type.

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory.verify import plain
    >>> plain({"x": np.arange(3), "y": np.float32(0.5), "z": float("inf")}, finite=True)
    {'x': [0, 1, 2], 'y': 0.5, 'z': 'inf'}
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        value = float(obj)
        return str(value) if finite and not math.isfinite(value) else value
    if isinstance(obj, complex):
        return {"real": plain(obj.real, finite=finite), "imag": plain(obj.imag, finite=finite)}
    if isinstance(obj, Mapping):
        return {str(k): plain(v, finite=finite) for k, v in obj.items()}
    if isinstance(obj, Sequence):
        return [plain(v, finite=finite) for v in obj]
    item = getattr(obj, "item", None)
    if callable(item) and getattr(obj, "shape", None) == ():  # NumPy or torch scalar
        return plain(item(), finite=finite)
    tolist = getattr(obj, "tolist", None)  # NumPy arrays, torch tensors
    if callable(tolist):
        return plain(tolist(), finite=finite)
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return plain(to_dict(), finite=finite)
    raise TypeError(f"{type(obj).__name__} is not JSON-able; give numbers, strings, lists, dicts "
                    "or records with to_dict()")
