r"""Solver ``blocks``: a product of lower-dimensional factors, each solved by its own method.

When the coordinates split into blocks that do not interact (:func:`gsmtheory.symbolic.coordinate_blocks`:
ℓ = Σ_b ℓ_b(x_b), D block-diagonal with D_b(x_b)), p = ⊗_b p_b and C_P = max_b C_P(p_b)
(tensorization, exact; :func:`gsmtheory.numeric.tensorization` combines the values, their errors
and their brackets). Each block is a problem of its own dimension: a 4D double well coupled to one
Gaussian coordinate times two free Gaussians is a 2D finite-volume problem and two closed forms,
instead of a 4D bracket. A full product (every block one coordinate) is ``tensorization``'s.
"""

from __future__ import annotations

from gsmtheory._methods import Method, Theory
from gsmtheory.numeric import PoincareResult, tensorization
from gsmtheory.solve._poincare import poincare_constant
from gsmtheory.solve._problem import Problem as PoincareProblem
from gsmtheory.symbolic import block_diffusion, coordinate_blocks

__all__ = ["METHOD"]


def _blocks(problem: PoincareProblem) -> tuple[tuple[int, ...], ...]:
    return problem.memo("blocks", lambda: coordinate_blocks(problem.diffusion))  # type: ignore[no-any-return]


def _why_not(problem: PoincareProblem) -> str | None:
    if problem.d < 3 or problem.mixture is not None:
        return "blocks need d >= 3 and a target given by its log density"
    parts = _blocks(problem)
    if len(parts) < 2:
        return "the coordinates do not split into independent blocks"
    if all(len(b) == 1 for b in parts):
        return "a full product: tensorization's"
    return None


def _solve(problem: PoincareProblem, rtol: float | None, quick: bool) -> PoincareResult:
    parts = _blocks(problem)
    results = [poincare_constant(block_diffusion(problem.diffusion, b), rtol=rtol, quick=quick) for b in parts]
    res = tensorization(results)
    names = ["(" + ", ".join(str(problem.coords[i]) for i in b) + ")" for b in parts]
    msg = f"{len(parts)} independent blocks {', '.join(names)}: " + ", ".join(
        f"{n}: {r.method} C_P = {r.poincare_constant:.6g} ({r.status})" for n, r in zip(names, results))
    return PoincareResult(res.poincare_constant, res.error_estimate, "blocks", res.resolution, res.status,
                          msg if res.status == "ok" else f"{msg}; {res.message}", res.side, res.truncation,
                          res.log_poincare_constant, res.lower, res.upper)


METHOD = Method("blocks", _why_not, _solve,
                "independent blocks of coordinates: each block solved on its own, C_P = the largest (exact)",
                Theory(notes="tensorization over blocks"), priority=35)
