"""Tests of gsmtheory/solve/_lift.py.

CTLD through the generic pipeline (issues #13, #22): the lifted problem is the one Problem with a
Lift (its joint the problem on (x, beta))."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.estimation import build_problem
from gsmtheory.solve import Lift, Problem
from gsmtheory.symbolic import load_spec


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
