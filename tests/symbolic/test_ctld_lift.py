"""CTLD: lift, bad input, convolution, lifted C_P, losses with faces, estimator recovery."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory._errors import GSMError
from gsmtheory.numeric import (
    convolve_logpdf_1d,
    ctld_joint_logpdf,
    ctld_poincare,
    lifted_chi_square,
    mixture_logpdf,
    poincare_2d,
)
from gsmtheory.solve import build_problem, ctld_schedule, evaluate_loss
from gsmtheory.symbolic import (
    BETA,
    GaussianMixture,
    ctld_lift,
    ctld_lift_spec,
    ctld_parameters,
    load_spec,
    parse_spec,
)

MIX = GaussianMixture(((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),))


def test_defaults_follow_design() -> None:
    p = ctld_parameters(load_spec("ctld-bimodal").diffusion)
    assert p.lambda_min == 1.0 and p.diameter == 4.0
    assert p.beta_max == 14 * 16 - 1
    assert sp.simplify(p.log_r + sp.Rational(7 * 16) / (1 + BETA)) == 0


def test_spec_table_lifts_and_overrides() -> None:
    lifted, model, p = ctld_lift_spec(load_spec("ctld-bimodal"), beta_max=5.0)
    assert [str(c) for c in lifted.coords] == ["x", "beta"]
    assert float(lifted.domain[1][1]) == 5.0 and model is not None and p.beta_max == 5.0


@pytest.mark.parametrize("kwargs", [{"beta_max": 0.0}, {"beta_max": -1.0}, {"lambda_min": 0.0}, {"lambda_min": -2.0}])
def test_bad_numbers_are_one_line_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(GSMError) as err:
        ctld_lift(load_spec("ctld-bimodal"), **kwargs)
    assert "\n" not in str(err.value) and ";" in str(err.value)


def test_2d_formula_target_is_refused() -> None:
    with pytest.raises(GSMError, match="not a Gaussian mixture"):
        ctld_lift(load_spec("gaussian-2d"), lambda_min=1.0, diameter=1.0)


def test_spec_parser_rejects_nonpositive_beta_max() -> None:
    text = 'coords = ["x"]\nlog_density = "-x**2/2"\n[ctld]\nlambda_min = 1.0\ndiameter = 1.0\nbeta_max = 0\n'
    with pytest.raises(GSMError):
        parse_spec(text)


@settings(max_examples=15, deadline=None)
@given(x=st.floats(-6, 6), s=st.floats(0.0, 30.0))
def test_numerical_convolution_matches_closed_form(x: float, s: float) -> None:
    def logp(y: np.ndarray) -> np.ndarray:
        return mixture_logpdf(MIX, np.asarray(y)[..., None])

    got = convolve_logpdf_1d(logp, np.array([x]), np.array([s]))[0]
    want = mixture_logpdf(MIX, np.array([[x]]), s)[0]
    assert abs(got - want) < 1e-8


def test_formula_lift_matches_mixture_lift() -> None:
    text = 'coords = ["x"]\nlog_density = "log(exp(-(x-1)**2/2) + exp(-(x+1)**2/2))"\n[ctld]\nlambda_min = 1.0\ndiameter = 2.0\n'
    spec = parse_spec(text)
    lifted, _, p = ctld_lift_spec(spec)
    assert lifted.log_density.has(sp.Integral)
    x, b = np.array([0.3, -2.0, 4.0]), np.array([0.0, 3.0, 40.0])
    f = ctld_joint_logpdf(lambda y: mixture_logpdf(MIX, np.asarray(y)[..., None]), ctld_schedule(p), x, b)
    g = ctld_joint_logpdf(MIX, ctld_schedule(p), x, b)
    assert np.max(np.abs(f - g)) < 1e-8


def test_lifted_poincare_agrees_with_general_2d_solver() -> None:
    p = ctld_parameters(MIX)
    mine = ctld_poincare(MIX, ctld_schedule(p), cells=8)
    other = poincare_2d(lambda x, b: ctld_joint_logpdf(MIX, ctld_schedule(p), x, b), 1.0,
                        ((-math.inf, math.inf), (0.0, p.beta_max)))
    assert mine.status == "ok" and mine.relative_error < 1e-3
    assert abs(mine.poincare_constant / other.poincare_constant - 1) < 1e-4


def test_single_component_lift_has_no_mixture_effect() -> None:
    """K and weights do not matter: one component vs two equal means coincide exactly."""
    p = ctld_parameters(MIX)
    one = GaussianMixture(((0.5,),), (1.0,), ((1.0,),))
    two = GaussianMixture(((0.5,), (0.5,)), (0.3, 0.7), ((1.0,),))
    assert ctld_poincare(one, ctld_schedule(p), cells=8).poincare_constant == pytest.approx(
        ctld_poincare(two, ctld_schedule(p), cells=8).poincare_constant, rel=1e-10)


def test_chi_square_closed_form_small_beta_max() -> None:
    p = ctld_parameters(MIX, beta_max=1e-9, log_r="0")
    assert lifted_chi_square(MIX, ctld_schedule(p), 0, 1) == pytest.approx(math.expm1(4.0), rel=1e-6)


def test_explicit_and_implicit_ctld_losses_differ_by_a_constant_only_with_faces() -> None:
    spec = load_spec("ctld-bimodal", constants={"m": 1.0})
    v = evaluate_loss(build_problem(spec, lift=True, beta_max=3.0, log_r="0"), [{"a": 0.5}, {"a": 1.0}, {"a": 1.8}])
    diff = np.array(v.difference)
    assert np.max(np.abs(diff + v.constant)) < 1e-8
    without = np.array(v.implicit_without_boundary) - np.array(v.explicit)
    assert np.ptp(without) > 1e-3  # dropping the faces makes the gap theta-dependent
