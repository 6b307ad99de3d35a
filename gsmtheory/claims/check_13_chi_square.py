r"""Claim 13 (Lemma 17, COLT 2024 p. 11; Lemma 31, p. 32): χ² between lifted components ≤ 14D²/λ.

Statement (as printed; here with the standard χ²(p_i‖p_j) = ∫(p_i/p_j − 1)² p_j and D read as the
diameter of the means — C23 checks Lemma 31's printed ∫(p_i/p_j − 1)² p_i and the radius reading): with log r(β) = −7·diam²/(λ(1+β)) and β_max = 14·diam²/λ − 1, the
χ²-divergence between lifted components p_i(x, β) = r(β)N(μ_i, Σ+βλI)/Z_r is at most
14·diam²/λ.

Why this tests it: the components share the β-marginal and Gaussians with one covariance C have
1 + χ²(N(μ_i, C)‖N(μ_j, C)) = exp(Δμᵀ C⁻¹ Δμ), so 1 + χ² = E_{β∼r}[exp(Δμᵀ(Σ+βλI)⁻¹Δμ)], a 1D
β-quadrature (``lifted_chi_square``), checked once against a direct 2D quadrature of
∫∫ p_i²/p_j. With Σ = λI and u = (1+β)λ/diam² the integral becomes
∫_{λ/diam²}^{14} e^{−6/u} du / ∫ e^{−7/u} du − 1, which tends to an absolute constant as diam
grows: the bound holds with a huge margin and the growth it allows is not there.

Tolerance: one-sided bound, exact.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate

from gsmtheory.numeric import lifted_chi_square
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import GaussianMixture, ctld_parameters
from gsmtheory.verify import ClaimRecord, Erratum, Source, Verdict, plot, series

CLAIM_ID = "C13"

SOURCE = Source('COLT 2024', 'Lemma 17, p. 11; Lemma 31, p. 32',
                'χ²(p(x, β | i), p(x, β | j)) ≤ 14D²/λ_min')


def check(quick: bool = True) -> ClaimRecord:
    """χ² between lifted components against 14·diam²/λ, over separations."""
    ms = [0.5, 1.0, 2.0, 4.0, 7.0] if quick else list(np.linspace(0.5, 7.0, 14))
    chi, bound = [], []
    for m in ms:
        mix = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
        params = ctld_parameters(mix)
        chi.append(lifted_chi_square(mix, ctld_schedule(params), 0, 1))
        bound.append(14 * params.diameter ** 2 / params.lambda_min)
    slope = float(np.polyfit(np.log([2 * m for m in ms[-3:]]), np.log(chi[-3:]), 1)[0])
    limit = (integrate.quad(lambda u: np.exp(-6 / u), 0, 14)[0]
             / integrate.quad(lambda u: np.exp(-7 / u), 0, 14)[0] - 1)
    # direct 2D check at m = 1: ∫∫ p_i² / p_j dx dβ
    mix = GaussianMixture(((-1.0,), (1.0,)), (0.5, 0.5), ((1.0,),))
    params = ctld_parameters(mix)
    t, w = np.polynomial.legendre.leggauss(64)
    b = 0.5 * params.beta_max * (t + 1)
    wb = 0.5 * params.beta_max * w * np.exp(ctld_schedule(params).law.logpdf(b))
    x = np.linspace(-60, 60, 6001)
    s = 1 + b[:, None]
    log_ratio = -2 * (x + 1) ** 2 / (2 * s) + (x - 1) ** 2 / (2 * s) - 0.5 * np.log(2 * np.pi * s)
    direct = float(np.sum(wb * np.trapezoid(np.exp(log_ratio), x, axis=1)) - 1)
    agree = abs(direct - lifted_chi_square(mix, ctld_schedule(params), 0, 1))
    findings = [f"The lifted chi^2 with the reported r and beta_max is {chi[-1]:.4f} at diam = {2 * ms[-1]:g} "
                f"(bound 14*diam^2/lambda = {bound[-1]:.4g}); it tends to the absolute constant "
                f"int e^(-6/u) / int e^(-7/u) - 1 = {limit:.4f} (u over (0, 14]), so the bound is loose by a "
                f"factor {bound[-1] / chi[-1]:.3g} and the chi^2 does not grow with diam at all."]
    numbers = (f"χ² = {', '.join(f'{c:.4f}' for c in chi)} at D = {', '.join(f'{2 * m:g}' for m in ms)} against "
               f"14D²/λ = {', '.join(f'{b:.4g}' for b in bound)}; it tends to {limit:.4f} as D grows")
    errata = [Erratum(
        "loose", SOURCE.printed, numbers + ".",
        f"χ²(p(x, β | i), p(x, β | j)) ≤ ∫_0^14 e^(−6/u) du / ∫_0^14 e^(−7/u) du − 1 = {limit:.4f} for two components "
        "with Σ = λI under the default r (substitute u = (1+β)λ/D²): an absolute constant, not 14D²/λ_min.",
        "Lemma 17/31: the last step ∫ exp(7D²/(λ_min(1+β))) r(β) dβ ≤ 14D²/λ_min discards that this integral is "
        f"β_max/Z_r, an O(1) number; is an absolute constant (here {limit:.3g} for two components) the intended "
        "bound, which would also make Lemma 16's C̄ independent of D?")]
    return ClaimRecord.bound(
        CLAIM_ID, "chi^2 (standard) between lifted components stays bounded; printed bound 14 D^2 / lambda (D the "
                  "diameter of the means).",
        "Qin & Risteski, COLT 2024, Lemmas 17 and 31", chi, bound, upper=True, errata=errata,
        details={"separation": ms, "chi_square": chi, "reported_bound": bound, "limit_constant": limit,
                 "direct_2d_vs_closed_form": agree,
                 "plots": [plot("ctld_chi_square", "chi^2 between lifted components",
                                "distance between the means d = 2m",
                                "chi^2", [series("computed chi^2", [2 * m for m in ms], chi),
                                          series("14 diam^2/lambda", [2 * m for m in ms], bound, style="dashed")],
                                yscale="log")]},
        findings=findings, source=SOURCE,
        verdicts=[Verdict(
            f"{SOURCE.citation} with the standard χ² and D the diameter of the means (the package's reading)", "loose",
            f"Loose: the lifted χ² stays below {limit:.4f} (its limit as D grows) while the bound 14D²/λ_min grows like "
            f"D²; at D = {2 * ms[-1]:g} it is loose by a factor {bound[-1] / chi[-1]:.3g}. Fitted exponent of χ² in D "
            f"over the last points: {slope:.3f} against the printed 2.",
            fitted=slope, printed=2.0, quantity="exponent of D (λ = 1)", slack=min(b / c for b, c in zip(bound, chi, strict=True)))],
        labels=[f"χ² at D = {2 * m:g}" for m in ms])
