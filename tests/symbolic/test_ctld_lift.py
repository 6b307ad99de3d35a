"""Tests of gsmtheory/symbolic/_ctld_lift.py.

The CTLD parameters' defaults (the design's), the lift of a spec: the [ctld] table and its overrides, one-line errors for bad numbers, a
2D formula target and a non-positive beta_max."""

from __future__ import annotations

import pytest
import sympy as sp

from gsmtheory._errors import GSMError, SpecError
from gsmtheory.symbolic import (
    BETA,
    ctld_lift,
    ctld_lift_spec,
    ctld_parameters,
    load_spec,
    parse_spec,
)


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


def test_a_log_r_of_x_is_refused_as_a_function_of_beta_alone() -> None:
    """The generic hint said to declare x in coords, where it already was."""
    text = ('coords = ["x"]\n[mixture]\nmeans = [[-1.0], [1.0]]\nweights = [0.5, 0.5]\ncovariance = 1.0\n'
            '[ctld]\nlambda_min = 1.0\nlog_r = "x*beta"\n')
    with pytest.raises(SpecError, match=r"unknown name 'x'; declare it in \[constants\]: log_r is a function of beta") as info:
        parse_spec(text)
    assert "declare it in coords" not in str(info.value)
