"""Two-sided Poincaré results (gsmtheory/numeric/_bracket.py) refuse crossing bounds."""

from __future__ import annotations

import pytest

from gsmtheory._errors import NumericalError
from gsmtheory.numeric import (
    PoincareResult,
    two_sided,
)


def test_two_sided_refuses_crossing_bounds() -> None:
    lo = PoincareResult(2.0, 0.0, "rayleigh_ritz", status="bound", side="lower_bound", lower=2.0)
    up = PoincareResult(1.0, 0.0, "bakry_emery", status="bound", side="upper_bound", upper=1.0)
    with pytest.raises(NumericalError, match="exceeds the certified upper"):
        two_sided(lo, up)
