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
    iff the named ``estimator`` answers for lifted problems). A problem is returned as it is.

    Parameters
    ----------
    spec : Spec or Problem
        A parsed spec, or a problem already built (returned unchanged).
    lift : bool, optional
        None: the spec's ``[ctld]`` table decides; False: never lift; True: lift (the spec needs
        a ``[ctld]`` table).
    estimator : str, optional
        The estimator a fit will use; one that answers only for lifted problems (``"ctld"``)
        lifts the target with the reported defaults when the spec has no table.

    Returns
    -------
    Problem
        The one compiled view of the spec (:class:`gsmtheory.solve.Problem`), carrying the CTLD
        :class:`gsmtheory.solve.Lift` when lifted.

    Raises
    ------
    SpecError
        ``lift=True`` without a ``[ctld]`` table, or a lifted estimator with ``lift=False``.

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> api.problem(load_spec("ctld-bimodal")).lift is not None
    True
    >>> api.problem(load_spec("ctld-bimodal"), lift=False).lift is None
    True
    """
    if isinstance(spec, Problem):
        return spec
    lifted = lifts(spec, lift)
    if estimator is not None:
        from gsmtheory.estimation import estimators  # deferred: C_P does not need it

        wants = estimators().get(estimator).lifted
        if wants and lift is False:
            raise SpecError(f"loss {estimator} fits on the CTLD lift, which lift = false (--no-lift) turns off",
                            "drop one of the two")
        lifted = bool(wants) if wants is not None else lifted
    return build_problem(spec, lift=lifted)


def as_dict(problem: Problem, record: Any) -> dict[str, Any]:
    """The record's JSON-able dict with ``"lifted"`` set and, on a lift, ``"ctld"`` (λ, diam, β_max,
    log r, which took the defaults) and ``"lifted_target"`` — what the command line prints.

    Parameters
    ----------
    problem : Problem
        The problem the record was computed on.
    record : object
        A result record with ``to_dict()`` (PoincareResult, LossEvaluation, Efficiency, FitResult).

    Returns
    -------
    dict
        The JSON of docs/design.md §4 for that question.

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> pr = api.problem(load_spec("gaussian"))
    >>> d = api.as_dict(pr, api.poincare(pr))
    >>> d["lifted"], d["status"]
    (False, 'ok')
    """
    out = dict(record.to_dict())
    out["lifted"] = problem.lift is not None
    if problem.lift is not None:
        out.setdefault("ctld", problem.lift.params.to_dict())
        out.setdefault("lifted_target", f"ctld({problem.diffusion.name})")
    return out


def poincare(spec: Spec | Problem, *, lift: bool | None = None, rtol: float | None = None,
             method: str = "auto", quick: bool = False) -> PoincareResult:
    r"""C_P, the least C with Var_p g ≤ C·E(g), of the spec's target — or of its CTLD lift.

    E(g) = E_p[∇gᵀ D ∇g] is the Dirichlet form of the spec's diffusion (docs/design.md §1). The
    answer carries the value, an error estimate that covers every approximation, the certified
    lower bound, an upper bound where one is known, the method and a status (``ok``, ``bound``,
    ``no_poincare``, ``not_converged``, ``overflow``).

    Parameters
    ----------
    spec : Spec or Problem
        A parsed spec, or its problem (:func:`problem`).
    lift : bool, optional
        False computes on the target even when the spec has a ``[ctld]`` table.
    rtol : float, optional
        Target relative error (default 1e-8 in 1D, 1e-4 in 2D, 1e-3 in 3D and on a lift).
    method : str
        A registered Poincaré method (``gsmtheory.solve.poincare_methods().names()``) or
        ``"auto"``: the first that applies, by priority.
    quick : bool
        Looser default tolerances.

    Returns
    -------
    PoincareResult
        The record (``poincare_constant``, ``error_estimate``, ``lower``, ``upper``, ``status``,
        ``side``, ``method``, ``resolution``, ``message``).

    Raises
    ------
    SpecError
        An unknown method, a forced method that does not apply (its reason), or a target the
        solvers cannot take (one line).
    NumericalError
        A converged estimate outside its own certified bounds (never printed as a value).

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> c = api.poincare(load_spec("gaussian", constants={"sigma": 2.0}))
    >>> c.status, abs(c.poincare_constant - 4.0) <= c.error_estimate   # N(0, σ²): C_P = σ²
    ('ok', True)
    >>> c.lower <= 4.0 <= c.upper                              # the certified bounds hold it
    True
    """
    return poincare_constant(problem(spec, lift=lift), rtol=rtol, method=method, quick=quick)


def loss(spec: Spec | Problem, at: Sequence[Mapping[str, float]] | None = None, *, lift: bool | None = None,
         panels: int = 64, method: str = "auto", device: str = "cpu", samples: int = 200_000,
         seed: int = 0) -> LossEvaluation:
    r"""Explicit, implicit and boundary parts of the GSM loss (the CTLD loss on a lift) at points θ.

    D_GSM(p, p_θ) = ½ E_p[(∇ℓ − ∇ℓ_θ)ᵀ D (∇ℓ − ∇ℓ_θ)] (explicit) and its partition-free form
    E_p[½∇ℓ_θᵀD∇ℓ_θ + ∇·(D∇ℓ_θ)] plus the terms of finite ends (implicit); implicit − explicit
    = −½ E_p[∇ℓᵀ D ∇ℓ] at every point (docs/design.md §1). On a lift the boundary is the β-face
    terms at 0 and β_max.

    Parameters
    ----------
    spec : Spec or Problem
        A parsed spec with a ``[model]`` table, or its problem.
    at : sequence of {param: value}, optional
        Parameter points (default: the model's truth).
    lift : bool, optional
        False evaluates the unlifted loss of a spec with a ``[ctld]`` table.
    panels : int
        Quadrature panels (the error estimate uses twice as many).
    method : str
        A registered loss method (``gsmtheory.solve.loss_methods().names()``) or ``"auto"``.
    device : str
        torch device for ``"torch-mc"`` (``auto``, ``cpu``, ``cuda``).
    samples : int
        Monte Carlo draws.
    seed : int
        Monte Carlo seed.

    Returns
    -------
    LossEvaluation
        ``explicit``, ``implicit``, ``boundary`` and ``difference`` per point, each with its error.

    Raises
    ------
    SpecError
        No ``[model]``, an unknown parameter in ``at``, a method that does not apply.

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> ev = api.loss(load_spec("reflected-gaussian"), [{"mu": 0.3}, {"mu": 1.0}])
    >>> d = [i - e for i, e in zip(ev.implicit, ev.explicit)]
    >>> abs(d[0] - d[1]) < 1e-9                      # implicit − explicit does not depend on θ
    True
    """
    pr = problem(spec, lift=lift)
    pr.model  # a one-line error when the spec has no model  # noqa: B018
    return evaluate_loss(pr, at, method=method, options=LossOptions(panels, samples, seed, device))


def efficiency(spec: Spec | Problem, *, lift: bool | None = None, method: str = "auto",
               rtol: float | None = None, samples: int = 400_000, seed: int = 0, poincare: bool = True) -> Any:
    r"""Asymptotic covariances of the GSM (on a lift: the annealed CTLD) estimator against the MLE.

    Un-lifted: Γ_GSM = H⁻¹Cov(∇_θℓ_θ)H⁻¹ against Γ_MLE = I(θ*)⁻¹, per direction, with C_P,
    the key lemma and the general theorem. Lifted: Γ_CTLD, vanilla score matching's Γ and both
    MLE baselines (original, and the lifted E_r[I_{p^β}]⁻¹) (docs/design.md §1).

    Parameters
    ----------
    spec : Spec or Problem
        A parsed spec with a ``[model]`` table, or its problem.
    lift : bool, optional
        False answers for the unlifted target of a spec with a ``[ctld]`` table.
    method : str
        A registered covariance method (``gsmtheory.estimation.covariance_methods().names()``)
        or ``"auto"``.
    rtol : float, optional
        Target relative error of the quadrature (or of the Monte Carlo standard errors).
    samples : int
        Monte Carlo budget where a Monte Carlo method is used.
    seed : int
        Monte Carlo seed.
    poincare : bool
        Also compute C_P and the theorems' bounds.

    Returns
    -------
    Efficiency
        ``gsm_covariance``, ``mle_covariance``, ``ratio``, ``poincare_constant``,
        ``theorem_bound``, errors and status (and the lifted covariances on a lift).

    Raises
    ------
    ModelError
        A singular H or Fisher information (the message names the flat direction).
    SpecError
        No ``[model]``, an unknown method, or a forced one that does not apply.

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> e = api.efficiency(load_spec("gaussian"), poincare=False)
    >>> round(float(e.ratio), 8)          # Gaussian location: score matching is the MLE
    1.0
    """
    from gsmtheory.estimation import efficiency as question  # deferred: C_P needs none of it

    return question(problem(spec, lift=lift), method=method, rtol=rtol, samples=samples, seed=seed,
                    poincare=poincare)


def fit(spec: Spec | Problem, data: Any, *, loss: str | None = None, lift: bool | None = None,
        starts: int = 4, max_iter: int = 100, seed: int = 0) -> Any:
    r"""Fit the spec's model to data (n, d) by a registered estimator and give its standard errors.

    The default estimator is ``"ctld"`` when the spec is answered on its lift (:func:`lifts`) and
    ``"gsm"`` otherwise; ``loss="ctld"`` on a spec without a ``[ctld]`` table lifts with the
    reported defaults (Definition 6), and with ``lift=False`` it is an error.

    Parameters
    ----------
    spec : Spec or Problem
        A parsed spec with a ``[model]`` table, or its problem.
    data : array_like
        Samples, one row per sample (n, d).
    loss : str, optional
        A registered estimator (``gsmtheory.estimation.estimators().names()``: gsm, mle, ctld).
    lift : bool, optional
        False fits the unlifted model of a spec with a ``[ctld]`` table.
    starts, max_iter, seed : int
        Starting points, Newton iterations per start and the seed of the jittered starts.

    Returns
    -------
    FitResult
        ``estimate`` and ``standard_errors`` (None when not converged), ``loss``, ``converged``,
        ``status``.

    Raises
    ------
    SpecError
        No ``[model]``, an unknown estimator, or one that contradicts ``lift``.
    NumericalError
        Data that are not finite, complex, of the wrong width or outside the domain.

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> x = np.random.default_rng(0).normal(0.5, 1.0, size=(2000, 1))
    >>> r = api.fit(load_spec("gaussian"), x)
    >>> r.converged, abs(r.estimate[0] - 0.5) < 4 * r.standard_errors[0]
    (True, True)
    """
    from gsmtheory.estimation import estimators
    from gsmtheory.estimation import fit as question

    pr = problem(spec, lift=lift, estimator=loss)
    name = loss if loss is not None else estimators().choose(pr).name
    return question(pr, data, loss=name, starts=starts, max_iter=max_iter, seed=seed)
