"""End analysis (gsmtheory/symbolic/_ends.py): the Liouville potential of the logistic and the gamma."""

from __future__ import annotations

import math

import pytest

from gsmtheory.symbolic import analyze_ends

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


# ----------------------------------------------------------------------------- symbolic layer
def test_liouville_potential_of_the_logistic_and_gamma() -> None:
    r"""W = φ'²/4 − φ''/2: logistic W = 1 − 2 sech² x (σ = 1); Gamma(k) with D = x²:
    φ_x = 1 − k/x, W = (x − k)²/4 − x/2 → k²/4 at x = 0 (infinite distance, D vanishes)."""
    import sympy as sp

    x = sp.Symbol("x", real=True)
    a = analyze_ends(-2 * sp.log(sp.cosh(x)), 1, x)
    assert sp.simplify(a.W - (1 - 2 / sp.cosh(x) ** 2)) == 0
    assert a.sigma == 1.0
    g = analyze_ends(2 * sp.log(x) - x, x**2, x, (0, sp.oo))
    assert sp.simplify(g.W - ((x - 3) ** 2 / 4 - x / 2)) == 0
    assert g.sigma == pytest.approx(9 / 4)
    left, right = g.ends
    assert left.distance == "infinite" and left.D_vanishes and g.log_map_ends == (True, False)
    assert right.W_limit == math.inf
    j = analyze_ends(sp.log(x), x * (1 - x), x, (0, 1))
    assert all(e.distance == "finite" for e in j.ends) and j.sigma == math.inf
