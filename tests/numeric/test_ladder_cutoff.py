"""The cut-off rungs of the refinement ladder (gsmtheory/numeric/_ladder_cutoff.py): what is left beyond
a cut-off, from its last two changes, against tails whose rest is known exactly."""

from __future__ import annotations

import math

import pytest

from gsmtheory.numeric._ladder_cutoff import TAIL_STEP, cutoff_tail, left_after


def _changes(e, tail: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    return e(tail) - e(tail + TAIL_STEP), e(tail + TAIL_STEP) - e(tail + 2 * TAIL_STEP)


@pytest.mark.parametrize("k", [0.5, 1.0, 2.0, 3.0])
@pytest.mark.parametrize("tail", [40.0, 100.0, 180.0])
def test_a_power_law_rest_is_covered_twice(k: float, tail: float) -> None:
    """e(T) = T^-k (the edge of a continuous spectrum): the rest beyond tail + Δ is stated as 2 e."""
    def e(t: float) -> float:
        return t ** -k

    got = left_after(tail, *_changes(e, tail))
    assert got == pytest.approx(2 * e(tail + TAIL_STEP), rel=1e-9)
    # the three-cut-off form of the same law (the rest beyond the first cut-off): the power law, or
    # its floor of twice the first change
    c = [1.0, 1.0 + e(tail) - e(tail + TAIL_STEP), 1.0 + e(tail) - e(tail + 2 * TAIL_STEP)]
    assert e(tail) * (1 - 1e-6) <= cutoff_tail(tail, c) <= 2 * e(tail)


@pytest.mark.parametrize("q", [0.01, 0.3, 0.5])
def test_a_geometric_rest_is_covered_and_a_slower_one_is_unbounded(q: float) -> None:
    """e(T) = q^(T/Δ) (an eigenfunction decaying exponentially): covered, within a factor 4.5; changes
    that shrink more slowly than any power (q = 0.95 at T = 40) or not at all give inf."""
    def e(t: float) -> float:
        return q ** (t / TAIL_STEP)

    for tail in (40.0, 180.0):
        rest = e(tail + TAIL_STEP)
        assert rest <= left_after(tail, *_changes(e, tail)) <= 4.5 * rest
    assert left_after(40.0, *_changes(lambda t: 0.95 ** (t / TAIL_STEP), 40.0)) == math.inf
    assert left_after(40.0, 1e-3, 2e-3) == math.inf
    assert left_after(40.0, 1e-3, 0.0) == 0.0
