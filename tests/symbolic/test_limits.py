"""The time guards of gsmtheory/symbolic/_limits.py: one SIGALRM alarm behind ``guarded`` and ``limited``."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest
import sympy as sp

from gsmtheory.symbolic._limits import guarded, limited, provably_nonzero


def _slow() -> int:
    time.sleep(5.0)  # interrupted by the alarm
    return 1


def _fails() -> int:
    raise ValueError("no")


def test_a_result_in_time_a_timeout_and_an_exception() -> None:
    assert guarded(lambda: 3, 1.0) == 3 and limited(lambda: 3, 1.0) == (True, 3)
    start = time.monotonic()
    assert guarded(_slow, 0.05) is None and limited(_slow, 0.05) == (False, None)
    assert time.monotonic() - start < 2.0
    assert guarded(_fails, 1.0) is None  # 'unknown'
    with pytest.raises(ValueError):  # limited lets fn's own errors through
        limited(_fails, 1.0)
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0  # nothing left armed


@pytest.fixture
def outer_alarm() -> Iterator[list[int]]:
    """An alarm of 5 s already running (as a test timeout would be), counting when it fires."""
    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    signal.setitimer(signal.ITIMER_REAL, 5.0)
    yield fired
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, old)


def test_an_outer_alarm_gets_back_what_is_left_of_it(outer_alarm: list[int]) -> None:
    assert limited(lambda: 1, 3.0) == (True, 1) and guarded(lambda: 2, 3.0) == 2
    left = signal.getitimer(signal.ITIMER_REAL)[0]
    assert 2.5 < left <= 5.0 and not outer_alarm  # limited gave back 5 - 3 = 2 s before
    signal.setitimer(signal.ITIMER_REAL, 0.2)  # the outer alarm is now shorter than the guard
    assert limited(_slow, 3.0) == (False, None)  # the guard stops first ...
    time.sleep(0.05)
    assert outer_alarm  # ... and the outer alarm still fires


def test_off_the_main_thread_limited_does_not_run_and_guarded_runs_unlimited() -> None:
    out: dict[str, object] = {}
    ran: list[str] = []

    def note(name: str, value: int) -> int:
        ran.append(name)
        return value

    def work() -> None:
        out["limited"] = limited(lambda: note("limited", 1), 1.0)
        out["guarded"] = guarded(lambda: note("guarded", 2), 1.0)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert out == {"limited": (False, None), "guarded": 2} and ran == ["guarded"]


def test_provably_nonzero_needs_a_value_and_never_calls_a_zero_nonzero() -> None:
    """A value ≥ 1e-20 (30 digits) at one of its points proves non-zero; a constant is evaluated
    once; zeros that need an identity (sin² + cos² − 1, √2² − 2) and undefined points say nothing."""
    x, y = sp.symbols("x y")
    assert provably_nonzero(x - 1)  # 0 at the third point x = 7/7, not at the first
    assert provably_nonzero(sp.exp(-x * 40) * y)
    assert not provably_nonzero(sp.sin(x + y) ** 2 + sp.cos(x + y) ** 2 - 1)
    assert not provably_nonzero(sp.sqrt(2) ** 2 - 2 + 0 * x)
    assert not provably_nonzero(sp.Integer(0)) and provably_nonzero(sp.pi - 3)
