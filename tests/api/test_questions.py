"""The spec level decides the CTLD lift once; the CLI and sweep tasks only map options onto it."""

from __future__ import annotations

import pytest

from gsmtheory import api
from gsmtheory._errors import SpecError
from gsmtheory.symbolic import load_spec


def test_lift_is_decided_by_the_table_and_the_option() -> None:
    plain, lifted = load_spec("bimodal"), load_spec("ctld-bimodal")
    assert not api.lifts(plain) and not api.lifts(plain, False)
    assert api.lifts(lifted) and api.lifts(lifted, True) and not api.lifts(lifted, False)
    with pytest.raises(SpecError, match=r"no \[ctld\] table"):
        api.lifts(plain, True)


def test_the_problem_carries_the_lift_and_the_json_says_so() -> None:
    spec = load_spec("ctld-bimodal")
    lifted, plain = api.problem(spec), api.problem(spec, lift=False)
    assert lifted.lift is not None and plain.lift is None
    on_lift = api.poincare(lifted, quick=True)
    off_lift = api.poincare(spec, lift=False, quick=True)
    assert on_lift.method.startswith("ctld") and not off_lift.method.startswith("ctld")
    assert api.as_dict(lifted, on_lift)["lifted"] is True and "ctld" in api.as_dict(lifted, on_lift)
    assert api.as_dict(plain, off_lift)["lifted"] is False and "ctld" not in api.as_dict(plain, off_lift)
    # the lift mixes faster than Langevin on this bimodal target only beyond the crossover; both finite here
    assert on_lift.poincare_constant > 0 and off_lift.poincare_constant > 0
    assert on_lift.poincare_constant != pytest.approx(off_lift.poincare_constant, rel=1e-3)


def test_unlifted_options_are_refused_on_a_lift_and_fit_defaults_follow_it() -> None:
    spec = load_spec("ctld-bimodal")
    with pytest.raises(SpecError, match="green answers for the un-lifted target"):
        api.poincare(spec, method="green")
    with pytest.raises(SpecError, match="turns off"):
        api.fit(spec, [[0.0]], loss="ctld", lift=False)
    with pytest.raises(SpecError, match=r"no \[model\]"):
        api.loss(load_spec("laguerre"))
