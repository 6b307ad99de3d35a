"""The claim on d (issue #14): exponents of C_P and of the annealed estimator's cost in d."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory.estimation import anisotropy_scaling, dimension_scaling, exponent_in_d


def test_exponent_of_a_power_law_and_of_an_affine_law() -> None:
    d = [1, 3, 10, 100, 1000]
    e = exponent_in_d(d, [3.0 * v**1.5 for v in d])
    assert e["fit"] == pytest.approx(1.5, abs=1e-12) and e["local"] == pytest.approx(1.5, abs=1e-12)
    assert e["fit_standard_error"] < 1e-10
    a = exponent_in_d(d, [100.0 + 2.0 * v for v in d])
    assert a["affine"]["a"] == pytest.approx(100.0) and a["affine"]["b"] == pytest.approx(2.0)
    assert a["interval"][0] < a["local"] <= a["interval"][1] < 1.0


@pytest.mark.slow
def test_langevin_is_flat_and_the_ctld_cost_grows_at_most_linearly_in_d() -> None:
    s = dimension_scaling((1, 2, 10, 100), ctld=False)
    assert np.ptp(s.cp_langevin) <= 1e-6 * s.cp_langevin[0]
    assert abs(s.exponents["cp_langevin"]["fit"]) < 1e-8
    r = np.array(s.gamma_ratio)
    assert np.all(np.diff(r) > 0)  # the β-score of the Gaussian directions adds cost
    g = s.exponents["gamma_ctld_over_mle_squared"]
    assert 0 < g["local"] < 1 and g["affine"]["max_relative_residual"] < 1e-6


def test_anisotropy_scaling_rejects_bad_kappas_and_bounds_the_slopes() -> None:
    from gsmtheory._errors import SpecError
    from gsmtheory.estimation._dimension import _slope_error

    with pytest.raises(SpecError, match="increasing"):
        anisotropy_scaling((4.0, 1.0))
    with pytest.raises(SpecError, match=">= 1"):
        anisotropy_scaling((0.5, 2.0))
    # relative errors 1e-3 and 2e-3 over a factor e in κ: the slope is uncertain by 3e-3
    assert _slope_error([1.0, math.e], [10.0, 20.0], [0.01, 0.04]) == pytest.approx(3e-3)
