r"""The first pass's weak spots (issue #21 item 3b; 3a, the rotated logistic forced through fv2d,
is tests/solve/test_symmetry.py::test_issue_table_forced_grid_says_not_converged_or_holds_the_truth).

- Beta(0.2, 0.3) under D = x(1 − x): L(x − 2/5) = −(1/2)(x − 2/5), C_P = 2; the density is singular
  at both ends, so the chain's error has a fractional-order part.
"""

from __future__ import annotations

import pytest

from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import parse_spec

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def test_singular_jacobi_error_covers_the_truth() -> None:
    d = parse_spec('coords = ["x"]\nlog_density = "(1/5 - 1)*log(x) + (3/10 - 1)*log(1 - x)"\n'
                   '[domain]\nx = [0, 1]\n[diffusion]\nD = [["x*(1 - x)"]]\n').diffusion
    r = poincare_constant(d, rtol=1e-8)
    assert abs(r.poincare_constant - 2.0) <= r.error_estimate, (r.poincare_constant, r.error_estimate)
