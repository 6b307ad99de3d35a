"""Standard plots from a store: every numeric result against every swept constant.

For each sweep in the store, each scalar result key ``k`` (e.g. ``poincare_constant``) and each
grid constant ``c`` with at least two values, one PNG draws ``k`` against ``c``, one line per
combination of the other constants. An axis is logarithmic when its values are positive and
span at least two decades (C_P against separation grows like exp(c·s²): a straight-ish curve
on a log axis). Drawn with matplotlib's Agg back end; no display needed.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gsmtheory._outdir import claim_directory, publish, staging
from gsmtheory.sweep._store_read import StoredRow, read_rows, read_sweeps

__all__ = ["STANDARD_KEYS", "Report", "draw_report", "scalar_results"]

_MAX_KEYS = 16
_MAX_LIST = 4
#: the values each task's standard plots show (prefixes of flattened keys, docs/design.md §4 names);
#: a task whose results have none of them gets every scalar outside ``resolution``
STANDARD_KEYS: dict[str, tuple[str, ...]] = {
    "poincare": ("poincare_constant", "spectral_gap", "error_estimate"),
    "efficiency": ("ratio", "poincare_constant", "gsm_covariance", "mle_covariance", "theorem_bound"),
    "loss": ("explicit", "implicit", "boundary"),
    "fit": ("estimate", "standard_errors", "loss"),
    "selftest": ("value",),
}
_DECADES = 2.0


@dataclass(frozen=True)
class Report:
    r"""The plots drawn (paths), and how many sweeps and ok/error rows the store holds.

    Attributes
    ----------
    plots : tuple of str
        The PNG files written.
    sweeps, rows, errors : int
        Sweeps in the store, rows, and rows with status ``error``.
    out : str
        The folder (gsmtheory's: marked, see docs/design.md §4).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import parse_sweep, run_sweep
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sweep = parse_sweep('spec = "double-well"\ntask = "selftest"\n[grid]\nbeta = [1.0, 2.0, 4.0]')
    >>> summary = run_sweep(sweep, folder / "r.sqlite", workers=1, progress=False)
    >>> from gsmtheory.sweep import draw_report
    >>> report = draw_report(folder / "r.sqlite")
    >>> report.sweeps, report.rows, report.errors, [pathlib.Path(p).name for p in report.plots]
    (1, 3, 0, ['double-well-selftest-...-value-vs-beta.png'])
    """

    plots: tuple[str, ...]
    sweeps: int
    rows: int
    errors: int
    out: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary."""
        return {"plots": list(self.plots), "sweeps": self.sweeps, "rows": self.rows,
                "errors": self.errors, "out": self.out}


def scalar_results(result: dict[str, Any] | None, prefix: str = "") -> dict[str, float]:
    """Finite real numbers in a result dict, nested keys joined by ``.``.

    A one-element (nested) list counts as its element (a 1 × 1 covariance); a short list of
    numbers (≤ 4, e.g. a loss at each ``at`` point) gives ``key[0]``, ``key[1]``, ...; bools,
    text and longer lists are skipped.

    Parameters
    ----------
    result : dict or None
        A stored result.
    prefix : str
        Prepended to every key (used for the recursion).

    Returns
    -------
    dict of str to float
        What the standard plots can draw.

    Examples
    --------
    >>> from gsmtheory.sweep import scalar_results
    >>> scalar_results({"poincare_constant": 4.0, "gsm_covariance": [[2.25]], "loss": [0.1, 0.2],
    ...                 "status": "ok", "ok": True, "poincare": {"lower": 3.9}})
    {'poincare_constant': 4.0, 'gsm_covariance': 2.25, 'loss[0]': 0.1, 'loss[1]': 0.2, 'poincare.lower': 3.9}
    """
    out: dict[str, float] = {}
    for key, value in (result or {}).items():
        name = f"{prefix}{key}"
        while isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and math.isfinite(value):
            out[name] = float(value)
        elif isinstance(value, dict):
            out.update(scalar_results(value, prefix=name + "."))
        elif isinstance(value, list) and len(value) <= _MAX_LIST and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
            out.update({f"{name}[{i}]": float(v) for i, v in enumerate(value)})
    return out


def _log_axis(values: list[float]) -> bool:
    positive = [v for v in values if v > 0]
    return len(positive) == len(values) and len(values) > 1 and \
        math.log10(max(positive) / min(positive)) >= _DECADES


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


def _plot(rows: list[StoredRow], key: str, param: str, title: str, path: Path) -> bool:
    lines: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in rows:
        value = scalar_results(row.result).get(key)
        if value is None or param not in row.params:
            continue
        rest = ", ".join(f"{k}={v}" for k, v in sorted(row.params.items()) if k != param)
        lines[rest].append((float(row.params[param]), value))
    xs = [x for pts in lines.values() for x, _ in pts]
    ys = [y for pts in lines.values() for _, y in pts]
    if len(set(xs)) < 2:
        return False
    fig = Figure(figsize=(6.0, 4.0), dpi=100)  # no pyplot: no global figure state to close
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for label, pts in sorted(lines.items()):
        pts.sort()
        ax.plot([x for x, _ in pts], [y for _, y in pts], marker="o", label=label or None)
    if _log_axis(ys):
        ax.set_yscale("log")
    if _log_axis(xs):
        ax.set_xscale("log")
    ax.set_xlabel(param)
    ax.set_ylabel(key)
    ax.set_title(title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    if 1 < len(lines) <= 10:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return True


def _standard(found: list[str], wanted: tuple[str, ...]) -> list[str]:
    """The found keys that are (or sit under) a wanted name, in the wanted order; else all found."""
    def matches(key: str, name: str) -> bool:
        return key == name or key.startswith((name + ".", name + "["))

    keys = [k for name in wanted for k in found if matches(k, name)]
    return list(dict.fromkeys(keys)) or found


def draw_report(store: str | Path, out: str | Path | None = None) -> Report:
    r"""Draw the standard plots of every sweep in ``store`` into ``out`` (default ``STORE_report/``).

    One PNG per scalar result key and swept constant with at least two values, one line per
    combination of the other constants; logarithmic axes where the values span two decades.
    The folder is written only when it is new, empty or gsmtheory's (marked); files are moved in
    one by one, so a user's files are never touched.

    Parameters
    ----------
    store : str or Path
        A store (read-only access).
    out : str or Path, optional
        The folder for the plots.

    Returns
    -------
    Report
        The plots and the store's counts.

    Raises
    ------
    GSMError
        the store is missing or not a gsmtheory store, or ``out`` cannot be created or holds
        files gsmtheory did not write.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import parse_sweep, run_sweep
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sweep = parse_sweep('spec = "double-well"\ntask = "selftest"\n[grid]\nbeta = [1.0, 2.0, 4.0]')
    >>> summary = run_sweep(sweep, folder / "r.sqlite", workers=1, progress=False)
    >>> draw_report(folder / "r.sqlite", folder / "plots").out == str(folder / "plots")
    True
    """
    store_path = Path(store)
    sweeps = read_sweeps(store_path)
    rows = read_rows(store_path)
    out_dir = claim_directory(out if out is not None else
                              store_path.with_name(store_path.stem + "_report"), "sweep-report", "--out")
    by_sweep: dict[str, list[StoredRow]] = defaultdict(list)
    for row in rows:
        if row.status == "ok":
            by_sweep[row.spec_hash].append(row)
    with staging(out_dir) as tmp:
        names = _draw_all(sweeps, by_sweep, tmp)
        publish(out_dir, tmp, "sweep-report")
    return Report(plots=tuple(str(out_dir / n) for n in names), sweeps=len(sweeps), rows=len(rows),
                  errors=sum(r.status == "error" for r in rows), out=str(out_dir))


def _draw_all(sweeps: list[dict[str, Any]], by_sweep: dict[str, list[StoredRow]],
              out_dir: Path) -> list[str]:
    """Draw every sweep's standard plots into ``out_dir``; the file names drawn."""
    plots: list[str] = []
    for sweep in sweeps:
        ok = by_sweep.get(sweep["spec_hash"], [])
        found: list[str] = []
        for row in ok:
            for k in scalar_results(row.result):
                if k not in found and not k.startswith("resolution"):
                    found.append(k)
        keys = _standard(found, STANDARD_KEYS.get(sweep["task"], ()))
        # the swept names: the recorded grid's first, then any a later (wider) grid added
        params = list(sweep["grid"])
        for row in ok:
            params += [k for k in row.params if k not in params]
        for key in keys[:_MAX_KEYS]:
            for param in params:
                name = _slug(f"{sweep['spec_name']}-{sweep['task']}-{sweep['spec_hash'][:8]}-{key}-vs-{param}")
                path = out_dir / f"{name}.png"
                title = f"{sweep['spec_name']} · {sweep['task']} · {key} vs {param}"
                if _plot(ok, key, param, title, path):
                    plots.append(path.name)
    return plots
