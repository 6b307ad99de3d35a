"""gsmtheory/numeric/_tail_map.py: the map of a (half-)infinite interval onto [−1, 1] and the density on it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory.numeric import TailMap


@pytest.mark.parametrize(("logp", "lo", "hi"), [
    (lambda x: -x**2 / 2, -math.inf, math.inf),
    (lambda x: -0.5 * np.log(x) - x, 0.0, math.inf),          # a singular finite end, one infinite end
    (lambda x: -2.0 * np.log1p(x * x), -math.inf, math.inf),  # a heavy tail
])
def test_mapped_is_the_density_with_its_parts(logp, lo, hi) -> None:  # type: ignore[no-untyped-def]
    """mapped(t) = (x, ℓ(x), e^{ℓ − top}, w) with w = density(t) = e^{ℓ − top}|x′| (0 where ℓ = −∞)."""
    tmap = TailMap.fit(logp, lo, hi)
    t = np.concatenate([np.linspace(-1, -1e-6, 4001), np.linspace(1e-6, 1, 4001)])
    x, lv, rel, w = tmap.mapped(logp, t)
    xj, jac = tmap.x_and_jacobian(t)
    assert np.array_equal(x, xj) and np.array_equal(w, tmap.density(logp, t))
    with np.errstate(all="ignore"):
        assert np.array_equal(lv, np.asarray(logp(x), dtype=float))
    assert np.array_equal(rel, np.exp(np.where(np.isfinite(lv), lv - tmap.top, -np.inf)))
    assert np.all(w >= 0) and np.allclose(w[rel > 0], (rel * jac)[rel > 0], rtol=0, atol=0)
