"""Quadrature and loss evaluation: closed forms, refinement errors, overflow in the tails."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from gsmtheory import ModelError, NumericalError
from gsmtheory.numeric import expect_1d, expect_2d, mixture_logpdf, support_interval
from gsmtheory.solve import evaluate_gsm_loss, poincare_constant
from gsmtheory.symbolic import ctld_lift_spec, gsm_loss, load_spec, parse_spec


def test_gaussian_moments_to_machine_precision() -> None:
    ex = expect_1d(lambda x: -x**2 / 8, lambda x: [x**2, x**4], -math.inf, math.inf)
    assert ex.values[0] == pytest.approx(4.0, rel=1e-13)
    assert ex.values[1] == pytest.approx(48.0, rel=1e-13)
    assert ex.log_normalizer == pytest.approx(0.5 * math.log(8 * math.pi), rel=1e-13)
    assert max(ex.errors) < 1e-10


def test_beta_moments_with_endpoint_singularity() -> None:
    # Beta(1/2, 2): E[x] = 1/5, density ~ x^{-1/2} at 0
    ex = expect_1d(lambda x: -0.5 * np.log(x) + np.log1p(-x), lambda x: x, 0.0, 1.0)
    assert ex.values[0] == pytest.approx(0.2, rel=1e-8)


def test_2d_correlated_gaussian() -> None:
    def logp(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return -(x**2 - 1.6 * x * y + y**2) / (2 * 0.36)

    ex = expect_2d(logp, lambda x, y: [x * y, x**2], ((-math.inf, math.inf), (-math.inf, math.inf)))
    assert ex.values[0] == pytest.approx(0.8, rel=1e-10)
    assert ex.values[1] == pytest.approx(1.0, rel=1e-10)


def test_unnormalizable_density_is_an_error() -> None:
    with pytest.raises(ModelError, match="cannot be normalized"):
        support_interval(lambda x: x, -math.inf, math.inf)


def test_non_finite_integrand_with_mass_is_an_error() -> None:
    with pytest.raises(NumericalError, match="not finite"):
        expect_1d(lambda x: -x**2 / 2, lambda x: 1.0 / x * np.where(np.abs(x) < 0.5, np.nan, 1.0),
                  -math.inf, math.inf)


def test_overflow_only_where_p_is_negligible_is_dropped() -> None:
    # an integrand that is NaN beyond |x| > 30, where N(0, 1) has mass ~1e-197
    ex = expect_1d(lambda x: -x**2 / 2, lambda x: np.where(np.abs(x) > 30, np.nan, x**2), -math.inf, math.inf)
    assert ex.values[0] == pytest.approx(1.0, rel=1e-12)


def test_ctld_lift_loss_with_default_constants() -> None:
    """The lifted log-sum-exp integrands overflow in the far tails; the identity still holds."""
    diffusion, model, _ = ctld_lift_spec(load_spec("ctld-bimodal"))
    verdict = diffusion.stationarity()
    assert verdict.verdict is True
    ev = evaluate_gsm_loss(gsm_loss(diffusion, model), [{"a": 2.0}, {"a": 2.6}])
    assert all(math.isfinite(v) for v in ev.explicit + ev.implicit)
    assert ev.explicit[0] == pytest.approx(0.0, abs=1e-12)
    assert ev.explicit[1] > 1e-7
    assert abs(ev.difference[0] - ev.difference[1]) < 1e-10
    assert ev.difference[0] == pytest.approx(-ev.constant, rel=1e-9)


def test_mixture_log_density_is_minus_inf_where_the_quadratic_overflows() -> None:
    """At |x| ≥ 1e154 every (x − μ)² overflows; log p is −inf there, not NaN (the 1D solver's
    tail map t = asinh x reaches x = sinh 512 ≈ 1e222 when D grows, e.g. D = 1 + x²/4)."""
    mix = (((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lp = mixture_logpdf(mix, np.array([[-1e150], [-1e160], [1e222], [0.3]]))
    assert lp[0] == pytest.approx(-5e299) and lp[1] == lp[2] == -np.inf and np.isfinite(lp[3])
    text = ('coords = ["x"]\n[mixture]\nmeans = [[-1], [1]]\nweights = [0.5, 0.5]\ncovariance = [[1.0]]\n'
            '[diffusion]\nD = [["1 + x**2/4"]]\n')
    r = poincare_constant(parse_spec(text).diffusion, quick=True)
    assert r.status == "ok" and np.isfinite(r.poincare_constant) and r.lower <= r.poincare_constant
