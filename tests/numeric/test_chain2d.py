"""The 2D cut-off box (gsmtheory/numeric/_chain2d.py): the witness of a refined window whose end was kept."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory._errors import ModelError
from gsmtheory.numeric import poincare_1d, poincare_2d
from gsmtheory.numeric._chain2d import truncate_box

INF = math.inf
A = 0.056640625  # the Hypothesis witness of tests/numeric/test_exact.py (v1 = 2.1875, a = -A)


def _ell(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -x**2 / (2 * 2.1875) - y**4 / 4 + A * y**2


def test_a_window_end_kept_on_a_finer_grid_widens_the_window() -> None:
    """At tail 60 the first window's y-end was set where the coarse x-grid missed the ridge x = 0;
    the next grid kept it and the box was refused as 'does not decay'. Now the side widens, and the
    box holds every point within the tail of the maximum."""
    for tail in (40.0, 60.0, 80.0, 100.0):
        (x0, x1), (y0, y1) = truncate_box(_ell, ((-INF, INF), (-INF, INF)), tail=tail)
        # the exact extent at x = 0 and y = y*: y⁴/4 − A y² = tail, x²/(2·2.1875) = tail − max
        t2 = 2 * A + math.sqrt(4 * A * A + 4 * tail)
        y_end = math.sqrt(t2)
        x_end = math.sqrt(2 * 2.1875 * (tail + A * A))
        assert y0 < -y_end and y1 > y_end and x0 < -x_end and x1 > x_end, (tail, (x0, x1), (y0, y1))
        assert y1 < 1.2 * y_end and x1 < 1.5 * x_end  # and not much more


def test_the_product_matches_its_factors() -> None:
    r = poincare_2d(_ell, 1.0, ((-INF, INF), (-INF, INF)), rtol=1e-4)
    one = max(poincare_1d(lambda x: -x**2 / (2 * 2.1875), 1.0, -INF, INF).poincare_constant,
              poincare_1d(lambda y: -y**4 / 4 + A * y**2, 1.0, -INF, INF).poincare_constant)
    assert r.status == "ok" and abs(r.poincare_constant - one) <= r.error_estimate + 1e-9 * one


def test_a_density_that_does_not_decay_is_still_refused() -> None:
    with pytest.raises(ModelError, match="does not decay along y"):
        truncate_box(lambda x, y: -x**2 + 0 * y, ((-INF, INF), (-INF, INF)))
