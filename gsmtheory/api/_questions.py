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
    r"""C_P with Var_p g ≤ C_P E(g) of the spec's target, or of its CTLD lift.

    Parameters
    ----------
    spec : Spec
    lift : bool, optional
        False computes on the target even when the spec has a ``[ctld]`` table.
    rtol, quick
        Target relative error and looser defaults (see :func:`gsmtheory.solve.poincare_constant`).
    method : str
        Solver of the unlifted target (``"auto"`` on a lift).
    """
    if lifts(spec, lift):
        _unlifted_only("--method", method, "auto")
        return Answer("poincare", True, ctld_poincare_spec(spec, rtol=rtol, quick=quick))
    return Answer("poincare", False, poincare_constant(spec.diffusion, rtol=rtol, method=method,
                                                       quick=quick))


def loss(spec: Spec, at: Sequence[Mapping[str, float]] | None = None, *, lift: bool | None = None,
         panels: int = 64, method: str = "auto", device: str = "cpu", samples: int = 200_000,
         seed: int = 0) -> Answer:
    r"""Explicit, implicit and boundary parts of the GSM loss (the CTLD loss on a lift) at points θ.

    implicit − explicit = −½ E_p[∇ℓᵀ D ∇ℓ] at every point (docs/design.md §1); on a lift the
    boundary is the β-face terms at 0 and β_max.

    Parameters
    ----------
    at : sequence of {param: value}, optional
        Parameter points (default: the model's truth).
    panels, method, device, samples, seed
        Quadrature panels; ``method`` of :func:`gsmtheory.solve.evaluate_gsm_loss` with its
        torch device and Monte Carlo draws (unlifted only: the lift has its own quadrature).
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
    r"""Asymptotic covariances of the GSM (or annealed CTLD) estimator against the MLE.

    Unlifted: Γ_GSM = H⁻¹Cov(∇_θℓ_θ)H⁻¹ against Γ_MLE = I(θ*)⁻¹, per direction, with C_P,
    the key lemma and the general theorem. Lifted: Γ_CTLD, vanilla score matching's Γ and both
    MLE baselines (original, and the lifted E_r[I_{p^β}]⁻¹).
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
    r"""Fit the spec's model to data (n, d) by GSM, MLE or the CTLD loss.

    The default loss is ``"ctld"`` when the spec is answered on its lift (:func:`lifts`) and
    ``"gsm"`` otherwise; ``loss="ctld"`` on a spec without a ``[ctld]`` table lifts with the
    reported defaults (Definition 6), and with ``lift=False`` it is an error.
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
