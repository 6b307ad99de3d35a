r"""The annealed (CTLD) score-matching estimator: loss, fits, sandwich, MLE baselines.

The CTLD loss is the GSM loss of the lifted model ℓ_θ(x, β) = log r(β) + log p^β_θ(x) under the
identity diffusion on (x, β) ∈ R^d × [0, β_max] (DESIGN.md §1), derived by
:func:`gsmtheory.symbolic.gsm_loss`; its implicit form is

    L(θ) = E_{(x,β)∼p}[½|∇_{x,β} ℓ_θ|² + Δ_{x,β} ℓ_θ] − Σ_faces c_f E_{x∼p^{β_f}}[n_f ∂_β ℓ_θ(x, β_f)],

with c_f = r(β_f)/Z_r (the β-density at the face) and n = −1 at β = 0, +1 at β = β_max. From
data x_1..x_n ∼ p the estimator draws β_i ∼ r, z_i, z'_i ∼ N(0, I) and uses
x̃_i = x_i + √(β_iλ) z_i for the bulk term, x_i for the β = 0 face and x_i + √(β_max λ) z'_i for
the β = β_max face (all from the same data point). Its asymptotic covariance is the sandwich
H⁻¹ Cov(ψ) H⁻¹ with ψ the per-data-point θ-gradient (Qin & Risteski 2023, Thm. on CTLD).
Baselines: MLE on the original model (I_p(θ*)⁻¹) and on the lifted one (E_r[I_{p^β}(θ*)]⁻¹).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
import torch
from numpy.typing import NDArray

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.compile import compile_expr
from gsmtheory.numeric import gauss_legendre_panels_public as _gl  # noqa: F401  (replaced below)
from gsmtheory.numeric import log_r_functions, sample_beta, sample_mixture
from gsmtheory.symbolic import (
    BETA,
    CTLDParameters,
    Diffusion,
    GaussianMixture,
    GSMLoss,
    Model,
    Spec,
    ctld_lift_spec,
    gsm_loss,
)

__all__ = [
    "CTLDEfficiency",
    "CTLDFit",
    "CTLDProblem",
    "ctld_efficiency",
    "ctld_problem",
    "fit_ctld",
    "fit_vanilla",
]

Array = NDArray[Any]
