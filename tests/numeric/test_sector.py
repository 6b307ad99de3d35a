"""The radial range of the angular sectors (gsmtheory/numeric/_sector.py): where t^{d∓1}e^{−t²/2} holds its mass."""

from __future__ import annotations

import math

import pytest

from gsmtheory.numeric._sector import radial_range


@pytest.mark.parametrize("dim", [1, 2, 5, 300])
def test_radial_range_cuts_both_sector_weights_at_the_tail(dim: int) -> None:
    """At t_hi (and at t_lo > 0) the larger of the two log weights, each relative to its own maximum,
    is −tail: the range is the union of the two weights' ranges."""
    tail = 40.0

    def rel(power: int, t: float) -> float:
        if power == 0:
            return -0.5 * t * t
        return power * math.log(t) - 0.5 * t * t - power * (math.log(math.sqrt(power)) - 0.5)

    lo, hi = radial_range(dim, tail)
    assert max(rel(dim - 1, hi), rel(dim + 1, hi)) == pytest.approx(-tail, abs=1e-8)
    if dim <= 2:  # t_lo = 0, or a root within brentq's absolute tolerance (2e-12) of 0
        assert lo <= 1e-11
    else:
        assert max(rel(dim - 1, lo), rel(dim + 1, lo)) == pytest.approx(-tail, abs=1e-8)
