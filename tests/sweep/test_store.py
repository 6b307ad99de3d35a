"""Tests of gsmtheory/sweep/_store.py.

The store: upsert rules, run lock, foreign files refused and left byte-for-byte intact."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from gsmtheory import GSMError
from gsmtheory.sweep import open_store, read_rows, read_sweeps


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(db, key, status, result=None, error=None):
    return db.write("h" * 64, "selftest", key, status, result, error, 0.5, "0.1.0", "cpu", "w:1")


def _read_only_connect(real):
    """sqlite3.connect as it behaves where the store's folder cannot be written: a WAL database
    opened mode=ro fails (its -shm cannot be created) unless it is opened immutable."""
    def connect(database, *args, **kwargs):
        if isinstance(database, str) and "mode=ro" in database and "immutable=1" not in database:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real(database, *args, **kwargs)
    return connect


def test_ok_rows_are_final_error_rows_are_retried(tmp_path):
    path = tmp_path / "s.db"
    with open_store(path) as db:
        assert _write(db, '{"a":1}', "error", error="boom")
        assert _write(db, '{"a":1}', "ok", result='{"value": 1.0}')  # retry replaces the error
        assert not _write(db, '{"a":1}', "ok", result='{"value": 2.0}')  # ok is never overwritten
        assert not _write(db, '{"a":1}', "error", error="late")
        assert db.finished_keys("h" * 64, "selftest") == {'{"a":1}'}
    rows = read_rows(path)
    assert len(rows) == 1
    assert (rows[0].status, rows[0].result, rows[0].error, rows[0].attempts) == ("ok", {"value": 1.0}, None, 2)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


def test_lock_is_exclusive_and_released(tmp_path):
    path = tmp_path / "s.db"
    db = open_store(path)
    with pytest.raises(GSMError, match="locked by another running sweep"):
        open_store(path)
    db.close()
    open_store(path).close()  # released


def test_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "s.db"
    path.write_bytes(b"")
    open_store(path).close()
    assert read_sweeps(path) == []


@pytest.mark.parametrize("kind", ["text", "foreign-sqlite", "truncated-sqlite", "directory"])
def test_foreign_files_are_refused_and_untouched(tmp_path, kind):
    path = tmp_path / "s.db"
    if kind == "text":
        path.write_text("name,value\na,1\n")
    elif kind == "foreign-sqlite":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE people (name TEXT)")
        conn.execute("INSERT INTO people VALUES ('ada')")
        conn.commit()
        conn.close()
    elif kind == "truncated-sqlite":
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 40)
    else:
        path.mkdir()
    before = None if kind == "directory" else _digest(path)
    # a file with the SQLite header that SQLite cannot read is named corrupt, with the way back
    said = r"is corrupt .*\.recover" if kind == "truncated-sqlite" else "not a gsmtheory sweep store"
    with pytest.raises(GSMError, match=said) as info:
        open_store(path)
    assert "\n" not in str(info.value)
    if before is not None:
        assert _digest(path) == before
    with pytest.raises(GSMError):
        read_rows(path)


def test_a_symlink_to_a_store_shares_its_lock(tmp_path):
    """The lock is taken on the resolved path: a second name for the store cannot bypass it."""
    target = tmp_path / "real.db"
    link = tmp_path / "link.db"
    link.symlink_to(target)
    with open_store(target), pytest.raises(GSMError, match="locked by another running sweep"):
        open_store(link)
    with open_store(link):  # released; the link opens the same store
        pass
    assert read_sweeps(link) == [] and not (tmp_path / "link.db.lock").exists()


def test_a_store_in_a_read_only_place_can_be_reported(tmp_path, monkeypatch):
    from gsmtheory.sweep import _store_read as _store

    path = tmp_path / "s.db"
    with open_store(path) as db:
        db.register("h", "selftest", "s", "", "{}", {"work": [1, 2]}, "t")
        db.write("h", "selftest", '{"work":1}', "ok", '{"value":1.0}', None, 0.1, "0", "cpu", "w")
    assert not (tmp_path / "s.db-wal").exists()  # a cleanly closed store has no write-ahead log
    monkeypatch.setattr(_store.sqlite3, "connect", _read_only_connect(sqlite3.connect))
    rows = read_rows(path)
    assert [(r.params, r.result) for r in rows] == [({"work": 1}, {"value": 1.0})]
    # rows still in a write-ahead log cannot be read immutable: said, not silently dropped
    (tmp_path / "s.db-wal").write_bytes(b"\x37\x7f\x06\x82" + b"\x00" * 60)
    with pytest.raises(GSMError, match=r"write-ahead log s\.db-wal holds rows not yet in the store"):
        read_rows(path)
