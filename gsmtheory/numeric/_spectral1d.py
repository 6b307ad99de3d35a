r"""One-dimensional Poincaré constants with relative precision, however large C_P is.

Setting (docs/design.md §1, §6): p ∝ e^ℓ on (lo, hi), D(x) > 0 inside, finite ends reflecting,
E(g) = ∫ D g'² p. The pieces, one module each:

- the chain (:mod:`gsmtheory.numeric._chain1d`): the support cut where p < e^{-tail}·max p,
  mapped to u ∈ [0, 1], reversible finite volumes of declared order :data:`FV1D_ORDER` = 2;
- its eigen-solves (:mod:`gsmtheory.numeric._eig1d`): the Green's kernel (relative precision for
  any C_P) or bisection of the tridiagonal generator;
- the ladder (:mod:`gsmtheory.numeric._rungs1d`, :mod:`gsmtheory.numeric._ladder`): cells
  doubled, Richardson at the declared order, the observed order checked;
- the cut-off (here): the coarsest chain solved again on the interval cut at e^{-(tail+20)} with
  the same cells; the change, extrapolated at the rate e^{-2κΔy} of the eigenfunction's tail
  (κ = √(σ_e − λ), σ_e the end's share of the essential spectrum), is the truncation error, and
  the cut-off moves out until it meets rtol;
- the edge of the continuous spectrum (:mod:`gsmtheory.numeric._sturm`): where σ is finite and the
  truncated problem cannot separate λ₁ from σ, the ends are matched to their decaying solutions:
  a Sturm count certifies that no eigenvalue lies below σ(1 − δ) (C_P = 1/σ within δ), or λ₁ is
  found however slowly its eigenfunction decays; without either the answer is the bracket
  [1/σ, upper] with status ``"bound"``;
- the bounds (:mod:`gsmtheory.numeric._bounds1d`): a certified Rayleigh quotient below,
  Muckenhoupt's 4B above;
- changes of variable (:mod:`gsmtheory.numeric._maps1d`): t = log|x − e| where D vanishes at an
  end at infinite Liouville distance, t = asinh x where D grows at an infinite end.

References: Miclo (1999); Chen (2005) "Eigenvalues, Inequalities and Ergodic Theory", ch. 5;
Muckenhoupt (1972); Weidmann (1987) "Spectral theory of ordinary differential operators" for the
oscillation count.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import Any

import numpy as np

from gsmtheory._errors import NumericalError, SpecError
from gsmtheory.numeric._bounds1d import log_muckenhoupt_b, rayleigh_lower_1d
from gsmtheory.numeric._chain1d import Array, Fn, as_callable
from gsmtheory.numeric._cutoff1d import (
    TAIL_STEP_1D,
    Cut,
    Opts1D,
    compare_cutoffs,
    new_cut,
    rest_unknown,
    tail_ratio,
)
from gsmtheory.numeric._edge1d import Answer1D, EdgeResult, edge_answer, edge_spectrum
from gsmtheory.numeric._ladder_cutoff import check_bracket
from gsmtheory.numeric._maps1d import solve_mapped
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._rungs1d import FV1D_ORDER, Rungs, cell_ladder

__all__ = ["FV1D_ORDER", "poincare_1d"]

_MAX_TAIL = 200.0


def _climb(logp: Fn, diff: Fn, lo: float, hi: float, o: Opts1D
           ) -> tuple[Cut, Rungs, str, float, dict[str, Any]] | PoincareResult:
    """The cut-off pushed out until its error estimate meets rtol, with the grid ladder at each."""
    T, big_steps = o.tail, 0
    trunc: dict[str, Any] = {"tails": [], "relative_change": [], "ratio": None}
    finite_sigma = o.sigma is not None and math.isfinite(o.sigma)
    while True:
        cut = new_cut(logp, diff, lo, hi, T, o)
        compare_cutoffs(logp, diff, lo, hi, cut, o, finite_sigma)
        if cut.checked:
            trunc["tails"].append([T, T + TAIL_STEP_1D])
            trunc["relative_change"].append(cut.change)
        can_extend = cut.checked and T + TAIL_STEP_1D <= _MAX_TAIL and big_steps < 3
        rest = 0.0 if not cut.checked else cut.change if o.sigma is not None else rest_unknown(trunc, o.rtol)
        if not finite_sigma and cut.checked and rest > o.rtol / 4 and can_extend:
            big_steps = big_steps + 1 if cut.change > 0.5 else 0
            T += TAIL_STEP_1D
            continue
        lad = cell_ladder(logp, diff, cut, o, rest)
        if isinstance(lad, PoincareResult):
            return lad
        lam = 1.0 / lad.best if lad.logs[-1] <= 700 else 0.0
        regime, r = tail_ratio(cut, lam, o)
        trunc_rel = rest if regime == "unknown" else cut.change / (1 - r) if r < 1 else math.inf
        trunc["ratio"] = r
        if finite_sigma and regime == "discrete" and trunc_rel > o.rtol / 4 and r <= 0.5 and can_extend:
            T += TAIL_STEP_1D
            continue
        trunc["tail"] = T
        return cut, lad, regime, trunc_rel, trunc


# ----------------------------------------------------------------------------- bounds
def _bounds(logp: Fn, diff: Fn, cut: Cut, lad: Rungs, o: Opts1D) -> tuple[float | None, float | None]:
    """(certified lower bound, Muckenhoupt upper bound), None where not computed."""
    if not o.bounds:
        return None, None
    inc, n_inc = (lad.incs[0] if lad.incs else (None, lad.levels[-1]))
    lower = rayleigh_lower_1d(logp, diff, cut.mp, n_inc, inc) if inc is not None else None
    if lower is None:  # fall back to the test function g(x) = x
        xc, _ = cut.mp((np.arange(n_inc) + 0.5) / n_inc)
        lower = rayleigh_lower_1d(logp, diff, cut.mp, n_inc, np.diff(xc))
    upper = None
    if lad.chain is not None and math.isfinite(cut.change):  # inf: the next cut-off was too far to build
        lbs = [log_muckenhoupt_b(*lad.chain)]
        if cut.extended is not None:
            lbs.append(log_muckenhoupt_b(*cut.extended))
        delta = abs(math.expm1(log_muckenhoupt_b(*cut.coarse) - lbs[0])) if cut.coarse is not None else 0.0
        lb = max(lbs)
        if lb < 700:
            upper = 4 * math.exp(lb) * (1 + 2 * delta + 1e-3)
    return lower, upper


# ----------------------------------------------------------------------------- the answer
def _at_the_edge(logp: Fn, diff: Fn, lo: float, hi: float, cut: Cut, lad: Rungs, regime: str,
                 ans: Answer1D, o: Opts1D) -> Answer1D | None:
    """σ finite and the truncated problem cannot separate λ₁ from σ: match the ends."""
    sigma = o.sigma
    if sigma is None or not (math.isfinite(sigma) and sigma > 0):
        return None
    lam = 1.0 / ans.best
    lam_err = ans.err / ans.best**2 if math.isfinite(ans.err) else math.inf
    unresolved = ans.err > o.rtol * abs(ans.best) or not lad.order_ok
    if not (regime == "continuous" or lam + lam_err >= sigma or unresolved):
        return None
    ends = o.sigma_ends if o.sigma_ends is not None else (sigma, sigma)
    # the matched ends need no far cut-off: start from the first one (its cells resolve the bulk)
    edge = edge_spectrum(logp, diff, (lo, hi), o.tail, o.points, ends, o.rtol, cut.n0, o.max_cells)
    if edge is None:
        if regime != "continuous" and lam + lam_err < sigma:
            return None
        edge = EdgeResult("unresolved", note="no truncated end with a finite limit of W to match")
    if edge.kind == "eigenvalue" and not unresolved and regime != "continuous" and lam + lam_err < sigma:
        return None  # the truncated problem resolved it already
    return edge_answer(edge, ans, 1.0 / sigma, o.rtol)


def _plain_message(cut: Cut, lad: Rungs, ans: Answer1D, regime: str, trunc_err: float,
                   trunc: dict[str, Any], o: Opts1D) -> str:
    if not math.isfinite(trunc_err) or trunc_err > o.rtol * abs(ans.best):
        ch = trunc["relative_change"][-1] if trunc["relative_change"] else math.nan
        why = ("C_P keeps growing as the cut-off moves out: no Poincaré inequality or a continuous "
               "spectrum (heavy tail?)" if regime == "unknown" and ch > 0.5 else
               "the truncation error does not meet rtol (slowly decaying eigenfunction)")
        return (f"not converged: C_P changes by {ch:.2g} (relative) between cut-offs at "
                f"p = e^-{cut.T:g} and e^-{cut.T + TAIL_STEP_1D:g}: {why}")
    if ans.status != "ok":
        rel = ans.err / abs(ans.best)
        if rel <= o.rtol and not lad.order_ok:  # the estimate meets rtol, but the ladder's order does not
            if len(lad.levels) < 3:
                return (f"not converged: {len(lad.levels)} levels up to {lad.levels[-1]} cells (max_cells) cannot "
                        f"check the declared order {FV1D_ORDER:g}, so the error estimate {rel:.2g} is not trusted")
            seen = "" if lad.order is None else f" (observed {lad.order:.2g})"
            return (f"not converged: the values up to {lad.levels[-1]} cells do not converge at the declared "
                    f"order {FV1D_ORDER:g}{seen}, so the error estimate {rel:.2g} (relative) is not trusted")
        return (f"not converged: relative error estimate {rel:.2g} > rtol {o.rtol:g} at {lad.levels[-1]} cells")
    msg = (f"{lad.used}: {len(lad.levels)} levels up to {lad.levels[-1]} cells, domain "
           f"[{cut.a:.6g}, {cut.b:.6g}] (cut-off checked at e^-{cut.T + TAIL_STEP_1D:g})")
    how = "twice the change (geometric decay)" if len(trunc["relative_change"]) < 2 else \
        "the slower of a geometric and a power-law decay of the changes"
    return msg + (f"; σ_ess unknown: truncation error {how}" if regime == "unknown" else "")


def _finish(ans: Answer1D, lad: Rungs, o: Opts1D) -> Answer1D:
    """The rule for every answer: the status agrees with the error; bounds hold it."""
    inv_sigma = 1.0 / o.sigma if o.sigma is not None and math.isfinite(o.sigma) and o.sigma > 0 else None
    if inv_sigma is not None:
        ans.lower = inv_sigma if ans.lower is None else max(ans.lower, inv_sigma)
    if ans.status == "ok" and not ans.err <= o.rtol * abs(ans.best):
        ans.status = "not_converged"
    if lad.notes:
        ans.msg += "; " + "; ".join(sorted(set(lad.notes)))
    if o.ends_reason:
        ans.msg += f"; ends: {o.ends_reason}"
    if ans.status == "not_converged" and ans.lower is not None and ans.best + ans.err < ans.lower * (1 - 1e-9):
        ans.msg += (f"; the estimate {ans.best:.6g} lies below the certified lower bound, so only "
                    f"C_P >= {ans.lower:.10g} is reported")
        ans.best, ans.err, ans.side = ans.lower, math.inf, "lower_bound"
    if ans.status == "ok":
        check_bracket(ans.best, ans.err, ans.lower, ans.upper)
    elif ans.lower is not None and ans.upper is not None and ans.lower > ans.upper * (1 + 1e-9):
        check_bracket(ans.lower, 0.0, ans.lower, ans.upper)
    return ans


def _solve(logp: Fn, diff: Fn, lo: float, hi: float, o: Opts1D) -> PoincareResult:
    climbed = _climb(logp, diff, lo, hi, o)
    if isinstance(climbed, PoincareResult):
        return climbed
    cut, lad, regime, trunc_rel, trunc = climbed
    res: dict[str, Any] = {
        "cells": lad.levels[-1], "levels": lad.levels, "values": list(lad.values), "map": cut.mp.kind,
        "tail": cut.T, "declared_order": FV1D_ORDER, "observed_order": lad.order,
        "extrapolated": len(lad.values) >= 3, "truncation_check": trunc, "sigma": o.sigma}
    where = ((cut.a, cut.b),)
    if lad.logs[-1] > 700:
        msg = (f"C_P = exp({lad.best:.10g}) overflows float64; log C_P known to ±{lad.err:.2g} "
               "(grid only; no bracket in float64)")
        st = "overflow" if lad.status == "ok" else lad.status
        return PoincareResult(math.inf, math.inf, lad.used, res, st, msg, "estimate", where,
                              log_poincare_constant=lad.best)
    trunc_err = trunc_rel * abs(lad.best) if math.isfinite(trunc_rel) else math.inf
    ans = Answer1D(lad.best, lad.err + trunc_err, lad.status, "")
    ans.status = "ok" if lad.status == "ok" and ans.err <= o.rtol * abs(ans.best) else "not_converged"
    res.update(grid_error=lad.err, truncation_error=trunc_err)
    ans.lower, ans.upper = _bounds(logp, diff, cut, lad, o)
    ans.msg = _plain_message(cut, lad, ans, regime, trunc_err, trunc, o)
    edge = _at_the_edge(logp, diff, lo, hi, cut, lad, regime, ans, o)
    ans = _finish(edge if edge is not None else ans, lad, o)
    if ans.edge is not None:
        res["edge"] = ans.edge
    if ans.status not in ("ok", "bound"):
        warnings.warn(f"poincare_1d {ans.msg}", RuntimeWarning, stacklevel=3)
    return PoincareResult(ans.best, ans.err, lad.used, res, ans.status, ans.msg, ans.side, where,
                          lower=ans.lower, upper=ans.upper)


# ----------------------------------------------------------------------------- entry point
def poincare_1d(log_density: Fn, diffusion_coef: Fn | float, lo: float, hi: float, *,
                method: str = "auto", rtol: float = 1e-8, tail: float = 40.0,
                max_cells: int = 2**22, points: Array | None = None,
                sigma: float | None = None, log_ends: tuple[bool, bool] | None = None,
                ends_reason: str = "", bounds: bool = True,
                sigma_ends: tuple[float | None, float | None] | None = None) -> PoincareResult:
    r"""C_P = sup_g Var_p(g) / ∫ D g'² p for p ∝ e^ℓ on (lo, hi), two-sided, with an error estimate.

    Spectral facts used (:mod:`gsmtheory.symbolic._ends` derives them): with σ = inf σ_ess(−L),
    C_P = max(1/λ₁, 1/σ), λ₁ the lowest nonzero eigenvalue below σ; σ = 0 means no Poincaré
    inequality, and 1/σ ≤ C_P always (Weyl sequences).

    The error estimate covers grid refinement (cells doubled, Richardson at the declared order
    :data:`FV1D_ORDER`, the observed order checked), the truncation of infinite or
    negligible-mass parts of the domain, and the quadrature of the chain (in the refinement):
    the domain is cut where p < e^{-tail}·max p and again at tail + 20 with the same cells; the
    change Δ, divided by 1 − r with r = e^{−2κ ΔL}, κ = √(σ − λ), ΔL the Liouville distance the
    cut moved, is the truncation error; the cut is pushed out until it meets rtol. Where the
    truncated problem cannot separate λ₁ from σ, the ends are matched to their decaying
    solutions (module docstring): C_P = 1/σ needs a Sturm count that certifies no eigenvalue
    below σ(1 − δ) (then the error is δ/σ); otherwise the answer is λ₁ from the matched problem,
    or the bracket [1/σ, upper] with status ``"bound"``.

    Parameters
    ----------
    log_density : callable
        ℓ(x), vectorized over numpy arrays, unnormalized; −inf allowed where p = 0.
    diffusion_coef : callable or float
        D(x) > 0 inside (lo, hi); it may vanish at a finite end (Jacobi D = x(1−x),
        Laguerre/CIR D = x, or D = x² at infinite Liouville distance, solved in t = log x).
    lo, hi : float
        Ends of the domain (±inf allowed; finite ends reflect).
    method : {"auto", "green", "fv"}
        Solver of the chain (:mod:`gsmtheory.numeric._eig1d`). ``"auto"`` takes ``"fv"`` when its
        round-off floor ε‖A‖C_P is below rtol/1000 and ``"green"`` otherwise.
    rtol : float
        Target relative error; ``status="ok"`` if and only if the whole error estimate meets it.
    tail : float
        First cut-off: ℓ < max ℓ − tail (p below e^{-tail} of its maximum).
    max_cells : int
        Give up (status ``"not_converged"``) beyond this many cells.
    points : array, optional
        Places where the mass is known to sit (e.g. mixture means); helps the truncation.
    sigma : float, optional
        σ = inf σ_ess(−L) from the symbolic analysis of the ends (inf: discrete spectrum;
        None: unknown, the truncation error is then extrapolated from the changes between
        cut-offs, the slower of a geometric and a power-law decay,
        :func:`gsmtheory.numeric._cutoff1d.rest_unknown`).
    log_ends : (bool, bool), optional
        Finite ends where D vanishes at infinite Liouville distance (solve in t = log|x − e|);
        detected numerically when None.
    ends_reason : str
        The symbolic reasons, appended to the message.
    sigma_ends : (float or None, float or None), optional
        Each end's own bottom of σ_ess (lim W there; inf when W → ∞ or the end is at finite
        distance): the rate of each end's truncation error, and the ends matched at the edge.
    bounds : bool
        Compute the certified lower bound (Rayleigh quotient of the discrete eigenfunction)
        and the Muckenhoupt upper bound 4B.

    Returns
    -------
    PoincareResult
        ``side="estimate"`` (``"bracket"`` with status ``"bound"`` at an unresolved edge),
        ``lower``/``upper`` the bracket.

    Raises
    ------
    SpecError
        If ``method`` is unknown or ``rtol`` is not in (0, 1).
    NumericalError
        If the domain is empty or NaN.
    ModelError
        If p cannot be normalized (from :func:`truncate_support`).

    Examples
    --------
    The Ornstein–Uhlenbeck constant of N(0, 1) is 1, and the uniform law on [0, 1] has
    C_P = 1/π² (the first Neumann eigenvalue π²), each inside the reported error:

    >>> import math
    >>> import numpy as np
    >>> r = poincare_1d(lambda x: -x**2 / 2, 1.0, -np.inf, np.inf, rtol=1e-6)
    >>> round(r.poincare_constant, 6), r.status, r.side, abs(r.poincare_constant - 1) <= r.error_estimate
    (1.0, 'ok', 'estimate', True)
    >>> r = poincare_1d(lambda x: 0 * x, 1.0, 0.0, 1.0, rtol=1e-6)
    >>> round(r.poincare_constant, 6), round(1 / math.pi**2, 6)
    (0.101321, 0.101321)
    """
    if method not in ("auto", "green", "fv"):
        raise SpecError(f"unknown 1D method {method!r}", "use 'auto', 'green' or 'fv'")
    lo, hi = float(lo), float(hi)
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise NumericalError(f"domain ({lo}, {hi}) is empty or NaN", "give lo < hi")
    if not 0 < rtol < 1:
        raise SpecError(f"rtol = {rtol} is not in (0, 1)", "use e.g. rtol=1e-8")
    if sigma is not None and (math.isnan(sigma) or sigma < 0):
        sigma = None
    logp = as_callable(log_density, "log density")
    diff = as_callable(diffusion_coef, "D")
    if sigma == 0.0:
        why = ends_reason or "the essential spectrum reaches 0"
        return PoincareResult(math.inf, 0.0, "liouville", {"sigma": 0.0}, "no_poincare",
                              f"no Poincaré inequality: {why} (C_P = inf)", "exact",
                              ((lo, hi),), log_poincare_constant=math.inf,
                              lower=math.inf, upper=math.inf)
    o = Opts1D(method, rtol, tail, max_cells, points, sigma, ends_reason, bounds, sigma_ends)
    return solve_mapped(logp, diff, lo, hi, log_ends, o.points,
                        lambda lp, df, a, b, pts: _solve(lp, df, a, b, replace(o, points=pts)))
