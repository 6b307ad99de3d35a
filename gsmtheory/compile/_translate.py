"""The explicit translation table: SymPy function → NumPy / torch / mpmath callable.

Only what is listed here compiles; anything else raises an error naming the function. Max and
Min map to element-wise maximum/minimum (never to reductions), their derivatives (Heaviside)
to element-wise steps, Piecewise (with relational conditions) to ``where``; DiracDelta, the
second derivative of a kink, is refused (it is a point mass, not a function). Matrices are never
turned into ``torch.tensor([[...]])`` literals: each entry is compiled as its own expression.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from functools import reduce
from types import MappingProxyType
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from scipy import special as sps

__all__ = ["BACKENDS", "TRANSLATION", "torch_module"]

BACKENDS = ("numpy", "torch", "mpmath")


def _pairwise(op: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    return lambda *args: reduce(op, args)


def _mp_max(*args: Any) -> Any:
    return max(args)


def _mp_min(*args: Any) -> Any:
    return min(args)


def torch_module() -> Any:
    """torch, imported on first use: only a torch code path loads it (1.4 s at start-up)."""
    import torch

    return torch


def _torch_fn(name: str) -> Callable[..., Any]:
    def call(x: Any) -> Any:
        torch = torch_module()
        fn = getattr(torch, name)
        return fn(x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=torch.float64))

    call.__name__ = f"torch.{name}"
    return call


def _torch_binary(name: str) -> Callable[..., Any]:
    def call(a: Any, b: Any) -> Any:
        torch = torch_module()
        fn = getattr(torch, name)
        if not isinstance(a, torch.Tensor):
            a = torch.as_tensor(a, dtype=b.dtype if isinstance(b, torch.Tensor) else torch.float64,
                                device=b.device if isinstance(b, torch.Tensor) else None)
        if not isinstance(b, torch.Tensor):
            b = torch.as_tensor(b, dtype=a.dtype, device=a.device)
        return fn(a, b)

    return _pairwise(call)


def _np_heaviside(x: Any, h0: Any = 0.5) -> Any:
    return np.heaviside(x, h0)


def _torch_heaviside(x: Any, h0: Any = 0.5) -> Any:
    torch = torch_module()
    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=torch.float64)
    return torch.heaviside(x, torch.as_tensor(float(h0), dtype=x.dtype, device=x.device))


def _mp_heaviside(x: Any, h0: Any = 0.5) -> Any:
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0 else mpmath.mpf(h0)


def _torch_compare(name: str) -> Callable[..., Any]:
    def call(a: Any, b: Any) -> Any:
        torch = torch_module()
        fn = getattr(torch, name)
        like = a if isinstance(a, torch.Tensor) else b if isinstance(b, torch.Tensor) else None
        if like is None:
            return fn(torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64))
        a = a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=like.dtype, device=like.device)
        b = b if isinstance(b, torch.Tensor) else torch.as_tensor(b, dtype=like.dtype, device=like.device)
        return fn(a, b)

    return call


def _torch_logical(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        torch = torch_module()
        fn = getattr(torch, name)
        ts = [a if isinstance(a, torch.Tensor) else torch.as_tensor(bool(a)) for a in args]
        return reduce(fn, ts)

    return call


#: SymPy function class → {backend: callable}
TRANSLATION: Mapping[type, Mapping[str, Callable[..., Any]]] = MappingProxyType({
    sp.exp: {"numpy": np.exp, "torch": _torch_fn("exp"), "mpmath": mpmath.exp},
    sp.log: {"numpy": np.log, "torch": _torch_fn("log"), "mpmath": mpmath.log},
    sp.sin: {"numpy": np.sin, "torch": _torch_fn("sin"), "mpmath": mpmath.sin},
    sp.cos: {"numpy": np.cos, "torch": _torch_fn("cos"), "mpmath": mpmath.cos},
    sp.tan: {"numpy": np.tan, "torch": _torch_fn("tan"), "mpmath": mpmath.tan},
    sp.tanh: {"numpy": np.tanh, "torch": _torch_fn("tanh"), "mpmath": mpmath.tanh},
    sp.sinh: {"numpy": np.sinh, "torch": _torch_fn("sinh"), "mpmath": mpmath.sinh},
    sp.cosh: {"numpy": np.cosh, "torch": _torch_fn("cosh"), "mpmath": mpmath.cosh},
    sp.atan: {"numpy": np.arctan, "torch": _torch_fn("atan"), "mpmath": mpmath.atan},
    sp.erf: {"numpy": sps.erf, "torch": _torch_fn("erf"), "mpmath": mpmath.erf},
    sp.Abs: {"numpy": np.abs, "torch": _torch_fn("abs"), "mpmath": abs},
    sp.sign: {"numpy": np.sign, "torch": _torch_fn("sign"), "mpmath": mpmath.sign},
    sp.Max: {"numpy": _pairwise(np.maximum), "torch": _torch_binary("maximum"), "mpmath": _mp_max},
    sp.Min: {"numpy": _pairwise(np.minimum), "torch": _torch_binary("minimum"), "mpmath": _mp_min},
    # derivatives of Min, Max and Abs: a step (its value at the kink, a null set, is H0 = 1/2)
    sp.Heaviside: {"numpy": _np_heaviside, "torch": _torch_heaviside, "mpmath": _mp_heaviside},
    # conditions of Piecewise (SymPy writes simplified Abs/sign/Min/Max with them)
    sp.StrictGreaterThan: {"numpy": np.greater, "torch": _torch_compare("gt"), "mpmath": operator.gt},
    sp.GreaterThan: {"numpy": np.greater_equal, "torch": _torch_compare("ge"), "mpmath": operator.ge},
    sp.StrictLessThan: {"numpy": np.less, "torch": _torch_compare("lt"), "mpmath": operator.lt},
    sp.LessThan: {"numpy": np.less_equal, "torch": _torch_compare("le"), "mpmath": operator.le},
    sp.Equality: {"numpy": np.equal, "torch": _torch_compare("eq"), "mpmath": operator.eq},
    sp.Unequality: {"numpy": np.not_equal, "torch": _torch_compare("ne"), "mpmath": operator.ne},
    sp.And: {"numpy": _pairwise(np.logical_and), "torch": _torch_logical("logical_and"),
             "mpmath": lambda *a: all(a)},
    sp.Or: {"numpy": _pairwise(np.logical_or), "torch": _torch_logical("logical_or"),
            "mpmath": lambda *a: any(a)},
    sp.Not: {"numpy": np.logical_not, "torch": _torch_logical("logical_not"), "mpmath": operator.not_},
})

#: x ** (1/2) and friends get the backend's dedicated routine
SQRT: Mapping[str, Callable[..., Any]] = MappingProxyType({
    "numpy": np.sqrt, "torch": _torch_fn("sqrt"), "mpmath": mpmath.sqrt,
})
POW: Mapping[str, Callable[..., Any]] = MappingProxyType({
    "numpy": np.power, "torch": lambda a, b: torch_module().pow(a, b), "mpmath": mpmath.power,
})


def constant(value: sp.Expr, backend: str) -> Any:
    """A number in the backend's scalar type (mpf at the working precision for mpmath)."""
    if backend == "mpmath":
        return mpmath.mpmathify(sp.N(value, mpmath.mp.dps + 5))
    out = float(sp.N(value, 20))
    if not math.isfinite(out):
        raise ValueError(f"constant {value} is not finite")
    return out


def where(cond: Any, a: Any, b: Any, backend: str) -> Any:
    """cond ? a : b element-wise in the backend."""
    if backend == "numpy":
        return np.where(cond, a, b)
    if backend == "torch":
        torch = torch_module()
        like = next((v for v in (a, b) if isinstance(v, torch.Tensor)), None)
        dtype = like.dtype if like is not None else torch.float64
        device = like.device if like is not None else None
        c = cond if isinstance(cond, torch.Tensor) else torch.as_tensor(bool(cond), device=device)
        ta = a if isinstance(a, torch.Tensor) else torch.as_tensor(a, dtype=dtype, device=device)
        tb = b if isinstance(b, torch.Tensor) else torch.as_tensor(b, dtype=dtype, device=device)
        return torch.where(c, ta, tb)
    return a if cond else b
