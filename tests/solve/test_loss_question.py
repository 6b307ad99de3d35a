"""Tests of gsmtheory/solve/_loss_question.py.

Losses: the lifted CTLD loss of a 2D Gaussian-mixture target with β-faces, quadrature vs Monte
Carlo; heavy tails against mpmath; a loss method added by one file."""

from __future__ import annotations

import math
from pathlib import Path

import mpmath
import numpy as np
import pytest

import gsmtheory.solve as solve_pkg
from gsmtheory import SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import (
    sample_ctld_joint,
    sample_mixture,
)
from gsmtheory.solve import (
    LossOptions,
    build_problem,
    evaluate_gsm_loss,
    evaluate_loss,
    loss_methods,
)
from gsmtheory.symbolic import (
    ctld_lift_spec,
    gsm_loss,
    load_spec,
    parse_spec,
)
from tests.estimation.test_fit import (  # shared with tests/estimation/test_fit.py
    STUDENT_T,
    _cli,
    _one_file,
)

# unit Gaussians at (±m, 0); the model moves both coordinates of the means, (±a, ±b)
FREE = '''
coords = ["x", "y"]
[constants]
m = 1.0
[mixture]
means = [["-m", 0], ["m", 0]]
weights = [0.5, 0.5]
covariance = [[1.0, 0.0], [0.0, 1.0]]
[model]
params = ["a", "b"]
truth = {a = "m", b = 0.0}
[model.mixture]
means = [["-a", "-b"], ["a", "b"]]
weights = [0.5, 0.5]
covariance = [[1.0, 0.0], [0.0, 1.0]]
[ctld]
lambda_min = 1.0
diameter = "2*m"
'''

POINTS = [{"a": 0.6, "b": 0.0}, {"a": 1.0, "b": 0.3}, {"a": 1.4, "b": -0.2}]


def _t3_density(x: mpmath.mpf) -> mpmath.mpf:
    """p(x) = 2/(π√3) (1 + x²/3)^{-2}, the Student-t with ν = 3."""
    return 2 / (mpmath.pi * mpmath.sqrt(3)) * (1 + x**2 / 3) ** -2

TOY_LOSS = '''
"""Loss method ``toy_plugin``: the explicit loss of a 1D target by a plain 2001-point trapezoid rule."""
import numpy as np
from gsmtheory import Method, Theory
from gsmtheory.solve import LossEvaluation, loss_points

def _applies(problem):
    return None if problem.d == 1 and problem.unbounded else "the toy loss knows 1D targets on the line only"

def _run(problem, at, options):
    loss = problem.loss
    f = problem.compiled("toy_explicit", (*problem.coords, *loss.model.params), loss.explicit)
    x = np.linspace(-12.0, 12.0, 2001)
    p = np.exp(problem.log_density(x))
    p /= np.trapezoid(p, x)
    values = [float(np.trapezoid(p * np.broadcast_to(f(x, *th), x.shape), x)) for th in loss_points(loss, at)]
    n = len(values)
    return LossEvaluation(tuple(tuple(zip([str(t) for t in loss.model.params], th)) for th in loss_points(loss, at)),
                          tuple(values), tuple(values), (0.0,) * n, (1e-6,) * n, (1e-6,) * n, 0.0, "toy trapezoid")

METHOD = Method("toy_plugin", _applies, _run, "toy: explicit loss by a trapezoid rule", Theory("estimate"),
                priority=0, auto=False)
'''


@pytest.mark.slow
def test_ctld_lift_loss_with_default_constants() -> None:
    """The lifted log-sum-exp integrands overflow in the far tails; the identity still holds."""
    diffusion, model, _ = ctld_lift_spec(load_spec("ctld-bimodal"))
    verdict = diffusion.stationarity()
    assert verdict.verdict is True
    ev = evaluate_gsm_loss(gsm_loss(diffusion, model), [{"a": 2.0}, {"a": 2.6}])
    assert all(math.isfinite(v) for v in ev.explicit + ev.implicit)
    assert ev.explicit[0] == pytest.approx(0.0, abs=1e-12)
    assert ev.explicit[1] > 1e-7
    assert abs(ev.difference[0] - ev.difference[1]) < 1e-10
    assert ev.difference[0] == pytest.approx(-ev.constant, rel=1e-9)


