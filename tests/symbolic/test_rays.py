r"""End analysis in d ≥ 2 and the exact end limits (issue #21 items 3 and 3c).

- A tail heavier than exponential along one direction (exp(−x²/2)/(1 + y² + x²y²/10): its y-marginal
  decays like 1/y²) has no Poincaré inequality; so has exp(−√(1+x²)) ⊗ Cauchy (a product).
- Light tails (a coupled double well) are not taken as heavy, and σ gets a certified lower bound
  below the truth: for the Gaussian ℓ = −|x|²/2 the Liouville potential is W = |x|²/4 − d/2, so
  inf W outside [−R, R]^d is R²/4 − d/2 (σ = ∞).
- The 1D end limits of rational functions of e^{∓x} (Pöschl–Teller, Scarf II) are exact.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp

from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import analyze_ends, parse_spec, ray_ends
from gsmtheory.symbolic._limits import fast_limit

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _diff(ld: str, coords: str = '["x", "y"]'):  # type: ignore[no-untyped-def]
    return parse_spec(f'coords = {coords}\nlog_density = "{ld}"').diffusion


@pytest.mark.parametrize("ld", ["-x**2/2 - log(1 + y**2 + x**2*y**2/10)", "-sqrt(1 + x**2) - log(1 + y**2)",
                                "-(x - y)**2 - log(1 + (x + y)**2)"])
def test_heavy_direction_means_no_poincare(ld: str) -> None:
    r = poincare_constant(_diff(ld))
    assert r.status == "no_poincare" and math.isinf(r.poincare_constant), r.message


@pytest.mark.parametrize("ld", ["-(x**2-1)**2 - y**2 - x**2*y**2/2", "-sqrt(1 + x**2 + y**2) - x**2*y**2"])
def test_light_tails_are_not_heavy(ld: str) -> None:
    found = ray_ends(_diff(ld))
    assert found is not None and not found.no_poincare


def test_sigma_lower_bound_below_the_truth() -> None:
    found = ray_ends(_diff("-x**2/2 - y**2/2"), reach=6.0)
    assert found is not None and found.sigma_lower <= 36 / 4 - 1 + 1e-9
    assert found.sigma_lower >= 36 / 4 - 1 - 0.1  # the infimum, attained on the face x = 6, y = 0


@pytest.mark.parametrize(("ell", "sigma"), [("-2*log(cosh(x))", 1.0), ("-1*log(cosh(x)) - 2*atan(sinh(x))", 0.25),
                                            ("-5*log(cosh(x)) - 2*atan(sinh(x))", 6.25)])
def test_hyperbolic_end_limits_are_exact_and_fast(ell: str, sigma: float) -> None:
    x = sp.Symbol("x", real=True)
    expr = sp.sympify(ell, locals={"x": x})
    a = analyze_ends(expr, sp.Integer(1), x)
    assert a.sigma == pytest.approx(sigma, rel=1e-12)
    assert fast_limit(a.W, x, sp.oo, 4.0) == pytest.approx(sigma, rel=1e-12)  # decided without Gruntz
    assert fast_limit(a.W, x, -sp.oo, 4.0) == pytest.approx(sigma, rel=1e-12)
