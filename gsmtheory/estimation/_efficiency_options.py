r"""How a covariance method may spend its effort: the options every ``_cov_*.py`` method receives.

:func:`gsmtheory.estimation.efficiency` builds one :class:`EfficiencyOptions` from its keywords and
hands it to the chosen method's ``run(problem, options)`` (docs/design.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass

from gsmtheory._errors import SpecError
from gsmtheory.numeric import PoincareResult

__all__ = ["EfficiencyOptions"]


@dataclass(frozen=True)
class EfficiencyOptions:
    """How a covariance method may spend its effort (docs/design.md §3): tolerances, draws, C_P.

    Attributes
    ----------
    rtol : float or None
        Quadrature: the change of Γ between two resolutions to stop at (default 1e-10; on a lift
        the change between its two resolutions that counts as converged, default 1e-3); Monte
        Carlo of a lift: the relative standard error to reach (default 1e-2).
    samples, seed : int
        Monte Carlo draws (at most; on a lift rounded up to whole groups of 512) and seed.
    poincare : bool, float or PoincareResult
        True: compute C_P and the theory; False: skip them; a number or record: use it as C_P.
    panels, nh : int
        The lifted quadrature's β panels and x nodes (and twice both for the error).
    device : str
        torch device of the lifted Monte Carlo (``auto``: CUDA when torch sees it).

    Raises
    ------
    SpecError
        A non-positive ``rtol`` or too few ``samples``.

    Examples
    --------
    >>> EfficiencyOptions(rtol=1e-8).samples
    400000
    """

    rtol: float | None = None
    samples: int = 400_000
    seed: int = 0
    poincare: float | PoincareResult | bool | None = True
    panels: int = 6
    nh: int = 8
    device: str = "auto"

    def __post_init__(self) -> None:
        if self.rtol is not None and not self.rtol > 0:
            raise SpecError(f"rtol {self.rtol} must be positive", "give e.g. 1e-10 (quadrature) or 1e-2 (Monte Carlo)")
        if self.samples < 1000:
            raise SpecError(f"samples {self.samples} is too small", "use at least 1000")
