"""Sweep files (docs/design.md §4): a spec, a task and a grid over the spec's [constants].

.. code-block:: toml

    spec = "double-well.toml"     # relative to this file, or a catalogue name
    task = "poincare"             # poincare | efficiency | loss | fit
    [grid]
    beta = [1, 2, 5, 10, 20]
    [task_options]                # optional, per task (loss: at = [{a = 1.3}], fit: data = "x.npy")

The sweep is the Cartesian product of the grid, one task per point. A sweep is identified by
its *spec hash*, ``sha256`` of the canonical JSON of (spec text, task, options, data digest):
the same sweep file re-run against the same store finds its finished rows by that hash.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsmtheory._errors import GSMError
from gsmtheory._files import MAX_DATA_BYTES, MAX_SPEC_BYTES, read_text, regular_file
from gsmtheory.sweep._tasks import check_task

__all__ = ["SweepFile", "SweepPoint", "canonical_json", "expand_grid", "load_sweep", "parse_sweep"]

_TOP_KEYS = frozenset({"spec", "task", "grid", "task_options", "description"})
_MAX_POINTS = 1_000_000
_MAX_FILE_BYTES = 1 << 20

Number = int | float


def canonical_json(obj: Any) -> str:
    """Compact JSON with sorted keys: one text per value, used for keys and hashes.

    Parameters
    ----------
    obj : object
        Plain JSON values (numbers, strings, lists, dicts); non-finite floats are refused.

    Returns
    -------
    str
        The text.

    Raises
    ------
    ValueError
        A NaN or infinite float.

    Examples
    --------
    >>> from gsmtheory.sweep import canonical_json
    >>> canonical_json({"b": 1, "a": [2.0, "x"]})
    '{"a":[2.0,"x"],"b":1}'
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


@dataclass(frozen=True)
class SweepPoint:
    """One grid point: the constants to override, in grid order, and its canonical key.

    Attributes
    ----------
    constants : tuple of (name, value)
        The overrides of this point.

    Examples
    --------
    >>> from gsmtheory.sweep import SweepPoint
    >>> p = SweepPoint((("sigma", 2.0), ("beta", 1)))
    >>> p.params, p.key
    ({'sigma': 2.0, 'beta': 1}, '{"beta":1,"sigma":2.0}')
    """

    constants: tuple[tuple[str, Number], ...]

    @property
    def params(self) -> dict[str, Number]:
        """The constants as a dict."""
        return dict(self.constants)

    @property
    def key(self) -> str:
        """Canonical JSON of the constants (the stored ``params`` column)."""
        return canonical_json(self.params)


@dataclass(frozen=True)
class SweepFile:
    """A validated sweep: the spec (name and full TOML text), task, grid and task options.

    Attributes
    ----------
    source : str
        where the sweep came from (a path, or ``"<text>"``), for messages only.
    spec_name : str
        the catalogue name or the spec file's stem.
    spec_text : str
        the spec's TOML text, shipped to workers (they need no file system of ours).
    task : str
        one of :data:`gsmtheory.sweep.TASKS`.
    grid : tuple of (name, values)
        the swept constants, in file order; each value list non-empty, without duplicates.
    options_json : str
        canonical JSON of ``[task_options]``.
    data_sha256 : str or None
        digest of the data file named by ``task_options.data`` (fit), part of the hash.
    data_path : str or None
        that file, resolved against the sweep file's folder (not part of the hash: moving the
        folder keeps the sweep's identity).

    Raises
    ------
    GSMError
        An empty grid or a grid entry without values.

    Examples
    --------
    >>> from gsmtheory.sweep import SweepFile
    >>> sweep = SweepFile("<text>", "gaussian", 'coords = ["x"]', "selftest", (("sigma", (1.0, 2.0, 3.0)),))
    >>> sweep.n_points, sweep.grid_dict
    (3, {'sigma': [1.0, 2.0, 3.0]})
    """

    source: str
    spec_name: str
    spec_text: str
    task: str
    grid: tuple[tuple[str, tuple[Number, ...]], ...]
    options_json: str = "{}"
    data_sha256: str | None = None
    data_path: str | None = None

    def __post_init__(self) -> None:
        if not self.grid:
            raise GSMError(f"sweep {self.source}: the grid is empty", "add [grid] name = [values]")
        for name, values in self.grid:
            if not values:
                raise GSMError(f"sweep {self.source}: grid entry {name!r} has no values",
                               f"give {name} = [v1, v2, ...]")

    @property
    def options(self) -> dict[str, Any]:
        """The task options as a dict."""
        return dict(json.loads(self.options_json))

    @property
    def n_points(self) -> int:
        """Number of grid points (the product of the value-list lengths)."""
        return math.prod(len(v) for _, v in self.grid)

    @property
    def spec_hash(self) -> str:
        """sha256 of the canonical JSON of spec text, task, options and data digest."""
        payload = canonical_json({"spec": self.spec_text, "task": self.task,
                                  "options": self.options, "data_sha256": self.data_sha256})
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def grid_dict(self) -> dict[str, list[Number]]:
        """The grid as a dict of lists (JSON-able)."""
        return {name: list(values) for name, values in self.grid}


