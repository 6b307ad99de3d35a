"""Tests of gsmtheory/estimation/_newton.py.

The projected Newton solver: statuses, active rows, the KKT conditions of a box.

A mixture weight lives in [0, 1]: the estimators must keep it there (an unconstrained Newton
run at small n wandered off to |ŵ| ~ 1e6 and n·MSE ~ 1e14), estimates on the boundary carry
the status "bound", and replications whose fit failed are counted and left out of n·MSE,
never averaged in.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory.estimation import newton_minimize


def test_projected_newton_statuses_and_active_rows():
    c = torch.tensor([[-1.0], [0.3], [2.0], [0.6]], dtype=torch.float64)
    seen: list[int] = []

    def f(theta: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        seen.append(rows.numel())
        d = theta - c[rows]
        quartic = (rows == 3).to(theta.dtype)[:, None]
        return ((1 - quartic) * d**2 + quartic * (d**4 + 1e-3 * d**2)).sum(1)

    res = newton_minimize(f, torch.full((4, 1), 0.5, dtype=torch.float64), bounds=[(0.0, 1.0)], subset=True)
    assert res.status == ("bound", "converged", "bound", "converged")
    assert res.theta[:, 0].tolist() == pytest.approx([0.0, 0.3, 1.0, 0.6], abs=1e-9)
    assert res.at_bound is not None and res.at_bound[:, 0].tolist() == [True, False, True, False]
    assert int(res.iterations[3]) > int(res.iterations[1])
    assert seen[-1] == 1  # the last evaluations touch only the one slow row


@settings(max_examples=20, deadline=None)
@given(st.floats(-3, 3), st.floats(0.1, 3), st.floats(-5, 5))
def test_box_newton_solves_the_kkt_conditions(lo, width, centre):
    hi = lo + width
    target = torch.tensor([[centre, -centre]], dtype=torch.float64)
    A = torch.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=torch.float64)

    def f(theta: torch.Tensor) -> torch.Tensor:
        d = theta - target
        return 0.5 * torch.einsum("ri,ij,rj->r", d, A, d)

    res = newton_minimize(f, torch.zeros(1, 2, dtype=torch.float64), bounds=[(lo, hi), (-math.inf, math.inf)])
    assert res.status[0] in ("converged", "bound")
    th = res.theta[0].numpy()
    # KKT for min ½(θ−t)ᵀA(θ−t) on the box: feasible, free coordinates stationary,
    # a coordinate on its bound with the gradient pointing out of the box
    assert lo <= th[0] <= hi
    g = A.numpy() @ (th - target[0].numpy())
    assert abs(g[1]) < 1e-9
    if lo < th[0] < hi:
        assert abs(g[0]) < 1e-9
    elif th[0] == lo:
        assert g[0] >= -1e-9
    else:
        assert g[0] <= 1e-9
