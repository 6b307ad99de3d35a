r"""Claim 34 (Lemma 30, COLT 2024 p. 31): the second moment of the β-score of one component.

Printed: sup_β E_{p(x|β,i)}(∂_β log p(x|β, i))² ≲ d² max{λ_max⁸, D¹⁶}, with p(x | β, i) =
N(x; μ_i, Σ + βλ_min I).

Closed form: with C = Σ + βλ_min I and z = x − μ_i ~ N(0, C), ∂_β log p(x|β, i) = (λ_min/2)(zᵀC⁻²z −
Tr C⁻¹) (the heat equation, C11), so E(∂_β log p)² = (λ_min²/4)·Var(zᵀC⁻²z) = (λ_min²/2) Tr C⁻²; its
sup over β is at β = 0: (λ_min²/2)·Σ_k λ_k(Σ)⁻² ≤ d/2. It does not depend on D at all, grows like d
(Σ = I), falls with λ_max at fixed λ_min, and stays below d/2 as λ_min → 0 at fixed λ_max.

Why this tests it: the expectation is computed by Gauss–Hermite quadrature from the package's β-score
(λ·``mixture_dlogpdf_ds`` of a one-component mixture) at several β, in 1D and for a correlated 2D Σ,
and compared with the closed form (relative 1e-10); the exponents in each variable (d, D, λ_max,
λ_min, the others fixed) follow from the closed form and are compared with the printed ones.

Pass (equality): quadrature against the closed form, every case. Verdict: loose (exponent 1 in d
against the printed 2; 0 in D against 16; no growth in λ_max against 8). The bound is not scale
invariant — the left side does not change under x → sx (D → sD, Σ → s²Σ) while the right side scales
like s¹⁶ — so it needs D ≥ 1 or λ_max ≥ 1, a normalisation that is not printed (reported as a finding).
"""

from __future__ import annotations

import numpy as np

from gsmtheory.numeric import mixture_dlogpdf_ds, normal_rule
from gsmtheory.symbolic import GaussianMixture
from gsmtheory.verify import ClaimRecord, Erratum, Source, Verdict

CLAIM_ID = "C34"

SOURCE = Source("COLT 2024", "Lemma 30, p. 31",
                "sup_β E_{p(x|β,i)}(∂_β log p(x|β, i))² ≲ d² max{λ_max⁸, D¹⁶}, p(x|β, i) = N(μ_i, Σ + βλ_min I)")


def closed_form(cov: np.ndarray, beta: float) -> float:
    """(λ_min²/2)·Tr((Σ + βλ_min I)⁻²)."""
    lam = float(np.linalg.eigvalsh(cov)[0])
    c = cov + beta * lam * np.eye(cov.shape[0])
    ci = np.linalg.inv(c)
    return 0.5 * lam * lam * float(np.trace(ci @ ci))


def by_quadrature(cov: np.ndarray, beta: float, mean: float = 0.7, nodes: int = 24) -> float:
    """E over N(μ, C) of (λ_min·∂_s log N(x; μ, Σ + s I) at s = βλ_min)², Gauss–Hermite, from the package's score."""
    d = cov.shape[0]
    lam = float(np.linalg.eigvalsh(cov)[0])
    c = cov + beta * lam * np.eye(d)
    z, w = normal_rule(nodes, d)
    zz = np.atleast_2d(z.reshape(-1, d) if d > 1 else z[:, None])
    x = mean + zz @ np.linalg.cholesky(c).T
    comp = GaussianMixture((tuple([mean] * d),), (1.0,), tuple(tuple(float(v) for v in row) for row in cov))
    score = lam * mixture_dlogpdf_ds(comp, x, beta * lam)
    return float(np.sum(w * score ** 2))


