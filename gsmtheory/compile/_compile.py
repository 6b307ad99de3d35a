"""Compile SymPy expressions to batched NumPy, torch or mpmath callables, without ``eval``.

Every subexpression that occurs more than once (the same SymPy tree, counted over all the
expressions) is computed once into a slot of a straight-line program — common-subexpression
elimination by hash-consing, without the rewrites of :func:`sympy.cse` (SymPy 1.14's ``cse``
returns replacements that do not reproduce some mixture-score expressions; tests/compile holds
one); calling the compiled function walks that program once, applying the backend routine of
the explicit translation table to whole arrays (a large NumPy call: to blocks of ~32k elements along
the leading axis, the same numbers, as every step is element-wise). The torch path therefore
keeps autograd, runs on whatever device its inputs live on, and stays in their dtype
(float64 by default).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.compile._translate import (
    BACKENDS,
    POW,
    SQRT,
    TRANSLATION,
    constant,
    torch_module,
    where,
)

__all__ = ["CompiledFunction", "compile_expr"]

_Step = tuple[str, Any]
#: a NumPy call over more than 4 × _BLOCK elements runs in blocks of about _BLOCK elements
_BLOCK = 32768
#: the translated functions a spec can name (the rest are derivatives and conditions SymPy makes)
_SPEC_NAMES = frozenset({"exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "atan", "erf", "Abs",
                         "sign", "Max", "Min"})


@dataclass(frozen=True)
class CompiledFunction:
    """f(*values) evaluating ``exprs`` at arrays (one per symbol in ``args``), broadcasting.

    Returns one array for a single expression, a list for a sequence, and an array of shape
    ``batch + (rows, cols)`` for a matrix. Built by :func:`compile_expr`, not directly: the
    program is a straight-line list of steps through the explicit translation table, with every
    repeated subexpression computed once.

    Attributes
    ----------
    args : tuple of Symbol
        The arguments, in call order.
    exprs : tuple of Expr
        The compiled expressions (a matrix flattened row by row).
    backend : str
        ``"numpy"``, ``"torch"`` or ``"mpmath"``.
    shape : tuple of int or None
        None for a single expression, ``(n,)`` for a list, ``(rows, cols)`` for a matrix.
    program, outputs : tuple
        The steps (internal).

    Raises
    ------
    TypeError
        When called with the wrong number of arguments.

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.compile import compile_expr
    >>> x, y = sp.symbols("x y")
    >>> f = compile_expr([x, y], sp.Matrix([[x * y, x], [y, 1]]))
    >>> f(2.0, 3.0).tolist()
    [[6.0, 2.0], [3.0, 1.0]]
    """

    args: tuple[sp.Symbol, ...]
    exprs: tuple[sp.Expr, ...]
    backend: str
    shape: tuple[int, ...] | None  # None: single expression; (n,): list; (r, c): matrix
    program: tuple[tuple[int, _Step], ...] = field(repr=False)
    outputs: tuple[_Step, ...] = field(repr=False)

    def __call__(self, *values: Any) -> Any:
        if len(values) != len(self.args):
            names = ", ".join(map(str, self.args))
            raise TypeError(f"expected {len(self.args)} arguments ({names}), got {len(values)}")
        inputs: list[Any] = [self._convert(v) for v in values]
        shape = np.broadcast_shapes(*(np.shape(v) for v in inputs)) if self.backend == "numpy" else ()
        block_rows = self._rows_per_block(shape)
        results = self._evaluate(inputs) if block_rows is None else self._evaluate_in_blocks(inputs, shape, block_rows)
        if self.shape is None:
            return results[0]
        if len(self.shape) == 1:
            return results
        rows, cols = self.shape
        if self.backend == "numpy":
            return np.stack(results, axis=-1).reshape(*np.shape(results[0]), rows, cols)
        if self.backend == "torch":
            return torch_module().stack(results, dim=-1).reshape(*results[0].shape, rows, cols)
        return [results[i * cols:(i + 1) * cols] for i in range(rows)]

    def _evaluate(self, inputs: list[Any]) -> list[Any]:
        env = inputs + [None] * len(self.program)
        for slot, step in self.program:
            env[slot] = _run(step, env, self.backend)
        results = [_run(step, env, self.backend) for step in self.outputs]
        return results if self.backend == "mpmath" else self._broadcast(results, inputs)

    def _rows_per_block(self, shape: tuple[int, ...]) -> int | None:
        """Rows per block along the leading axis of a large NumPy call (None: one piece). Steps are
        element-wise, so blocks give the same numbers, with cache-sized temporaries; two rows or more,
        so an output of inputs constant along the axis is promoted to float as in one piece (a
        floating-point warning may come once per block)."""
        if self.backend != "numpy" or len(shape) == 0 or math.prod(shape) < 4 * _BLOCK:
            return None
        rows = max(2, _BLOCK // math.prod(shape[1:]))
        return rows if rows < shape[0] else None

    def _evaluate_in_blocks(self, inputs: list[Any], shape: tuple[int, ...], rows: int) -> list[Any]:
        """:meth:`_evaluate` over blocks of ``rows`` along the leading axis of the broadcast ``shape``."""
        along = [np.ndim(v) == len(shape) and np.shape(v)[0] == shape[0] for v in inputs]
        out: list[Any] = []
        for start in range(0, shape[0], rows):
            block = self._evaluate([np.ascontiguousarray(v[start:start + rows]) if a else v for v, a in zip(inputs, along)])
            if not out:
                out = [np.empty(shape, dtype=np.asarray(r).dtype) for r in block]
            for o, r in zip(out, block):
                o[start:start + rows] = r
        return out

    def _convert(self, value: Any) -> Any:
        if self.backend == "numpy":
            return np.asarray(value, dtype=np.float64) if not np.iscomplexobj(value) else np.asarray(value)
        if self.backend == "torch":
            torch = torch_module()
            if isinstance(value, torch.Tensor):
                return value if value.is_floating_point() else value.to(torch.float64)
            return torch.as_tensor(np.asarray(value, dtype=np.float64))
        return mpmath.mpmathify(value)

    def _broadcast(self, results: list[Any], inputs: list[Any]) -> list[Any]:
        if self.backend == "numpy":
            shape = np.broadcast_shapes(*(np.shape(v) for v in inputs)) if inputs else ()
            return [np.broadcast_to(np.asarray(r, dtype=np.result_type(r, np.float64)), shape).copy()
                    if np.shape(r) != shape else r for r in results]
        torch = torch_module()
        tensors = [v for v in inputs if isinstance(v, torch.Tensor)]
        shape = torch.broadcast_shapes(*(v.shape for v in tensors)) if tensors else torch.Size()
        like = tensors[0] if tensors else torch.zeros((), dtype=torch.float64)
        out = []
        for r in results:
            if not isinstance(r, torch.Tensor):
                r = torch.full(shape, float(r), dtype=like.dtype, device=like.device)
            elif r.shape != shape:
                r = r.expand(shape)
            out.append(r)
        return out


def _run(step: _Step, env: list[Any], backend: str) -> Any:
    kind, payload = step
    if kind == "const":
        return payload
    if kind == "ref":
        return env[payload]
    if kind == "add":
        return reduce(operator.add, (_run(s, env, backend) for s in payload))
    if kind == "mul":
        return reduce(operator.mul, (_run(s, env, backend) for s in payload))
    if kind == "neg":
        return -_run(payload, env, backend)
    if kind == "inv":
        return 1.0 / _run(payload, env, backend)
    if kind == "square":
        v = _run(payload, env, backend)
        return v * v
    if kind == "ipow":
        base, n = payload
        return _run(base, env, backend) ** n
    if kind == "sqrt":
        return SQRT[backend](_run(payload, env, backend))
    if kind == "pow":
        base, expo = payload
        return POW[backend](_run(base, env, backend), _run(expo, env, backend))
    if kind == "call":
        fn, args = payload
        return fn(*(_run(a, env, backend) for a in args))
    if kind == "piecewise":
        *pairs, (last, _cond) = payload
        with np.errstate(all="ignore"):  # every branch is evaluated everywhere, then selected
            out = _run(last, env, backend)
            for value, cond in reversed(pairs):
                out = where(_run(cond, env, backend), _run(value, env, backend), out, backend)
        return out
    raise AssertionError(f"unknown step {kind}")  # pragma: no cover - internal invariant


class _Builder:
    def __init__(self, args: Sequence[sp.Symbol], backend: str,
                 shared: frozenset[sp.Basic] = frozenset()) -> None:
        self.backend = backend
        self.slots: dict[sp.Basic, int] = {a: i for i, a in enumerate(args)}
        self.shared = shared  # subexpressions computed once, into a slot
        self.program: list[tuple[int, _Step]] = []
        self.n_args = len(args)

    def step(self, expr: sp.Expr) -> _Step:
        if expr in self.slots:
            return ("ref", self.slots[expr])
        out = self._step(expr)
        if expr in self.shared:
            slot = self.n_args + len(self.program)
            self.program.append((slot, out))
            self.slots[expr] = slot
            return ("ref", slot)
        return out

    def _step(self, expr: sp.Expr) -> _Step:
        if expr is sp.true or expr is sp.false:
            return ("const", bool(expr))
        if isinstance(expr, sp.Piecewise):
            pairs = tuple((self.step(e), self.step(c)) for e, c in expr.args)
            if expr.args[-1][1] is not sp.true:
                raise SpecError(f"the piecewise expression {expr} is undefined where no condition holds",
                                "give a last branch for every other case")
            return ("piecewise", pairs)
        if isinstance(expr, sp.DiracDelta):
            raise SpecError(f"the expression contains a point mass {expr} (the second derivative of a "
                            "kink such as Min, Max or Abs)",
                            "use a diffusion or model that is differentiable where the loss "
                            "differentiates it twice")
        if not expr.free_symbols:
            try:
                return ("const", constant(expr, self.backend))
            except (TypeError, ValueError):
                raise SpecError(f"the constant {expr} is not a finite real number",
                                "check the expression") from None
        if isinstance(expr, sp.Symbol):
            raise SpecError(f"symbol {expr} is not an argument of the compiled function",
                            f"pass it among the arguments ({', '.join(map(str, self.slots))})")
        if isinstance(expr, sp.Add):
            return ("add", tuple(self.step(a) for a in expr.args))
        if isinstance(expr, sp.Mul):
            coeff, rest = expr.as_coeff_Mul()
            if coeff == -1:
                return ("neg", self.step(rest))
            return ("mul", tuple(self.step(a) for a in expr.args))
        if isinstance(expr, sp.Pow):
            base, expo = expr.args
            if expo == 2:
                return ("square", self.step(base))
            if expo == -1:
                return ("inv", self.step(base))
            if expo == sp.Rational(1, 2):
                return ("sqrt", self.step(base))
            if expo == -sp.Rational(1, 2):
                return ("inv", ("sqrt", self.step(base)))
            if expo.is_Integer and abs(int(expo)) <= 16:
                n = int(expo)
                inner: _Step = ("ipow", (self.step(base), abs(n)))
                return ("inv", inner) if n < 0 else inner
            return ("pow", (self.step(base), self.step(expo)))
        func = type(expr)
        table = TRANSLATION.get(func)
        if table is None:
            for cls in func.__mro__:
                if cls in TRANSLATION:
                    table = TRANSLATION[cls]
                    break
        if table is None:
            supported = ", ".join(sorted(f.__name__ for f in TRANSLATION if f.__name__ in _SPEC_NAMES))
            raise SpecError(f"function {func.__name__} cannot be compiled",
                            f"rewrite it with supported functions ({supported}, + - * / **)")
        return ("call", (table[self.backend], tuple(self.step(a) for a in expr.args)))


@lru_cache(maxsize=512)
def _compile_cached(args: tuple[sp.Symbol, ...], exprs: tuple[sp.Expr, ...], backend: str,
                    shape: tuple[int, ...] | None, cse: bool) -> CompiledFunction:
    builder = _Builder(args, backend, _repeated(exprs) if cse else frozenset())
    outputs = tuple(builder.step(e) for e in exprs)
    return CompiledFunction(args, exprs, backend, shape, tuple(builder.program), outputs)


def _repeated(exprs: Sequence[sp.Expr]) -> frozenset[sp.Basic]:
    """The compound subexpressions that occur more than once across ``exprs`` (counted once
    per occurrence of their parent, so a repeated subtree's own children count once)."""
    seen: set[sp.Basic] = set()
    twice: set[sp.Basic] = set()
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if e.is_Atom or not e.args:
            continue
        if e in seen:
            twice.add(e)
            continue  # its children were counted with its first occurrence
        seen.add(e)
        stack.extend(e.args)
    return frozenset(twice)


def compile_expr(
    args: Sequence[sp.Symbol],
    exprs: sp.Expr | Sequence[sp.Expr] | sp.MatrixBase,
    backend: str = "numpy",
    *,
    cse: bool = True,
) -> CompiledFunction:
    """Compile ``exprs`` in the symbols ``args`` to a batched callable for ``backend``.

    Parameters
    ----------
    args : sequence of Symbol
        The arguments, in call order; every free symbol of ``exprs`` must be among them.
    exprs : Expr, sequence of Expr, or Matrix
        What to compute.
    backend : {"numpy", "torch", "mpmath"}
        numpy and torch broadcast over array inputs; mpmath works on scalars at the current
        ``mpmath.mp.dps``.
    cse : bool
        Compute repeated subexpressions once (default on).

    Returns
    -------
    CompiledFunction
        The callable; compiled once per (args, exprs, backend) and cached.

    Raises
    ------
    SpecError
        An unsupported function (named), a free symbol that is not an argument, or an
        unknown backend.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> f = compile_expr([x], sp.exp(-x**2 / 2))
    >>> float(f(0.0))
    1.0
    """
    if backend not in BACKENDS:
        raise SpecError(f"unknown backend {backend!r}", f"use one of {', '.join(BACKENDS)}")
    args_t = tuple(args)
    shape: tuple[int, ...] | None
    if isinstance(exprs, sp.MatrixBase):
        shape = tuple(exprs.shape)
        flat = tuple(sp.sympify(e) for e in exprs)
    elif isinstance(exprs, list | tuple):
        shape = (len(exprs),)
        flat = tuple(sp.sympify(e) for e in exprs)
    else:
        shape = None
        flat = (sp.sympify(exprs),)
    extra = set().union(*(e.free_symbols for e in flat)) - set(args_t)
    if extra:
        raise SpecError(f"expression uses symbol(s) {', '.join(sorted(map(str, extra)))} that are not arguments",
                        "pass them in args")
    return _compile_cached(args_t, flat, backend, shape, cse)


def compile_all(args: Sequence[sp.Symbol], exprs: Sequence[sp.Expr]) -> dict[str, Callable[..., Any]]:
    """The same expressions compiled for every backend, for cross-checks.

    Parameters
    ----------
    args : sequence of Symbol
        The arguments, in call order.
    exprs : sequence of Expr
        What to compute.

    Returns
    -------
    dict
        ``{"numpy": f, "torch": f, "mpmath": f}``, each a :class:`CompiledFunction` returning a
        list (one entry per expression).

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.compile import compile_all
    >>> x = sp.Symbol("x")
    >>> fs = compile_all([x], [sp.exp(x)])
    >>> sorted(fs), float(fs["numpy"](0.0)[0]), float(fs["mpmath"](0)[0])
    (['mpmath', 'numpy', 'torch'], 1.0, 1.0)
    """
    return {b: compile_expr(args, list(exprs), b) for b in BACKENDS}
