r"""The four questions of a spec — C_P, loss, efficiency, fit — on one problem, the lift decided once.

A spec with a ``[ctld]`` table is answered on its CTLD lift (state (x, β), joint density
r(β)·(p * N(0, βλI))(x), docs/design.md §1) unless the caller says ``lift=False``; without the
table the target itself is answered. :func:`problem` is the one place that decides it and
builds the :class:`gsmtheory.solve.Problem`; every question takes a spec or that problem and
returns the record of the layer that computed it (``PoincareResult``, ``LossEvaluation``,
``Efficiency``, ``FitResult``) — a lifted question is the same question on a problem with a
lift, answered by the registries' lifted methods. :func:`as_dict` is the record's JSON with
``"lifted"`` (and, on a lift, the CTLD constants), the JSON of docs/design.md §4; the command
line and the sweep tasks only map their options onto these functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gsmtheory._errors import SpecError
from gsmtheory.numeric import PoincareResult
from gsmtheory.solve import (
    LossEvaluation,
    LossOptions,
    Problem,
    build_problem,
    evaluate_loss,
    poincare_constant,
)
from gsmtheory.symbolic import Spec

__all__ = ["as_dict", "efficiency", "fit", "lifts", "loss", "poincare", "problem"]


def lifts(spec: Spec, lift: bool | None = None) -> bool:
    """True when ``spec`` is answered on its CTLD lift: it has a ``[ctld]`` table and ``lift`` is not False.

    ``lift=True`` on a spec without the table is an error (there is nothing to lift with); the
    reported defaults are reached through ``fit(..., loss="ctld")`` or an explicit table.

    Parameters
    ----------
    spec : Spec
        A parsed spec (:func:`gsmtheory.symbolic.load_spec`).
    lift : bool, optional
        None: the spec decides; False: never; True: required.

    Returns
    -------
    bool
        Whether the questions are answered on the lift (state (x, β), docs/design.md §1).

    Raises
    ------
    SpecError
        ``lift=True`` for a spec without a ``[ctld]`` table.

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> api.lifts(load_spec("ctld-bimodal")), api.lifts(load_spec("ctld-bimodal"), lift=False)
    (True, False)
    >>> api.lifts(load_spec("bimodal"))
    False
    """
    if lift and spec.ctld is None:
        raise SpecError(f"spec {spec.name!r} has no [ctld] table to lift with",
                        "add a [ctld] table (lambda_min, diameter), or drop the lift option")
    return spec.ctld is not None and lift is not False


def problem(spec: Spec | Problem, *, lift: bool | None = None, estimator: str | None = None) -> Problem:
    """The problem a question about ``spec`` is asked of: lifted iff :func:`lifts` (or, for a fit,
    iff the named ``estimator`` answers for lifted problems). A problem is returned as it is."""
    if isinstance(spec, Problem):
        return spec
    lifted = lifts(spec, lift)
    if estimator is not None:
        from gsmtheory.estimation import estimators  # the estimation layer loads torch

        wants = estimators().get(estimator).lifted
        if wants and lift is False:
            raise SpecError(f"loss {estimator} fits on the CTLD lift, which lift = false (--no-lift) turns off",
                            "drop one of the two")
        lifted = bool(wants) if wants is not None else lifted
    return build_problem(spec, lift=lifted)


def as_dict(problem: Problem, record: Any) -> dict[str, Any]:
    """The record's JSON-able dict with ``"lifted"`` set and, on a lift, ``"ctld"`` (λ, diam, β_max,
    log r, which took the defaults) and ``"lifted_target"``."""
    out = dict(record.to_dict())
    out["lifted"] = problem.lift is not None
    if problem.lift is not None:
        out.setdefault("ctld", problem.lift.params.to_dict())
        out.setdefault("lifted_target", f"ctld({problem.diffusion.name})")
    return out


def poincare(spec: Spec | Problem, *, lift: bool | None = None, rtol: float | None = None,
             method: str = "auto", quick: bool = False) -> PoincareResult:
    r"""C_P with Var_p g ≤ C_P E(g) of the spec's target, or of its CTLD lift (:func:`problem`).

    ``method``: a registered Poincaré method (``gsmtheory.solve.poincare_methods()``) or ``"auto"``;
    ``rtol``, ``quick``: see :func:`gsmtheory.solve.poincare_constant`.
    """
    return poincare_constant(problem(spec, lift=lift), rtol=rtol, method=method, quick=quick)


def loss(spec: Spec | Problem, at: Sequence[Mapping[str, float]] | None = None, *, lift: bool | None = None,
         panels: int = 64, method: str = "auto", device: str = "cpu", samples: int = 200_000,
         seed: int = 0) -> LossEvaluation:
    r"""Explicit, implicit and boundary parts of the GSM loss (the CTLD loss on a lift) at points θ.

    implicit − explicit = −½ E_p[∇ℓᵀ D ∇ℓ] at every point (docs/design.md §1); on a lift the
    boundary is the β-face terms at 0 and β_max. ``at`` defaults to the model's truth; ``method``
    is a registered loss method (``gsmtheory.solve.loss_methods()``) or ``"auto"``.
    """
    pr = problem(spec, lift=lift)
    pr.model  # a one-line error when the spec has no model  # noqa: B018
    return evaluate_loss(pr, at, method=method, options=LossOptions(panels, samples, seed, device))


def efficiency(spec: Spec | Problem, *, lift: bool | None = None, method: str = "auto",
               rtol: float | None = None, samples: int = 400_000, seed: int = 0, poincare: bool = True) -> Any:
    r"""Asymptotic covariances of the GSM (on a lift: the annealed CTLD) estimator against the MLE.

    Un-lifted: Γ_GSM = H⁻¹Cov(∇_θℓ_θ)H⁻¹ against Γ_MLE = I(θ*)⁻¹, per direction, with C_P,
    the key lemma and the general theorem. Lifted: Γ_CTLD, vanilla score matching's Γ and both
    MLE baselines (original, and the lifted E_r[I_{p^β}]⁻¹). ``method``: a registered covariance
    method (``gsmtheory.estimation.covariance_methods()``) or ``"auto"``.
    """
    from gsmtheory.estimation import efficiency as question  # the estimation layer loads torch

    return question(problem(spec, lift=lift), method=method, rtol=rtol, samples=samples, seed=seed,
                    poincare=poincare)


def fit(spec: Spec | Problem, data: Any, *, loss: str | None = None, lift: bool | None = None,
        starts: int = 4, max_iter: int = 100, seed: int = 0) -> Any:
    r"""Fit the spec's model to data (n, d) by a registered estimator (``gsmtheory.estimation.estimators()``).

    The default is ``"ctld"`` when the spec is answered on its lift (:func:`lifts`) and ``"gsm"``
    otherwise; ``loss="ctld"`` on a spec without a ``[ctld]`` table lifts with the reported
    defaults (Definition 6), and with ``lift=False`` it is an error.
    """
    from gsmtheory.estimation import estimators
    from gsmtheory.estimation import fit as question

    pr = problem(spec, lift=lift, estimator=loss)
    name = loss if loss is not None else estimators().choose(pr).name
    return question(pr, data, loss=name, starts=starts, max_iter=max_iter, seed=seed)
