"""Reflected Langevin chains (gsmtheory/numeric/_reflected_langevin.py): the law kept, and bad input refused."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import NumericalError
from gsmtheory.numeric import ReflectedRun, reflected_langevin


def _ou(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return -x, np.zeros_like(t)


def test_the_product_law_is_kept_and_a_seed_is_a_generator() -> None:
    """N(0, 1) ⊗ Uniform[0, 2] is invariant: E x² = 1, E t = 1 (4000 chains, errors about 0.03)."""
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((4000, 1)), rng.uniform(0, 2, 4000)
    run = reflected_langevin(_ou, x, t, 2.0, time_span=2.0, dt=0.01, rng=7)
    assert isinstance(run, ReflectedRun) and run.steps == 200 and run.x.shape == (4000, 1)
    assert abs(float(np.mean(run.x**2)) - 1) < 0.1 and abs(float(np.mean(run.t)) - 1) < 0.1
    assert run.reflections > 0 and np.all((run.t >= 0) & (run.t <= 2))
    again = reflected_langevin(_ou, x, t, 2.0, time_span=2.0, dt=0.01, rng=np.random.default_rng(7))
    assert np.array_equal(run.x, again.x) and np.array_equal(run.t, again.t)


@pytest.mark.parametrize(("x", "t", "t_max", "match"), [
    (np.zeros(5), np.ones(5), 2.0, "expected \\(chains, d\\)"),   # a 1D x broadcast to (n, n) before
    (np.zeros((5, 1)), np.ones(4), 2.0, "expected \\(chains, d\\)"),
    (np.zeros((5, 1)), np.full(5, 3.0), 2.0, "outside"),            # silently clipped to 0 before
    (np.zeros((5, 1)), np.ones(5), -1.0, "positive and finite"),
])
def test_bad_input_is_one_line(x: np.ndarray, t: np.ndarray, t_max: float, match: str) -> None:
    with pytest.raises(NumericalError, match=match) as err:
        reflected_langevin(_ou, x, t, t_max, time_span=1.0, dt=0.1, rng=0)
    assert "\n" not in str(err.value)
