"""The store's file format and the checks that it is ours: the schema, the SQLite header, one-line
errors for a file that is not a store, is corrupt or cannot be used (docs/design.md §4).

Schema (``schema`` 1)::

    gsmtheory_meta(key PRIMARY KEY, value)          -- format = gsmtheory-sweep-store, schema = 1
    sweeps(spec_hash PRIMARY KEY, task, spec_name, spec_text, options, grid, source, created)
    results(spec_hash, task, params, status, result, error, seconds, version, device, worker,
            finished, attempts, UNIQUE(spec_hash, task, params))

*Never corrupt someone else's file*: an existing file must start with the SQLite header and hold
our ``gsmtheory_meta`` table before anything is written to it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from gsmtheory._errors import GSMError

__all__ = ["SCHEMA_SQL", "STORE_FORMAT", "STORE_SCHEMA", "check_header", "check_schema", "corrupt", "guarded",
           "not_ours", "remove_files", "sidecars"]

STORE_FORMAT = "gsmtheory-sweep-store"
STORE_SCHEMA = "1"
_SQLITE_HEADER = b"SQLite format 3\x00"

SCHEMA_SQL = """
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


def not_ours(path: Path, why: str) -> GSMError:
    return GSMError(f"{str(path)!r} is not a gsmtheory sweep store ({why})",
                    "give a new file name or a store written by 'gsmtheory sweep'")


def corrupt(path: Path, exc: BaseException) -> GSMError:
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
    return corrupt(path, exc)


@contextlib.contextmanager
def guarded(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise _sqlite_error(path, exc) from None


def check_header(path: Path) -> bool:
    """True when ``path`` holds an SQLite database, False when it is absent or empty."""
    if not path.exists():
        return False
    if path.is_dir():
        raise not_ours(path, "it is a directory")
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise GSMError(f"cannot read store {str(path)!r} ({type(exc).__name__})",
                       "check the path and its permissions") from None
    if not head:
        return False
    if head != _SQLITE_HEADER:
        raise not_ours(path, "not an SQLite file")
    return True


def check_schema(conn: sqlite3.Connection, path: Path) -> bool:
    """True when the database holds our schema, False when it holds no tables at all."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return False
        if "gsmtheory_meta" not in tables:
            raise not_ours(path, "an SQLite file without gsmtheory tables")
        meta = dict(conn.execute("SELECT key, value FROM gsmtheory_meta").fetchall())
    except sqlite3.DatabaseError as exc:
        raise _sqlite_error(path, exc) from None
    if meta.get("format") != STORE_FORMAT:
        raise not_ours(path, f"format {meta.get('format')!r}")
    if meta.get("schema") != STORE_SCHEMA:
        raise GSMError(f"store {str(path)!r} has schema {meta.get('schema')!r}, this version reads {STORE_SCHEMA}",
                       "use the gsmtheory version that wrote it, or a new store")
    if not {"sweeps", "results"} <= tables:
        raise not_ours(path, "tables missing")
    return True

def sidecars(p: Path) -> tuple[Path, Path]:
    """SQLite's write-ahead log and shared-memory files of a WAL database."""
    return p.with_name(p.name + "-wal"), p.with_name(p.name + "-shm")


def remove_files(paths: list[Path]) -> None:
    for q in paths:
        with contextlib.suppress(OSError):
            q.unlink()

