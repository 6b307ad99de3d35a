"""Tests of gsmtheory/estimation/_data.py.

Bad input: unidentifiable models, fits that do not converge, malformed data files."""

from __future__ import annotations

import numpy as np
import pytest

from gsmtheory import NumericalError
from gsmtheory.estimation import validate_data


@pytest.mark.parametrize(("data", "match"), [
    (np.array([[1.0], [np.nan]]), "NaN"),
    (np.zeros((5, 3)), "3 column"),
    (np.zeros((0, 1)), "no rows"),
])
def test_validate_data(data, match):
    with pytest.raises(NumericalError, match=match):
        validate_data(data, 1)
