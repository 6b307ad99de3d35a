"""The compiled problem (gsmtheory/solve/_problem.py) and target sampling by the inverse CDF."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from gsmtheory.estimation import sample_target
from gsmtheory.solve import build_problem
from gsmtheory.symbolic import parse_spec

DOUBLE_WELL = 'coords = ["x"]\nlog_density = "-(x**2 - 1)**2"\n'


@pytest.mark.parametrize(("log_density", "dist"), [
    ("-2*log(1 + x**2/3)", scipy.stats.t(3)),
    ("-log(1 + x**2)", scipy.stats.cauchy()),
])
def test_inverse_cdf_sampling_is_exact_for_heavy_tails(log_density: str, dist: object) -> None:
    r"""Exact inverse-CDF sampling: x_i = F⁻¹(u_i) with u_i the seed's uniforms, so F(x_i) = u_i.

    sample_target draws u = default_rng(seed).random(n) and solves F(x) = u; scipy's exact
    Student-t / Cauchy CDF must return u to 1e-12 (the old 200,001-point table over the
    40-nat support lost the tails), and a KS test at a fixed seed must not reject.
    """
    spec = parse_spec(f'coords = ["x"]\nlog_density = "{log_density}"\n')
    n = 20_000
    x = sample_target(spec.diffusion, n, seed=7)[:, 0]
    u = np.random.default_rng(7).random(n)
    cdf = dist.cdf(x)  # type: ignore[attr-defined]
    assert float(np.max(np.abs(cdf - u))) < 1e-12
    assert scipy.stats.kstest(x, dist.cdf).pvalue > 0.01  # type: ignore[attr-defined]
    far = float(dist.ppf(1e-4))  # type: ignore[attr-defined]
    assert np.sum(x < far) > 0  # the tail beyond the 1e-4 quantile is visited


def test_the_problem_is_the_compiled_view() -> None:
    p = build_problem(parse_spec(DOUBLE_WELL).diffusion)
    assert p.d == 1 and p.unbounded and p.mixture is None
    assert p.constant_D is not None and p.constant_D.tolist() == [[1.0]]
    x = np.array([0.0, 2.0])
    assert np.allclose(p.log_density(x), -(x ** 2 - 1) ** 2)
