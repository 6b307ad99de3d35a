"""Progress bars (issue 24): none from library calls, on stderr when a command turns them on, never
with ``--json``; the Monte Carlo loops draw theirs through :mod:`gsmtheory._progress`."""

from __future__ import annotations

import pytest

from gsmtheory._progress import progress_bar, progress_bars


def _draw(n: int) -> None:
    with progress_bar(n, "work", "step") as bar:
        for _ in range(n):
            bar.update()


def test_library_calls_draw_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    _draw(5)
    assert capsys.readouterr().err == ""


def test_a_command_that_asks_gets_a_bar_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bars(True):
        _draw(5)
    out = capsys.readouterr()
    assert "work" in out.err and "/5" in out.err and out.out == ""
    _draw(5)  # the switch ends with the block
    assert capsys.readouterr().err == ""


def test_terminal_only_draws_nothing_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bars(None):  # captured stderr is not a terminal
        _draw(5)
    assert capsys.readouterr().err == ""


def test_monte_carlo_efficiency_draws_its_bar_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    from gsmtheory.estimation import covariance_methods, efficiency
    from gsmtheory.solve import build_problem
    from gsmtheory.symbolic import load_spec

    problem = build_problem(load_spec("gaussian"))
    assert covariance_methods().get("monte-carlo").applies(problem) is None
    with progress_bars(True):
        efficiency(problem, method="monte-carlo", samples=20_000, poincare=False)
    assert "Monte Carlo batch means" in capsys.readouterr().err
    efficiency(problem, method="monte-carlo", samples=20_000, poincare=False)
    assert capsys.readouterr().err == ""


def test_json_output_never_draws(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    from gsmtheory.cli import main

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert main(["efficiency", "gaussian", "--method", "monte-carlo", "--samples", "20000",
                 "--no-poincare", "--json"]) == 0
    assert "Monte Carlo" not in capsys.readouterr().err
