"""A CTLD fit that lands where the model is not identifiable reports no standard errors."""

from __future__ import annotations

import numpy as np

from gsmtheory.estimation import fit
from gsmtheory.symbolic import load_spec


def test_symmetric_point_has_no_spurious_standard_error() -> None:
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.normal(-2, 1, 300), rng.normal(2, 1, 300)])[:, None]
    result = fit(load_spec("ctld-bimodal"), data, loss="ctld")
    assert result.converged
    # Under the reported r the CTLD loss is so flat in a (population gap 7.7e-6 between a = 0 and
    # a = 2) that with n = 600 this sample's minimum is the symmetric point a = 0, where the two
    # means coincide and every per-sample gradient vanishes: a zero "standard error" would be a lie.
    assert abs(result.estimate[0]) < 1e-3
    assert result.standard_errors is None
    assert "not locally identifiable" in result.message


def test_well_separated_fit_has_standard_errors() -> None:
    rng = np.random.default_rng(1)
    data = np.concatenate([rng.normal(-4, 1, 2000), rng.normal(4, 1, 2000)])[:, None]
    result = fit(load_spec("ctld-bimodal", {"m": 4.0}), data, loss="ctld")
    assert result.standard_errors is not None
    assert abs(result.estimate[0] - 4.0) < 3 * result.standard_errors[0]
