"""CTLD parameters (gsmtheory/symbolic/_ctld_density.py): the defaults follow the design."""

from __future__ import annotations

import sympy as sp

from gsmtheory.symbolic import (
    BETA,
    ctld_parameters,
    load_spec,
)


def test_defaults_follow_design() -> None:
    p = ctld_parameters(load_spec("ctld-bimodal").diffusion)
    assert p.lambda_min == 1.0 and p.diameter == 4.0
    assert p.beta_max == 14 * 16 - 1
    assert sp.simplify(p.log_r + sp.Rational(7 * 16) / (1 + BETA)) == 0
