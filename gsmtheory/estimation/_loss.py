"""Loss evaluation from a spec (the sweep's ``loss`` task): a thin layer over the numeric evaluator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gsmtheory._errors import SpecError
from gsmtheory.numeric import LossEvaluation, evaluate_gsm_loss
from gsmtheory.symbolic import Spec, gsm_loss

__all__ = ["evaluate_loss"]


def evaluate_loss(spec: Spec, at: Sequence[Mapping[str, float]], *, device: str = "cpu",
                  panels: int = 64) -> LossEvaluation:
    """Explicit, implicit and boundary parts of the spec's GSM loss at parameter points ``at``.

    ``device`` is accepted for the sweep's uniform task signature; quadrature runs in NumPy.
    """
    del device
    if spec.model is None:
        raise SpecError("the spec has no [model]", "add a [model] table with params, truth and log_density")
    return evaluate_gsm_loss(gsm_loss(spec.diffusion, spec.model), at, panels=panels)
