"""The lifted efficiency record and the theorem on the lift (gsmtheory/estimation/_lifted_efficiency.py)."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.estimation import (
    build_problem,
    lifted_smoothness,
)
from gsmtheory.estimation._lifted_efficiency import lifted_baselines, lifted_theorem, replace_lifted
from gsmtheory.estimation._lifted_monte_carlo import lifted_monte_carlo
from gsmtheory.estimation._lifted_quadrature import lifted_quadrature
from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import load_spec


@pytest.fixture(scope="module")
def bimodal():
    problem = build_problem(load_spec("ctld-bimodal", constants={"m": 1.5}), lift=True)
    return problem, lifted_quadrature(problem, panels=3, nh=4)


def test_replacing_nothing_rebuilds_the_same_record_and_an_unknown_field_is_one_line(bimodal) -> None:
    _, eff = bimodal
    assert replace_lifted(eff).to_dict() == eff.to_dict()
    doubled = replace_lifted(eff, gsm_covariance=2 * eff.gsm_covariance)
    assert doubled.ratio == pytest.approx(2 * eff.ratio)
    assert np.array_equal(doubled.vanilla_covariance, eff.vanilla_covariance)
    with pytest.raises(SpecError, match=r"unknown lifted-record field.*gsm_cov") as err:
        replace_lifted(eff, gsm_cov=eff.gsm_covariance)
    assert "\n" not in str(err.value)


def test_the_baselines_are_the_records_and_need_a_lift(bimodal) -> None:
    problem, eff = bimodal
    base = lifted_baselines(problem, 6, 8)  # lifted_quadrature reports its finer resolution (2 × 3, 2 × 4)
    assert np.allclose(base["vanilla"], eff.vanilla_covariance, rtol=1e-12)
    assert np.allclose(base["mle0"], eff.mle_original, rtol=1e-12)
    assert np.allclose(base["mle1"], eff.mle_lifted, rtol=1e-12)
    plain = problem.without_lift()
    for f in (lambda: lifted_baselines(plain, 3, 4), lambda: lifted_smoothness(plain, 3, 4),
              lambda: lifted_monte_carlo(plain, samples=8192, device="cpu")):
        with pytest.raises(ModelError, match="is not a CTLD lift"):
            f()


@pytest.mark.slow
def test_the_theorem_on_the_lift_is_its_own_arithmetic(bimodal) -> None:
    """rhs = 2 C_P² ‖Γ_MLE,lifted‖² (s_a + s_b) from the parts it reports, and holds iff lhs ≤ rhs."""
    problem, eff = bimodal
    pr = poincare_constant(problem, rtol=1e-3, quick=True)
    t = lifted_theorem(problem, eff, pr, 6, 8)
    s = t["smoothness"]
    assert (s["cov_J_grad_l"], s["cov_grad_theta_laplacian"]) == lifted_smoothness(problem, 6, 8)
    assert t["rhs"] == pytest.approx(2 * pr.poincare_constant ** 2 * t["mle_norm"] ** 2
                                     * (s["cov_J_grad_l"] + s["cov_grad_theta_laplacian"]), rel=1e-12)
    assert t["lhs"] == pytest.approx(float(np.linalg.norm(eff.gsm_covariance_exact_faces, 2)), rel=1e-12)
    assert t["holds"] == (t["lhs"] <= t["rhs"])
