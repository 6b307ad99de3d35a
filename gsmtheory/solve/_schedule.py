r"""Compile the β side of a CTLD lift for the array code: :func:`ctld_schedule`.

:class:`gsmtheory.symbolic.CTLDParameters` holds log r(β) as a SymPy expression in
:data:`gsmtheory.symbolic.BETA`; the lifted solvers of :mod:`gsmtheory.numeric` take a
:class:`gsmtheory.numeric.CTLDSchedule` (λ, β_max, and log r and d log r/dβ as array
callables). The callables are picklable records of the compiled programs; a parameter
record is compiled once (cached).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory.compile import CompiledFunction, compile_expr
from gsmtheory.numeric import CTLDSchedule
from gsmtheory.symbolic import BETA, CTLDParameters

__all__ = ["ctld_schedule"]


@dataclass(frozen=True)
class _Output:
    """β ↦ output ``index`` of a compiled function of β, with the shape of β."""

    fn: CompiledFunction
    index: int

    def __call__(self, beta: NDArray[Any]) -> NDArray[Any]:
        values = self.fn(np.asarray(beta, dtype=float))
        return np.broadcast_to(np.asarray(values[self.index], dtype=float), np.shape(beta)).copy()


def ctld_schedule(params: CTLDParameters | CTLDSchedule) -> CTLDSchedule:
    r"""λ, β_max, log r(β) and d log r/dβ of ``params``, compiled to NumPy (a schedule is returned as is).

    Examples
    --------
    >>> from gsmtheory.symbolic import GaussianMixture, ctld_parameters
    >>> mix = GaussianMixture(((-2.0,), (2.0,)), (0.5, 0.5), ((1.0,),))
    >>> s = ctld_schedule(ctld_parameters(mix))
    >>> round(s.beta_max, 6), s.log_r(np.array([0.0])).shape
    (223.0, (1,))
    """
    if isinstance(params, CTLDSchedule):
        return params
    return _compiled(params)


@functools.lru_cache(maxsize=256)
def _compiled(params: CTLDParameters) -> CTLDSchedule:
    fn = compile_expr((BETA,), [params.log_r, params.log_r.diff(BETA)], "numpy")
    return CTLDSchedule(float(params.lambda_min), float(params.beta_max), _Output(fn, 0), _Output(fn, 1))
