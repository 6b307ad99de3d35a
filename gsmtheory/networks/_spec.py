"""One entry point from a spec: the GSM loss of its diffusion, or the CTLD loss of its ``[ctld]`` table."""

from __future__ import annotations

from typing import Any

import torch

from gsmtheory._errors import SpecError
from gsmtheory.networks._ctld import CTLDLoss
from gsmtheory.networks._gsm import GSMLoss
from gsmtheory.symbolic import Spec, load_spec

__all__ = ["network_loss"]


def network_loss(spec: Spec | str, **kwargs: Any) -> torch.nn.Module:
    """The loss module a spec asks for, ``loss(model, batch)``: CTLD on a lift, GSM under the spec's D otherwise.

    A spec with a ``[ctld]`` table gives :class:`CTLDLoss` (the model must take (x, β));
    otherwise :meth:`gsmtheory.networks.GSMLoss.from_diffusion` under the spec's diffusion (D,
    domain, faces).

    Parameters
    ----------
    spec : Spec or str
        A spec, or a catalogue name or a path, as :func:`gsmtheory.symbolic.load_spec` reads them.
    **kwargs
        Passed to the loss (kind=, divergence=, probes=, reduction=, face_density=, ...).

    Returns
    -------
    torch.nn.Module
        A :class:`CTLDLoss` or a :class:`gsmtheory.networks.GSMLoss`.

    Raises
    ------
    SpecError
        Neither a spec nor a name.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", ScheduleWarning)    # the paper's r(β) barely reaches β = 0
    ...     lifted = network_loss("ctld-bimodal")
    >>> type(network_loss("gaussian")).__name__, type(lifted).__name__
    ('GSMLoss', 'CTLDLoss')
    """
    if isinstance(spec, str):
        spec = load_spec(spec)
    if not isinstance(spec, Spec):
        raise SpecError(f"expected a Spec or a spec name, got {type(spec).__name__}", "pass load_spec(...)")
    if spec.ctld is not None:
        return CTLDLoss.from_spec(spec, **kwargs)
    return GSMLoss.from_diffusion(spec.diffusion, **kwargs)