def expand_grid(sweep: SweepFile) -> tuple[SweepPoint, ...]:
    r"""The Cartesian product of the grid, first grid entry varying slowest.

    Parameters
    ----------
    sweep : SweepFile
        A validated sweep.

    Returns
    -------
    tuple of SweepPoint
        One point per task.

    Examples
    --------
    >>> from gsmtheory.sweep import parse_sweep
    >>> sweep = parse_sweep('spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = [1.0, 2.0]')
    >>> from gsmtheory.sweep import expand_grid
    >>> [p.params for p in expand_grid(sweep)]
    [{'sigma': 1.0}, {'sigma': 2.0}]
    """
    names = [name for name, _ in sweep.grid]
    return tuple(SweepPoint(tuple(zip(names, combo, strict=True)))
                 for combo in itertools.product(*(values for _, values in sweep.grid)))


def _fail(source: str, problem: str, fix: str) -> GSMError:
    return GSMError(f"sweep {source}: {problem}", fix)


def _grid(table: Any, source: str, declared: Mapping[str, float]) -> tuple[tuple[str, tuple[Number, ...]], ...]:
    if not isinstance(table, dict):
        raise _fail(source, "[grid] must be a table", "write [grid] with name = [values] lines")
    if not table:
        raise _fail(source, "the grid is empty", "add at least one constant: [grid] name = [values]")
    known = ", ".join(sorted(declared)) or "none"
    out = []
    for name, values in table.items():
        if name not in declared:
            raise _fail(source, f"unknown constant {name!r} in the grid",
                        f"sweep only the spec's [constants] (declared: {known})")
        if not isinstance(values, list):
            values = [values]
        if not values:
            raise _fail(source, f"grid entry {name!r} has no values", f"give {name} = [v1, v2, ...]")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise _fail(source, f"grid value {name} = {v!r} is not a finite number",
                            "give numbers only")
        if len({float(v) for v in values}) != len(values):
            raise _fail(source, f"grid entry {name!r} repeats a value", "list each value once")
        out.append((name, tuple(values)))
    points = math.prod(len(v) for _, v in out)
    if points > _MAX_POINTS:
        raise _fail(source, f"the grid has {points} points (more than {_MAX_POINTS})",
                    "split the sweep into several files")
    return tuple(out)


def _resolve_spec(spec: Any, base: Path | None, source: str) -> tuple[str, str]:
    """(name, text) of the spec: a path relative to the sweep file, else a catalogue name."""
    from gsmtheory.symbolic import CATALOGUE

    if not isinstance(spec, str) or not spec.strip():
        raise _fail(source, "'spec' must be a file name or a catalogue name",
                    'write spec = "file.toml" or spec = "double-well"')
    path = Path(spec)
    if not path.is_absolute() and base is not None:
        path = base / path
    if os.path.lexists(path) and spec not in CATALOGUE:
        try:
            return path.stem, read_text(path, "spec", MAX_SPEC_BYTES)
        except GSMError as exc:
            raise _fail(source, str(exc), "fix the spec path") from None
    if spec in CATALOGUE:
        return spec, CATALOGUE[spec]
    raise _fail(source, f"spec {spec!r} is neither a file (relative to the sweep file) "
                "nor a catalogue name", f"give a TOML path or one of: {', '.join(sorted(CATALOGUE))}")


def _data_file(options: dict[str, Any], base: Path | None, source: str) -> tuple[str | None, str | None]:
    """(sha256, resolved path) of ``task_options.data``, or (None, None)."""
    data = options.get("data")
    if data is None:
        return None, None
    if not isinstance(data, str):
        raise _fail(source, "task_options.data must be a file name", 'write data = "samples.npy"')
    path = Path(data)
    if not path.is_absolute() and base is not None:
        path = base / path
    if not os.path.lexists(path):
        raise _fail(source, f"data file {data!r} not found", "give a .npy or .csv path relative to the sweep file")
    try:
        path = regular_file(path, "data file", MAX_DATA_BYTES)
    except GSMError as exc:
        raise _fail(source, str(exc), "fix task_options.data") from None
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise _fail(source, f"cannot read data file {data!r} ({type(exc).__name__})", "check the file") from None
    return digest, str(path.resolve())


