"""One converter from the package's records and arrays to plain JSON values (a base module).

Every layer's ``to_dict()`` and every JSON writer (the command line, the sweep store, the verify
report) goes through :func:`plain`, so a NumPy scalar, an array, a tuple, a torch tensor or a
record is converted the same way everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["plain"]


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

    Raises
    ------
    TypeError
        For anything else, naming its type.
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
