"""The result store, written: one SQLite file, one row per (sweep, task, grid point), one transaction per row.

Schema (``schema`` 1)::

    gsmtheory_meta(key PRIMARY KEY, value)          -- format = gsmtheory-sweep-store, schema = 1
    sweeps(spec_hash PRIMARY KEY, task, spec_name, spec_text, options, grid, source, created)
    results(spec_hash, task, params, status, result, error, seconds, version, device, worker,
            finished, attempts, UNIQUE(spec_hash, task, params))

Guarantees, and how:

- *Nothing finished is lost*: the parent process writes each row in its own transaction as the
  result arrives (WAL journal, ``synchronous=FULL``); SQLite commits atomically, so a process
  killed at any instant leaves every committed row and no partial one.
- *Nothing finished is repeated*: ``UNIQUE(spec_hash, task, params)``; a re-run asks the store
  for the ``ok`` keys first and submits only the rest. An ``ok`` row is never overwritten; an
  ``error`` row is replaced when its retry finishes.
- *One writer*: a sweep holds an exclusive ``fcntl`` lock on ``DB.lock`` beside the store for
  its whole run; the kernel drops it when the process dies, however it dies, so a killed run
  never leaves a stale lock.
- *Never corrupt someone else's file*: an existing file must start with the SQLite header and
  hold our ``gsmtheory_meta`` table before anything is written to it.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from gsmtheory._errors import GSMError
from gsmtheory.sweep._store_format import (
    SCHEMA_SQL,
    STORE_FORMAT,
    STORE_SCHEMA,
    check_header,
    check_schema,
    guarded,
    remove_files,
    sidecars,
)

__all__ = ["SweepStore", "open_store"]

_UPSERT_SQL = """
INSERT INTO results (spec_hash, task, params, status, result, error, seconds, version,
                     device, worker, finished)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (spec_hash, task, params) DO UPDATE SET
    status = excluded.status, result = excluded.result, error = excluded.error,
    seconds = excluded.seconds, version = excluded.version, device = excluded.device,
    worker = excluded.worker, finished = excluded.finished, attempts = results.attempts + 1
WHERE results.status != 'ok'
"""



def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")

class SweepStore:
    """An open, locked store (use :func:`open_store`); writes one row per transaction.

    Not a frozen record: it owns an SQLite connection and a lock, released by :meth:`close`
    (or the ``with`` block).

    Parameters
    ----------
    path : Path
        The store, resolved (a symlink and its target share one lock).
    conn : sqlite3.Connection
        The connection (WAL journal, ``synchronous=FULL``).
    lock_fd : int
        The open lock file holding the exclusive ``flock``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import open_store, read_rows
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.sqlite"
    >>> with open_store(path) as db:
    ...     db.register("abc", "selftest", "s", "", "{}", {"work": [1]}, "example")
    ...     db.write("abc", "selftest", '{"work":1}', "ok", '{"value":0.5}', None, 0.1, "0.1.0", "cpu", "w")
    True
    >>> with open_store(path) as db:
    ...     sorted(db.finished_keys("abc", "selftest"))
    ['{"work":1}']
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, lock_fd: int) -> None:
        self.path = path
        self._conn = conn
        self._lock_fd = lock_fd

    # -- writing ---------------------------------------------------------------------------
    def register(self, spec_hash: str, task: str, spec_name: str, spec_text: str,
                 options_json: str, grid: dict[str, Any], source: str) -> None:
        """Record the sweep (first run only; later runs keep the first record)."""
        with guarded(self.path), self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (spec_hash, task, spec_name, spec_text, options_json,
                 json.dumps(grid, sort_keys=True), source, _now()))

    def write(self, spec_hash: str, task: str, params_key: str, status: str, result_json: str | None,
              error: str | None, seconds: float, version: str, device: str | None,
              worker: str | None) -> bool:
        """Commit one row in its own transaction; False when an ``ok`` row was already there."""
        with guarded(self.path), self._conn:
            cur = self._conn.execute(_UPSERT_SQL, (spec_hash, task, params_key, status, result_json,
                                                   error, float(seconds), version, device, worker, _now()))
        return cur.rowcount == 1

    # -- reading ---------------------------------------------------------------------------
    def finished_keys(self, spec_hash: str, task: str) -> set[str]:
        """Params keys of the rows already ``ok`` for this sweep."""
        with guarded(self.path):
            rows = self._conn.execute(
                "SELECT params FROM results WHERE spec_hash = ? AND task = ? AND status = 'ok'",
                (spec_hash, task)).fetchall()
        return {r[0] for r in rows}

    def close(self) -> None:
        """Close the connection and release the run lock."""
        try:
            self._conn.close()
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)

    def __enter__(self) -> SweepStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lock(path: Path) -> int:
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise GSMError(f"cannot create the lock file {str(lock_path)!r} ({type(exc).__name__})",
                       "put the store in a writable folder") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise GSMError(f"store {str(path)!r} is locked by another running sweep",
                       "wait for it to finish, or give another --store") from None
    return fd

def _prepare(conn: sqlite3.Connection, p: Path) -> None:
    """Create the schema in a new (empty) database; WAL journal, full sync."""
    if not check_schema(conn, p):
        conn.execute("PRAGMA journal_mode = WAL")
        with conn:
            conn.executescript("BEGIN;" + SCHEMA_SQL + "COMMIT;")
        with conn:
            conn.executemany("INSERT INTO gsmtheory_meta VALUES (?, ?)",
                             [("format", STORE_FORMAT), ("schema", STORE_SCHEMA)])
    else:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")


def open_store(path: str | Path) -> SweepStore:
    """Open (creating if absent or empty) a store for writing, holding its exclusive run lock.

    Parameters
    ----------
    path : str or Path
        The SQLite file; its folder must exist. The lock is ``PATH.lock`` beside the resolved
        path, so a symlinked name cannot bypass it.

    Returns
    -------
    SweepStore
        The open store; close it (or use ``with``) to release the lock.

    Raises
    ------
    GSMError
        the file is not an SQLite file or not a gsmtheory store (nothing is written to it), is
        corrupt (with the recovery step), cannot be used (read-only, locked by another program),
        or another sweep holds the lock. A refused file is left as it was, with no lock file or
        SQLite side files of ours beside it.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from gsmtheory.sweep import open_store, read_rows
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "results.sqlite"
    >>> with open_store(path) as db:
    ...     db.register("abc", "selftest", "s", "", "{}", {"work": [1]}, "example")
    ...     db.write("abc", "selftest", '{"work":1}', "ok", '{"value":0.5}', None, 0.1, "0.1.0", "cpu", "w")
    True
    >>> with open_store(path):
    ...     open_store(path)
    Traceback (most recent call last):
    ...
    gsmtheory._errors.GSMError: store ... is locked by another running sweep; wait for it to finish, or give another --store
    """
    p = Path(path).expanduser().resolve()  # a symlink and its target share one lock
    check_header(p)
    if not p.parent.is_dir():
        raise GSMError(f"folder of store {str(p)!r} does not exist", "create it first")
    created = [q for q in (p.with_name(p.name + ".lock"), *sidecars(p)) if not os.path.lexists(q)]
    fd = _lock(p)
    try:
        check_header(p)  # again, under the lock
        # "with conn" opens and commits one transaction per row
        conn = sqlite3.connect(p, timeout=30.0, isolation_level="DEFERRED")
        try:
            with guarded(p):
                _prepare(conn, p)
        except BaseException:
            conn.close()
            raise
    except BaseException:
        remove_files(created)  # a refused store leaves nothing of ours beside it
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        raise
    return SweepStore(p, conn, fd)
