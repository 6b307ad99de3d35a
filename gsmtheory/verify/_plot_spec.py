"""Plot specs a check puts in ``details["plots"]``: :func:`series` and :func:`plot` (docs/design.md §2).

Plots with the same name from several claims are drawn on one figure by the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from numpy.typing import NDArray

from gsmtheory._json import plain

__all__ = ["plot", "series"]


# ---------------------------------------------------------------------- plot specs
def series(label: str, x: Sequence[float] | NDArray[Any], y: Sequence[float] | NDArray[Any], *,
           yerr: Sequence[float] | NDArray[Any] | None = None, style: str = "line") -> dict[str, Any]:
    """One data series for a plot: ``{"label", "x", "y", "yerr"?, "style"}``.

    style: ``"line"`` (line with markers), ``"points"`` (markers only) or ``"dashed"``.

    Parameters
    ----------
    label : str
        The legend entry.
    x, y : sequence of float
        The points (same length).
    yerr : sequence of float, optional
        Error bars.
    style : {"line", "points", "dashed"}
        How it is drawn.

    Returns
    -------
    dict
        The series, plain JSON.

    Raises
    ------
    ValueError
        x and y of different lengths, or an unknown style.

    Examples
    --------
    >>> from gsmtheory.verify import series
    >>> series("C_P", [1, 2], [0.5, 0.25], style="points")
    {'label': 'C_P', 'x': [1, 2], 'y': [0.5, 0.25], 'style': 'points'}
    """
    if len(x) != len(y):
        raise ValueError(f"series {label!r}: x has {len(x)} points, y has {len(y)}")
    if style not in ("line", "points", "dashed"):
        raise ValueError(f"series style {style!r} is not line, points or dashed")
    out: dict[str, Any] = {"label": label, "x": plain(list(x)), "y": plain(list(y)), "style": style}
    if yerr is not None:
        out["yerr"] = plain(list(yerr))
    return out


def plot(name: str, title: str, xlabel: str, ylabel: str, data: Sequence[Mapping[str, Any]], *,
         xscale: str = "linear", yscale: str = "linear") -> dict[str, Any]:
    """A plot spec for ``details["plots"]``. Plots with the same ``name`` from several claims
    are drawn on one figure. Standard names the report always shows (with a note when no claim
    supplies them): ``cp_vs_separation``, ``efficiency_vs_separation``,
    ``spectral_convergence``, ``mc_vs_sandwich``.

    Parameters
    ----------
    name : str
        lower_snake_case; it names the PNG file and merges plots across claims.
    title, xlabel, ylabel : str
        The texts.
    data : sequence of dict
        The series (:func:`series`).
    xscale, yscale : {"linear", "log", "symlog"}
        The axis scales.

    Returns
    -------
    dict
        The spec.

    Raises
    ------
    ValueError
        A name that is not lower_snake_case, or an unknown scale.

    Examples
    --------
    >>> from gsmtheory.verify import plot, series
    >>> spec = plot("demo", "Error", "n", "error", [series("err", [1, 2], [0.1, 0.01])], yscale="log")
    >>> spec["name"], spec["yscale"], len(spec["series"])
    ('demo', 'log', 1)
    """
    if not re.match(r"^[a-z0-9_]+$", name):
        raise ValueError(f"plot name {name!r} must be lower_snake_case (it names a PNG file)")
    for scale in (xscale, yscale):
        if scale not in ("linear", "log", "symlog"):
            raise ValueError(f"axis scale {scale!r} is not linear, log or symlog")
    return {"name": name, "title": title, "xlabel": xlabel, "ylabel": ylabel,
            "xscale": xscale, "yscale": yscale, "series": [dict(s) for s in data]}
