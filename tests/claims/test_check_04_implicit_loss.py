"""Claim C04 (gsmtheory/claims/check_04_implicit_loss.py): boundary terms matter on finite domains."""

from __future__ import annotations

import pytest

#: every test of the real checks in one xdist worker (make test: --dist loadgroup), so each check runs once
pytestmark = pytest.mark.xdist_group("quick_record")


@pytest.fixture
def r04(quick_record):  # type: ignore[no-untyped-def]
    return quick_record("C04")


@pytest.mark.slow
def test_c04_boundary_terms_matter_on_finite_domains(r04) -> None:  # type: ignore[no-untyped-def]
    assert r04.passed and max(r04.computed) < 1e-10
    refl = r04.details["reflected_gaussian"]
    assert refl["argmin_implicit"] == pytest.approx(refl["mu_star"], abs=1e-8)
    # truncated-normal mean of N(0.3, 1) on [0, 2]: the minimizer without boundary terms
    assert refl["argmin_without_boundary"] == pytest.approx(0.80116, abs=1e-4)
    assert refl["spread_without_boundary"] > 0.5
    cases = r04.details["cases"]
    assert cases["jacobi"]["boundary_matters"] is False  # p·D vanishes at 0 and 1
    assert cases["reflected-gaussian-2d"]["boundary_matters"] is True
    assert cases["reflected-gaussian-2d"]["spread_without_boundary"] > 0.1
    assert len(r04.findings) == 3 and "0.8012" in r04.findings[0]
    # CTLD lift: faces kept -> theta-free; dropped -> ~1e-5 (m = 1), ~3e-7 (m = 2) default r, > 1e-3 flat r
    ctld = {(r["m"], r["r"]): r for r in r04.details["ctld_faces"]}
    assert max(r["spread_with_faces"] for r in ctld.values()) < 1e-12
    assert 3e-6 < ctld[(1.0, "default")]["spread_without_faces"] < 3e-5
    assert 1e-7 < ctld[(2.0, "default")]["spread_without_faces"] < 1e-6
    assert ctld[(1.0, "flat (log r = 0)")]["spread_without_faces"] > 1e-3
    assert "β-face terms" in r04.findings[2]