@pytest.mark.slow
def test_explicit_and_implicit_ctld_losses_differ_by_a_constant_only_with_faces() -> None:
    spec = load_spec("ctld-bimodal", constants={"m": 1.0})
    v = evaluate_loss(build_problem(spec, lift=True, beta_max=3.0, log_r="0"), [{"a": 0.5}, {"a": 1.0}, {"a": 1.8}])
    diff = np.array(v.difference)
    assert np.max(np.abs(diff + v.constant)) < 1e-8
    without = np.array(v.implicit_without_boundary) - np.array(v.explicit)
    assert np.ptp(without) > 1e-3  # dropping the faces makes the gap theta-dependent


def test_explicit_minus_implicit_is_theta_free_only_with_the_beta_faces() -> None:
    spec = parse_spec(FREE)
    out = evaluate_loss(build_problem(spec, lift=True), POINTS, options=LossOptions(panels=32)).to_dict()
    diff = np.array(out["difference"])
    assert np.max(np.abs(diff - out["expected_difference"])) < 1e-8
    without = np.array(out["implicit"]) - np.array(out["boundary"]) - np.array(out["explicit"])
    assert np.ptp(without) > 1e-6  # measured 8e-6 with the reported r(beta), m = 1


@pytest.mark.slow
def test_faces_matter_with_a_short_beta_range_and_the_constant_holds_to_1e8() -> None:
    # r = 1 on [0, 3]: much mass at small beta, where the responsibilities switch within one standard
    # deviation and the x-rule is composite Gauss-Legendre (Gauss-Hermite alone: 1e-6 off); the faces
    # change implicit - explicit by 5e-2
    out = evaluate_loss(build_problem(parse_spec(FREE), lift=True, beta_max=3.0, log_r="0"), POINTS,
                        options=LossOptions(panels=64)).to_dict()
    diff = np.array(out["difference"])
    errors = np.array(out["explicit_error"]) + np.array(out["implicit_error"])
    assert np.max(np.abs(diff - out["expected_difference"])) < 1e-8  # measured 1.3e-11
    assert np.max(np.abs(diff - out["expected_difference"])) <= np.max(errors)
    assert out["resolution"]["legendre_below_s"] == pytest.approx(4.0)  # diam^2 at m = 1
    without = np.array(out["implicit"]) - np.array(out["boundary"]) - np.array(out["explicit"])
    assert np.ptp(without) > 1e-2


def test_quadrature_matches_monte_carlo_from_exact_joint_samples() -> None:
    spec = parse_spec(FREE)
    problem = build_problem(spec, lift=True, beta_max=3.0, log_r="0")
    th = (1.3, 0.2)
    q = evaluate_loss(problem, [{"a": th[0], "b": th[1]}], options=LossOptions(panels=64))
    n = 200_000
    lift = problem.lift
    assert lift is not None
    xs, beta = sample_ctld_joint(lift.mixture, lift.schedule, n, seed=11)
    loss = problem.joint.loss
    f = compile_expr((*loss.diffusion.coords, *loss.model.params), [loss.explicit, loss.implicit], "numpy")
    ex, im = (np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in f(xs[:, 0], xs[:, 1], beta, *th))
    faces, var = 0.0, 0.0
    for face in lift.faces:
        xf = sample_mixture(lift.mixture.convolved(face.at * lift.params.lambda_min), n, 12)
        flux = lift.face_values(face, xf, th)[0]
        faces -= face.weight * flux.mean()
        var += face.weight ** 2 * flux.var() / n
    se_ex = ex.std() / np.sqrt(n)
    se_im = np.sqrt(im.var() / n + var)
    assert abs(ex.mean() - q.explicit[0]) < 4 * se_ex
    assert abs(im.mean() + faces - q.implicit[0]) < 4 * se_im
    assert abs(faces - q.boundary[0]) < 4 * np.sqrt(var)
    assert max(q.explicit_error[0], q.implicit_error[0]) < 0.1 * min(se_ex, se_im)


