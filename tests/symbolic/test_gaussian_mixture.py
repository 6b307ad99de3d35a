"""Large-d mixture specs stay cheap: the SymPy log density is built only when asked for (issue #14)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from gsmtheory.solve import poincare_constant
from gsmtheory.symbolic import GaussianMixture, parse_spec


def _diagonal_spec(d: int, m: float = 3.0, cov: str = "1.0") -> str:
    a = m / math.sqrt(d)
    coords = ", ".join(f'"x{i}"' for i in range(d))
    row = lambda s: ", ".join(repr(s * a) for _ in range(d))  # noqa: E731
    return (f"coords = [{coords}]\n[mixture]\nmeans = [[{row(-1)}], [{row(1)}]]\n"
            f"weights = [0.5, 0.5]\ncovariance = {cov}\n")


def test_log_density_is_lazy_and_right() -> None:
    spec = parse_spec(_diagonal_spec(5))
    diff = spec.diffusion
    assert not diff.log_density_built
    ell = diff.log_density  # built now, from the mixture
    assert diff.log_density_built
    mix = diff.mixture
    assert mix is not None
    rng = np.random.default_rng(0)
    for x in rng.normal(size=(3, 5)):
        ref = np.logaddexp(*[math.log(w) - 0.5 * float(np.sum((x - np.array(mu)) ** 2))
                             for mu, w in zip(mix.means, mix.weights, strict=True)])
        got = float(ell.subs(dict(zip(diff.coords, x, strict=True))))
        assert got == pytest.approx(ref, rel=1e-12)


def test_quadratic_form_keeps_off_diagonal_precision() -> None:
    cov = ((2.0, 0.5, 0.0), (0.5, 1.0, 0.2), (0.0, 0.2, 1.5))
    mix = GaussianMixture(((0.3, -1.0, 2.0), (1.0, 0.0, -0.5)), (0.25, 0.75), cov)
    xs = sp.symbols("x0:3", real=True)
    ell = mix.log_density_expr(xs)
    prec = np.linalg.inv(np.array(cov))
    x = np.array([0.4, -0.7, 1.1])
    ref = np.logaddexp(*[math.log(w) - 0.5 * (x - mu) @ prec @ (x - mu)
                         for mu, w in zip(np.array(mix.means), mix.weights, strict=True)])
    assert float(ell.subs(dict(zip(xs, x, strict=True)))) == pytest.approx(ref, rel=1e-10)


def test_poincare_of_a_d200_mixture_does_not_build_the_log_density() -> None:
    """The diagonal ±3 mixture has the 1D constant in any d; no symbolic ℓ on that path."""
    spec = parse_spec(_diagonal_spec(200))
    r = poincare_constant(spec.diffusion, quick=True)
    one = poincare_constant(parse_spec(_diagonal_spec(1)).diffusion, quick=True)
    assert r.poincare_constant == pytest.approx(one.poincare_constant, rel=1e-5)
    assert not spec.diffusion.log_density_built


def test_isotropic_shorthand_equals_the_full_matrix() -> None:
    full = "[[2.0, 0, 0], [0, 2.0, 0], [0, 0, 2.0]]"
    a = parse_spec(_diagonal_spec(3, cov="2.0")).diffusion.mixture
    b = parse_spec(_diagonal_spec(3, cov=full)).diffusion.mixture
    assert a == b
