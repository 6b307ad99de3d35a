"""Reading a store without writing to it: the stored rows and the sweeps they belong to.

A store in a folder that cannot be written (a WAL database needs its ``-shm`` file) is opened
``immutable`` when no unfinished write-ahead log could hold newer rows; the side files a refused
read created are removed unless a running sweep owns them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsmtheory._errors import GSMError
from gsmtheory.sweep._store_format import (
    check_header,
    check_schema,
    corrupt,
    guarded,
    not_ours,
    remove_files,
    sidecars,
)

__all__ = ["StoredRow", "read_rows", "read_sweeps"]


@dataclass(frozen=True)
class StoredRow:
    """One stored task: its grid point, status, result (parsed) or error, and bookkeeping.

    Attributes
    ----------
    spec_hash, task : str
        The sweep it belongs to.
    params : dict
        The grid point's constants.
    status : {"ok", "error"}
        An ``error`` row is retried by the next run; an ``ok`` row is never recomputed.
    result : dict or None
        The task's JSON result.
    error : str or None
        The one-line error.
    seconds : float
        Wall time of the task.
    version, device, worker, finished : str
        gsmtheory's version, where and when it ran.
    attempts : int
        How many runs wrote this row.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import open_store, read_rows
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.sqlite"
    >>> with open_store(path) as db:
    ...     db.register("abc", "selftest", "s", "", "{}", {"work": [1]}, "example")
    ...     db.write("abc", "selftest", '{"work":1}', "ok", '{"value":0.5}', None, 0.1, "0.1.0", "cpu", "w")
    True
    >>> (row,) = read_rows(path)
    >>> row.params, row.status, row.result, row.attempts
    ({'work': 1}, 'ok', {'value': 0.5}, 1)
    """

    spec_hash: str
    task: str
    params: dict[str, Any]
    status: str
    result: dict[str, Any] | None
    error: str | None
    seconds: float
    version: str
    device: str | None
    worker: str | None
    finished: str
    attempts: int

def remove_if_idle(p: Path, created: list[Path]) -> None:
    """Remove the side files a refused read created — only while no sweep holds the store's
    lock: a running writer's -wal and -shm (created after this reader looked) must stay."""
    lock_path = p.with_name(p.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:  # no sweep ever opened this path: nobody else writes it
        remove_files(created)
        return
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a sweep is writing: its files are not ours to remove
        os.close(fd)
        return
    try:
        remove_files(created)
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

def _connect_read_only(p: Path) -> sqlite3.Connection:
    """A read-only connection. A store in a read-only place (a WAL database needs its ``-shm``
    file) is opened ``immutable`` when no unfinished write-ahead log could hold newer rows."""
    uri = p.resolve().as_uri()
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30.0)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        return conn
    except sqlite3.OperationalError as exc:
        if conn is not None:
            conn.close()
        wal = p.with_name(p.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise GSMError(f"store {str(p)!r} cannot be read here ({' '.join(str(exc).split())}) and its "
                           f"write-ahead log {wal.name} holds rows not yet in the store",
                           "copy the store with its -wal file to a writable folder and report the copy") from None
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        raise corrupt(p, exc) from None
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30.0)


@contextlib.contextmanager
def read_only(path: str | Path) -> Iterator[sqlite3.Connection]:
    p = Path(path)
    if not check_header(p):
        raise GSMError(f"store {str(p)!r} not found or empty", "give a store written by 'gsmtheory sweep'")
    created = [q for q in sidecars(p) if not os.path.lexists(q)]
    try:
        conn = _connect_read_only(p)
    except GSMError:
        remove_if_idle(p, created)
        raise
    try:
        if not check_schema(conn, p):
            raise not_ours(p, "no tables")
        with guarded(p):
            yield conn
    except GSMError:
        conn.close()
        remove_if_idle(p, created)  # SQLite's files from a refused read, not the user's
        raise
    finally:
        conn.close()


def read_sweeps(path: str | Path) -> list[dict[str, Any]]:
    """The sweeps recorded in a store: spec_hash, task, spec_name, options, grid, source, created.

    Read-only: a store in a folder that cannot be written is opened ``immutable`` when no
    write-ahead log holds rows not yet in it (otherwise that is said in one line).

    Parameters
    ----------
    path : str or Path
        A store written by :func:`run_sweep` (or ``gsmtheory sweep``).

    Returns
    -------
    list of dict
        One entry per sweep, oldest first.

    Raises
    ------
    GSMError
        The store is missing, empty, not a gsmtheory store, or corrupt.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import open_store, read_rows
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.sqlite"
    >>> with open_store(path) as db:
    ...     db.register("abc", "selftest", "s", "", "{}", {"work": [1]}, "example")
    ...     db.write("abc", "selftest", '{"work":1}', "ok", '{"value":0.5}', None, 0.1, "0.1.0", "cpu", "w")
    True
    >>> from gsmtheory.sweep import read_sweeps
    >>> [(s["spec_hash"], s["task"], s["grid"]) for s in read_sweeps(path)]
    [('abc', 'selftest', {'work': [1]})]
    """
    with read_only(path) as conn:
        rows = conn.execute("SELECT spec_hash, task, spec_name, options, grid, source, created "
                            "FROM sweeps ORDER BY created").fetchall()
    return [{"spec_hash": h, "task": t, "spec_name": n, "options": json.loads(o), "grid": json.loads(g),
             "source": s, "created": c} for h, t, n, o, g, s, c in rows]


def read_rows(path: str | Path, spec_hash: str | None = None) -> list[StoredRow]:
    """All stored rows (of one sweep when ``spec_hash`` is given), in insertion order.

    Parameters
    ----------
    path : str or Path
        A store (read-only access, as for :func:`read_sweeps`).
    spec_hash : str, optional
        Only this sweep's rows.

    Returns
    -------
    list of StoredRow
        The rows, results parsed from JSON.

    Raises
    ------
    GSMError
        The store is missing, empty, not a gsmtheory store, or corrupt.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import open_store, read_rows
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.sqlite"
    >>> with open_store(path) as db:
    ...     db.register("abc", "selftest", "s", "", "{}", {"work": [1]}, "example")
    ...     db.write("abc", "selftest", '{"work":1}', "ok", '{"value":0.5}', None, 0.1, "0.1.0", "cpu", "w")
    True
    >>> [(r.params, r.result) for r in read_rows(path, "abc")]
    [({'work': 1}, {'value': 0.5})]
    """
    sql = ("SELECT spec_hash, task, params, status, result, error, seconds, version, device, worker, "
           "finished, attempts FROM results")
    args: tuple[str, ...] = ()
    if spec_hash is not None:
        sql += " WHERE spec_hash = ?"
        args = (spec_hash,)
    with read_only(path) as conn:
        rows = conn.execute(sql + " ORDER BY id", args).fetchall()
    return [StoredRow(h, t, json.loads(pk), st, None if r is None else json.loads(r), e, float(sec), v,
                      d, w, f, int(a)) for h, t, pk, st, r, e, sec, v, d, w, f, a in rows]
