"""Progress bars of long computations: on stderr, on a terminal only, and only where a command asks.

Library calls draw nothing (notebooks, tests, a program that embeds the package). The command line
turns bars on for the command it runs with :func:`progress_bars` (``None``: only when stderr is a
terminal, as verify's bar; ``False`` with ``-q`` or ``--json``); a long loop asks
:func:`progress_bar` for its bar (docs/design.md §4).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tqdm import tqdm

__all__ = ["progress_bar", "progress_bars"]

#: True: always; False: never (the default: library calls); None: only when stderr is a terminal
_SHOW: ContextVar[bool | None] = ContextVar("gsmtheory_progress", default=False)


@contextmanager
def progress_bars(show: bool | None) -> Iterator[None]:
    """Within the block, :func:`progress_bar` draws when ``show`` is True, or None and stderr is a terminal."""
    token = _SHOW.set(show)
    try:
        yield
    finally:
        _SHOW.reset(token)


def progress_bar(total: int | None, desc: str, unit: str = "step") -> tqdm:
    """A tqdm bar on stderr (``with progress_bar(n, "what") as bar: ... bar.update()``), disabled
    unless :func:`progress_bars` turned bars on; it disappears when the loop ends."""
    show = _SHOW.get()
    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True,
                disable=None if show is None else not show)
