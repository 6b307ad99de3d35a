r"""Poincaré constants: the dispatcher from a symbolic diffusion to the solvers.

C_P is the smallest C with Var_p(g) ≤ C · E(g), E(g) = E_p[∇gᵀ D ∇g] (DESIGN.md §1); the
spectral gap of the reversible generator is 1/C_P. :func:`poincare_constant` chooses the
method from the structure of the diffusion:

- Gaussian target, constant D: closed form C_P = λ_max(D^{-1/2} Σ D^{-1/2}) (the
  Ornstein–Uhlenbeck spectrum; claim 1 of DESIGN.md §2);
- d = 1 (and each axis of a product): first the ends, symbolically
  (:func:`gsmtheory.symbolic.diffusion_ends`: Liouville normal form, σ = inf σ_ess(−L));
  σ = 0 gives C_P = ∞ (status ``"no_poincare"``, e.g. "W → 0 at +inf: heavy tail"); then
  :func:`gsmtheory.numeric.poincare_1d` (finite volumes solved through the discrete Green's
  kernel, relative precision for any size of C_P, truncation in the error estimate,
  C_P = max(1/λ₁, 1/σ), certified lower bound and Muckenhoupt upper bound);
- d = 2: :func:`gsmtheory.numeric.poincare_2d` (reversible finite volumes, shift-invert Lanczos,
  the cut-off in the error, a Rayleigh–Ritz lower bound);
- d ≥ 3: exact tensorization when ℓ and D split over coordinates, otherwise a Rayleigh–Ritz
  lower bound with a polynomial basis and, where a curvature certificate exists
  (:func:`gsmtheory.symbolic.curvature_certificate`: Bakry–Émery, Holley–Stroock; for
  mixtures :func:`mixture_curvature_bound`), an upper bound: the answer is then a bracket
  (status ``"bound"``, side ``"bracket"``) or a value when the two agree;
- D singular (e.g. underdamped Langevin): no Poincaré inequality for this Dirichlet form,
  C_P = ∞, status ``"no_poincare"``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric._bounds import (
    certified_upper_bound,
    gaussian_poincare_constant,
    mixture_curvature_bound,
    tensorization,
    two_sided,
)
from gsmtheory.numeric._mixture import mixture_logpdf
from gsmtheory.numeric._reduce import reduce_mixture, reduced_poincare
from gsmtheory.numeric._result import PoincareResult
from gsmtheory.numeric._spectral1d import poincare_1d
from gsmtheory.numeric._spectral2d import poincare_2d
from gsmtheory.numeric._spectral_nd import rayleigh_ritz
from gsmtheory.symbolic import curvature_certificate, diffusion_ends

__all__ = ["PoincareResult", "poincare_constant"]  # the record is re-exported from ._result

def _no_poincare(why: str) -> PoincareResult:
    return PoincareResult(math.inf, 0.0, "degenerate", {}, "no_poincare",
                          f"no Poincaré inequality: {why} (C_P = inf)", "exact",
                          log_poincare_constant=math.inf, lower=math.inf, upper=math.inf)


def poincare_constant(diffusion: Any, *, rtol: float | None = None, method: str = "auto",
                      quick: bool = False) -> PoincareResult:
    r"""C_P of a symbolic :class:`gsmtheory.symbolic.Diffusion` (module docstring for methods).

    Parameters
    ----------
    diffusion : Diffusion
        ℓ, D, domain (Q is ignored: it does not change E, DESIGN.md §1).
    rtol : float, optional
        Target relative error (defaults: 1e-8 in 1D, 1e-4 in 2D; 1e-6 / 1e-3 with quick).
    method : str
        ``"auto"``, or force one of ``"gaussian"``, ``"green"``, ``"fv"`` (1D), ``"fv2d"``,
        ``"tensorization"``, ``"rayleigh_ritz"``.
    quick : bool
        Looser default tolerances.
    """

    coords = tuple(diffusion.coords)
    d = len(coords)
    D = sp.ImmutableMatrix(diffusion.D)
    mixture = getattr(diffusion, "mixture", None)
    # a mixture's numbers are validated finite and its ℓ is built only when asked for (d = 1000:
    # tens of seconds), so only D is checked then; the matrix as one object, not d² entries
    for expr in (D,) if mixture is not None else (diffusion.log_density, D):
        if sp.sympify(expr).has(sp.nan, sp.zoo):
            raise NumericalError("the diffusion contains NaN", "check the parameters")
    if diffusion.is_degenerate:
        return _no_poincare("D is singular, so the Dirichlet form controls no variance in "
                            "some direction (e.g. underdamped Langevin)")
    zeros = diffusion.interior_zeros
    if zeros:
        where = ", ".join(f"{diffusion.coords[i]} = {v:g}" for i, v in zeros)
        return _no_poincare(f"D vanishes at {where} inside the domain, so the diffusion cannot cross "
                            "there (a step function there has zero Dirichlet energy)")
    dom = [(float(lo), float(hi)) for lo, hi in diffusion.domain]
    const_D = not (D.free_symbols & set(coords))
    infinite = all(np.isinf(lo) and np.isinf(hi) for lo, hi in dom)
    if method in ("auto", "gaussian") and mixture is not None and mixture.n_components == 1 \
            and const_D and infinite:
        Dm = _numbers(D)
        return gaussian_poincare_constant(np.array(mixture.covariance), Dm)
    if method == "gaussian":
        raise SpecError("the closed form needs one Gaussian, constant D and an unbounded domain",
                        "use method='auto'")
    # --- symmetry reduction (issue #14, gsmtheory/numeric/_reduce.py): a shared-covariance
    # mixture under constant D is (mixture along U) ⊗ (Gaussian on U^⊥); reduce first, then solve
    # the reduced problem with the 1D/2D solvers. Used whenever it lowers the dimension.
    if method == "auto" and mixture is not None and const_D and infinite:

        Dm = _numbers(D)
        if reduce_mixture(mixture, Dm).reduced_dim < d:
            return reduced_poincare(mixture, Dm, rtol=rtol, quick=quick)
    # --- end of the symmetry reduction
    ell = diffusion.log_density

    def log_density_fn(*xs: Any) -> Any:
        if mixture is not None:
            return mixture_logpdf(mixture, np.stack(np.broadcast_arrays(*xs), axis=-1))
        return ell_c(*xs)

    ell_c = compile_expr(list(coords), ell)
    rt1 = rtol if rtol is not None else (1e-6 if quick else 1e-8)
    rt2 = rtol if rtol is not None else (1e-3 if quick else 1e-4)

    # product structure: ℓ additively separable, D diagonal with D_ii = D_ii(x_i)
    separable = d >= 2 and method in ("auto", "tensorization")
    if separable:
        for i in range(d):
            for j in range(d):
                if i != j and (sp.simplify(D[i, j]) != 0 or D[i, i].has(coords[j])):
                    separable = False
        if separable:
            grad = [sp.diff(ell, c) for c in coords]
            separable = all(not sp.simplify(grad[i]).has(coords[j])
                            for i in range(d) for j in range(d) if i != j)
    if separable:
        parts = []
        axes_ends = None if mixture is not None else diffusion_ends(diffusion)
        for i, c in enumerate(coords):
            ref = {coords[j]: _inside(dom[j]) for j in range(d) if j != i}
            li = compile_expr([c], ell.subs(ref))
            di = compile_expr([c], D[i, i])
            pts = None if mixture is None else np.array(mixture.means)[:, i]
            kw = _ends_kwargs(axes_ends, i, mixture, str(c))
            shifted = _at_the_end(ell.subs(ref), D[i, i], c, dom[i], kw, rt1, "auto")
            parts.append(shifted if shifted is not None else
                         poincare_1d(li, di, *dom[i], rtol=rt1, points=pts, **kw))
        return tensorization(parts)
    if method == "tensorization":
        raise SpecError("no product structure (ℓ not additively separable or D not diagonal)",
                        "use method='auto'")
    if d == 1:
        dfn = compile_expr(list(coords), D[0, 0])
        pts = None if mixture is None else np.array(mixture.means)[:, 0]
        m = method if method in ("green", "fv") else "auto"
        axes_ends = None if mixture is not None else diffusion_ends(diffusion)
        kw = _ends_kwargs(axes_ends, 0, mixture, str(coords[0]))
        if mixture is None:
            shifted = _at_the_end(ell, D[0, 0], coords[0], dom[0], kw, rt1, m)
            if shifted is not None:
                return shifted
        return poincare_1d(log_density_fn, dfn, *dom[0], rtol=rt1, method=m, points=pts, **kw)
    if d == 2 and method in ("auto", "fv2d"):
        dc = compile_expr(list(coords), [D[0, 0], D[0, 1], D[1, 1]])

        def dfun2(x: Any, y: Any) -> Any:
            return tuple(np.broadcast_to(np.asarray(v, float), np.broadcast(x, y).shape)
                         for v in dc(x, y))

        pts = None if mixture is None else np.array(mixture.means)
        return poincare_2d(log_density_fn, dfun2, dom, rtol=rt2, points=pts)
    # d >= 3 (or forced): Rayleigh–Ritz lower bound
    dmat = compile_expr(list(coords), list(D))

    def dfn_nd(x: Any) -> Any:
        vals = dmat(*[x[:, i] for i in range(d)])
        arr = np.stack([np.broadcast_to(np.asarray(v, float), (x.shape[0],)) for v in vals],
                       axis=-1)
        return arr.reshape(x.shape[0], d, d)

    if mixture is not None:
        rr = rayleigh_ritz(None, dfn_nd, mixture=mixture, degree=3 if quick else 4)
        return two_sided(rr, mixture_curvature_bound(mixture, _numbers(D))
                         if const_D else None, why_not="D depends on x" if not const_D else
                         "the mixture's components are too far apart for Bakry–Émery")
    finite = all(np.isfinite(lo) and np.isfinite(hi) for lo, hi in dom)
    cert = curvature_certificate(diffusion)
    if not (finite or (infinite and cert.certified)):  # R^d: quadrature at the (unique) mode
        raise ModelError("some coordinate is unbounded and the target is neither a Gaussian "
                         "mixture nor certified log-concave up to a bounded perturbation "
                         f"({cert.reason}): no quadrature for Rayleigh–Ritz in d >= 3",
                         "give a finite domain or a [mixture] target")

    def lnd(x: Any) -> Any:
        return ell_c(*[x[:, i] for i in range(d)])

    rr = rayleigh_ritz(lnd, dfn_nd, box=np.array(dom) if finite else None, dim=d,
                       degree=3 if quick else 4, nodes=12 if d == 3 else 8)
    # lower from Rayleigh–Ritz, upper from the symbolic curvature certificate (issue #14 item 5)
    return two_sided(rr, certified_upper_bound(cert), why_not=cert.reason)


def _at_the_end(ell: Any, Dx: Any, c: Any, interval: tuple[float, float], kw: dict[str, Any],
                rtol: float, method: str) -> PoincareResult | None:
    """Solve in s = distance to the one end at x = e ≠ 0 where D vanishes at infinite Liouville
    distance (x = e + s or e − s, substituted symbolically), so that distances far below
    |e|·ε stay resolved; None when that does not apply (the caller solves in x)."""
    import sympy as sp


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


def _ends_kwargs(axes: Any, i: int, mixture: Any, name: str) -> dict[str, Any]:
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


def _numbers(D: Any) -> Any:
    """A constant SymPy matrix as floats; a diagonal one from its diagonal (d, not d² entries)."""
    if D.is_diagonal():
        return np.diag(np.array([D[i, i] for i in range(D.rows)], dtype=float))
    return np.array(D.tolist(), dtype=float)


def _inside(interval: tuple[float, float]) -> float:
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