def test_student_t_explicit_loss_matches_mpmath() -> None:
    r"""Explicit GSM loss of the Student-t location model at a = 0.5.

    ℓ(x) = −2 log(1 + x²/3), score s(x) = −4x/(3 + x²); the model is ℓ(x − a), so the explicit
    loss is ½ E_p[(s(x) − s(x − a))²]. Its value is computed here independently by mpmath.quad
    at 30 digits (0.0856814195899100998...). The package used to cut the domain at ±38,000 and
    integrate with fixed panels that never saw the peak (0.0033 ± 0.0025); the adaptive, tail-
    mapped quadrature must give the value with an error estimate that covers the truth.
    Integration by parts gives implicit − explicit = −½E_p[s²] = −½·(2/3) = −1/3 (Fisher
    information of the t location model, (ν+1)/(ν+3) = 2/3).
    """
    with mpmath.workdps(30):
        s = lambda x: -4 * x / (3 + x**2)  # noqa: E731
        truth = float(mpmath.quad(lambda x: _t3_density(x) * (s(x) - s(x - mpmath.mpf(1) / 2)) ** 2 / 2,
                                  [-mpmath.inf, -1, 0, 0.5, 1, mpmath.inf]))
    spec = parse_spec(STUDENT_T)
    ev = evaluate_gsm_loss(gsm_loss(spec.diffusion, spec.model), [{"a": 0.5}, {"a": 0.0}])
    assert abs(ev.explicit[0] - truth) <= ev.explicit_error[0]
    assert ev.explicit_error[0] < 1e-12
    assert ev.explicit[1] == 0.0
    assert abs(ev.difference[0] - (-1 / 3)) <= ev.explicit_error[0] + ev.implicit_error[0]
    assert abs(ev.difference[1] - (-1 / 3)) <= ev.explicit_error[1] + ev.implicit_error[1]


def test_a_gaussian_model_of_a_cauchy_target_has_infinite_loss() -> None:
    r"""½E_p[(s_p − s_q)²] with s_p = −2x/(1+x²) and s_q = −x/σ² grows like E[x²] = ∞ under Cauchy."""
    spec = parse_spec('coords = ["x"]\nlog_density = "-log(1 + x**2)"\n[model]\nparams = ["s"]\n'
                      'truth = {s = 1.0}\nlog_density = "-x**2/(2*s)"\n')
    ev = evaluate_gsm_loss(gsm_loss(spec.diffusion, spec.model), [{"s": 1.0}])
    assert ev.status == "divergent"
    assert math.isinf(ev.explicit[0]) and math.isinf(ev.explicit_error[0])


def test_a_loss_method_is_one_file(tmp_path: Path) -> None:
    spec = load_spec("bimodal")
    with _one_file(tmp_path, solve_pkg, "_loss_toy_plugin", TOY_LOSS, [loss_methods]):
        assert "toy_plugin" in loss_methods().names()
        toy = evaluate_loss(build_problem(spec), [{"a": 1.5}], method="toy_plugin")
        ref = evaluate_loss(build_problem(spec), [{"a": 1.5}])  # adaptive quadrature
        assert toy.explicit[0] == pytest.approx(ref.explicit[0], rel=1e-6)
        code, out = _cli(["loss", "bimodal", "--at", "a=1.5", "--method", "toy_plugin"])
        assert code == 0 and out["method"] == "toy trapezoid"
        with pytest.raises(SpecError, match="1D targets on the line only"):
            evaluate_loss(build_problem(load_spec("reflected-gaussian")), method="toy_plugin")
    assert "toy_plugin" not in loss_methods().names()
