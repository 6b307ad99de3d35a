r"""Samples for the estimators: an (n, d) array checked against the spec, or read from .npy / .csv."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import GSMError, NumericalError

__all__ = ["load_data", "validate_data"]

Array = NDArray[np.float64]


#: the largest |x| accepted in data (a loss of degree 4 in x stays within float64)
DATA_MAGNITUDE = 1e60

def validate_data(data: Any, dim: int, *, source: str = "data",
                  domain: Sequence[tuple[float, float]] | None = None,
                  coords: Sequence[str] | None = None) -> Array:
    """Samples x_1..x_n ∈ ∏[lo_i, hi_i] as an (n, d) float64 array, refused in one line when unusable.

    Parameters
    ----------
    data : array_like
        One row per sample (a 1-D array is read as n samples of d = 1).
    dim : int
        d, the number of coordinates of the spec.
    source : str
        What the data are called in messages.
    domain : sequence of (lo, hi), optional
        When given, rows outside the domain are refused.
    coords : sequence of str, optional
        Coordinate names, for the messages.

    Returns
    -------
    ndarray
        The data, shape (n, d), float64.

    Raises
    ------
    NumericalError
        Complex data (never cast to their real part), non-numeric data, no rows, the wrong width,
        NaN/inf, values beyond ±:data:`DATA_MAGNITUDE` (their powers in the losses overflow
        float64), or (with ``domain``) rows outside the domain, with the count of offending rows.

    Examples
    --------
    >>> validate_data([[0.5], [1.0]], 1).shape
    (2, 1)
    >>> validate_data([[float("nan")]], 1)
    Traceback (most recent call last):
    ...
    gsmtheory._errors.NumericalError: data contains NaN or inf (first at row 1); remove or fix those rows
    """
    if np.iscomplexobj(data) and np.any(np.imag(np.asarray(data)) != 0):
        raise NumericalError(f"{source} is complex-valued", "give real samples (the imaginary part would be lost)")
    try:
        arr = np.asarray(np.real(data) if np.iscomplexobj(data) else data, dtype=np.float64)
    except (TypeError, ValueError):
        raise NumericalError(f"{source} is not numeric", "give one row of numbers per sample") from None
    if arr.ndim == 1 and dim == 1:
        arr = arr[:, None]
    if arr.ndim == 0 or arr.size == 0 or arr.shape[0] == 0:
        raise NumericalError(f"{source} has no rows", "give at least one sample, one row per sample")
    if arr.ndim != 2:
        raise NumericalError(f"{source} has shape {arr.shape}", f"give a 2-D table with {dim} column(s)")
    if arr.shape[1] != dim:
        raise NumericalError(f"{source} has {arr.shape[1]} column(s) but the spec has {dim} coordinate(s)",
                             f"give exactly {dim} value(s) per row")
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.nonzero(bad.any(axis=1))[0][0])
        raise NumericalError(f"{source} contains NaN or inf (first at row {row + 1})",
                             "remove or fix those rows")
    largest = float(np.max(np.abs(arr)))
    if largest > DATA_MAGNITUDE:
        raise NumericalError(f"{source} holds values up to {largest:.3g}, beyond ±{DATA_MAGNITUDE:g}, "
                             "where the losses' powers of x overflow float64",
                             "rescale the data (and the spec's constants) to moderate values")
    if domain is not None:
        lo = np.array([float(a) for a, _ in domain])
        hi = np.array([float(b) for _, b in domain])
        outside = np.any((arr < lo) | (arr > hi), axis=1)
        if outside.any():
            names = list(coords) if coords is not None else [f"x{i + 1}" for i in range(dim)]
            box = " x ".join(f"{c} in [{_num(a)}, {_num(b)}]" for c, a, b in zip(names, lo, hi, strict=True))
            row = int(np.nonzero(outside)[0][0])
            raise NumericalError(
                f"{source}: {int(outside.sum())} of {len(arr)} rows lie outside the domain {box} "
                f"(first at row {row + 1}: {', '.join(f'{v:.4g}' for v in arr[row])})",
                "remove those rows or widen [domain] in the spec")
    return arr


def _num(v: float) -> str:
    return "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:g}"


def load_data(path: str | Path, dim: int) -> Array:
    r"""Samples from a .npy or .csv file (one row per sample; a csv may start with a header line).

    Parameters
    ----------
    path : str or Path
        The file.
    dim : int
        d, the number of coordinates of the spec (checked by :func:`validate_data`).

    Returns
    -------
    ndarray
        The samples, shape (n, d), float64.

    Raises
    ------
    NumericalError
        A missing or unreadable file, another format, rows that are not numbers or of different
        widths, or data :func:`validate_data` refuses.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = path.write_text("x\n0.5\n-1.25\n")
    >>> load_data(path, 1).tolist()
    [[0.5], [-1.25]]
    """
    p = Path(path)
    if not p.exists() or p.is_dir():
        raise NumericalError(f"data file {str(p)!r} does not exist", "give the path of a .npy or .csv file")
    try:
        if p.suffix.lower() == ".npy":
            arr = np.load(p, allow_pickle=False)
        elif p.suffix.lower() in (".csv", ".txt"):
            text = p.read_text(encoding="utf-8")
            lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            if lines:
                try:
                    [float(v) for v in lines[0].split(",")]
                except ValueError:
                    lines = lines[1:]  # a header
            rows = []
            for i, ln in enumerate(lines):
                try:
                    rows.append([float(v) for v in ln.split(",")])
                except ValueError:
                    raise NumericalError(f"data file row {i + 1} is not numbers: {ln[:40]!r}",
                                         "write comma-separated numbers") from None
            widths = {len(r) for r in rows}
            if len(widths) > 1:
                raise NumericalError(f"data file rows have different widths {sorted(widths)}",
                                     f"give {dim} value(s) on every row")
            arr = np.array(rows, dtype=float).reshape(len(rows), -1 if rows else dim)
        else:
            raise NumericalError(f"data file {p.name!r} is neither .npy nor .csv", "save it as .npy or .csv")
    except (OSError, ValueError, UnicodeDecodeError, EOFError) as exc:
        if isinstance(exc, GSMError):
            raise
        raise NumericalError(f"cannot read data file {p.name!r} ({type(exc).__name__})",
                             "check the file") from None
    return validate_data(arr, dim, source=f"data file {p.name!r}")
