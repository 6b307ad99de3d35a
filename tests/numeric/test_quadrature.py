"""Tests of gsmtheory/numeric/_quadrature.py: the support interval of an unnormalizable density is an error."""

from __future__ import annotations

import math

import pytest

from gsmtheory import ModelError
from gsmtheory.numeric import support_interval


def test_unnormalizable_density_is_an_error() -> None:
    with pytest.raises(ModelError, match="cannot be normalized"):
        support_interval(lambda x: x, -math.inf, math.inf)
