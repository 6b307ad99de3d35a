"""Plots of the report, drawn from ``details["plots"]`` of the claim records (matplotlib Agg).

Plot specs with the same name from several claims are merged into one figure (e.g. Langevin's
C_P from C02 and CTLD's from C14 on ``cp_vs_separation``). The standard plots are always listed;
one that no claim supplied becomes a note instead of a figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gsmtheory.verify._record import ClaimRecord

__all__ = ["STANDARD_PLOTS", "PlotOutcome", "collect_plots", "render_plots"]

#: name -> (title, which claims are expected to supply it)
STANDARD_PLOTS: dict[str, tuple[str, str]] = {
    "cp_vs_separation": ("Poincaré constant against separation (Langevin and CTLD)", "C02, C14"),
    "efficiency_vs_separation": (
        "Efficiency of vanilla and annealed score matching against MLE", "C09, C15"),
    "spectral_convergence": ("Convergence of the spectral solvers under refinement", "C01, C02, C14"),
    "mc_vs_sandwich": ("Monte Carlo covariance against the sandwich formula", "C06, C07, C15"),
}


@dataclass(frozen=True)
class PlotOutcome:
    """A drawn plot (``filename`` set) or a note saying why it is missing.

    Attributes
    ----------
    name : str
        The plot's name (the PNG's stem).
    title : str
        Its title.
    sources : tuple of str
        The claims whose series it draws.
    filename : str or None
        The PNG written, when drawn.
    note : str or None
        Why it is missing, when not drawn.

    Examples
    --------
    >>> from gsmtheory.verify import PlotOutcome
    >>> PlotOutcome("mc_vs_sandwich", "Monte Carlo against the sandwich", (), note="no claim supplied it").filename is None
    True
    """

    name: str
    title: str
    sources: tuple[str, ...]
    filename: str | None = None
    note: str | None = None


def collect_plots(claims: Sequence[ClaimRecord]) -> dict[str, dict[str, Any]]:
    """Merge the plot specs of all claims by name; series labels get their claim id appended
    when several claims feed one plot. Claims feeding one plot must share its x-axis: when
    their x labels differ, the merged label lists them all and ``xlabel_conflict`` is True
    (the drawn axis then says so instead of silently using the first claim's label).

    Parameters
    ----------
    claims : sequence of ClaimRecord
        Records whose ``details["plots"]`` hold plot specs (:func:`plot`).

    Returns
    -------
    dict
        Plot name → the merged spec, with ``sources`` (the claim ids).

    Examples
    --------
    >>> from gsmtheory.verify import ClaimRecord, collect_plots, plot, series
    >>> spec = plot("demo", "A demo", "n", "error", [series("err", [1, 2], [0.1, 0.01])], yscale="log")
    >>> rec = ClaimRecord.bound("C99", "s", "r", 1.0, 2.0, details={"plots": [spec]})
    >>> merged = collect_plots([rec])
    >>> list(merged), merged["demo"]["sources"]
    (['demo'], ['C99'])
    """
    merged: dict[str, dict[str, Any]] = {}
    for claim in claims:
        specs = claim.details.get("plots", []) if isinstance(claim.details, dict) else []
        if not isinstance(specs, list):
            continue
        for spec in specs:
            if not isinstance(spec, dict) or "name" not in spec:
                continue
            name = str(spec["name"])
            target = merged.setdefault(name, {**spec, "series": [], "sources": [], "xlabels": []})
            xlabel = str(spec.get("xlabel", ""))
            if xlabel not in target["xlabels"]:
                target["xlabels"].append(xlabel)
            if claim.id not in target["sources"]:
                target["sources"].append(claim.id)
            for s in spec.get("series", []):
                target["series"].append({**s, "claim": claim.id})
    for target in merged.values():
        labels = target.pop("xlabels")
        target["xlabel_conflict"] = len(labels) > 1
        if target["xlabel_conflict"]:
            target["xlabel"] = " | ".join(labels) + " (x-axes differ between claims)"
        if len(target["sources"]) > 1:
            for s in target["series"]:
                s["label"] = f"{s.get('label', '')} ({s['claim']})"
    return merged


def _finite_pairs(s: dict[str, Any], xscale: str, yscale: str) -> tuple[list[float], list[float],
                                                                         list[float] | None]:
    xs, ys, es = [], [], []
    yerr = s.get("yerr")
    for i, (x, y) in enumerate(zip(s.get("x", []), s.get("y", []))):
        try:
            xf, yf = float(x), float(y)
        except (TypeError, ValueError):
            continue
        if not (math.isfinite(xf) and math.isfinite(yf)):
            continue
        if (xscale == "log" and xf <= 0) or (yscale == "log" and yf <= 0):
            continue
        xs.append(xf)
        ys.append(yf)
        if yerr is not None:
            try:
                es.append(abs(float(yerr[i])))
            except (TypeError, ValueError, IndexError):
                es.append(0.0)
    return xs, ys, (es if yerr is not None else None)


def _draw(spec: dict[str, Any], path: Path) -> int:
    """Draw one merged plot to ``path``; returns the number of series drawn."""
    xscale, yscale = spec.get("xscale", "linear"), spec.get("yscale", "linear")
    fig = Figure(figsize=(6.4, 4.2), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    drawn = 0
    for s in spec["series"]:
        xs, ys, es = _finite_pairs(s, xscale, yscale)
        if not xs:
            continue
        style = s.get("style", "line")
        fmt = {"line": "o-", "points": "o", "dashed": "--"}.get(style, "o-")
        if es is not None:
            ax.errorbar(xs, ys, yerr=es, fmt=fmt, capsize=3, label=s.get("label"), markersize=4)
        else:
            ax.plot(xs, ys, fmt, label=s.get("label"), markersize=4)
        drawn += 1
    if drawn:
        ax.set_xscale(xscale)
        ax.set_yscale(yscale)
        ax.set_title(spec.get("title", spec["name"]), fontsize=10)
        ax.set_xlabel(spec.get("xlabel", ""))
        ax.set_ylabel(spec.get("ylabel", ""))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, format="png")
    return drawn


def render_plots(claims: Sequence[ClaimRecord], directory: Path) -> list[PlotOutcome]:
    """Draw every plot the claims supply into ``directory/<name>.png``; standard plots first,
    then the others by name. Missing or empty plots come back as notes.

    Parameters
    ----------
    claims : sequence of ClaimRecord
        The records of a run.
    directory : Path
        Where the PNG files go.

    Returns
    -------
    list of PlotOutcome
        One per plot, drawn or with its note; the standard plots (:data:`STANDARD_PLOTS`) always.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.verify import render_plots
    >>> [p.name for p in render_plots([], pathlib.Path(tempfile.mkdtemp()))][:2]
    ['cp_vs_separation', 'efficiency_vs_separation']
    """
    merged = collect_plots(claims)
    names = list(STANDARD_PLOTS) + sorted(n for n in merged if n not in STANDARD_PLOTS)
    out: list[PlotOutcome] = []
    for name in names:
        title, expected = STANDARD_PLOTS.get(name, (None, ""))
        spec = merged.get(name)
        if spec is None:
            out.append(PlotOutcome(name, title or name, (), note=(
                f"No claim in this run supplied the series for this plot (expected from {expected})."
            )))
            continue
        sources = tuple(spec["sources"])
        title = title or spec.get("title", name)
        try:
            drawn = _draw(spec, directory / f"{name}.png")
        except Exception as exc:  # a malformed series must not stop the report
            out.append(PlotOutcome(name, title, sources,
                                   note=f"Could not draw ({type(exc).__name__}: {exc})."))
            continue
        if drawn:
            out.append(PlotOutcome(name, title, sources, filename=f"{name}.png"))
        else:
            out.append(PlotOutcome(name, title, sources,
                                   note="The supplied series hold no finite points to draw."))
    return out
