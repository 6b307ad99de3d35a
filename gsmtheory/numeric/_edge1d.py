r"""The 1D spectrum at the edge σ of the continuous spectrum, with the ends matched (one ladder).

:func:`edge_spectrum` climbs the refinement ladder of :mod:`gsmtheory.numeric._ladder` on the
chain whose truncated ends are matched to their decaying solutions
(:mod:`gsmtheory.numeric._sturm`). At each level it evaluates, for μ_c = σ(1 − δ) (δ = rtol/4),

- f(μ_c) = λ₂(S(μ_c)) − μ_c, which is ≥ 0 exactly when no eigenvalue of −L lies in (0, μ_c)
  (the Sturm oscillation count on the whole line), and
- λ₁, the root of f below μ_c, when f(μ_c) < 0.

Both are extrapolated at the chain's declared order with the observed order checked. The answer
is ``"none_below"`` when the extrapolated f minus its error stays ≥ 0 (then
1/σ ≤ C_P ≤ 1/(σ(1 − δ))), ``"eigenvalue"`` when λ₁ converges (its truncation error measured
by moving the cut-off out with the same cells), and ``"unresolved"`` otherwise. The cut-off
is first pushed out until W at the cut agrees with the ends' limits to δ/10 (the exterior solution
is then the decaying exponential of the limit equation); the remaining disagreement ε (relative,
W taken monotone beyond the cut) moves every eigenvalue by at most εσ (min–max), so it is added
to δ and to the error of λ₁.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gsmtheory.numeric._chain1d import Array, Fn, end_map, normalized_chain_1d, truncate_support
from gsmtheory.numeric._fv_grid import AxisMap, extended_map
from gsmtheory.numeric._ladder import extrapolate_at, richardson
from gsmtheory.numeric._result import Side
from gsmtheory.numeric._sturm import OpenEnd, first_eigenvalue, open_ends, sturm_gap

__all__ = ["Answer1D", "EdgeResult", "edge_answer", "edge_spectrum"]

_ORDER = 2.0  # the chain's declared order (FV1D_ORDER)
_MAX_TAIL = 200.0
_MAX_EDGE_CELLS = 2**17


@dataclass(frozen=True)
class EdgeResult:
    """What the matched ends say about the spectrum below σ.

    Attributes
    ----------
    kind : {"none_below", "eigenvalue", "unresolved"}
    value, error : float
        λ₁ and its error (``"eigenvalue"``), else NaN and inf.
    delta : float
        No eigenvalue below σ(1 − δ) (``"none_below"``).
    order_ok : bool
        The observed order matched the declared one.
    note : str
        In words: levels, observed order, the cut-off.
    detail : dict
        Levels, values, the cut-off and the exterior check.
    """

    kind: str
    value: float = math.nan
    error: float = math.inf
    delta: float = math.nan
    order_ok: bool = False
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "value": self.value, "error": self.error, "delta": self.delta,
                "order_ok": self.order_ok, "note": self.note, **self.detail}


@dataclass
class _Level:
    mp: AxisMap
    n: int
    f: float
    lam: float | None
    ends: list[OpenEnd]


def _level(logp: Fn, diff: Fn, mp: AxisMap, n: int, domain: tuple[float, float],
           sigmas: Sequence[float | None], mu: float) -> _Level | None:
    lp, lc, z = normalized_chain_1d(logp, diff, mp, n)
    ends = open_ends(logp, diff, mp, n, domain, sigmas, z)
    if not ends or not all(math.isfinite(v) for v in lp):
        return None
    f = sturm_gap(lp, lc, ends, mu)
    return _Level(mp, n, f, first_eigenvalue(lp, lc, ends, mu) if f < 0 else None, ends)


def _exterior_misfit(ends: Sequence[OpenEnd]) -> float:
    return max(abs(e.w_cut - e.sigma) / e.sigma for e in ends)


def _cut(logp: Fn, diff: Fn, domain: tuple[float, float], tail: float, points: Array | None,
         sigmas: Sequence[float | None], n0: int, mu: float, delta: float
         ) -> tuple[float, AxisMap, _Level] | None:
    """The cut-off pushed out until W at the cut is within δ/10 of the ends' limits."""
    T = tail
    while True:
        a, b, _ = truncate_support(logp, *domain, tail=T, points=points)
        mp = end_map(diff, a, b, *domain)
        lev = _level(logp, diff, mp, n0, domain, sigmas, mu)
        if lev is None:
            return None
        if _exterior_misfit(lev.ends) <= delta / 10 or T + 20 > _MAX_TAIL:
            return T, mp, lev
        T += 20