def check(quick: bool = True) -> ClaimRecord:
    """Quadrature against the closed form; the exponents in d, D, λ_max, λ_min from it."""
    cases = [("1D, Σ = 1", np.array([[1.0]])), ("1D, Σ = 0.3", np.array([[0.3]])),
             ("2D, correlated Σ", np.array([[1.0, 0.4], [0.4, 0.6]]))]
    betas = [0.0, 0.5, 3.0, 20.0] if quick else [0.0, 0.1, 0.5, 1.0, 3.0, 10.0, 20.0, 100.0]
    comp, theo, labels = [], [], []
    for name, cov in cases:
        for b in betas:
            comp.append(by_quadrature(cov, b))
            theo.append(closed_form(cov, b))
            labels.append(f"E(∂_β log p)², {name}, β = {b:g}")
    # exponents from the closed form (sup over β is at β = 0)
    ds = np.array([1, 4, 16, 64])
    in_d = [closed_form(np.eye(int(d)), 0.0) for d in ds]
    k_d = float(np.polyfit(np.log(ds), np.log(in_d), 1)[0])
    kap = np.array([1.0, 10.0, 100.0, 1000.0])
    in_lmax = [closed_form(np.diag([1.0, k]), 0.0) for k in kap]
    k_lmax = float(np.polyfit(np.log(kap), np.log(in_lmax), 1)[0])
    in_lmin = [closed_form(np.diag([1.0 / k, 1.0]), 0.0) for k in kap]
    k_lmin = float(np.polyfit(np.log(kap[-2:]), np.log(in_lmin[-2:]), 1)[0])
    sup = max(theo)
    scale = closed_form(np.eye(1) * 0.01, 0.0)
    numbers = (f"E(∂_β log p)² at β = 0 is (λ_min²/2)Σ_k λ_k⁻² = {', '.join(f'{v:.4g}' for v in in_d)} for Σ = I_d, "
               f"d = {', '.join(str(int(d)) for d in ds)} (exponent {k_d:.3f} in d against 2), independent of D "
               f"(exponent 0 against 16), falling with λ_max at λ_min = 1 (exponent {k_lmax:.3f} against 8) and "
               f"bounded as λ_min → 0 at λ_max = 1 (exponent {k_lmin:.3f}; none printed)")
    return ClaimRecord.equality(
        CLAIM_ID, "Lemma 30's β-score moment is (λ_min²/2)Tr((Σ + βλ_min I)⁻²) ≤ d/2: quadrature from the package's "
                  "β-score against the closed form; exponents in each variable against the printed d² max{λ_max⁸, D¹⁶}.",
        "Qin & Risteski, COLT 2024, Lemma 30", comp, theo, 1e-10,
        "Gauss–Hermite with 24 nodes per axis is exact for these quartic integrands up to rounding",
        details={"betas": betas, "exponent_d": k_d, "exponent_lambda_max": k_lmax, "exponent_inverse_lambda_min": k_lmin,
                 "sup_over_cases": sup, "value_at_lambda_0.01_d_1": scale},
        findings=[f"Lemma 30 holds with slack in every variable: {numbers}.",
                  f"The bound is not scale invariant: the left side is the same for x → sx (D → sD, Σ → s²Σ) — "
                  f"{scale:.4g} for d = 1 at any λ — while d² max{{λ_max⁸, D¹⁶}} scales like s¹⁶; with λ_max = 0.01 "
                  "and D = 0.1 it is 1e-16, so the statement needs D ≥ 1 or λ_max ≥ 1 (or a constant depending on "
                  "them), a normalisation the lemma does not print."],
        source=SOURCE, labels=labels,
        errata=[Erratum(
            "loose", SOURCE.printed, numbers + ".",
            "sup_β E_{p(x|β,i)}(∂_β log p(x|β, i))² = (λ_min²/2) Σ_k λ_k(Σ)⁻² ≤ d/2 (exactly, with Definition 6's "
            "p^β; four times that with Lemma 28's printed factor).",
            "Lemma 30 bounds a quantity that is at most d/2 — independent of D, decreasing in λ_max — by "
            "d² max{λ_max⁸, D¹⁶}: is the closed form (λ_min²/2)Tr((Σ + βλ_min I)⁻²) usable instead, and is a "
            "normalisation such as D ≥ 1 intended (the printed bound is not scale invariant)?")],
        verdicts=[Verdict(f"{SOURCE.citation}: {SOURCE.printed}", "loose",
                          f"Loose: {numbers}. (Under x → sx the left side is invariant and the right side scales like "
                          "s¹⁶: the lemma needs a normalisation such as D ≥ 1 or λ_max ≥ 1.)",
                          fitted=k_d, printed=2.0, quantity="exponent of d (Σ = I)")])
