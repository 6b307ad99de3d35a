r"""Blocks of coordinates that do not interact: p a product of lower-dimensional factors.

With ℓ = Σ_b ℓ_b(x_b) over a partition of the coordinates into blocks b and D block-diagonal with
D_b depending on x_b only, p = ⊗_b p_b and the generator is a sum of commuting generators, so
C_P = max_b C_P(p_b, D_b) (tensorization; Bakry, Gentil & Ledoux 2014, Prop. 4.3.1), and every
bound of a block's C_P is a bound of its share. :func:`coordinate_blocks` finds the finest such
partition: coordinates i and j interact when ∂²ℓ/∂x_i∂x_j does not vanish identically, D_ij ≠ 0,
or D_ii depends on x_j; the blocks are the connected components. A mixed partial that SymPy does
not prove to be 0 within the time guard counts as an interaction (never a wrong product).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._limits import guarded

__all__ = ["block_diffusion", "coordinate_blocks"]


def _interacts(ell: sp.Expr, D: sp.ImmutableMatrix, coords: tuple[sp.Symbol, ...], i: int, j: int,
               seconds: float) -> bool:
    if D[i, j] != 0 or D[i, i].has(coords[j]) or D[j, j].has(coords[i]):
        return True
    mixed = sp.diff(ell, coords[i], coords[j])
    if mixed == 0 or (mixed.is_polynomial(*coords) and sp.expand(mixed) == 0):
        return False
    return not bool(guarded(lambda: sp.simplify(mixed) == 0, seconds))


def coordinate_blocks(diffusion: Any, *, seconds: float = 2.0) -> tuple[tuple[int, ...], ...]:
    """The finest partition of the coordinate indices into non-interacting blocks: ∂_i∂_j ℓ ≡ 0
    and D_ij ≡ 0 between blocks, so p = Π_b p_b and C_P = max_b C_P(p_b) (module docstring).

    Parameters
    ----------
    diffusion : Diffusion
        The target.
    seconds : float
        The time limit of each SymPy simplification of a mixed derivative.

    Returns
    -------
    tuple of tuple of int
        The blocks; one block of all indices when nothing separates (or for a mixture target).

    Examples
    --------
    >>> from gsmtheory.symbolic import coordinate_blocks, parse_spec
    >>> spec = parse_spec('coords = ["x", "y"]' + chr(10) + 'log_density = "-x**4/4 - y**2/2"')
    >>> coordinate_blocks(spec.diffusion)
    ((0,), (1,))
    """
    coords = tuple(diffusion.coords)
    d = len(coords)
    if d < 2 or getattr(diffusion, "mixture", None) is not None:
        return (tuple(range(d)),)
    D, ell = sp.ImmutableMatrix(diffusion.D), sp.sympify(diffusion.log_density)
    parent = list(range(d))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(d):
        for j in range(i + 1, d):
            if root(i) != root(j) and _interacts(ell, D, coords, i, j, seconds):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(d):
        groups.setdefault(root(i), []).append(i)
    return tuple(tuple(g) for g in sorted(groups.values()))


def _inside(lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    if lo.is_finite and hi.is_finite:
        return (lo + hi) / 2
    if lo.is_finite:
        return lo + 1
    return hi - 1 if hi.is_finite else sp.Integer(0)


def block_diffusion(diffusion: Any, block: tuple[int, ...]) -> Diffusion:
    """The factor p_b ∝ e^{ℓ_b} of a block: the other coordinates frozen at a point inside (ℓ − ℓ_b is
    constant in x_b for a block of :func:`coordinate_blocks`), D restricted to the block.

    Parameters
    ----------
    diffusion : Diffusion
        The target.
    block : tuple of int
        The coordinate indices of the block.

    Returns
    -------
    Diffusion
        The block's diffusion, named ``NAME[block (i, ...)]``.

    Examples
    --------
    >>> from gsmtheory.symbolic import block_diffusion, parse_spec
    >>> spec = parse_spec('coords = ["x", "y"]' + chr(10) + 'log_density = "-x**4/4 - y**2/2"')
    >>> block_diffusion(spec.diffusion, (1,)).log_density
    -y**2/2
    """
    coords = tuple(diffusion.coords)
    ref = {coords[j]: _inside(*diffusion.domain[j]) for j in range(len(coords)) if j not in block}
    D = sp.ImmutableMatrix(diffusion.D)
    return Diffusion(tuple(coords[i] for i in block), sp.sympify(diffusion.log_density).subs(ref),
                     sp.ImmutableMatrix([[D[i, j].subs(ref) for j in block] for i in block]),
                     domain=tuple(diffusion.domain[i] for i in block), name=f"{diffusion.name}[block {block}]")
