"""Output directories that gsmtheory owns: a marker file, file-by-file replacement, a journal.

A directory is gsmtheory's when it holds the marker file ``.gsmtheory-output`` (JSON: the
writer, its version, the kind of output and the files it wrote). :func:`claim_directory`
creates a new directory with the marker, accepts an empty one or one that carries the
marker, and refuses anything else *before* any work is done — a user's files are never
touched. :func:`publish` then moves each new file into place with ``os.replace`` (atomic per
file) and removes only files that the previous marker lists and the new output lacks; files a
user added beside them stay. :class:`Journal` appends one JSON line per finished unit of work
(flushed and fsynced), so an interrupted run keeps what finished and can resume.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gsmtheory import __version__
from gsmtheory._errors import GSMError

__all__ = ["MARKER", "Journal", "claim_directory", "publish", "staging"]

#: the file that marks a directory as written by gsmtheory
MARKER = ".gsmtheory-output"


def _read_marker(directory: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("writer") == "gsmtheory" else None


def _write_marker(directory: Path, kind: str, files: Iterable[str]) -> None:
    body = json.dumps({"writer": "gsmtheory", "version": __version__, "kind": kind,
                       "files": sorted(set(files))}, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".marker-", dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(body)
    os.replace(tmp, directory / MARKER)


def _owned_files(directory: Path) -> set[str]:
    marker = _read_marker(directory)
    files = marker.get("files", []) if marker else []
    return {f for f in files if isinstance(f, str) and f and "/" not in f and f not in (".", "..")}


def claim_directory(directory: str | os.PathLike[str], kind: str, flag: str = "--report") -> Path:
    """Make ``directory`` an output directory of gsmtheory, or refuse with a :class:`GSMError`.

    Accepted: a path that does not exist (created, parents included), an empty directory, or a
    directory that carries the marker. Refused: a file, a directory holding anything gsmtheory
    did not write, and a place that cannot be written (the marker is written here, so a
    read-only directory fails now, not after the work). Returns the resolved path.
    """
    target = Path(directory).expanduser().resolve()
    shown = str(directory)
    if target.exists() and not target.is_dir():
        raise GSMError(f"{flag} {shown!r} is a file", "give a directory path")
    if target.is_dir():
        try:
            entries = sorted(os.listdir(target))
        except OSError as exc:
            raise GSMError(f"{flag} {shown!r} cannot be read ({exc.strerror})",
                           "choose a directory you can write") from None
        if entries and _read_marker(target) is None:
            listed = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
            raise GSMError(
                f"{flag} {shown!r} holds files gsmtheory did not write ({listed})",
                "choose a new or empty directory; gsmtheory only rewrites a directory it "
                f"created (marked by {MARKER})")
    try:
        target.mkdir(parents=True, exist_ok=True)
        if _read_marker(target) is None:
            _write_marker(target, kind, ())
        else:  # prove the directory is still writable before any work starts
            fd, probe = tempfile.mkstemp(prefix=".probe-", dir=target)
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise GSMError(f"{flag} {shown!r} cannot be written ({exc.strerror or exc})",
                       "choose a directory you can write") from None
    return target


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A temporary directory inside ``target`` for new files; removed on the way out."""
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def publish(target: Path, staged: Path, kind: str, keep: Iterable[str] = ()) -> list[str]:
    """Move every regular file of ``staged`` into ``target`` (``os.replace``: each file is
    either the old or the new one, never half-written), remove files the previous marker listed
    that the new output lacks (except ``keep``), and write the new marker. Returns the names."""
    names = sorted(p.name for p in staged.iterdir() if p.is_file() and not p.is_symlink())
    previous = _owned_files(target)
    for name in names:
        os.replace(staged / name, target / name)
    for name in previous - set(names) - set(keep):
        path = target / name
        if path.is_file() and not path.is_symlink():
            path.unlink()
    _write_marker(target, kind, [*names, *keep])
    return names


@dataclass(frozen=True)
class Journal:
    """One JSON object per line in ``path``; each append is flushed and fsynced, so what a
    line says finished survives an interrupt. A torn last line (a kill mid-write) is skipped."""

    path: Path

    def reset(self) -> None:
        self.path.write_text("", encoding="utf-8")

    def append(self, entry: dict[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        out = []
        for line in text.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append(item)
        return out
