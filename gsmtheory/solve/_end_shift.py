r"""1D pieces shared by the 1D and tensorization solvers: the ends of an axis, solved near them.

- :func:`ends_kwargs`: σ = inf σ_ess(−L), which ends sit at infinite Liouville distance, and
  the reasons, from the symbolic analysis of :func:`gsmtheory.symbolic.diffusion_ends`
  (Gaussian tails for a mixture), as keywords of :func:`gsmtheory.numeric.poincare_1d`;
- :func:`at_the_end`: the 1D problem in s = distance to the one end x = e ≠ 0 where D vanishes
  at infinite Liouville distance (substituted symbolically), so distances far below |e|·ε stay
  resolved;
- :func:`inside`: a point inside an interval (where the other coordinates are frozen).
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

from gsmtheory.compile import compile_expr
from gsmtheory.numeric import PoincareResult, poincare_1d

__all__ = ["at_the_end", "ends_kwargs", "inside"]


def at_the_end(ell: Any, Dx: Any, c: Any, interval: tuple[float, float], kw: dict[str, Any],
               rtol: float, method: str) -> PoincareResult | None:
    """Solve in s = distance to the one end at x = e ≠ 0 where D vanishes at infinite Liouville
    distance (x = e + s or e − s, substituted symbolically), so that distances far below
    |e|·ε stay resolved; None when that does not apply (the caller solves in x)."""
    lo, hi = interval
    ends = kw.get("log_ends") or (False, False)
    if ends == (True, False) and lo != 0:
        left, e = True, lo
    elif ends == (False, True) and hi != 0:
        left, e = False, hi
    else:
        return None
    s = sp.Symbol("s_end", positive=True)
    sub = e + s if left else e - s
    li = compile_expr([s], sp.sympify(ell).subs(c, sub))
    di = compile_expr([s], sp.sympify(Dx).subs(c, sub))
    kw2 = dict(kw, log_ends=(True, False))
    if not left and kw.get("sigma_ends") is not None:
        kw2["sigma_ends"] = tuple(reversed(kw["sigma_ends"]))
    res = poincare_1d(li, di, 0.0, hi - lo, rtol=rtol, method=method, **kw2)
    (a, b), = res.truncation
    trunc = ((e + a, e + b),) if left else ((e - b, e - a),)
    return PoincareResult(res.poincare_constant, res.error_estimate, res.method,
                          {**dict(res.resolution), "shifted_to_end": e}, res.status,
                          res.message + f" (in the distance s to x = {e:g})", res.side, trunc,
                          log_poincare_constant=res.log_poincare_constant,
                          lower=res.lower, upper=res.upper)


def ends_kwargs(axes: Any, i: int, mixture: Any, name: str) -> dict[str, Any]:
    """σ, log-ends and reasons for axis i from the symbolic analysis of the ends."""
    if mixture is not None:  # Gaussian tails: W -> +inf at both ends
        return {"sigma": math.inf, "ends_reason": "Gaussian mixture: W -> +inf at both ends"}
    if axes is None:
        return {}
    a = axes[i]
    prefix = f"{name}: " if name else ""
    se = tuple(None if math.isnan(e.sigma) else e.sigma for e in a.ends)
    undecided = any(e.distance == "unknown" for e in a.ends)  # let the solver detect them
    return {"sigma": None if not a.known else a.sigma,
            "log_ends": None if undecided else a.log_map_ends,
            "ends_reason": prefix + a.message, "sigma_ends": se}


def inside(interval: tuple[float, float]) -> float:
    """A point inside [lo, hi]: 0 when it lies inside, else the middle or one unit in from an end."""
    lo, hi = interval
    if lo < 0 < hi:
        return 0.0
    if math.isinf(lo) and math.isinf(hi):
        return 0.0
    if math.isinf(hi):
        return lo + 1.0
    if math.isinf(lo):
        return hi - 1.0
    return 0.5 * (lo + hi)
