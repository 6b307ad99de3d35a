"""The ``[known]`` table of a spec: closed forms (eigenvalues, C_P) it states about itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._spec_values import parse_number

__all__ = ["KnownValues", "parse_known"]


@dataclass(frozen=True)
class KnownValues:
    """Closed forms a spec states about itself (the ``[known]`` table), for tests and checks.

    Attributes
    ----------
    eigenvalues : tuple of float
        Nonzero eigenvalues of −L (reversible part) known in closed form, in any order; the
        smallest one is the spectral gap when ``poincare_constant`` is not given.
    poincare_constant : float or None
        C_P (``inf`` where no Poincaré inequality holds); defaults to 1/min(eigenvalues).
    reference : str
        Where the closed form comes from.

    Raises
    ------
    SpecError
        An eigenvalue or a C_P that is not positive.

    Examples
    --------
    >>> from gsmtheory.symbolic import KnownValues, load_spec
    >>> KnownValues(eigenvalues=(2.0, 1.0)).poincare_constant
    1.0
    >>> load_spec("gaussian").known.poincare_constant     # σ² with σ = 1.5
    2.25
    """

    eigenvalues: tuple[float, ...] = ()
    poincare_constant: float | None = None
    reference: str = ""

    def __post_init__(self) -> None:
        if any(not (v > 0) for v in self.eigenvalues):
            raise SpecError(f"[known] eigenvalues {list(self.eigenvalues)} must be positive",
                            "list the nonzero eigenvalues of -L (each > 0)")
        if self.poincare_constant is None and self.eigenvalues:
            object.__setattr__(self, "poincare_constant", 1.0 / min(self.eigenvalues))
        c = self.poincare_constant
        if c is not None and not c > 0:
            raise SpecError(f"[known] poincare_constant = {c} must be positive", "give C_P > 0 or inf")


def parse_known(table: Any, names: Mapping[str, sp.Expr]) -> KnownValues:
    if not isinstance(table, dict):
        raise SpecError("[known] must be a table", "give eigenvalues = [...] and/or poincare_constant")
    bad = set(table) - {"eigenvalues", "poincare_constant", "reference"}
    if bad:
        raise SpecError(f"unknown [known] key(s) {', '.join(sorted(bad))}",
                        "use eigenvalues, poincare_constant, reference")
    values = table.get("eigenvalues", [])
    if not isinstance(values, list):
        raise SpecError("[known] eigenvalues must be a list", 'write eigenvalues = ["a + b"]')
    return KnownValues(
        eigenvalues=tuple(parse_number(v, names, "[known] eigenvalue") for v in values),
        poincare_constant=(parse_number(table["poincare_constant"], names, "[known] poincare_constant")
                           if "poincare_constant" in table else None),
        reference=str(table.get("reference", "")),
    )
