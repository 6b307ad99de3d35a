"""Natural parameter bounds derived from positivity (gsmtheory/symbolic/_estimating.py)."""

from __future__ import annotations

import math

from gsmtheory.estimation import build_problem
from gsmtheory.symbolic import load_spec, natural_bounds, parse_spec

THREE = '''
coords = ["x"]
[mixture]
means = [[-2.0], [0.0], [2.0]]
weights = [0.25, 0.25, 0.5]
covariance = [[1.0]]
[model]
params = ["a", "b"]
truth = {a = 0.25, b = 0.25}
[model.mixture]
means = [[-2.0], [0.0], [2.0]]
weights = ["a", "b", "1 - a - b"]
covariance = [[1.0]]
'''

VARIANCE = '''
coords = ["x"]
[mixture]
means = [[0.0]]
weights = [1.0]
covariance = [[2.0]]
[model]
params = ["s"]
truth = {s = 2.0}
[model.mixture]
means = [[0.0]]
weights = [1.0]
covariance = [["s"]]
'''


def test_mixture_weight_range_is_derived_from_positivity():
    problem = build_problem(load_spec("bimodal-weight"))
    assert problem.param_bounds == ((0.0, 1.0),)
    assert "1 - w >= 0" in problem.bound_reasons[0] and "w >= 0" in problem.bound_reasons[0]
    assert problem.is_bounded
    assert natural_bounds(load_spec("bimodal").model)[0] == ((-math.inf, math.inf),)
    assert natural_bounds(parse_spec(VARIANCE).model)[0] == ((0.0, math.inf),)
    # weights coupling two parameters are not a box: nothing is derived, nothing is invented
    assert natural_bounds(parse_spec(THREE).model)[0] == ((0.0, math.inf), (0.0, math.inf))
