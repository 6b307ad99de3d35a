"""Tests of gsmtheory/estimation/_efficiency_record.py: the extreme directions of Γ_GSM against Γ_MLE."""

from __future__ import annotations

from gsmtheory.estimation import efficiency
from gsmtheory.symbolic import load_spec, parse_spec

#: a double well with a two-parameter tilt: GSM is not equally efficient in every direction
TILTED_WELL = """
coords = ["x"]
log_density = "-(x**2 - 1)**2"
[model]
params = ["a", "b"]
truth = {a = 0.0, b = 0.0}
log_density = "-(x**2 - 1)**2 + a*x + b*x**2"
"""


def test_equal_ratios_in_every_direction_are_not_given_a_direction() -> None:
    """preconditioned-gaussian: GSM = MLE, so r(v) = 1 for every v up to rounding; which eigenvector
    comes out is rounding's choice (it changed with a 1e-16 change of Γ), so it is not named."""
    eff = efficiency(load_spec("preconditioned-gaussian"), poincare=False)
    assert eff.directions_tied
    out = eff.to_dict()
    for key in ("best_direction", "worst_direction"):
        assert out[key]["combination"].startswith("every direction (the ratios agree within their error")
        assert abs(out[key]["ratio"] - 1.0) < 1e-12


def test_distinct_ratios_name_their_directions() -> None:
    eff = efficiency(parse_spec(TILTED_WELL), poincare=False)
    worst, best = eff.worst_direction[0], eff.best_direction[0]
    assert worst > 1.01 * best and not eff.directions_tied
    out = eff.to_dict()
    assert "every direction" not in out["worst_direction"]["combination"]
    assert "a" in out["worst_direction"]["combination"] or "b" in out["worst_direction"]["combination"]


def test_one_parameter_is_its_own_direction() -> None:
    eff = efficiency(load_spec("double-well"), poincare=False)
    assert not eff.directions_tied and eff.to_dict()["best_direction"]["combination"] == "1·t"
