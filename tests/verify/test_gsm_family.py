"""GSM tilt families (gsmtheory/verify/_gsm_family.py): closed cases of the worst tilt."""

from __future__ import annotations

import numpy as np

from gsmtheory.verify import (
    GSM_FAMILIES,
    tilt_matrices,
    worst_tilt,
)


def test_tilt_family_closed_cases() -> None:
    """Gaussian, D = 1, h = x: every constant 1 (h is an eigenfunction). Beta(2, 2) under the Jacobi diffusion:
    the two-term constant is exactly 2 (h = x), Remark 8's three-term constant exactly 3 (h' = D, p ∝ D)."""
    line = tilt_matrices(GSM_FAMILIES["line"].case({"s": 1.0, "q": 0.0, "k": 0.0, "d": 0.0, "f": 0.0}))
    c = line.constants(np.array([1.0, 0.0, 0.0]))
    assert abs(c["needed_three_terms"] - 1) < 1e-8 and abs(c["key_lemma_ratio"] - 1) < 1e-8
    jac = tilt_matrices(GSM_FAMILIES["jacobi"].case({"a": 2.0, "b": 2.0, "c": 0.0, "e": 0.0}))
    assert abs(jac.constants(np.array([1.0, 0, 0, 0]))["needed_two_terms"] - 2) < 1e-7
    v, coef = worst_tilt(jac, "remark8_three_terms")
    assert abs(v - 3) < 1e-9 and abs(coef[1] / coef[2] + 1.5) < 1e-6  # h ∝ x²/2 − x³/3
    v3, _ = worst_tilt(jac, "theorem6_three_terms")
    assert 2.8 < v3 < 3.0  # Theorem 6 as printed (constant 2) fails here
