"""Tests of gsmtheory/solve/_lift.py.

CTLD through the generic pipeline (issues #13, #22): the lifted problem is the one Problem with a
Lift (its joint the problem on (x, beta))."""

from __future__ import annotations

import dataclasses

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


def test_the_lift_of_data_is_x_plus_root_beta_lambda_z_everywhere() -> None:
    """Lift.noised is x + √(βλ)z for 1D points, points in d = 2 with per-point and per-grid β, and a
    face's scalar β; Lift.draws is that formula on its own stream (β by the law's inverse CDF, then
    the bulk noise, then each face's), so a hand-made draw from the same stream matches it exactly."""
    lift = build_problem(load_spec("ctld-bimodal"), lift=True).lift
    assert lift is not None
    lam = lift.lambda_min * 2.0  # a λ other than 1: the product βλ must be taken
    lift2 = Lift.of(lift.target, dataclasses.replace(lift.params, lambda_min=lam))
    rng = np.random.default_rng(1)
    x1, b1, z1 = rng.standard_normal(5), rng.uniform(0, 3, 5), rng.standard_normal(5)
    assert np.array_equal(lift2.noised(x1, b1, z1), x1 + np.sqrt(b1 * lam) * z1)
    x2, z2 = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    assert np.array_equal(lift2.noised(x2, b1, z2), x2 + np.sqrt(b1 * lam)[:, None] * z2)
    grid = lift2.noised(x2[:, None, None, :], b1[None, :, None], z2[None, None, :, :])  # (N, nb, M, d)
    assert grid.shape == (5, 5, 5, 2)
    assert np.array_equal(grid[3, 1, 4], x2[3] + np.sqrt(b1[1] * lam) * z2[4])
    assert np.array_equal(lift2.noised(x2, 2.5, z2), x2 + np.sqrt(2.5 * lam) * z2)
    data = rng.standard_normal(7)
    bulk, faces = lift.draws(data, seed=4)
    own = np.random.default_rng([0xC71D, 4])
    beta = lift.schedule.law.sample(7, own)
    assert np.array_equal(bulk[:, 1], beta)
    assert np.array_equal(bulk[:, 0], data + np.sqrt(beta * lift.lambda_min) * own.standard_normal(7))
    for face, points in faces:
        want = data if face.at == 0.0 else data + np.sqrt(face.at * lift.lambda_min) * own.standard_normal(7)
        assert np.array_equal(points, want)
