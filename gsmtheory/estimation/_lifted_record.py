r"""What an efficiency record of a lifted problem adds: Γ with known faces, vanilla SM, the lifted MLE.

:class:`LiftedCovariances` is the ``lifted`` field of :class:`gsmtheory.estimation.Efficiency`
for the annealed (CTLD) estimator of a lifted problem (docs/design.md §6); the covariance
methods ``quadrature`` and ``monte-carlo`` fill it on a lift (``ctld_reduction`` in d ≥ 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory.symbolic import CTLDParameters

__all__ = ["LiftedCovariances"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class LiftedCovariances:
    """What an :class:`Efficiency` of a lifted (CTLD) problem adds: the other covariances and the lift.

    ``gsm`` of the record is Γ_CTLD with the β-faces estimated from the same data points (what
    ``fit(..., loss="ctld")`` does) and ``mle`` the original MLE I_p(θ*)⁻¹.

    Attributes
    ----------
    gsm_exact_faces : ndarray
        Γ_CTLD with the face expectations known.
    vanilla : ndarray
        Γ of vanilla score matching on the un-lifted problem.
    mle_lifted : ndarray
        The lifted MLE E_r[I_{p^β}(θ*)]⁻¹.
    hessian : ndarray
        The bread H.
    error : float
        The largest relative error (quadrature: change between two resolutions; Monte Carlo:
        standard error).
    resolution : dict
        What was used.
    ctld : CTLDParameters or None
        The lift's constants.
    theorem : dict or None
        The general theorem applied to the lift (None where not evaluated).
    rtol : float
        The tolerance ``error`` is judged by.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> e = efficiency(build_problem(load_spec("ctld-bimodal"), lift=True), method="quadrature", poincare=False,
    ...                panels=3, nh=4)
    >>> lifted = e.lifted
    >>> bool(lifted.error < lifted.rtol), round(float(lifted.vanilla[0, 0]), 3)   # vanilla SM: near the MLE's 1.022
    (True, 1.113)
    >>> round(float(lifted.mle_lifted[0, 0]), -1), round(float(lifted.gsm_exact_faces[0, 0]), -1)
    (1860.0, 2750.0)
    """

    gsm_exact_faces: Array
    vanilla: Array
    mle_lifted: Array
    hessian: Array
    error: float
    resolution: dict[str, Any] = field(default_factory=dict)
    ctld: CTLDParameters | None = None
    theorem: dict[str, Any] | None = None
    rtol: float = 1e-3
