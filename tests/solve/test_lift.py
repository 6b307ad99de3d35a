"""CTLD through the generic pipeline (issues #13, #22): the lifted problem is the one Problem with a
Lift (its joint the problem on (x, beta)), its efficiency an Efficiency with the lifted extras, and the generated specs of the design
and the reduction equal the same specs written as TOML."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.estimation import (
    Efficiency,
    build_problem,
    ctld_efficiency,
    efficiency,
)
from gsmtheory.estimation._ctld_design import _model_spec
from gsmtheory.solve import Lift, Problem
from gsmtheory.symbolic import GaussianMixture, load_spec, parse_spec


def test_the_lifted_problem_is_an_estimation_problem_with_a_lift() -> None:
    spec = load_spec("ctld-bimodal", constants={"m": 1.5})
    problem = build_problem(spec, lift=True)
    assert isinstance(problem, Problem) and isinstance(problem.lift, Lift)
    assert problem.joint.dim == 2 and problem.dim == problem.lift.dim == 1  # (x, beta) and x
    assert [f.at for f in problem.lift.faces] == [0.0, problem.lift.beta_max]
    # per_sample on lifted points: the core parts compiled at build, the theory parts on request
    pts = np.array([[0.3, 0.5], [-1.0, 2.0]])
    core = problem.joint.per_sample(pts, parts=("psi", "score"))
    theory = problem.joint.per_sample(pts, parts=("a", "b_tr", "b_div", "psi"))
    assert np.allclose(core["psi"], theory["psi"], rtol=1e-12, atol=0)  # two compiled functions, one expression
    assert np.all(theory["b_div"] == 0.0)  # D = I on the lift
    with pytest.raises(ModelError, match="unknown per-sample quantity"):
        problem.joint.per_sample(pts, parts=("nope",))
    with pytest.raises(SpecError, match="carries no lift"):
        _ = build_problem(spec).joint


def test_one_efficiency_record_for_lifted_and_unlifted_specs() -> None:
    spec = load_spec("ctld-bimodal", constants={"m": 1.5})
    eff = ctld_efficiency(build_problem(spec, lift=True), panels=4, nh=6)
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


@pytest.mark.parametrize("parameter", ["weight", "means"])
def test_generated_spec_equals_the_toml_one(parameter: str) -> None:
    mix = GaussianMixture(((-1.5,), (1.5,)), (0.3, 0.7), ((1.0,),))
    built = _model_spec(mix, parameter)
    model = ('params = ["w"]\ntruth = {w = 0.7}\n[model.mixture]\nmeans = [["-1.5"], ["1.5"]]\n'
             'weights = ["1 - w", "w"]\ncovariance = [[1.0]]\n' if parameter == "weight" else
             'params = ["a1", "a2"]\ntruth = {a1 = -1.5, a2 = 1.5}\n[model.mixture]\nmeans = [["a1"], ["a2"]]\n'
             'weights = [0.3, 0.7]\ncovariance = [[1.0]]\n')
    parsed = parse_spec('coords = ["x"]\n[mixture]\nmeans = [[-1.5], [1.5]]\nweights = [0.3, 0.7]\n'
                        f'covariance = [[1.0]]\n[model]\n{model}')
    assert built.diffusion.mixture == parsed.diffusion.mixture
    assert built.model is not None and parsed.model is not None
    assert built.model.params == parsed.model.params and built.model.truth == parsed.model.truth
    assert built.model.log_density == parsed.model.log_density
