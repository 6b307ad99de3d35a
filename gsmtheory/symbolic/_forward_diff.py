r"""Derivatives of long expressions by forward mode over their common subexpressions.

For e = f(c₁, …, c_n, θ) with the shared subexpressions c_i = g_i(c₁, …, c_{i−1}, θ) of
:func:`sympy.cse`, the chain rule gives, node by node,

    dc_i/dθ_k = ∂g_i/∂θ_k + Σ_{j<i} ∂g_i/∂c_j · dc_j/dθ_k,

so each shared subexpression is differentiated once, where ``sp.diff`` on the tree
differentiates it at every occurrence (a lifted mixture's log-sum-exp appears in every term of
its GSM integrand). The derivatives are the same functions; the trees differ only in how the
sums and products are grouped. A shared node's symbol is real (or positive) where SymPy knows the
node to be, so that d|c|/dc = sign(c) as for a real coordinate; a real spec may still pass through
complex values (|√(x − a)| for x < a), and such a node keeps a plain symbol. Where a node's
derivative leaves something unevaluated (a ``Derivative`` of an unknown function, or ``re``/``im``
that the tree did not have) the expressions are differentiated by ``sp.diff`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

__all__ = ["jacobian_rows"]


#: what a derivative must not leave behind that its expressions did not have (else: sp.diff)
_UNEVALUATED = (sp.Derivative, sp.re, sp.im, sp.Subs)


def _typed_cse(exprs: list[sp.Expr]) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    """:func:`sympy.cse` whose symbols carry what SymPy knows of their nodes: real (then
    d|c|/dc = sign(c)) and positive (so that log c is real in turn); a node not known to be real
    keeps a plain symbol, whose Abs differentiates through re and im (and sends us to sp.diff)."""
    shared, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_fd", cls=sp.Dummy), order="none")
    typed: dict[sp.Symbol, sp.Symbol] = {}
    nodes = []
    for c, g in shared:
        g = g.xreplace(typed)
        if g.is_positive:
            typed[c] = sp.Dummy(c.name, positive=True)
        elif g.is_extended_real:
            typed[c] = sp.Dummy(c.name, real=True)
        nodes.append((typed.get(c, c), g))
    return nodes, [e.xreplace(typed) for e in reduced]


def jacobian_rows(exprs: Sequence[sp.Expr], params: Sequence[sp.Symbol]) -> list[list[sp.Expr]]:
    r"""[[∂e/∂θ_k for θ_k in params] for e in exprs], by forward mode over :func:`sympy.cse`.

    Parameters
    ----------
    exprs : sequence of Expr
        The expressions e(x, θ).
    params : sequence of Symbol
        θ.

    Returns
    -------
    list of list of Expr
        One row per expression, one entry per parameter; equal to ``sp.diff(e, θ_k)`` as
        functions (module docstring).

    Examples
    --------
    >>> import sympy as sp
    >>> from gsmtheory.symbolic._forward_diff import jacobian_rows
    >>> x, a, b = sp.symbols("x a b", real=True)
    >>> e = sp.log(sp.exp(-(x - a)**2) + sp.exp(-(x - b)**2))**2
    >>> (da, db), = jacobian_rows([e], (a, b))
    >>> sp.simplify(da - sp.diff(e, a)), sp.simplify(db - sp.diff(e, b))
    (0, 0)
    """
    exprs = [sp.sympify(e) for e in exprs]
    params = tuple(params)
    foreign = tuple(kind for kind in _UNEVALUATED if not any(e.has(kind) for e in exprs))
    shared, reduced = _typed_cse(exprs)
    grads: dict[sp.Symbol, list[sp.Expr]] = {}

    def row(e: sp.Expr) -> list[sp.Expr]:
        terms = [(t, t.free_symbols) for t in sp.Add.make_args(e)]  # each term's symbols found once
        inner = {c for _t, fs in terms for c in fs if c in grads}  # nodes free of θ have no grads entry
        partial = {c: sp.Add(*(sp.diff(t, c) for t, fs in terms if c in fs)) for c in inner}
        return [sp.Add(*(sp.diff(t, p) for t, fs in terms if p in fs)) + sp.Add(*(partial[c] * grads[c][k] for c in inner))
                for k, p in enumerate(params)]

    for c, g in shared:
        r = row(g)
        if any(v != 0 for v in r):
            grads[c] = r
    rows = [row(e) for e in reduced]
    if any(v.has(*foreign) for r in (*grads.values(), *rows) for v in r):  # checked on the short nodes
        return [[sp.diff(e, t) for t in params] for e in exprs]
    back: dict[sp.Symbol, sp.Expr] = {}
    for c, g in shared:  # innermost first: each node written out in the original symbols
        back[c] = g.xreplace(back)
    return [[v.xreplace(back) for v in r] for r in rows]
