r"""The efficiency question: asymptotic covariances of the score-matching estimator against the MLE.

Efficiency is a property of a *direction* v in parameter space: the asymptotic variance of vᵀθ̂
is vᵀΓv, so the loss is r(v) = vᵀΓ_GSM v / vᵀΓ_MLE v (:class:`Efficiency`). :func:`efficiency`
asks the covariance registry (:func:`covariance_methods`: every ``METHOD``/``METHODS`` of the
``gsmtheory/estimation/_cov_*.py`` files and every ``COVARIANCE_METHODS`` of the package,
``run(problem, options) -> Efficiency``) for a method:

- ``quadrature`` (d ≤ 2) and ``monte-carlo`` (exact samples) answer un-lifted and lifted problems
  alike: un-lifted with C_P, the key lemma and the general theorem
  (:mod:`gsmtheory.estimation._sandwich_theory`); on a lift (the annealed CTLD estimator,
  docs/design.md §1) through the lift's interface (:mod:`gsmtheory.estimation._lifted_quadrature`,
  :mod:`gsmtheory.estimation._lifted_monte_carlo`: torch, standard errors on every block), with
  vanilla score matching's Γ and both MLE baselines;
- ``ctld_reduction``: lifted problems in d ≥ 3 whose model moves the means along their span.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from gsmtheory._methods import Registry, discover
from gsmtheory.estimation._efficiency_options import EfficiencyOptions
from gsmtheory.estimation._efficiency_record import Efficiency
from gsmtheory.numeric import PoincareResult
from gsmtheory.solve import Problem, build_problem
from gsmtheory.symbolic import Model

__all__ = ["covariance_methods", "efficiency"]


@cache
def covariance_methods() -> Registry[Any]:
    """The registry of covariance methods, discovered once (``gsmtheory/estimation/_cov_*.py`` and every
    ``COVARIANCE_METHODS``)."""
    return discover("gsmtheory.estimation", "_cov_", "covariance")


def efficiency(source: Any, model: Model | None = None, *, method: str = "auto", rtol: float | None = None,
               samples: int = 400_000, seed: int = 0, poincare: float | PoincareResult | bool | None = True,
               lift: bool = False, **options: Any) -> Efficiency:
    """Γ_GSM = H⁻¹ Cov(ψ) H⁻¹ (on a lift: the annealed CTLD estimator's) against Γ_MLE = I(θ*)⁻¹ at θ*.

    With C_P (``poincare``) the record also holds the key lemma H ⪰ I/C_P and Theorem 6's bound
    (docs/paper.md, docs/design.md §6).

    Parameters
    ----------
    source : Problem, Spec or Diffusion
        The problem (a spec or a diffusion with ``model`` is built with ``lift``).
    model : Model, optional
        The model, when ``source`` is a diffusion.
    method : str
        ``"auto"`` (the first registered covariance method that applies) or a registered name
        (:func:`covariance_methods`).
    rtol, samples, seed, poincare
        See :class:`EfficiencyOptions`.
    lift : bool
        Build the problem with its CTLD lift (a spec's ``[ctld]`` table, or the defaults).
    options
        ``panels``, ``nh``, ``device`` of :class:`EfficiencyOptions`.

    Returns
    -------
    Efficiency
        Both covariances with errors, the per-direction ratios and, with C_P, the theory.

    Raises
    ------
    ModelError
        Singular H or I (the message names the flat direction).
    SpecError
        An unknown method, or a forced one that does not apply (its reason).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> e = efficiency(load_spec("gaussian"), poincare=False)
    >>> round(e.ratio, 8)                     # Gaussian location: score matching is the MLE
    1.0
    """
    opts = EfficiencyOptions(rtol, samples, seed, poincare, **options)
    methods = covariance_methods()
    if method != "auto":
        methods.get(method)
    problem = source if isinstance(source, Problem) and model is None else build_problem(source, model, lift=lift)
    problem.model  # a one-line error when there is no model  # noqa: B018
    return methods.choose(problem, method).run(problem, opts)  # type: ignore[no-any-return]
