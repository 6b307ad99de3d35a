r"""The 1D grid ladder: cells doubled until the value extrapolated at the declared order meets rtol.

Each rung solves the finite-volume chain of :mod:`gsmtheory.numeric._chain1d` with n cells
(:mod:`gsmtheory.numeric._eig1d`); from the third rung on the values are extrapolated by
Richardson at :data:`FV1D_ORDER` (:func:`gsmtheory.numeric._ladder.extrapolate_at`), the observed
order checked; a density unbounded at a finite end gets no credit for the extrapolation
(docs/design.md §6). Used by :func:`gsmtheory.numeric.poincare_1d`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gsmtheory.numeric._chain1d import Array, Fn, chain_1d
from gsmtheory.numeric._cutoff1d import Cut, Opts1D, singular_end
from gsmtheory.numeric._eig1d import solve_level
from gsmtheory.numeric._ladder import extrapolate_at
from gsmtheory.numeric._result import PoincareResult

__all__ = ["FV1D_ORDER", "Rungs", "cell_ladder"]

#: declared order of the 1D finite-volume chain in its cell width (the ladder checks it)
FV1D_ORDER = 2.0
_MAX_BOUND_CELLS = 2**16  # the bounds use the finest level up to this size (memory, time)


@dataclass
class Rungs:
    values: list[float] = field(default_factory=list)
    logs: list[float] = field(default_factory=list)
    floors: list[float] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    solvers: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    incs: list[tuple[Array, int]] = field(default_factory=list)
    chain: tuple[Array, Array] | None = None
    best: float = math.nan
    err: float = math.inf
    order: float | None = None
    order_ok: bool = False
    status: str = "not_converged"

    @property
    def used(self) -> str:
        return "+".join(sorted(self.solvers))


def _rung(logp: Fn, diff: Fn, cut: Cut, n: int, o: Opts1D, r: Rungs) -> PoincareResult | None:
    """Solve one level; a failure or an infinite C_P is returned as the final record."""
    want = o.bounds and n <= _MAX_BOUND_CELLS
    if cut.first is not None and not r.levels:
        lp, lc = cut.first[0], cut.first[1]
        lg, fl, solver, note, inc_n = cut.first[2]
    else:
        lp, lc = chain_1d(logp, diff, cut.mp, n)
        lg, fl, solver, note, inc_n = solve_level(lp, lc, o.method, o.rtol, n, vector=want)
    if want and inc_n is not None:
        r.incs = [*r.incs[-1:], (inc_n, n)]
    if n <= _MAX_BOUND_CELLS:
        r.chain = (lp, lc)
    where = ((cut.a, cut.b),)
    if note == "fv-lost-gap":
        return PoincareResult(0.0, math.inf, "fv", {"cells": n}, "failed",
                              "the absolute-precision tridiagonal solver lost the gap (computed gap "
                              "<= 0: the gap is below eps*||A||); use method='green'", "estimate", where)
    r.solvers.add(solver)
    if note:
        r.notes.append(note)
    if math.isinf(lg):
        return PoincareResult(math.inf, 0.0, r.used, {"cells": n}, "no_poincare",
                              f"no Poincaré inequality: {note}", "estimate", where,
                              log_poincare_constant=math.inf)
    if math.isnan(lg):
        return PoincareResult(0.0, math.inf, r.used, {"cells": n}, "failed", note, "estimate", where)
    r.logs.append(lg)
    r.levels.append(n)
    big = lg > 700  # C_P beyond float64: refine in log space
    r.values.append(lg if big else math.exp(lg))
    r.floors.append(fl / max(lg, 1.0) if big else fl)
    return None


def cell_ladder(logp: Fn, diff: Fn, cut: Cut, o: Opts1D, trunc_rel: float) -> Rungs | PoincareResult:
    """Cells doubled from n0 until the value extrapolated at the declared order meets rtol
    (with the truncation part); the eigenfunction for the lower bound is kept from the
    second-finest level (≤ 2^16 cells)."""
    r = Rungs()
    n = cut.n0
    misses = 0  # consecutive levels whose observed order is below the declared one
    while True:
        fail = _rung(logp, diff, cut, n, o, r)
        if fail is not None:
            return fail
        if len(r.values) >= 3:
            ext = extrapolate_at(r.values, [1.0 / k for k in r.levels], FV1D_ORDER,
                                 floor=r.floors[-1] * abs(r.values[-1]))
            r.best, r.err, r.order, r.order_ok = ext.value, ext.error, ext.observed_order, ext.order_ok
            if ext.note:
                r.notes = [*[x for x in r.notes if "extrapolation" not in x], ext.note]
            if singular_end(logp, cut):  # a fractional error term: no credit for the extrapolation
                r.err = max(r.err, 1.5 * abs(r.values[-1] - r.values[-2]))
                r.notes = [*[x for x in r.notes if "singular" not in x],
                           "the density is unbounded at a finite end: error at least the last change"]
            misses = 0 if ext.order_ok else misses + 1
            if misses >= 3:  # a slower order than declared, three times over: finer grids cannot fix it
                break
            if r.order_ok and r.err <= o.rtol * abs(r.best):  # the grid has converged
                if r.err + trunc_rel * abs(r.best) <= o.rtol * abs(r.best):
                    r.status = "ok"
                    break
                if not trunc_rel < o.rtol:
                    break
        if 2 * n > o.max_cells:
            break
        n *= 2
    if len(r.values) < 3:
        v = r.values
        r.best, r.err = v[-1], (abs(v[-1] - v[0]) if len(v) == 2 else math.inf)
    return r
