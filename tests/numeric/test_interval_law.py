"""The law e^ℓ/Z on [0, b_max] (gsmtheory/numeric/_interval_law.py) against closed forms and its own table."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric import IntervalLaw, beta_table, inverse_cdf

RATE = 1.3
LAW = IntervalLaw(lambda b: -RATE * np.asarray(b), 3.0)  # the exponential law truncated to [0, 3]
LAW_2 = IntervalLaw(np.negative, 2.0)


def _cdf(b: np.ndarray) -> np.ndarray:
    return np.clip(-np.expm1(-RATE * b) / -math.expm1(-RATE * 3.0), 0.0, 1.0)


def test_normalizer_density_and_mean_are_the_truncated_exponential() -> None:
    z = -math.expm1(-RATE * 3.0) / RATE
    assert LAW.log_normalizer() == pytest.approx(math.log(z), rel=1e-13)
    b = np.array([-0.5, 0.0, 1.0, 3.0, 3.5])
    assert np.allclose(np.exp(LAW.logpdf(b)), np.where((b >= 0) & (b <= 3), np.exp(-RATE * b) / z, 0.0),
                       rtol=1e-12, atol=0)
    mean = 1 / RATE - 3.0 * math.exp(-RATE * 3.0) / -math.expm1(-RATE * 3.0)
    assert LAW.mean() == pytest.approx(mean, rel=1e-12)


def test_cdf_table_and_draws_share_one_table() -> None:
    b = np.linspace(0.0, 3.0, 7)
    assert np.allclose(LAW.cdf(b), _cdf(b), atol=1e-9)
    grid, cdf = LAW.table(11)
    g2, c2 = beta_table(LAW.logpdf, 3.0, 11)
    assert np.array_equal(grid, g2) and np.array_equal(cdf, c2)
    u = np.random.default_rng(4).random(50_000)
    assert np.array_equal(LAW.sample(50_000, seed=4), inverse_cdf(LAW.table(), u))
    assert stats.kstest(LAW.sample(50_000, seed=5), lambda x: _cdf(np.asarray(x))).pvalue > 1e-3


def test_a_log_scale_far_from_zero_changes_nothing() -> None:
    """ℓ + 700 (e^ℓ overflows) gives the same law: every method works relative to the maximum."""
    shifted = IntervalLaw(lambda b: 700.0 - RATE * np.asarray(b), 3.0)
    b = np.array([0.5, 2.0])
    assert np.allclose(shifted.logpdf(b), LAW.logpdf(b), rtol=0, atol=1e-9)
    assert shifted.mean() == pytest.approx(LAW.mean(), rel=1e-12)
    assert np.allclose(shifted.cdf(b), LAW.cdf(b), atol=1e-12)


@pytest.mark.parametrize("upper", [0.0, -1.0, math.inf, math.nan])
def test_a_bad_upper_end_is_one_line(upper: float) -> None:
    with pytest.raises(SpecError, match="positive finite") as err:
        IntervalLaw(np.negative, upper)
    assert "\n" not in str(err.value)
    with pytest.raises(SpecError, match="callable"):
        IntervalLaw("-b", 1.0)  # type: ignore[arg-type]


def test_a_narrow_law_is_refined_until_twice_the_panels_agree() -> None:
    """−1e7(b − 0.3)² on [0, 1] (width 2e-4): 64 fixed panels gave log Z = −6.947 (exact −7.487);
    the rate-1e4 exponential: the mean was 2.4e-3 too large relative."""
    narrow = IntervalLaw(lambda b: -1e7 * (np.asarray(b) - 0.3) ** 2, 1.0)
    assert narrow.log_normalizer() == pytest.approx(0.5 * math.log(math.pi / 1e7), abs=2e-9)
    assert narrow.mean() == pytest.approx(0.3, rel=1e-9)
    steep = IntervalLaw(lambda b: -1e4 * np.asarray(b), 1.0)
    assert steep.log_normalizer() == pytest.approx(math.log(-math.expm1(-1e4) / 1e4), abs=2e-9)
    assert steep.mean() == pytest.approx(1e-4, rel=1e-8)


def test_a_singular_law_is_refused_not_returned_unresolved() -> None:
    """The arcsine law b^−½(2 − b)^−½ is normalizable but its quadrature converges like panels^−½."""
    arcsine = IntervalLaw(lambda b: -0.5 * np.log(np.asarray(b)) - 0.5 * np.log(2 - np.asarray(b)), 2.0)
    with pytest.raises(NumericalError, match="does not settle"):
        arcsine.log_normalizer()


def test_numpy_scalars_are_numbers_and_booleans_are_not() -> None:
    assert IntervalLaw(np.negative, np.int64(2)).upper == 2
    assert IntervalLaw(np.negative, np.float32(2.0)).log_normalizer() == pytest.approx(LAW_2.log_normalizer())
    with pytest.raises(SpecError, match="positive finite"):
        IntervalLaw(np.negative, True)

