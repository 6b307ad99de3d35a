"""Closed forms live on the catalogue's specs (their [known] tables); solvers are held to them."""

from __future__ import annotations

import math

import pytest

from gsmtheory import api
from gsmtheory._errors import SpecError
from gsmtheory.symbolic import catalogue_names, load_spec, parse_spec

KNOWN = [n for n in catalogue_names() if load_spec(n).known is not None]


def test_the_catalogue_states_its_textbook_spectra() -> None:
    assert {"gaussian", "gaussian-2d", "jacobi", "laguerre", "underdamped-langevin"} <= set(KNOWN)
    jacobi = load_spec("jacobi", constants={"a": 1.5, "b": 4.0})
    assert jacobi.known is not None and jacobi.known.poincare_constant == pytest.approx(1 / 5.5)
    assert jacobi.known.eigenvalues[1] == pytest.approx(2 * 6.5)  # n(n − 1 + a + b) at n = 2


@pytest.mark.parametrize("name", KNOWN)
def test_the_solver_meets_the_stated_closed_form(name: str) -> None:
    spec = load_spec(name)
    assert spec.known is not None and spec.known.poincare_constant is not None
    result = api.poincare(spec)
    if math.isinf(spec.known.poincare_constant):
        assert math.isinf(result.poincare_constant) and result.status == "no_poincare"
        return
    # the reported error covers the distance to the closed form (a floor for round-off)
    err = abs(result.poincare_constant - spec.known.poincare_constant)
    assert err <= max(result.error_estimate, 1e-9 * spec.known.poincare_constant), (name, result)


def test_bad_known_tables_are_refused() -> None:
    base = 'coords = ["x"]\nlog_density = "-x**2/2"\n'
    with pytest.raises(SpecError, match="must be positive"):
        parse_spec(base + "[known]\neigenvalues = [0]\n")
    with pytest.raises(SpecError, match=r"unknown \[known\] key"):
        parse_spec(base + "[known]\ngap = 1\n")
    with pytest.raises(SpecError, match="must be a list"):
        parse_spec(base + '[known]\neigenvalues = "1"\n')
