r"""Score-matching losses for torch models, shaped like torch losses (docs/design.md §3).

``loss(model, batch)`` → a scalar (``reduction="mean" | "sum" | "none"``) for a batch of shape
(n, *event_shape); gradients reach the parameters and the batch; float32/float64 on any device.

- :class:`GSMLoss`: ½ sᵀDs + (div D)·s + Tr(D∇s) — D = I by default (vanilla score matching), a
  constant matrix, a callable D(x), or :meth:`GSMLoss.from_diffusion` for a derived diffusion
  (with its finite-end faces);
- :class:`CTLDLoss`: the lifted CTLD loss (Prop. 7 with its β-faces) of a noise-conditional model,
  the β-score from the heat identity ∂_β log p^β = (λ/2)(Δ log p^β + |∇ log p^β|²);
- :class:`DSMLoss`: denoising score matching over any schedule;
- schedules: :func:`paper_schedule`, :func:`log_uniform_schedule` (:class:`BetaSchedule`, CTLD's r(β)),
  :class:`GeometricSigmas`, :class:`VESDE`, :class:`VPSDE`; each states its mass near the data and warns
  (:class:`ScheduleWarning`) when it is below :data:`MIN_NEAR_ZERO_MASS`;
- :func:`fit_network`, :func:`langevin`, :func:`annealed_langevin`, :func:`predictor_corrector`,
  :func:`grid_density`: seeded training and sampling with a learned score;
- :class:`TiedMixture`, :func:`fit_tied`, :func:`sandwich`: parametric mixture heads tied across
  noise levels (p_θ^β = p_θ ∗ N(0, βλI)), fitted exactly by any of the losses, and the M-estimator
  sandwich of any per-sample torch loss.

>>> import torch
>>> loss = GSMLoss()                      # D = I
>>> float(loss(lambda x: -x, torch.zeros(3, 1, dtype=torch.float64)))
-1.0
"""

from gsmtheory.networks._autograd import (
    DIVERGENCES,
    KINDS,
    network_score,
    rademacher,
    takes_noise_level,
    weighted_divergence,
)
from gsmtheory.networks._ctld import SKIP_BELOW, CTLDLoss, ctld_parameters_for
from gsmtheory.networks._dsm import DSM_WEIGHTS, DSMLoss
from gsmtheory.networks._gsm import REDUCTIONS, Face, GSMLoss
from gsmtheory.networks._sampling import (
    FitHistory,
    annealed_langevin,
    fit_network,
    grid_density,
    langevin,
    predictor_corrector,
)
from gsmtheory.networks._schedules import (
    MIN_NEAR_ZERO_MASS,
    BetaSchedule,
    NoiseSchedule,
    ScheduleWarning,
    log_uniform_schedule,
    paper_schedule,
)
from gsmtheory.networks._sde_schedules import VESDE, VPSDE, GeometricSigmas
from gsmtheory.networks._spec import network_loss
from gsmtheory.networks._tie import HeatTie, heat_residual
from gsmtheory.networks._tied import (
    SandwichEstimate,
    TiedFit,
    TiedMixture,
    fit_tied,
    sandwich,
    tied_draws,
)

__all__ = [
    "DIVERGENCES",
    "DSM_WEIGHTS",
    "KINDS",
    "MIN_NEAR_ZERO_MASS",
    "REDUCTIONS",
    "SKIP_BELOW",
    "VESDE",
    "VPSDE",
    "BetaSchedule",
    "CTLDLoss",
    "DSMLoss",
    "Face",
    "FitHistory",
    "GSMLoss",
    "GeometricSigmas",
    "HeatTie",
    "NoiseSchedule",
    "SandwichEstimate",
    "ScheduleWarning",
    "TiedFit",
    "TiedMixture",
    "annealed_langevin",
    "ctld_parameters_for",
    "fit_network",
    "fit_tied",
    "grid_density",
    "heat_residual",
    "langevin",
    "log_uniform_schedule",
    "network_loss",
    "network_score",
    "paper_schedule",
    "predictor_corrector",
    "rademacher",
    "sandwich",
    "takes_noise_level",
    "tied_draws",
    "weighted_divergence",
]
