"""Input files: regular files only, with a size cap, checked before anything is read.

A path is looked up with ``stat`` (which never opens it), so a FIFO cannot make a command wait
for a writer and ``/dev/zero`` cannot be read until memory runs out; an empty file and one
larger than the cap of its kind are refused in one line. :func:`read_text` then reads at most
the cap, so a file that grows after the check is refused too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gsmtheory._errors import GSMError

__all__ = ["MAX_DATA_BYTES", "MAX_SPEC_BYTES", "read_text", "regular_file"]

#: the largest spec or sweep file read (a d = 2000 mixture with its full covariance fits)
MAX_SPEC_BYTES = 8 << 20
#: the largest data file read by ``fit`` (.npy or .csv)
MAX_DATA_BYTES = 1 << 30


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n} bytes"


def regular_file(path: str | os.PathLike[str], what: str, max_bytes: int) -> Path:
    """``path`` as a :class:`~pathlib.Path` when it is a readable regular file of 1 to
    ``max_bytes`` bytes; otherwise a :class:`~gsmtheory.GSMError` that says which it is not."""
    p = Path(path)
    shown = str(path)
    try:
        info = p.stat()
    except FileNotFoundError:
        raise GSMError(f"{what} {shown!r} does not exist", "check the path") from None
    except OSError as exc:
        raise GSMError(f"cannot look at {what} {shown!r} ({exc.strerror or type(exc).__name__})",
                       "check the path and its permissions") from None
    if stat.S_ISDIR(info.st_mode):
        raise GSMError(f"{what} {shown!r} is a directory", "give a file")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode)
                or stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a file")
        raise GSMError(f"{what} {shown!r} is {kind}, not a regular file",
                       "save the input to a file first; gsmtheory reads regular files only")
    if info.st_size == 0:
        raise GSMError(f"{what} {shown!r} is empty (0 bytes)", "give a file with content")
    if info.st_size > max_bytes:
        raise GSMError(f"{what} {shown!r} is {_size(info.st_size)}, more than the {_size(max_bytes)} "
                       f"gsmtheory reads as a {what}", f"is this a {what}? split or shrink it")
    if not os.access(p, os.R_OK):
        raise GSMError(f"{what} {shown!r} is not readable", "check its permissions")
    return p


def read_text(path: str | os.PathLike[str], what: str, max_bytes: int = MAX_SPEC_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes (see :func:`regular_file`)."""
    p = regular_file(path, what, max_bytes)
    try:
        with p.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise GSMError(f"cannot read {what} {str(path)!r} ({exc.strerror or type(exc).__name__})",
                       "check the file and its permissions") from None
    if len(raw) > max_bytes:
        raise GSMError(f"{what} {str(path)!r} grew beyond {_size(max_bytes)} while it was read",
                       "give a file that is not being written")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GSMError(f"{what} {str(path)!r} is not UTF-8 text (byte {exc.start})",
                       "give a UTF-8 TOML file") from None
