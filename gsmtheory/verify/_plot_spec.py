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
    ``spectral_convergence``, ``mc_vs_sandwich``."""
    if not re.match(r"^[a-z0-9_]+$", name):
        raise ValueError(f"plot name {name!r} must be lower_snake_case (it names a PNG file)")
    for scale in (xscale, yscale):
        if scale not in ("linear", "log", "symlog"):
            raise ValueError(f"axis scale {scale!r} is not linear, log or symlog")
    return {"name": name, "title": title, "xlabel": xlabel, "ylabel": ylabel,
            "xscale": xscale, "yscale": yscale, "series": [dict(s) for s in data]}