def parse_sweep(text: str, *, base: Path | None = None, source: str = "<text>") -> SweepFile:
    r"""Parse sweep TOML text (docs/design.md §4); ``base`` is the folder relative paths are taken from.

    Parameters
    ----------
    text : str
        The sweep file's TOML: ``spec``, ``task``, ``[grid]`` and optional ``[task_options]``.
    base : Path, optional
        Folder of the sweep file (the spec and data paths are relative to it).
    source : str
        Where the text came from, for messages.

    Returns
    -------
    SweepFile
        The validated sweep, with the spec's full text and the data file's digest.

    Raises
    ------
    GSMError
        malformed TOML, unknown keys or task, a spec that cannot be found or parsed, an empty
        grid, a grid entry that is not one of the spec's [constants], bad task options.

    Examples
    --------
    >>> from gsmtheory.sweep import parse_sweep
    >>> sweep = parse_sweep('spec = "gaussian"\ntask = "selftest"\n[grid]\nsigma = [1.0, 2.0]')
    >>> sweep.task, sweep.spec_name, sweep.n_points, len(sweep.spec_hash)
    ('selftest', 'gaussian', 2, 64)
    >>> parse_sweep('spec = "gaussian"\ntask = "poincare"\n[grid]\nmu = [1.0]')
    Traceback (most recent call last):
    ...
    gsmtheory._errors.GSMError: sweep <text>: unknown constant 'mu' in the grid; sweep only the spec's [constants] (declared: sigma)
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, f"malformed TOML ({' '.join(str(exc).split())})", "fix the TOML syntax") from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise _fail(source, f"malformed TOML ({type(exc).__name__})", "fix the TOML syntax") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(source, f"unknown key(s) {', '.join(sorted(unknown))}",
                    f"use only {', '.join(sorted(_TOP_KEYS))}")
    for key in ("spec", "task"):
        if key not in data:
            raise _fail(source, f"missing '{key}'", 'write spec = "file.toml" and task = "poincare"')
    task = data["task"]
    options = data.get("task_options", {})
    if not isinstance(options, dict):
        raise _fail(source, "[task_options] must be a table", "write [task_options] with key = value lines")
    if not isinstance(task, str):
        raise _fail(source, "'task' must be a string", 'write task = "poincare"')
    check_task(task, options, source)
    spec_name, spec_text = _resolve_spec(data["spec"], base, source)
    declared = _spec_constants(spec_text, spec_name, source)
    grid = _grid(data.get("grid", {}), source, declared)
    options = dict(options)
    digest, data_path = _data_file(options, base, source)
    try:
        options_json = canonical_json(options)
    except (TypeError, ValueError):
        raise _fail(source, "task options must be plain numbers, strings, lists and tables",
                    "remove dates and non-finite numbers") from None
    return SweepFile(source=source, spec_name=spec_name, spec_text=spec_text, task=task, grid=grid,
                     options_json=options_json, data_sha256=digest, data_path=data_path)


def _spec_constants(spec_text: str, spec_name: str, source: str) -> dict[str, float]:
    """Parse the spec once (so a broken spec fails here, not in every task); its constants."""
    from gsmtheory.symbolic import parse_spec

    try:
        spec = parse_spec(spec_text, name=spec_name)
    except GSMError as exc:
        raise _fail(source, f"spec {spec_name!r}: {exc}", "fix the spec") from None
    return spec.constants_map


def load_sweep(path: str | Path) -> SweepFile:
    r"""Read and validate a sweep file (see :func:`parse_sweep`).

    Parameters
    ----------
    path : str or Path
        A regular file of at most 1 MiB (a FIFO or a device is refused, not read).

    Returns
    -------
    SweepFile
        The validated sweep; its spec and data paths resolved against the file's folder.

    Raises
    ------
    GSMError
        The file does not exist, is not a regular file, is empty or too large, is not UTF-8, or
        its content is refused by :func:`parse_sweep`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import load_sweep
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "beta.toml").write_text('spec = "double-well"\ntask = "poincare"\n[grid]\nbeta = [1, 2, 5]\n')
    >>> load_sweep(folder / "beta.toml").grid
    (('beta', (1, 2, 5)),)
    """
    p = Path(path)
    text = read_text(p, "sweep file", _MAX_FILE_BYTES)  # regular files only, at most 1 MiB
    return parse_sweep(text, base=p.parent, source=str(path))
