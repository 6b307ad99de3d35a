r"""The four questions of a spec — C_P, loss, efficiency, fit — with the CTLD lift decided once.

A spec with a ``[ctld]`` table is answered on its CTLD lift (state (x, β), joint density
r(β)·(p * N(0, βλI))(x), docs/design.md §1) unless the caller says ``lift=False``; without the
table the target itself is answered. :func:`lifts` is the one place that decides it; the command
line (``--no-lift``) and the sweep tasks (``lift = false``) only map their options onto the
keyword arguments of these functions, so the rule and its errors are the same everywhere.

Every function returns an :class:`Answer`: the record of the layer that computed it (a
``PoincareResult``, ``LossEvaluation``, ``Efficiency``, ``FitResult`` or their lifted
counterparts) and whether the lift was used; ``Answer.to_dict()`` is the record's dict with
``"lifted"`` set, the JSON of docs/design.md §4.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gsmtheory._errors import SpecError
from gsmtheory.solve import ctld_loss_spec, ctld_poincare_spec, evaluate_gsm_loss, poincare_constant
from gsmtheory.symbolic import Spec, gsm_loss

__all__ = ["Answer", "efficiency", "fit", "lifts", "loss", "poincare"]


@dataclass(frozen=True)
class Answer:
    """A spec-level result: the computing layer's record and whether it is the CTLD lift's.

    Attributes
    ----------
    question : str
        ``"poincare"``, ``"loss"``, ``"efficiency"`` or ``"fit"``.
    lifted : bool
        True when the record was computed on the CTLD lift of the spec's target.
    record : object
        The record (it has ``to_dict()``); its attributes are readable on the answer.

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> answer = api.poincare(load_spec("gaussian"))
    >>> answer.question, answer.lifted, answer.status            # status is the record's
    ('poincare', False, 'ok')
    >>> answer.to_dict()["lifted"]
    False
    """

    question: str
    lifted: bool
    record: Any

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("question", "lifted", "record"):
            raise AttributeError(name)
        return getattr(self.record, name)

    def to_dict(self) -> dict[str, Any]:
        """The record's JSON-able dict with ``"lifted"`` set."""
        out = dict(self.record.to_dict())
        out["lifted"] = self.lifted
        return out


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


def _model_of(spec: Spec) -> Any:
    if spec.model is None:
        raise SpecError(f"spec {spec.name!r} has no [model]",
                        "add a [model] table with params, truth and log_density")
    return spec.model


def _unlifted_only(option: str, value: Any, default: Any) -> None:
    if value != default:
        raise SpecError(f"{option} {value} applies to the unlifted target but the spec has a [ctld] table",
                        f"drop {option}, or compute without the lift (--no-lift / lift = false)")


