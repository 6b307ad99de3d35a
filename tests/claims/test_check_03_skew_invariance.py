"""Tests of gsmtheory/claims/check_03_skew_invariance.py.

Claims 3 and 4 say more than pass/fail: the skew part acts, the boundary terms matter."""

from __future__ import annotations

import pytest

#: every test of the real checks in one xdist worker (make test: --dist loadgroup), so each check runs once
pytestmark = pytest.mark.xdist_group("quick_record")


@pytest.fixture
def r03(quick_record):  # type: ignore[no-untyped-def]
    return quick_record("C03")


@pytest.mark.slow
def test_c03_skew_part_changes_the_dynamics_but_not_cp(r03) -> None:  # type: ignore[no-untyped-def]
    assert r03.passed and r03.computed < 1e-10
    for case in r03.details["cases"].values():
        for row in case["with_Q"].values():
            assert row["stationary"] is True
            assert row["antisymmetric_part"] > 0.1  # Q really acts: the check is not vacuous
            assert row["cp"] == pytest.approx(case["cp_without_Q"], rel=1e-10)
        if case["cp_closed_form"] is not None:
            assert case["cp_without_Q"] == pytest.approx(case["cp_closed_form"], rel=1e-10)