def _verdict(levels: list[_Level], rtol: float) -> EdgeResult | None:
    """A decision from the last three levels, or None to refine further."""
    if len(levels) < 3:
        return None
    found = levels[-1].lam is not None
    last: list[_Level] = []  # the trailing levels that agree on whether λ₁ lies below μ_c
    for lv in reversed(levels):
        if (lv.lam is not None) != found:
            break
        last.insert(0, lv)
    if len(last) < 3:
        return None
    widths = [1.0 / lv.n for lv in last]
    if found:
        ext = extrapolate_at([lv.lam for lv in last], widths, _ORDER)  # type: ignore[misc]
        if ext.order_ok and ext.error <= rtol / 4 * abs(ext.value):
            return EdgeResult("eigenvalue", ext.value, ext.error, order_ok=True,
                              note=f"{len(levels)} levels to {last[-1].n} cells, observed order "
                                   + (f"{ext.observed_order:.2f}" if ext.observed_order is not None else "at round-off"))
    else:
        ext = extrapolate_at([lv.f for lv in last], widths, _ORDER)
        if ext.order_ok and ext.value - ext.error >= 0:
            return EdgeResult("none_below", order_ok=True,
                              note=f"Sturm count on {last[-1].n} cells, f = {ext.value:.3g} ± {ext.error:.2g}")
    return None


def _moved(logp: Fn, diff: Fn, domain: tuple[float, float], T: float, points: Array | None,
           sigmas: Sequence[float | None], last: Sequence[_Level], mu: float) -> list[_Level] | None:
    """The last two levels again on the cut at e^-(T+20), each with its own cells kept."""
    a2, b2, _ = truncate_support(logp, *domain, tail=T + 20, points=points)
    out = []
    for lev in last:
        ext = extended_map(lev.mp, lev.n, *domain, a2, b2)
        if ext is None:
            out.append(lev)
            continue
        got = _level(logp, diff, ext[0], ext[1], domain, sigmas, mu)
        if got is None:
            return None
        out.append(got)
    return out


def _with_truncation(res: EdgeResult, last: Sequence[_Level], moved: list[_Level] | None) -> EdgeResult:
    """Add the change of the extrapolated value under the moved cut-off (or demote the answer)."""
    if moved is None:
        return EdgeResult("unresolved", note=res.note + "; the moved cut-off could not be matched")
    if res.kind == "none_below":
        if all(m.lam is None and m.f >= 0 for m in moved):
            return res
        return EdgeResult("unresolved", note=res.note + "; the count changes when the cut-off moves out")
    if any(m.lam is None for m in moved):
        return EdgeResult("unresolved", note=res.note + "; λ₁ leaves when the cut-off moves out")
    h = [1.0 / lv.n for lv in last]
    inner = richardson([lv.lam for lv in last], h, 0, 1, _ORDER)  # type: ignore[misc]
    outer = richardson([m.lam for m in moved], h, 0, 1, _ORDER)  # type: ignore[misc]
    change = abs(outer - inner)
    return EdgeResult("eigenvalue", res.value, res.error + change, order_ok=res.order_ok,
                      note=res.note + f"; cut-off change {change:.2g}")


