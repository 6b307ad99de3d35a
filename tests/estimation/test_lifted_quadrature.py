"""The lifted estimator's covariance by the lift's quadrature (gsmtheory/estimation/_lifted_quadrature.py,
the covariance method ``quadrature`` on a lift): a 2D model of the x-means against the 1D problem plus
its closed-form cross term, one record for lifted and un-lifted specs, and the rtol it is judged by."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import ModelError
from gsmtheory.compile import compile_expr
from gsmtheory.estimation import (
    Efficiency,
    build_problem,
    covariance_methods,
    efficiency,
)
from gsmtheory.estimation._lifted_quadrature import _moments, lifted_quadrature
from gsmtheory.solve import evaluate_loss
from gsmtheory.symbolic import (
    load_spec,
    parse_spec,
)
from tests.estimation.test_lifted_monte_carlo import K3  # a 3D mixture whose means span a plane
from tests.solve.test_loss_question import FREE  # shared with tests/solve/test_loss_question.py

# the model moves only the x-means: the 2D problem is the 1D ctld-bimodal one times an independent y
XONLY = FREE.replace('params = ["a", "b"]', 'params = ["a"]').replace(', b = 0.0', '').replace(
    '[["-a", "-b"], ["a", "b"]]', '[["-a", 0], ["a", 0]]')


@pytest.mark.slow
def test_a_model_of_the_x_means_reduces_to_the_1d_problem() -> None:
    """p^β(x, y) = p1^β(x) N(y; 0, 1 + βλ), likewise p^β_θ: the y-terms are θ-free, so
    explicit_2D(θ) = explicit_1D(θ), implicit_2D − implicit_1D is θ-free, H, both MLE baselines
    and vanilla SM coincide; the empirical CTLD loss gains the θ-dependent cross term
    ∂_βℓ1_θ(x̃, β)·∂_β g(ỹ, β), g = log N(y; 0, 1+βλ), of conditional mean 0, so
    Γ_CTLD,2D = Γ_CTLD,1D + H⁻¹ E[A Aᵀ λ²/(2(1+βλ)²)] H⁻¹ with A = ∇_θ∂_βℓ1_θ (Var ∂_β g | β)."""
    two = build_problem(parse_spec(XONLY, constants={"m": 1.5}), lift=True)
    one = build_problem(load_spec("ctld-bimodal", constants={"m": 1.5}), lift=True)
    thetas = [[1.0], [1.5], [2.0]]
    points = [{"a": t[0]} for t in thetas]
    v2 = evaluate_loss(two, points)
    v1 = evaluate_loss(one, points)
    assert np.all(np.abs(np.array(v2.explicit) - v1.explicit)
                  <= np.array(v2.explicit_error) + np.array(v1.explicit_error) + 1e-13)
    gap = np.array(v2.implicit) - np.array(v1.implicit)
    assert np.ptp(gap) < 1e-10 and abs(gap[0]) > 1e-3
    c2, c1 = _moments(two, 12, 16), _moments(one, 12, 16)
    for key in ("H", "mle0", "mle1", "vanilla"):
        assert np.allclose(c2[key], c1[key], rtol=1e-6), key
    assert one.lift is not None
    lam = one.lift.params.lambda_min
    m = one.joint.loss.model
    import sympy as sp

    beta = one.joint.diffusion.coords[1]
    a_expr = [sp.diff(m.log_density, beta, t) for t in m.params]
    a_fn = compile_expr((*m.coords, *m.params), a_expr, "numpy")

    def extra(x: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
        with np.errstate(all="ignore"):
            a = np.stack([np.broadcast_to(np.asarray(v, dtype=float), x.shape) for v in a_fn(x, b, 1.5)], axis=-1)
        return [np.einsum("...i,...j->...ij", a, a) * (lam ** 2 / (2 * (1 + b * lam) ** 2))[..., None, None]]

    e = one.lift.joint_expect(extra, panels=12, nh=16)[0]
    hinv = np.linalg.inv(c1["H"])
    for key in ("gsm", "gsm_exact"):
        predicted = c1[key] + hinv @ e @ hinv
        assert np.allclose(c2[key], predicted, rtol=1e-5), (key, c2[key], predicted, c1[key])


def test_one_efficiency_record_for_lifted_and_unlifted_specs() -> None:
    spec = load_spec("ctld-bimodal", constants={"m": 1.5})
    eff = lifted_quadrature(build_problem(spec, lift=True), panels=4, nh=6)
    assert isinstance(eff, Efficiency) and eff.lifted is not None
    d = eff.to_dict()
    assert d["lifted"] is True and d["status"] == "ok"
    assert d["ratio"] == pytest.approx(eff.ratio_of()) and d["ratio_lifted"] == pytest.approx(eff.ratio_of("ctld", "lifted"))
    assert np.array_equal(eff.mle_original, eff.mle_covariance)
    # the generic per-direction view works on the lifted record too
    assert eff.per_parameter["a"] == pytest.approx(eff.gsm_covariance[0, 0] / eff.mle_covariance[0, 0])
    plain = efficiency(spec, poincare=False)
    assert plain.lifted is None
    with pytest.raises(ModelError, match="not of a lifted"):
        _ = plain.vanilla_covariance


def test_the_lifted_quadrature_judges_its_error_by_the_rtol_asked() -> None:
    """The method ignored rtol (always 1e-3): panels=2, nh=3 change by about 5e-2 between resolutions."""
    problem = build_problem(load_spec("ctld-bimodal"), lift=True)
    loose = efficiency(problem, method="quadrature", rtol=0.5, poincare=False, panels=2, nh=3)
    tight = efficiency(problem, method="quadrature", rtol=1e-3, poincare=False, panels=2, nh=3)
    assert 1e-3 < loose.error < 0.5 and loose.to_dict()["status"] == "ok"
    assert tight.to_dict()["status"] == "not_converged" and tight.error == loose.error


def test_quadrature_answers_the_lift_where_it_can_and_says_why_not_elsewhere() -> None:
    """One method name for the question on a lift or not: ``quadrature`` on a lift in d <= 2 is the lift's
    quadrature (the same numbers as calling it), in d = 3 it names the reason and auto goes on."""
    problem = build_problem(load_spec("ctld-bimodal"), lift=True)
    via = efficiency(problem, method="quadrature", poincare=False, panels=3, nh=4)
    direct = lifted_quadrature(problem, panels=3, nh=4)
    assert np.array_equal(via.gsm_covariance, direct.gsm_covariance) and via.ctld is not None
    three = build_problem(parse_spec(K3), lift=True)
    assert "d <= 2" in str(covariance_methods().get("quadrature").why_not(three))



def test_the_module_examples_run() -> None:
    """The examples of this private module (the docs test runs those of public names only)."""
    import doctest

    from gsmtheory.estimation import _lifted_quadrature

    result = doctest.testmod(_lifted_quadrature)
    assert result.attempted > 0 and result.failed == 0


ROUNDED = """
coords = ["x"]
[mixture]
means = [[-0.8660254037844386], [0.8660254037844386]]
weights = [0.5, 0.5]
covariance = 1.0
[model]
params = ["a"]
truth = {a = 0.8660254037844386}
[model.mixture]
means = [["-a"], ["a"]]
weights = [0.5, 0.5]
covariance = 1.0
[ctld]
lambda_min = 1.0
beta_max = %s
"""


def test_every_face_counts_in_the_covariance_however_beta_max_rounds() -> None:
    """β_max = 41 and one ulp below give the same Γ_CTLD (the default β_max of the 3D mixture
    ±(0.5, 0.5, 0.5) reduced along U is 40.99999999999999, its face sits at 41.0): the covariance
    looked the β_max face up by β_max and dropped it from Cov(ψ) (6.99e-6 relative, against a stated
    error of 3e-9) while H kept it."""
    values = []
    for beta_max in ("41.0", "40.99999999999999"):
        problem = build_problem(parse_spec(ROUNDED % beta_max), lift=True)
        assert problem.lift is not None and [f.at for f in problem.lift.faces][-1] == 41.0
        values.append(lifted_quadrature(problem, panels=3, nh=4).gsm_covariance[0, 0])
    assert abs(values[1] / values[0] - 1) < 1e-12, values
