"""CTLD efficiency in any d by reduction to the 1D problem along U (issue #14)."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import ModelError
from gsmtheory.estimation import (
    ctld_efficiency,
    ctld_efficiency_reduced,
    ctld_efficiency_spec,
    ctld_problem,
)
from gsmtheory.symbolic import parse_spec


def _spec(d: int, direction: list[float], m: float = 1.5, free_off_axis: bool = False) -> str:
    coords = ", ".join(f'"x{i}"' for i in range(d))
    e = np.array(direction, dtype=float)
    e /= np.linalg.norm(e)
    lo = [repr(float(-m * v)) for v in e]
    hi = [repr(float(m * v)) for v in e]
    mlo = [f"\"-a*{float(v)!r}\"" for v in e]
    mhi = [f"\"a*{float(v)!r}\"" for v in e]
    if free_off_axis:
        mlo[-1] = '"-b"'
        mhi[-1] = '"b"'
    params = '["a", "b"]' if free_off_axis else '["a"]'
    truth = f"{{a = {m!r}, b = 0.0}}" if free_off_axis else f"{{a = {m!r}}}"
    return (f"coords = [{coords}]\n[mixture]\nmeans = [[{', '.join(lo)}], [{', '.join(hi)}]]\n"
            f"weights = [0.5, 0.5]\ncovariance = 1.0\n[model]\nparams = {params}\ntruth = {truth}\n"
            f"[model.mixture]\nmeans = [[{', '.join(mlo)}], [{', '.join(mhi)}]]\nweights = [0.5, 0.5]\n"
            "covariance = 1.0\n[ctld]\nlambda_min = 1.0\n")


def test_d2_reduction_equals_the_2d_quadrature() -> None:
    """The 1D problem plus m·H⁻¹E[AAᵀλ²/(2s⁴)]H⁻¹ against the 2D tensor quadrature (rotated means)."""
    spec = parse_spec(_spec(2, [1.0, 1.0]))
    red = ctld_efficiency_reduced(spec, poincare=False)
    full = ctld_efficiency(ctld_problem(spec))
    for a, b in ((red.gsm_covariance, full.gsm_covariance), (red.vanilla_covariance, full.vanilla_covariance),
                 (red.mle_original, full.mle_original), (red.mle_lifted, full.mle_lifted)):
        assert np.allclose(a, b, rtol=max(1e-5, 10 * (red.error + full.error)))
    # the β-score of the Gaussian direction adds a positive amount to Γ_CTLD only
    assert red.resolution["reduction"]["ctld_term"][0][0] > 0


def test_d10_vanilla_and_mle_blocks_are_the_1d_ones_and_ctld_grows_with_m() -> None:
    one = ctld_efficiency_spec(parse_spec(_spec(1, [1.0])), poincare=False)
    ten = ctld_efficiency_spec(parse_spec(_spec(10, [1.0] * 10)), poincare=False)
    three = ctld_efficiency_spec(parse_spec(_spec(3, [1.0, 0.0, 0.0])), poincare=False)
    for key in ("vanilla_covariance", "mle_original", "mle_lifted"):
        assert np.allclose(getattr(ten, key), getattr(one, key), rtol=1e-9), key
    t3 = three.gsm_covariance - one.gsm_covariance
    t10 = ten.gsm_covariance - one.gsm_covariance
    assert t3[0, 0] > 0
    assert t10[0, 0] == pytest.approx(4.5 * t3[0, 0], rel=1e-9)  # m = 9 against m = 2


def test_models_off_the_span_are_refused() -> None:
    spec = parse_spec(_spec(3, [1.0, 0.0, 0.0], free_off_axis=True))
    with pytest.raises(ModelError, match="off the span"):
        ctld_efficiency_reduced(spec, poincare=False)