def edge_spectrum(logp: Fn, diff: Fn, domain: tuple[float, float], tail: float, points: Array | None,
                  sigma_ends: Sequence[float | None], rtol: float, n0: int, max_cells: int
                  ) -> EdgeResult | None:
    """The spectrum below σ with the ends matched (module docstring); None when no truncated end
    has a finite σ_e (nothing to match: the reflecting cut-off is then exact enough)."""
    sigmas = [s if s is not None and math.isfinite(s) and s > 0 else None for s in sigma_ends]
    finite = [s for s in sigmas if s is not None]
    if not finite:
        return None
    sigma = min(finite)
    delta = rtol / 4
    got = _cut(logp, diff, domain, tail, points, sigmas, n0, sigma * (1 - delta), delta)
    if got is None:
        return None
    T, mp, lev = got
    misfit = _exterior_misfit(lev.ends)
    mu = sigma * (1 - delta)
    levels, n = [lev], lev.n
    verdict = None
    while verdict is None and 2 * n <= min(max_cells, _MAX_EDGE_CELLS):
        n *= 2
        nxt = _level(logp, diff, mp, n, domain, sigmas, mu)
        if nxt is None:
            break
        levels.append(nxt)
        verdict = _verdict(levels, rtol)
    detail = {"levels": [lv.n for lv in levels], "f": [lv.f for lv in levels],
              "lambda": [lv.lam for lv in levels], "tail": T, "exterior_misfit": misfit, "sigma": sigma}
    if verdict is None:
        return EdgeResult("unresolved", delta=delta, note=f"no decision after {levels[-1].n} cells",
                          detail=detail)
    moved = _moved(logp, diff, domain, T, points, sigmas, levels[-2:], mu)
    out = _with_truncation(verdict, levels[-2:], moved)
    # W beyond the cut differs from σ_e by at most the misfit (monotone tails): by min–max every
    # eigenvalue moves by at most misfit·σ
    return EdgeResult(out.kind, out.value, out.error + misfit * sigma, delta + misfit, out.order_ok,
                      out.note, detail)


@dataclass
class Answer1D:
    """A 1D answer being assembled: value, error, status, message, side and bounds."""

    best: float
    err: float
    status: str
    msg: str
    side: Side = "estimate"
    lower: float | None = None
    upper: float | None = None
    edge: dict[str, Any] | None = None


def edge_answer(edge: EdgeResult, ans: Answer1D, inv_sigma: float, rtol: float) -> Answer1D:
    """The answer from the ends matched to their decaying solutions (module docstring)."""
    sigma = 1.0 / inv_sigma
    ans.edge = edge.to_dict()
    if edge.kind == "none_below":
        ans.best, ans.err = inv_sigma, inv_sigma * edge.delta / (1 - edge.delta)
        ans.status = "ok" if edge.delta <= rtol else "bound"
        ans.msg = (f"C_P = 1/σ = {inv_sigma:.10g}: no eigenvalue below σ(1 − δ), σ = {sigma:.10g}, "
                   f"δ = {edge.delta:.2g} (Sturm count with the ends matched to their decaying "
                   "solutions), so 1/σ <= C_P <= 1/(σ(1 − δ))")
        if ans.status == "bound":
            ans.side = "bracket"
            ans.upper = min(ans.upper or math.inf, inv_sigma / (1 - edge.delta))
        return ans
    if edge.kind == "eigenvalue":
        lam, lam_err = edge.value, edge.error
        ans.best, ans.err = 1.0 / lam, lam_err / lam**2
        ans.status = "ok" if edge.order_ok and ans.err <= rtol * ans.best else "not_converged"
        ans.msg = (f"λ₁ = {lam:.10g} ± {lam_err:.2g} just below the continuous spectrum σ = {sigma:.10g}, "
                   f"found with the ends matched to their decaying solutions ({edge.note})")
        return ans
    ans.best, ans.err, ans.status, ans.side = max(inv_sigma, ans.lower or 0.0), math.inf, "bound", "bracket"
    ans.lower = max(ans.lower or 0.0, inv_sigma)
    ans.msg = (f"C_P >= 1/σ = {inv_sigma:.10g}: an eigenvalue at the edge σ = {sigma:.10g} of the "
               f"continuous spectrum could neither be separated from it nor ruled out ({edge.note}); "
               "only the bracket [lower, upper] is certain")
    return ans
