"""The exact rotation behind a rotated product (gsmtheory/symbolic/_symmetry.py): recognised surds only
when they are exactly orthogonal."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import gsmtheory.symbolic._symmetry as symmetry


def test_a_surd_rotation_is_recognised_and_an_inexact_one_is_refused_without_simplify(
        monkeypatch: pytest.MonkeyPatch) -> None:
    c = np.sqrt(0.5)
    exact = symmetry._exact(np.array([[c, -c], [c, c]]))
    assert exact is not None and sp.simplify(exact.T * exact - sp.eye(2)).is_zero_matrix
    assert exact[0, 0] == sp.sqrt(2) / 2
    # a random rotation: its entries become rationals that are not exactly orthogonal; the 30-digit
    # check refuses it at once (simplify ran into its 4 s guard on each before)
    q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((4, 4)))
    guarded: list[float] = []

    def counted(fn: object, seconds: float) -> object:
        guarded.append(seconds)
        return fn() if callable(fn) else None

    monkeypatch.setattr(symmetry, "guarded", counted)
    assert symmetry._exact(q) is None and guarded == []
