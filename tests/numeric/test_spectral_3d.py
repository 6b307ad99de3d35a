"""poincare_3d (D = I finite volumes) and the CTLD lift of 2D mixtures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsmtheory._errors import SpecError
from gsmtheory.numeric import ctld_poincare, ctld_poincare_3d, poincare_1d, poincare_3d
from gsmtheory.symbolic import GaussianMixture, ctld_parameters


def test_anisotropic_gaussian_gives_the_largest_variance() -> None:
    v = (1.0, 2.0, 0.5)

    def ell(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return -x**2 / (2 * v[0]) - y**2 / (2 * v[1]) - z**2 / (2 * v[2])

    box = [(-7 * math.sqrt(s), 7 * math.sqrt(s)) for s in v]
    res = poincare_3d(ell, box, shape=(16, 16, 16), rtol=3e-3)
    assert res.status == "ok"
    assert abs(res.poincare_constant - 2.0) <= 2e-3 * 2.0
    assert abs(res.poincare_constant - 2.0) <= 1.5 * res.error_estimate
    # the raw values approach from above and the extrapolation improves on the finest grid
    raw = res.resolution["values"]
    assert raw[0] > raw[1] > raw[2] > 2.0
    assert abs(res.poincare_constant - 2.0) < 0.1 * abs(raw[2] - 2.0)


def test_gaussian_times_reflected_exponential_is_the_max_of_the_factors() -> None:
    # z in [0, 4] with p ∝ e^{-z}: C_P = 1 / (1/4 + (π/4)^2) ≈ 1.153, above the Gaussian's 0.8
    def ell(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return -x**2 / (2 * 0.5) - y**2 / (2 * 0.8) - z

    res = poincare_3d(ell, [(-5.0, 5.0), (-6.3, 6.3), (0.0, 4.0)], shape=(12, 12, 16), rtol=2e-3)
    one = poincare_1d(lambda z: -z, 1.0, 0.0, 4.0)
    exact = 1.0 / (0.25 + (math.pi / 4) ** 2)
    assert abs(one.poincare_constant - exact) < 1e-6 * exact
    assert abs(res.poincare_constant - one.poincare_constant) <= max(2e-3 * exact, 1.5 * res.error_estimate)


def test_refinement_agrees_within_the_error_estimate() -> None:
    mix = GaussianMixture(((-1.0, 0.0), (1.0, 0.0)), (0.5, 0.5), ((1.0, 0.0), (0.0, 1.0)))
    params = ctld_parameters(mix)
    with pytest.warns(RuntimeWarning):
        coarse = ctld_poincare_3d(mix, params, resolution=0.6, rtol=1e-4)
    fine = ctld_poincare_3d(mix, params, resolution=0.8, rtol=1e-2)
    gap = abs(coarse.poincare_constant - fine.poincare_constant)
    assert gap <= coarse.error_estimate + fine.error_estimate
    assert fine.status == "ok"


def test_two_d_lift_is_at_least_the_one_d_lift() -> None:
    # two unit Gaussians at (±m, 0): the extra coordinate y only adds modes to the lifted chain
    m = 1.0
    mix2 = GaussianMixture(((-m, 0.0), (m, 0.0)), (0.5, 0.5), ((1.0, 0.0), (0.0, 1.0)))
    mix1 = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
    three = ctld_poincare_3d(mix2, ctld_parameters(mix2), resolution=0.8, rtol=1e-2)
    two = ctld_poincare(mix1, ctld_parameters(mix1))
    assert three.poincare_constant >= two.poincare_constant - three.error_estimate - two.error_estimate
    assert three.poincare_constant / two.poincare_constant < 1.05  # same bottleneck (the x modes)


def test_bad_input_is_a_one_line_error() -> None:
    def ell(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        return -(x**2 + y**2 + z**2)

    with pytest.raises(SpecError):
        poincare_3d(ell, [(-math.inf, 1.0), (-1.0, 1.0), (-1.0, 1.0)])
    with pytest.raises(SpecError):
        poincare_3d(ell, [(-1.0, 1.0)] * 3, levels=(1.0,))


def test_ctld_poincare_spec_lifts_a_2d_mixture() -> None:
    from gsmtheory.numeric import ctld_poincare_spec
    from gsmtheory.symbolic import load_spec

    spec = load_spec("mixture-2d", constants={"m": 0.5})
    res = ctld_poincare_spec(spec, quick=True)
    mix = spec.diffusion.mixture
    assert mix is not None
    direct = ctld_poincare_3d(mix, ctld_parameters(mix), resolution=0.8, rtol=1e-2)
    assert res.poincare_constant == direct.poincare_constant
    assert res.status == "ok"
    assert res.to_dict()["lifted"] is True
