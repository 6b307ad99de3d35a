"""One entry point from a spec: the GSM loss of its diffusion, or the CTLD loss of its ``[ctld]`` table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from gsmtheory._errors import ModelError, SpecError
from gsmtheory.networks._ctld import CTLDNetworkLoss
from gsmtheory.networks._gsm import GSMNetworkLoss, takes_noise_level
from gsmtheory.symbolic import Spec, load_spec

__all__ = ["network_loss"]


def network_loss(spec: Spec | str, network: Callable[..., torch.Tensor], **kwargs: Any) -> torch.nn.Module:
    """The loss module a spec asks for, around ``network``.

    A spec with a ``[ctld]`` table gives :class:`CTLDNetworkLoss` (the network must take
    (x, β)); otherwise :class:`GSMNetworkLoss` under the spec's diffusion (D, domain).
    ``kwargs`` go to the loss (kind=, divergence=, probes=, ...). ``spec`` may be a catalogue
    name or a path, as :func:`gsmtheory.symbolic.load_spec` reads them.

    Raises
    ------
    ModelError
        A ``[ctld]`` table with a network that takes only x.
    """
    if isinstance(spec, str):
        spec = load_spec(spec)
    if not isinstance(spec, Spec):
        raise SpecError(f"expected a Spec or a spec name, got {type(spec).__name__}", "pass load_spec(...)")
    if spec.ctld is not None:
        if not takes_noise_level(network):
            raise ModelError(f"spec {spec.name!r} has a [ctld] table, which needs a noise-conditional network "
                             "s(x, beta), but the network takes only x",
                             "give a network whose forward takes (x, beta), or drop the [ctld] table")
        return CTLDNetworkLoss.from_spec(spec, network, **kwargs)
    return GSMNetworkLoss(spec.diffusion, network, **kwargs)
