"""Generated mixture specs (gsmtheory/estimation/_mixture_spec.py): the one-parameter models equal their
spec files; a model whose every mean entry is its own parameter is recognized, slot by slot."""

from __future__ import annotations

import pytest

from gsmtheory.estimation._mixture_spec import free_means, one_parameter_model
from gsmtheory.symbolic import GaussianMixture, Spec, parse_spec


@pytest.mark.parametrize("parameter", ["weight", "means"])
def test_generated_spec_equals_the_toml_one(parameter: str) -> None:
    mix = GaussianMixture(((-1.5,), (1.5,)), (0.3, 0.7), ((1.0,),))
    built = one_parameter_model(mix, parameter)
    model = ('params = ["w"]\ntruth = {w = 0.7}\n[model.mixture]\nmeans = [["-1.5"], ["1.5"]]\n'
             'weights = ["1 - w", "w"]\ncovariance = [[1.0]]\n' if parameter == "weight" else
             'params = ["a1", "a2"]\ntruth = {a1 = -1.5, a2 = 1.5}\n[model.mixture]\nmeans = [["a1"], ["a2"]]\n'
             'weights = [0.3, 0.7]\ncovariance = [[1.0]]\n')
    parsed = parse_spec('coords = ["x"]\n[mixture]\nmeans = [[-1.5], [1.5]]\nweights = [0.3, 0.7]\n'
                        f'covariance = [[1.0]]\n[model]\n{model}')
    assert built.diffusion.mixture == parsed.diffusion.mixture
    assert built.model is not None and parsed.model is not None
    assert built.model.params == parsed.model.params and built.model.truth == parsed.model.truth
    assert built.model.log_density == parsed.model.log_density




def _spec(params: str, truth: str, means: str) -> Spec:
    return parse_spec('coords = ["x", "y"]\n[mixture]\nmeans = [[-1, 0], [1, 0]]\nweights = [0.5, 0.5]\n'
                      f'covariance = [[1, 0], [0, 1]]\n[model]\nparams = {params}\ntruth = {truth}\n'
                      f'[model.mixture]\nmeans = {means}\nweights = [0.5, 0.5]\ncovariance = [[1, 0], [0, 1]]\n')


def test_free_means_names_the_slot_of_every_parameter() -> None:
    full = _spec('["b", "a", "c", "d"]', "{a = -1, b = 1, c = 0, d = 0}", '[["a", "c"], ["b", "d"]]')
    assert free_means(full) == [(1, 0), (0, 0), (0, 1), (1, 1)]
    fixed = _spec('["b", "a"]', "{a = -1, b = 1}", '[["a", 0], ["b", 0]]')
    assert free_means(fixed) is None  # the y entries are numbers, not parameters
    twice = _spec('["a"]', "{a = 1}", '[["-a", 0], ["a", 0]]')
    assert free_means(twice) is None  # −a is no parameter of its own
