r"""The Poincaré question: C_P of a problem, by the first registered method that applies.

Adding a method is one file: ``gsmtheory/solve/_solve_<name>.py`` defining
``METHOD = Method(name, applies, run, summary, theory, priority=...)`` (see
:class:`gsmtheory.Method`; ``run(problem, rtol, quick) -> PoincareResult``); :func:`poincare_methods`
discovers it. ``method="auto"`` tries the methods by ascending ``priority`` and takes the first
whose ``applies`` is None (and whose ``auto`` is set); ``method=name`` forces one.

C_P is the smallest C with Var_p(g) ≤ C · E(g), E(g) = E_p[∇gᵀ D ∇g] (docs/design.md §1); the
spectral gap of the reversible generator is 1/C_P. :func:`poincare_constant` first settles the
cases without a Poincaré inequality (D singular, e.g. underdamped Langevin, or D vanishing
inside the domain: C_P = ∞, status ``"no_poincare"``), then hands the problem
(:func:`gsmtheory.solve.build_problem`) to the first applicable method, in this order:

- ``gaussian``: one Gaussian, constant D, R^d: C_P = λ_max(D^{-1/2} Σ D^{-1/2}) (claim 1);
- ``reduction``: a shared-covariance mixture under constant D, reduced along the span of the
  means (issue #14) when that lowers the dimension;
- ``symmetry``: a product after a rotation, or a radial target, as 1D problems; ``tensorization``:
  ℓ separable and D diagonal, and ``blocks``: independent blocks, products of smaller problems;
- ``1d`` (forced variants ``green``, ``fv``): :func:`gsmtheory.numeric.poincare_1d` after the
  symbolic analysis of the ends (σ = 0 gives C_P = ∞, status ``"no_poincare"``);
- ``ends``: d ≥ 2, a tail heavier than exponential along a ray: no Poincaré inequality;
- ``fv2d``: :func:`gsmtheory.numeric.poincare_2d`, with a certified upper bound attached where
  one is proved (:mod:`gsmtheory.solve._upper`: curvature, Lyapunov, blocks);
- ``fv3d``: :func:`gsmtheory.numeric.fv_poincare_3d` (finite volumes, cut-off in the error, Ritz lower bound);
- ``rayleigh_ritz``: d ≥ 4, a Rayleigh–Ritz lower bound (polynomial basis) and the certified upper: a bracket;
- on a problem that carries a CTLD lift, the lifted methods of ``_solve_ctld.py`` (``ctld1d``,
  ``ctld_convolution``, ``ctld3d``, ``ctld_ridge``, ``ctld_sectors``).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from gsmtheory._methods import Registry, discover
from gsmtheory.numeric import PoincareResult
from gsmtheory.solve._problem import Problem, build_problem

__all__ = ["PoincareResult", "poincare_constant", "poincare_methods", "solver_names"]  # the record: numeric's


@cache
def poincare_methods() -> Registry[Any]:
    """The registry of Poincaré methods, discovered once (every ``_solve_<name>.py`` file)."""
    return discover("gsmtheory.solve", "_solve_", "Poincaré")


def solver_names() -> tuple[str, ...]:
    """The ``method=`` names of the registered Poincaré methods, in ``auto`` order (ascending priority).

    Returns
    -------
    tuple of str
        The names :func:`poincare_constant` accepts besides ``"auto"``.

    Examples
    --------
    >>> names = solver_names()
    >>> names[0], "fv" in names
    ('gaussian', True)
    """
    return poincare_methods().names()


def _no_poincare(why: str) -> PoincareResult:
    return PoincareResult(math.inf, 0.0, "degenerate", {}, "no_poincare",
                          f"no Poincaré inequality: {why} (C_P = inf)", "exact",
                          log_poincare_constant=math.inf, lower=math.inf, upper=math.inf)


def poincare_constant(problem: Any, *, rtol: float | None = None, method: str = "auto",
                      quick: bool = False) -> PoincareResult:
    r"""C_P = sup_g Var_p(g)/E(g) of a :class:`Problem` or a :class:`gsmtheory.symbolic.Diffusion` (module docstring).

    Parameters
    ----------
    problem : Problem or Diffusion
        ℓ, D, domain (Q is ignored: it does not change E, docs/design.md §1); a problem with a
        lift is answered on the lift.
    rtol : float, optional
        Target relative error (defaults: 1e-8 in 1D, 1e-4 in 2D; 1e-6 / 1e-3 with quick).
    method : str
        ``"auto"`` (the first registered solver that applies), or one of :func:`solver_names` to force it.
    quick : bool
        Looser default tolerances.

    Raises
    ------
    SpecError
        An unknown method (the message lists the registered ones), or a forced one that does not apply.

    Returns
    -------
    gsmtheory.numeric.PoincareResult
        C_P, error, status, side, bracket; ``inf`` (``no_poincare``) where D is singular or vanishes.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> r = poincare_constant(build_problem(load_spec("gaussian", constants={"sigma": 2.0})))
    >>> round(r.poincare_constant, 6), r.status, r.error_estimate < 1e-6   # N(0, σ²): C_P = σ²
    (4.0, 'ok', True)
    """
    methods = poincare_methods()
    if method != "auto":
        methods.get(method)  # an unknown name is refused before anything is compiled
    if not isinstance(problem, Problem):
        problem = build_problem(problem)
    diffusion = problem.diffusion
    if problem.lift is None and diffusion.is_degenerate:
        return _no_poincare("D is singular, so the Dirichlet form controls no variance in "
                            "some direction (e.g. underdamped Langevin)")
    zeros = () if problem.lift is not None else diffusion.interior_zeros
    if zeros:
        where = ", ".join(f"{diffusion.coords[i]} = {v:g}" for i, v in zeros)
        return _no_poincare(f"D vanishes at {where} inside the domain, so the diffusion cannot cross "
                            "there (a step function there has zero Dirichlet energy)")
    return methods.choose(problem, method).run(problem, rtol, quick)
