"""The Poincaré solver registry (gsmtheory/solve/_poincare.py): dispatch, forcing, extension."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gsmtheory.solve._poincare as registry
from gsmtheory import Method, SpecError, Theory
from gsmtheory.numeric import CTLDSchedule, PoincareResult, ctld_beta_logpdf
from gsmtheory.solve import (
    Problem,
    build_problem,
    ctld_schedule,
    poincare_constant,
    solver_names,
)
from gsmtheory.symbolic import GaussianMixture, ctld_parameters, parse_spec

UNIFORM = 'coords = ["x"]\nlog_density = "0"\n[domain]\nx = [0, 1]\n'
DOUBLE_WELL = 'coords = ["x"]\nlog_density = "-(x**2 - 1)**2"\n'


# --- a toy solver, written as the README says: a record with a name, why_not and solve --------
def _toy_why_not(problem: Problem) -> str | None:
    uniform = problem.d == 1 and problem.log_density_expr == 0 and problem.constant_D is not None
    return None if uniform and math.isfinite(problem.domain[0][0] + problem.domain[0][1]) else \
        "the toy solver knows only the uniform law on an interval under constant D"


def _toy_solve(problem: Problem, rtol: float | None, quick: bool) -> PoincareResult:
    """Uniform on [a, b], D = c: the Neumann Laplacian's first eigenvalue, C_P = (b − a)²/(c π²)."""
    (a, b), = problem.domain
    assert problem.constant_D is not None
    c = (b - a) ** 2 / (float(problem.constant_D[0, 0]) * math.pi ** 2)
    return PoincareResult(c, 0.0, "toy-uniform", {}, "ok", "closed form (toy)", "exact")


TOY = Method("toy", _toy_why_not, _toy_solve, "uniform law on an interval: (b - a)^2 / (D pi^2)",
             Theory("exact"), priority=0)


@pytest.fixture
def with_toy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register TOY first, as a file gsmtheory/solve/_solve_toy.py defining it would."""
    toy = registry.poincare_methods().with_method(TOY)
    monkeypatch.setattr(registry, "poincare_methods", lambda: toy)


def test_a_registered_solver_is_dispatched_and_forced(with_toy: None) -> None:
    assert "toy" in solver_names()
    auto = poincare_constant(parse_spec(UNIFORM).diffusion)
    assert auto.method == "toy-uniform"
    assert auto.poincare_constant == pytest.approx(1 / math.pi ** 2, rel=1e-15)
    forced = poincare_constant(parse_spec(UNIFORM).diffusion, method="toy")
    assert forced.method == "toy-uniform"
    # where it does not apply, auto passes over it and forcing it gives its reason
    assert poincare_constant(parse_spec(DOUBLE_WELL).diffusion, quick=True).method != "toy-uniform"
    with pytest.raises(SpecError, match="toy solver knows only the uniform law"):
        poincare_constant(parse_spec(DOUBLE_WELL).diffusion, method="toy")


def test_the_toy_closed_form_agrees_with_the_registered_1d_solver(with_toy: None) -> None:
    """The toy's number is right: the finite-volume solver, forced by name, brackets it."""
    fv = poincare_constant(parse_spec(UNIFORM).diffusion, method="1d")
    assert fv.method != "toy-uniform"
    assert abs(fv.poincare_constant - 1 / math.pi ** 2) <= fv.error_estimate + 1e-12


def test_unknown_method_lists_the_registered_ones() -> None:
    with pytest.raises(SpecError) as err:
        poincare_constant(parse_spec(DOUBLE_WELL).diffusion, method="spectral")
    text = str(err.value)
    assert "\n" not in text and "'spectral'" in text
    assert all(name in text for name in solver_names())


def test_forcing_a_solver_that_does_not_apply_gives_its_reason() -> None:
    with pytest.raises(SpecError, match="one Gaussian, constant D"):
        poincare_constant(parse_spec(DOUBLE_WELL).diffusion, method="gaussian")
    with pytest.raises(SpecError, match="fv2d needs d = 2"):
        poincare_constant(parse_spec(DOUBLE_WELL).diffusion, method="fv2d")


def test_auto_takes_the_closed_form_for_one_gaussian() -> None:
    """N(0, Σ) under Langevin: C_P = λ_max(Σ) (claim 1), taken by the first registered solver."""
    spec = parse_spec('coords = ["x", "y"]\n[mixture]\nmeans = [[0, 0]]\nweights = [1]\n'
                      'covariance = [[2, 0.5], [0.5, 1]]\n')
    r = poincare_constant(spec.diffusion)
    assert registry.poincare_methods().methods[0].name == "gaussian"
    assert r.poincare_constant == pytest.approx(float(np.linalg.eigvalsh([[2, 0.5], [0.5, 1]])[-1]), rel=1e-12)


def test_the_problem_is_the_compiled_view() -> None:
    p = build_problem(parse_spec(DOUBLE_WELL).diffusion)
    assert p.d == 1 and p.unbounded and p.mixture is None
    assert p.constant_D is not None and p.constant_D.tolist() == [[1.0]]
    x = np.array([0.0, 2.0])
    assert np.allclose(p.log_density(x), -(x ** 2 - 1) ** 2)


def test_array_ctld_code_takes_a_compiled_schedule_only() -> None:
    mix = GaussianMixture(((-2.0,), (2.0,)), (0.5, 0.5), ((1.0,),))
    params = ctld_parameters(mix)
    schedule = ctld_schedule(params)
    assert isinstance(schedule, CTLDSchedule) and ctld_schedule(schedule) is schedule
    b = np.linspace(0.0, schedule.beta_max, 5)
    # log r(β) = −7·diam²/(λ(1+β)) with diam = 4, λ = 1 (the reported default)
    assert np.allclose(schedule.log_r(b), -7 * 16 / (1 + b))
    assert np.allclose(schedule.dlog_r(b), 7 * 16 / (1 + b) ** 2)
    with pytest.raises(SpecError, match="ctld_schedule"):
        ctld_beta_logpdf(params, b)  # type: ignore[arg-type]


TOY_FILE = """
import math
from gsmtheory import Method, Theory
from gsmtheory.numeric import PoincareResult

def _applies(problem):
    if problem.d == 1 and problem.log_density_expr == 0 and math.isfinite(sum(problem.domain[0])):
        return None
    return "the file toy knows only the uniform law on an interval"

def _run(problem, rtol, quick):
    (a, b), = problem.domain
    return PoincareResult((b - a) ** 2 / math.pi ** 2, 0.0, "file-toy", {}, "ok", "toy", "exact")

METHOD = Method("filetoy", _applies, _run, "uniform law", Theory("exact"), priority=0)
"""


def test_one_new_file_registers_a_method(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a Poincaré method is one file named ``_solve_<name>.py`` in the package, nothing else."""
    from pathlib import Path

    import gsmtheory.solve as solve_pkg

    root = Path(str(tmp_path))
    (root / "_solve_filetoy.py").write_text(TOY_FILE)
    monkeypatch.setattr(solve_pkg, "__path__", [*solve_pkg.__path__, str(root)])
    registry.poincare_methods.cache_clear()
    try:
        assert "filetoy" in solver_names()
        r = poincare_constant(parse_spec(UNIFORM).diffusion)
        assert r.method == "file-toy" and r.poincare_constant == pytest.approx(1 / math.pi ** 2)
    finally:
        monkeypatch.undo()
        registry.poincare_methods.cache_clear()
        import sys
        sys.modules.pop("gsmtheory.solve._solve_filetoy", None)
    assert "filetoy" not in solver_names()
