"""Tests of gsmtheory/estimation/_ctld_design.py.

Generator design: the reported law is a point of the family; the optimum is never worse."""

from __future__ import annotations

import pytest
import sympy as sp

from gsmtheory._errors import GSMError
from gsmtheory.estimation import (
    design_ctld,
    design_log_r,
)
from gsmtheory.symbolic import GaussianMixture, ctld_parameters


def _mix(m: float) -> GaussianMixture:
    return GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))


@pytest.mark.parametrize("m", [0.7, 2.0, 3.5])
def test_reported_law_is_the_power_family_at_c7_kappa0(m: float) -> None:
    p = ctld_parameters(_mix(m))
    mine = design_log_r("power", {"c": 7.0, "kappa": 0.0}, p.lambda_min, p.diameter)
    assert sp.simplify(mine - p.log_r) == 0


def test_poincare_design_beats_defaults_by_orders_of_magnitude() -> None:
    d = design_ctld(_mix(3.0), "poincare", family="flat", max_evaluations=12, cells=8, fine=False)
    assert d.value <= d.value_default * (1 + 1e-3)
    assert d.improvement > 100  # the reported beta_max ~ 14 diam^2 is far too long
    assert d.evaluations <= 12 + 2 and d.to_dict()["improvement"] == d.improvement
    assert d.optimum["beta_max"] < d.defaults["beta_max"]


def test_power_design_never_worse_even_on_a_tiny_budget() -> None:
    d = design_ctld(_mix(1.0), "poincare", family="power", max_evaluations=3, cells=8, fine=False)
    assert d.value <= d.value_default * (1 + 1e-3) and d.status == "not_converged"


@pytest.mark.parametrize("family", ["flat", "power"])
def test_small_separation_optimum_is_the_edge_where_the_lift_is_langevin(family: str) -> None:
    """At m = 0.5 the best law shrinks beta_max to its floor: reported as 'boundary', next to Langevin."""
    d = design_ctld(_mix(0.5), "poincare", family=family, max_evaluations=40, cells=8, fine=False)
    assert d.status == "boundary" and d.optimum["beta_max"] == pytest.approx(0.05)
    assert d.langevin_value == pytest.approx(1.2507, rel=1e-3)  # C_P of Langevin on p at m = 0.5
    assert abs(d.value / d.langevin_value - 1) < 0.05 and d.improvement > 5
    assert "Langevin" in d.message and d.to_dict()["langevin_value"] == d.langevin_value


@pytest.mark.slow
def test_variance_design_never_worse() -> None:
    d = design_ctld(_mix(2.0), "variance", family="flat", parameter="weight", max_evaluations=4)
    assert d.value <= d.value_default * (1 + 1e-6)
    assert d.parameter == "weight" and d.objective == "variance"


@pytest.mark.parametrize(("args", "kwargs"), [
    ((GaussianMixture(((0.0, 1.0), (1.0, 0.0)), (0.5, 0.5), ((1.0, 0.0), (0.0, 1.0))),), {}),
    ((_mix(1.0),), {"objective": "entropy"}),
    ((_mix(1.0),), {"family": "cubic"}),
    ((_mix(1.0), "variance"), {"parameter": "sigma"}),
])
def test_bad_input_is_a_one_line_error(args: tuple[object, ...], kwargs: dict[str, str]) -> None:
    with pytest.raises(GSMError) as err:
        design_ctld(*args, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(err.value)
