"""Claim 7: score matching equals maximum likelihood where theory says so, to 1e-10.

Gaussian location with any covariance (both estimators are the sample mean) and the precision
of a centered Gaussian (both are the inverse second-moment matrix). The GSM side is the closed
form linear solve; the MLE side is Newton on a likelihood normalized by quadrature, an
independent route, so agreement tests both.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.estimation import fit
from gsmtheory.symbolic import parse_spec

LOCATION_2D = '''
coords = ["x", "y"]
log_density = "-(p11*x**2 + 2*p12*x*y + p22*y**2)/2"
[constants]
p11 = 1.0
p12 = 0.3
p22 = 2.0
[model]
params = ["a", "b"]
truth = {a = 0.0, b = 0.0}
log_density = "-(p11*(x-a)**2 + 2*p12*(x-a)*(y-b) + p22*(y-b)**2)/2"
'''

PRECISION_1D = '''
coords = ["x"]
log_density = "-x**2/(2*s)"
[constants]
s = 2.0
[model]
params = ["t"]
truth = {t = 0.5}
log_density = "-t*x**2/2"
'''

PRECISION_2D = '''
coords = ["x", "y"]
log_density = "-(x**2 - x*y + y**2)/2"
[model]
params = ["u", "v", "w"]
truth = {u = 1.0, v = -0.5, w = 1.0}
log_density = "-(u*x**2 + 2*v*x*y + w*y**2)/2"
'''


def _both(spec, data):
    g = fit(spec, data, loss="gsm")
    m = fit(spec, data, loss="mle", starts=1)
    assert g.converged and m.converged
    return np.array(g.estimate), np.array(m.estimate)


@settings(max_examples=3, deadline=None)
@given(p11=st.floats(0.3, 3.0), rho=st.floats(-0.8, 0.8), p22=st.floats(0.3, 3.0),
       seed=st.integers(0, 10_000))
def test_gaussian_location_any_covariance(p11, rho, p22, seed):
    p12 = rho * np.sqrt(p11 * p22)
    spec = parse_spec(LOCATION_2D, constants={"p11": p11, "p12": p12, "p22": p22})
    prec = np.array([[p11, p12], [p12, p22]])
    rng = np.random.default_rng(seed)
    data = rng.multivariate_normal([0.0, 0.0], np.linalg.inv(prec), size=300)
    gsm, mle = _both(spec, data)
    assert np.max(np.abs(gsm - data.mean(0))) < 1e-12  # closed form: the sample mean
    assert np.max(np.abs(gsm - mle)) < 1e-10


def test_gaussian_location_1d_catalogue():
    from gsmtheory.symbolic import load_spec

    spec = load_spec("gaussian")
    data = np.random.default_rng(3).normal(0.0, 1.5, size=(400, 1))
    gsm, mle = _both(spec, data)
    assert abs(gsm[0] - data.mean()) < 1e-12
    assert abs(gsm[0] - mle[0]) < 1e-10


def test_precision_of_centered_gaussian_1d():
    spec = parse_spec(PRECISION_1D)
    data = np.random.default_rng(4).normal(0.0, np.sqrt(2.0), size=(500, 1))
    gsm, mle = _both(spec, data)
    assert abs(gsm[0] - 1.0 / np.mean(data**2)) < 1e-12
    assert abs(gsm[0] - mle[0]) < 1e-10


def test_precision_of_centered_gaussian_2d():
    spec = parse_spec(PRECISION_2D)
    cov = np.linalg.inv(np.array([[1.0, -0.5], [-0.5, 1.0]]))
    data = np.random.default_rng(5).multivariate_normal([0, 0], cov, size=600)
    gsm, mle = _both(spec, data)
    S_inv = np.linalg.inv(data.T @ data / len(data))
    assert np.max(np.abs(gsm - [S_inv[0, 0], S_inv[0, 1], S_inv[1, 1]])) < 1e-10
    assert np.max(np.abs(gsm - mle)) < 1e-10


def test_efficiency_ratio_is_one_for_location():
    from gsmtheory.estimation import efficiency

    spec = parse_spec(LOCATION_2D)
    eff = efficiency(spec, poincare=False)
    assert abs(eff.ratio - 1) < 1e-10
    assert np.allclose(eff.gsm_covariance, np.linalg.inv([[1.0, 0.3], [0.3, 2.0]]), rtol=1e-10, atol=1e-12)
    assert np.allclose(eff.gsm_covariance, eff.mle_covariance, rtol=1e-10, atol=1e-12)
