"""The explicit translation table: SymPy function → NumPy / torch / mpmath callable.

Only what is listed here compiles; anything else raises an error naming the function. Max and
Min map to element-wise maximum/minimum (never to reductions), and matrices are never turned
into ``torch.tensor([[...]])`` literals: each entry is compiled as its own expression.
"""

from __future__ import annotations

import math
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
