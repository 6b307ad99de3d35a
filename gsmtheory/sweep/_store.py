"""The result store: one SQLite file, one row per (sweep, task, grid point), one transaction per row.

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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsmtheory._errors import GSMError

__all__ = ["STORE_FORMAT", "STORE_SCHEMA", "StoredRow", "SweepStore", "open_store", "read_rows", "read_sweeps"]

STORE_FORMAT = "gsmtheory-sweep-store"
STORE_SCHEMA = "1"
_SQLITE_HEADER = b"SQLite format 3\x00"

_SCHEMA_SQL = """
CREATE TABLE gsmtheory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sweeps (
    spec_hash TEXT PRIMARY KEY, task TEXT NOT NULL, spec_name TEXT NOT NULL,
    spec_text TEXT NOT NULL, options TEXT NOT NULL, grid TEXT NOT NULL,
    source TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    spec_hash TEXT NOT NULL, task TEXT NOT NULL, params TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    result TEXT, error TEXT, seconds REAL NOT NULL, version TEXT NOT NULL,
    device TEXT, worker TEXT, finished TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1,
    UNIQUE (spec_hash, task, params));
"""

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


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


def _not_ours(path: Path, why: str) -> GSMError:
    return GSMError(f"{str(path)!r} is not a gsmtheory sweep store ({why})",
                    "give a new file name or a store written by 'gsmtheory sweep'")


def _corrupt(path: Path, exc: BaseException) -> GSMError:
    """A file with the SQLite header that SQLite cannot read: a damaged store (a copy cut short,
    a disk error), named as such with the way back to the finished rows."""
    name = str(path)
    return GSMError(f"store {name!r} is corrupt (SQLite: {' '.join(str(exc).split())})",
                    f"recover the finished rows with: sqlite3 {name!r} .recover | sqlite3 recovered.sqlite, "
                    "then re-run with --store recovered.sqlite (finished rows are not recomputed); "
                    "or start a new store")


def _sqlite_error(path: Path, exc: sqlite3.DatabaseError) -> GSMError:
    """One line for an SQLite error: access problems (locked, read-only, I/O) as such, anything
    else (a malformed database) as corruption with the recovery step."""
    if isinstance(exc, sqlite3.OperationalError):
        return GSMError(f"store {str(path)!r} cannot be used ({' '.join(str(exc).split())})",
                        "check that its folder is writable and no other program holds it")
    return _corrupt(path, exc)


@contextlib.contextmanager
def _guarded(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise _sqlite_error(path, exc) from None


def _check_header(path: Path) -> bool:
    """True when ``path`` holds an SQLite database, False when it is absent or empty."""
    if not path.exists():
        return False
    if path.is_dir():
        raise _not_ours(path, "it is a directory")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise GSMError(f"cannot read store {str(path)!r} ({type(exc).__name__})",
                       "check the path and its permissions") from None
    if not head:
        return False
    if head != _SQLITE_HEADER:
        raise _not_ours(path, "not an SQLite file")
    return True


def _check_schema(conn: sqlite3.Connection, path: Path) -> bool:
    """True when the database holds our schema, False when it holds no tables at all."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return False
        if "gsmtheory_meta" not in tables:
            raise _not_ours(path, "an SQLite file without gsmtheory tables")
        meta = dict(conn.execute("SELECT key, value FROM gsmtheory_meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise _sqlite_error(path, exc) from None
    if meta.get("format") != STORE_FORMAT:
        raise _not_ours(path, f"format {meta.get('format')!r}")
    if meta.get("schema") != STORE_SCHEMA:
        raise GSMError(f"store {str(path)!r} has schema {meta.get('schema')!r}, this version reads {STORE_SCHEMA}",
                       "use the gsmtheory version that wrote it, or a new store")
    if not {"sweeps", "results"} <= tables:
        raise _not_ours(path, "tables missing")
    return True


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
        with _guarded(self.path), self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (spec_hash, task, spec_name, spec_text, options_json,
                 json.dumps(grid, sort_keys=True), source, _now()))

    def write(self, spec_hash: str, task: str, params_key: str, status: str, result_json: str | None,
              error: str | None, seconds: float, version: str, device: str | None,
              worker: str | None) -> bool:
        """Commit one row in its own transaction; False when an ``ok`` row was already there."""
        with _guarded(self.path), self._conn:
            cur = self._conn.execute(_UPSERT_SQL, (spec_hash, task, params_key, status, result_json,
                                                   error, float(seconds), version, device, worker, _now()))
        return cur.rowcount == 1

    # -- reading ---------------------------------------------------------------------------
    def finished_keys(self, spec_hash: str, task: str) -> set[str]:
        """Params keys of the rows already ``ok`` for this sweep."""
        with _guarded(self.path):
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


def _sidecars(p: Path) -> tuple[Path, Path]:
    """SQLite's write-ahead log and shared-memory files of a WAL database."""
    return p.with_name(p.name + "-wal"), p.with_name(p.name + "-shm")


def _remove(paths: list[Path]) -> None:
    for q in paths:
        with contextlib.suppress(OSError):
            q.unlink()


def _remove_if_idle(p: Path, created: list[Path]) -> None:
    """Remove the side files a refused read created — only while no sweep holds the store's
    lock: a running writer's -wal and -shm (created after this reader looked) must stay."""
    lock_path = p.with_name(p.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR)
    except FileNotFoundError:  # no sweep ever opened this path: nobody else writes it
        _remove(created)
        return
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # a sweep is writing: its files are not ours to remove
        os.close(fd)
        return
    try:
        _remove(created)
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _prepare(conn: sqlite3.Connection, p: Path) -> None:
    """Create the schema in a new (empty) database; WAL journal, full sync."""
    if not _check_schema(conn, p):
        conn.execute("PRAGMA journal_mode = WAL")
        with conn:
            conn.executescript("BEGIN;" + _SCHEMA_SQL + "COMMIT;")
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
    _check_header(p)
    if not p.parent.is_dir():
        raise GSMError(f"folder of store {str(p)!r} does not exist", "create it first")
    created = [q for q in (p.with_name(p.name + ".lock"), *_sidecars(p)) if not os.path.lexists(q)]
    fd = _lock(p)
    try:
        _check_header(p)  # again, under the lock
        # "with conn" opens and commits one transaction per row
        conn = sqlite3.connect(p, timeout=30.0, isolation_level="DEFERRED")
        try:
            with _guarded(p):
                _prepare(conn, p)
        except BaseException:
            conn.close()
            raise
    except BaseException:
        _remove(created)  # a refused store leaves nothing of ours beside it
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
        raise
    return SweepStore(p, conn, fd)


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
        raise _corrupt(p, exc) from None
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30.0)


@contextlib.contextmanager
def _read_only(path: str | Path) -> Iterator[sqlite3.Connection]:
    p = Path(path)
    if not _check_header(p):
        raise GSMError(f"store {str(p)!r} not found or empty", "give a store written by 'gsmtheory sweep'")
    created = [q for q in _sidecars(p) if not os.path.lexists(q)]
    try:
        conn = _connect_read_only(p)
    except GSMError:
        _remove_if_idle(p, created)
        raise
    try:
        if not _check_schema(conn, p):
            raise _not_ours(p, "no tables")
        with _guarded(p):
            yield conn
    except GSMError:
        conn.close()
        _remove_if_idle(p, created)  # SQLite's files from a refused read, not the user's
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
    with _read_only(path) as conn:
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
    with _read_only(path) as conn:
        rows = conn.execute(sql + " ORDER BY id", args).fetchall()
    return [StoredRow(h, t, json.loads(pk), st, None if r is None else json.loads(r), e, float(sec), v,
                      d, w, f, int(a)) for h, t, pk, st, r, e, sec, v, d, w, f, a in rows]
