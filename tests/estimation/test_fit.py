"""Adding a loss, an estimator or a CTLD method is one new file (docs/architecture.md): each toy here is
written as a file into its package's directory list, found by the registry, forced by name through
the API and the command line, and its number checked against an independent one."""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gsmtheory.estimation as estimation_pkg
import gsmtheory.solve as solve_pkg
from gsmtheory import SpecError, api
from gsmtheory.cli import main
from gsmtheory.estimation import covariance_methods, estimators, fit
from gsmtheory.numeric import expect_1d, mixture_logpdf
from gsmtheory.solve import (
    build_problem,
    evaluate_loss,
    loss_methods,
    poincare_constant,
    poincare_methods,
)
from gsmtheory.symbolic import load_spec

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

TOY_ESTIMATOR = '''
"""Estimator ``toy_mean``: the location of a 1D model by the sample mean (method of moments)."""
import numpy as np
from gsmtheory import Method, Theory
from gsmtheory.estimation import FitResult

def _applies(problem):
    return None if problem.d == 1 and problem.n_params == 1 else "the toy estimator fits one location in 1D"

def _run(problem, x, options):
    mean, n = float(np.mean(x)), len(x)
    se = float(np.std(x, ddof=1) / np.sqrt(n))
    return FitResult(problem.params, "toy_mean", (mean,), (se,), None, True, "converged", "sample mean", n)

METHOD = Method("toy_mean", _applies, _run, "toy: the sample mean", Theory("estimate"), priority=0, auto=False)
'''

TOY_CTLD = '''
"""Poincaré method ``toy_ctld_variance`` of lifted problems: g(x, β) = x gives Var(x) ≤ C_P (E[g_x²] = 1)."""
import numpy as np
from gsmtheory import Method, Theory
from gsmtheory.numeric import PoincareResult

def _applies(problem):
    return None if problem.d == 1 and problem.mixture is not None else "the toy needs a 1D mixture target"

def _run(problem, rtol, quick):
    mix, lift = problem.mixture, problem.lift
    means, weights = np.array([m[0] for m in mix.means]), np.array(mix.weights)
    var_p = float(weights @ (means ** 2) - (weights @ means) ** 2 + mix.covariance[0][0])
    b, w = lift.beta_rule(64)
    value = var_p + lift.lambda_min * float(w @ b)
    return PoincareResult(value, 0.0, "toy-variance", {}, "bound", "Var of the joint's x", "lower_bound",
                          lower=value)

METHOD = Method("toy_ctld_variance", _applies, _run, "toy: C_P >= Var(x) on the lift", Theory("lower_bound"),
                priority=0, auto=False, lifted=True)
'''


@contextlib.contextmanager
def _one_file(tmp_path: Path, package: Any, name: str, text: str, registries: list[Callable[[], Any]]) -> Iterator[None]:
    """``name``.py written into a directory appended to ``package.__path__``; the registries rediscover."""
    (tmp_path / f"{name}.py").write_text(text)
    saved = list(package.__path__)
    package.__path__.append(str(tmp_path))
    for r in registries:
        r.cache_clear()  # type: ignore[attr-defined]
    try:
        yield
    finally:
        package.__path__[:] = saved
        for r in registries:
            r.cache_clear()  # type: ignore[attr-defined]
        sys.modules.pop(f"{package.__name__}.{name}", None)


def _cli(argv: list[str]) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([*argv, "--json"])
    return code, json.loads(out.getvalue())


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


def test_an_estimator_is_one_file(tmp_path: Path) -> None:
    spec = load_spec("gaussian")
    data = np.random.default_rng(5).normal(0.3, 1.5, size=(4000, 1))
    with _one_file(tmp_path, estimation_pkg, "_estimator_toy_mean", TOY_ESTIMATOR, [estimators]):
        assert "toy_mean" in estimators().names()
        toy = fit(spec, data, loss="toy_mean")
        gsm = fit(spec, data, loss="gsm")  # for a Gaussian location GSM is the sample mean too (claim 7)
        assert toy.estimate == pytest.approx(gsm.estimate, rel=1e-12)
        np.save(tmp_path / "d.npy", data)
        code, out = _cli(["fit", "gaussian", "--data", str(tmp_path / "d.npy"), "--loss", "toy_mean"])
        assert code == 0 and out["estimate"]["mu"] == pytest.approx(float(data.mean()), rel=1e-12)
        assert api.as_dict(api.problem(spec), toy)["lifted"] is False
    assert "toy_mean" not in estimators().names()


def test_a_ctld_method_is_one_file(tmp_path: Path) -> None:
    """Forced on a lifted 1D mixture its bound Var_p(x) + λE_r[β] holds below ctld1d's C_P, and it
    equals the joint variance of x computed independently by quadrature of r(β)·p^β."""
    spec = load_spec("ctld-bimodal", constants={"m": 1.0})
    problem = api.problem(spec)
    assert problem.lift is not None
    with _one_file(tmp_path, solve_pkg, "_solve_toy_ctld", TOY_CTLD, [poincare_methods]):
        toy = poincare_constant(problem, method="toy_ctld_variance")
        assert poincare_constant(problem, quick=True).method != "toy-variance"  # auto=False
        with pytest.raises(SpecError, match="answers for lifted problems only"):
            poincare_constant(problem.without_lift(), method="toy_ctld_variance")
    value = poincare_constant(problem, quick=True)
    assert toy.side == "lower_bound" and toy.lower <= value.poincare_constant + value.error_estimate
    lift, mix = problem.lift, problem.mixture
    assert mix is not None
    t, w = np.polynomial.legendre.leggauss(16)  # 8 panels of 16 Gauss–Legendre nodes on [0, β_max]
    edges = np.linspace(0.0, lift.beta_max, 9)
    b = ((edges[:-1, None] + edges[1:, None]) / 2 + (edges[1:, None] - edges[:-1, None]) / 2 * t).ravel()
    wb = (np.diff(edges)[:, None] / 2 * w).ravel() * np.exp(lift.schedule.log_r(b))
    var = []
    for s in b * lift.lambda_min:
        ex = expect_1d(lambda x, s=s: mixture_logpdf(mix, x[:, None], s), lambda x: [x, x ** 2], -math.inf, math.inf)
        var.append(ex.values[1] - ex.values[0] ** 2)
    joint = float(wb @ np.array(var) / wb.sum())  # E_r[Var(x | β)] (E[x | β] = 0 by symmetry)
    assert toy.lower == pytest.approx(joint, rel=1e-5)


def test_the_registries_are_the_names_the_command_line_offers() -> None:
    """--method / --loss choices come from the registries (no hard-coded lists)."""
    for command, names in (("poincare", poincare_methods().names()), ("loss", loss_methods().names()),
                           ("efficiency", covariance_methods().names())):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), pytest.raises(SystemExit):
            main([command, "gaussian", "--method", "no-such-method"])
        assert all(f"'{n}'" in err.getvalue() for n in names), (command, err.getvalue())