def poincare(spec: Spec, *, lift: bool | None = None, rtol: float | None = None,
             method: str = "auto", quick: bool = False) -> Answer:
    """C_P, the least C with Var_p g ≤ C·E(g), of the spec's target — or of its CTLD lift.

    E(g) = E_p[∇gᵀ D ∇g] is the Dirichlet form of the spec's diffusion (docs/design.md §1); the
    answer is a :class:`gsmtheory.numeric.PoincareResult` with the value, an error estimate that
    covers every approximation, the certified lower bound, an upper bound where one is known,
    the method and a status (``ok``, ``bound``, ``no_poincare``, ``not_converged``, ``overflow``).

    Parameters
    ----------
    spec : Spec
        A parsed spec.
    lift : bool, optional
        False computes on the target even when the spec has a ``[ctld]`` table.
    rtol : float, optional
        Target relative error (default 1e-8 in 1D, 1e-4 in 2D, 1e-3 in 3D and on a lift).
    method : str
        A registered Poincaré method of the unlifted target (``"auto"``: the first that
        applies, by priority); a lift has its own solver and takes only ``"auto"``.
    quick : bool
        Looser default tolerances.

    Returns
    -------
    Answer
        ``question="poincare"``; ``record`` the PoincareResult (or the lift's record).

    Raises
    ------
    SpecError
        A forced method that does not apply (its reason), ``method`` on a lift, or a target the
        solvers cannot take (not normalizable, say, in one line).
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
    if lifts(spec, lift):
        _unlifted_only("--method", method, "auto")
        return Answer("poincare", True, ctld_poincare_spec(spec, rtol=rtol, quick=quick))
    return Answer("poincare", False, poincare_constant(spec.diffusion, rtol=rtol, method=method,
                                                       quick=quick))


def loss(spec: Spec, at: Sequence[Mapping[str, float]] | None = None, *, lift: bool | None = None,
         panels: int = 64, method: str = "auto", device: str = "cpu", samples: int = 200_000,
         seed: int = 0) -> Answer:
    """Explicit, implicit and boundary parts of the GSM loss (the CTLD loss on a lift) at points θ.

    D_GSM(p, p_θ) = ½ E_p[(∇ℓ − ∇ℓ_θ)ᵀ D (∇ℓ − ∇ℓ_θ)] (explicit) and its partition-free form
    E_p[½∇ℓ_θᵀD∇ℓ_θ + ∇·(D∇ℓ_θ)] plus the terms of finite ends (implicit); implicit − explicit
    = −½ E_p[∇ℓᵀ D ∇ℓ] at every point (docs/design.md §1). On a lift the boundary is the β-face
    terms at 0 and β_max.

    Parameters
    ----------
    spec : Spec
        A parsed spec with a ``[model]`` table.
    at : sequence of {param: value}, optional
        Parameter points (default: the model's truth).
    lift : bool, optional
        False evaluates the unlifted loss of a spec with a ``[ctld]`` table.
    panels : int
        Quadrature panels (at least 4; the error estimate uses twice as many).
    method : str
        ``"auto"``, ``"quadrature"``, ``"monte-carlo"`` or ``"torch-mc"``
        (:func:`gsmtheory.solve.evaluate_gsm_loss`; unlifted only).
    device : str
        torch device for ``"torch-mc"`` (``auto``, ``cpu``, ``cuda``).
    samples : int
        Monte Carlo draws (at least 2).
    seed : int
        Monte Carlo seed.

    Returns
    -------
    Answer
        ``question="loss"``; the record has ``explicit``, ``implicit``, ``boundary`` and
        ``difference`` per point, each with its error.

    Raises
    ------
    SpecError
        No ``[model]``, too few panels or samples, an unknown parameter in ``at``, a method that
        does not apply to a lift.

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> out = api.loss(load_spec("gaussian"), [{"mu": 0.0}, {"mu": 0.3}]).to_dict()
    >>> out["explicit"][0], round(out["explicit"][1], 10)     # ½ (μ/σ²)² with σ = 1.5
    (0.0, 0.0088888889)
    """
    model = _model_of(spec)
    if panels < 4:
        raise SpecError(f"panels {panels} is too small", "use at least 4 (default 64)")
    if samples < 2:
        raise SpecError(f"samples {samples} is too small", "use at least 2 (e.g. 200000)")
    points = [dict(p) for p in at] if at else [
        dict(zip(map(str, model.params), model.truth, strict=True))]
    if lifts(spec, lift):
        _unlifted_only("--method", method, "auto")
        return Answer("loss", True, ctld_loss_spec(spec, points, panels=panels))
    ev = evaluate_gsm_loss(gsm_loss(spec.diffusion, model), points, panels=panels,
                           mc_samples=samples, seed=seed, method=method, device=device)
    return Answer("loss", False, ev)


def efficiency(spec: Spec, *, lift: bool | None = None, method: str = "auto", rtol: float | None = None,
               samples: int = 400_000, seed: int = 0, poincare: bool = True) -> Answer:
    """Asymptotic covariances of the GSM (or annealed CTLD) estimator against the MLE.

    Unlifted: Γ_GSM = H⁻¹Cov(∇_θℓ_θ)H⁻¹ against Γ_MLE = I(θ*)⁻¹, per direction, with C_P,
    the key lemma and the general theorem. Lifted: Γ_CTLD, vanilla score matching's Γ and both
    MLE baselines (original, and the lifted E_r[I_{p^β}]⁻¹). Evaluated at the model's truth θ*:
    the theorems assume p = p_θ* (:func:`gsmtheory.symbolic.misspecification` says when not).

    Parameters
    ----------
    spec : Spec
        A parsed spec with a ``[model]`` table.
    lift : bool, optional
        False gives the unlifted efficiency of a spec with a ``[ctld]`` table.
    method : str
        ``"auto"``, ``"quadrature"`` (d ≤ 2) or ``"monte-carlo"``.
    rtol : float, optional
        Quadrature: relative change of Γ to stop at (default 1e-10); CTLD Monte Carlo: the
        relative standard error to reach (default 1e-2).
    samples : int
        Monte Carlo samples (at least 1000).
    seed : int
        Monte Carlo seed.
    poincare : bool
        Also compute C_P and the theory quantities (key lemma, theorem bound).

    Returns
    -------
    Answer
        ``question="efficiency"``; the record has ``gsm_covariance``, ``mle_covariance``,
        ``ratio``, per-direction ratios, ``poincare_constant`` and ``status``.

    Raises
    ------
    SpecError
        No ``[model]``, a non-positive ``rtol``, too few samples, a method on a lift.
    ModelError
        A singular Fisher information or GSM Hessian (an unidentifiable parameter).

    Examples
    --------
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> e = api.efficiency(load_spec("gaussian"), poincare=False)
    >>> round(float(e.gsm_covariance[0][0]), 8), round(e.ratio, 8)   # Gaussian location: GSM = MLE
    (2.25, 1.0)
    """
    from gsmtheory.estimation import ctld_efficiency_spec  # the estimation layer loads torch
    from gsmtheory.estimation import efficiency as unlifted_efficiency

    _model_of(spec)
    if rtol is not None and not rtol > 0:
        raise SpecError(f"rtol {rtol} must be positive", "give e.g. 1e-10 (quadrature) or 1e-2 (Monte Carlo)")
    if samples < 1000:
        raise SpecError(f"samples {samples} is too small", "use at least 1000")
    if lifts(spec, lift):
        _unlifted_only("--method", method, "auto")
        # rtol is the Monte Carlo fallback's target relative standard error (default 1e-2)
        return Answer("efficiency", True, ctld_efficiency_spec(spec, poincare=poincare, samples=samples, seed=seed,
                                                               rtol=1e-2 if rtol is None else rtol))
    return Answer("efficiency", False, unlifted_efficiency(spec, method=method, rtol=1e-10 if rtol is None else rtol,
                                                           samples=samples, seed=seed,
                                                           poincare=poincare))


def fit(spec: Spec, data: Any, *, loss: str | None = None, lift: bool | None = None,
        starts: int = 4, max_iter: int = 100, seed: int = 0) -> Answer:
    """Fit the spec's model to data (n, d) by GSM, MLE or the CTLD loss.

    The default loss is ``"ctld"`` when the spec is answered on its lift (:func:`lifts`) and
    ``"gsm"`` otherwise; ``loss="ctld"`` on a spec without a ``[ctld]`` table lifts with the
    reported defaults (Definition 6), and with ``lift=False`` it is an error. A GSM loss that
    is quadratic in θ (an exponential family) is minimised in closed form without torch; the
    iterative fits need the ``[torch]`` extra.

    Parameters
    ----------
    spec : Spec
        A parsed spec with a ``[model]`` table.
    data : array-like (n, d)
        Samples, one row each; complex, non-finite or overflowing values are refused.
    loss : {"gsm", "mle", "ctld"}, optional
        The estimator.
    lift : bool, optional
        False refuses ``loss="ctld"`` and fits the unlifted model.
    starts : int
        Starting points of the iterative fits (the truth and jittered copies).
    max_iter : int
        Newton iterations per start.
    seed : int
        Seed of the jittered starts (and of the CTLD noise).

    Returns
    -------
    Answer
        ``question="fit"``; the record has ``estimate``, ``standard_errors``, ``loss``,
        ``converged`` and ``status``.

    Raises
    ------
    SpecError
        No ``[model]``, non-positive ``starts``/``max_iter``, an unknown loss, ``ctld`` with
        ``lift=False``.
    NumericalError
        Data that are empty, of the wrong width, outside the domain, complex or non-finite.

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory import api
    >>> from gsmtheory.symbolic import load_spec
    >>> x = np.random.default_rng(0).normal(0.5, 1.5, size=(1000, 1))
    >>> f = api.fit(load_spec("gaussian"), x)
    >>> f.converged, bool(abs(f.estimate[0] - x.mean()) < 1e-12)   # GSM of a Gaussian mean: x̄
    (True, True)
    """
    from gsmtheory.estimation import fit as estimation_fit  # the estimation layer loads torch

    _model_of(spec)
    if starts < 1 or max_iter < 1:
        raise SpecError("starts and max_iter must be at least 1", "give positive integers")
    if lift is False and loss == "ctld":
        raise SpecError("loss ctld fits on the CTLD lift, which lift = false (--no-lift) turns off",
                        "drop one of the two")
    if loss not in (None, "gsm", "ctld", "mle"):
        raise SpecError(f"loss {loss!r} is not one of gsm, ctld, mle", "use one of them")
    lifted = lifts(spec, lift)
    name = loss if loss is not None else ("ctld" if lifted else "gsm")
    result = estimation_fit(spec, data, loss=name, starts=starts, max_iter=max_iter, seed=seed)
    return Answer("fit", name == "ctld", result)
