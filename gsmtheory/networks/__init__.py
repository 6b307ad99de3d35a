r"""GSM and CTLD losses for torch score and energy networks, from symbolic diffusions (docs/design.md §3).

- :class:`GSMNetworkLoss`: ½ sᵀDs + (div D)·s + Tr(D∇s) (+ finite-end faces) for any derived D;
- :class:`CTLDNetworkLoss`: the lifted CTLD loss (Prop. 7 with its β-faces) of a noise-conditional
  network, the β-score from the heat identity ∂_β log p^β = (λ/2)(Δ log p^β + |∇ log p^β|²);
- :class:`DSMNetworkLoss`: annealed denoising score matching with the same r(β) (the baseline);
- :func:`network_loss`: the loss a spec asks for;
- :func:`fit_network`, :func:`langevin`, :func:`annealed_langevin`, :func:`grid_density`: seeded
  training, sampling with a learned score, and the normalized density of an energy on a grid.

Networks are scores s_θ(x) (``kind="score"``) or energies E_θ(x) (``kind="energy"``,
s = −∇E by autograd); divergences are exact or Hutchinson's (Rademacher probes, unbiased).

>>> import torch
>>> from gsmtheory.symbolic import load_spec
>>> loss = GSMNetworkLoss(load_spec("gaussian").diffusion, lambda x: -x)
>>> float(loss(torch.zeros(3, 1, dtype=torch.float64)).mean())
-1.0
"""

from gsmtheory.networks._autograd import (
    DIVERGENCES,
    KINDS,
    network_score,
    rademacher,
    weighted_divergence,
)
from gsmtheory.networks._ctld import (
    DSM_WEIGHTS,
    BetaSampler,
    CTLDNetworkLoss,
    DSMNetworkLoss,
    ctld_parameters_for,
)
from gsmtheory.networks._gsm import Face, GSMNetworkLoss, gsm_network_loss, takes_noise_level
from gsmtheory.networks._sampling import (
    FitHistory,
    annealed_langevin,
    fit_network,
    grid_density,
    langevin,
)
from gsmtheory.networks._spec import network_loss

__all__ = [
    "DIVERGENCES",
    "DSM_WEIGHTS",
    "KINDS",
    "BetaSampler",
    "CTLDNetworkLoss",
    "DSMNetworkLoss",
    "Face",
    "FitHistory",
    "GSMNetworkLoss",
    "annealed_langevin",
    "ctld_parameters_for",
    "fit_network",
    "grid_density",
    "gsm_network_loss",
    "langevin",
    "network_loss",
    "network_score",
    "rademacher",
    "takes_noise_level",
    "weighted_divergence",
]
