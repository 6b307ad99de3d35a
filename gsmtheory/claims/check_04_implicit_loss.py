r"""Claim 4: the explicit and implicit GSM losses differ by a θ-independent constant.

Statement (Qin & Risteski 2023, Prop. on GSM losses; Hyvärinen 2005, Thm 1 for D = I):
for p ∝ e^ℓ on Ω with reflecting finite ends and a model q_θ ∝ e^{ℓ_θ},

    E_p[½ (∇ℓ − ∇ℓ_θ)ᵀ D (∇ℓ − ∇ℓ_θ)]
        = E_p[½ ∇ℓ_θᵀ D ∇ℓ_θ + ∇·(D ∇ℓ_θ)] − Σ_faces ∫ p · nᵀ D ∇ℓ_θ + ½ E_p[∇ℓᵀ D ∇ℓ],

so implicit(θ) − explicit(θ) = −½ E_p[∇ℓᵀ D ∇ℓ] at every θ, *with* the boundary terms.

Assumptions: p·D∇ℓ_θ decays at infinite ends; finite ends are kept as faces. The boundary
terms vanish when p·D vanishes on the face (Jacobi D = x(1 − x)) and matter otherwise.

Why this tests it: the losses are derived symbolically (``gsm_loss``) and evaluated by
quadrature (``evaluate_gsm_loss``) at several θ for targets covering Langevin, a
state-dependent D, a non-Gaussian target (double well), a mixture, 2D, a Jacobi diffusion on
[0, 1] (faces present but vanishing) and two reflected Gaussians where the faces matter (1D on
[0, 2], 2D on a box). For each case the deviation max_θ |implicit − explicit + ½E_p[∇ℓᵀD∇ℓ]|
is divided by the size of the losses. Independent closed forms check the quadrature: Gaussian
(explicit = μ²/(2σ⁴), constant 1/(2σ²)), Jacobi Beta(a, b) (constant (a + b − 2)/2), reflected
Gaussian (explicit = (μ − c)²/2, constant ½E[(x − c)²] of a truncated normal, from SciPy).

The reflected cases are also evaluated with the boundary terms dropped (the implicit loss as
often written): the finding reports how θ-dependent the difference then is and where that
loss is minimized instead of at θ*.

CTLD's lifted loss has β-faces (β reflected at 0 and β_max): ``evaluate_loss`` of the lifted problem evaluates
the explicit and implicit losses of the lift of ``ctld-bimodal`` (mean parameter a) at five θ
in a* ± 0.5, with and without the face terms, under the default r and β_max (m = 1, 2) and with
r ≡ 1, β_max = 3 (m = 1; full mode adds m = 2). With the faces the difference must be
θ-independent to the same tolerance (it enters ``computed``); without them its θ-spread and the
shift of the minimizer are reported: tiny under the default r (r ≈ 0 at β = 0 and the face at
β_max sees p^β nearly flat in θ), of order 1e-2 with a flat r on a short interval.

Tolerance: 1e-9 relative. Composite 16-point Gauss–Legendre quadrature reaches ~1e-14 on these
smooth integrands (refinement errors below 1e-12); 1e-9 leaves room for the 2D rule while any
wrong sign or dropped term shows up at order 1e-1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.optimize import minimize_scalar

from gsmtheory.claims._lifted import lifted_grid, rule
from gsmtheory.claims._witnesses import header, run_command
from gsmtheory.numeric import mixture_dlogpdf_ds, mixture_logpdf, mixture_score
from gsmtheory.solve import (
    LossOptions,
    build_problem,
    ctld_schedule,
    evaluate_gsm_loss,
    evaluate_loss,
)
from gsmtheory.symbolic import (
    GaussianMixture,
    Spec,
    ctld_parameters,
    gsm_loss,
    load_spec,
    parse_spec,
)
from gsmtheory.verify import (
    ClaimRecord,
    Erratum,
    Source,
    Verdict,
    Witness,
    plot,
    series,
    verdict_settled,
)

CLAIM_ID = "C04"

SOURCE = Source('COLT 2024', 'Lemma 2, eq. (3), p. 4; Proposition 7, p. 28',
                'D_GSM = ½(E_p‖B∇log p_θ‖² + 2E_p div(B²∇log p_θ)) + K_p; CTLD: ℓ = ½‖∇_x log p_θ‖² + Δ_x log p_θ + ½(∂_β log p_θ)² + ∂_β log r ∂_β log p_θ + ∂²_β log p_θ (printed without boundary terms)')

STATEMENT = ("Explicit and implicit GSM losses differ by a θ-independent constant, "
             "−½E_p[∇ℓᵀD∇ℓ], once the boundary terms of finite reflecting ends are kept.")
REFERENCE = ("Qin & Risteski 2023 (arXiv 2306.09332), GSM loss by integration by parts; "
             "Hyvärinen 2005, Thm 1")
TOLERANCE = 1e-9

#: A 2D Gaussian restricted to a box with reflecting ends: the boundary terms do not vanish.
BOX_2D = """
name = "reflected-gaussian-2d"
coords = ["x", "y"]
log_density = "-(x - c1)**2/2 - (y - c2)**2/(2*s)"
[constants]
c1 = 0.4
c2 = -0.2
s = 1.5
[domain]
x = [0, 2]
y = [-1, 1.5]
[model]
params = ["a", "b"]
truth = {a = "c1", b = "c2"}
log_density = "-(x - a)**2/2 - (y - b)**2/(2*s)"
"""

_QUICK_CASES = ("gaussian", "double-well", "state-dependent-langevin", "bimodal", "jacobi",
                "reflected-gaussian", "gaussian-2d", "nonreversible-gaussian", BOX_2D)
_FULL_EXTRA = ("preconditioned-gaussian", "bimodal-weight", "mixture-2d-shift")


def _spec(name: str) -> Spec:
    if name.lstrip().startswith("name"):
        return parse_spec(name, name="reflected-gaussian-2d")
    if name == "mixture-2d-shift":  # the 2D mixture with a location model
        text = load_spec("mixture-2d").text + (
            '[model]\nparams = ["a"]\ntruth = {a = 0.0}\n'
            '[model.mixture]\nmeans = [["-m + a", 0], ["m + a", 0]]\nweights = [0.5, 0.5]\n'
            'covariance = [[1.0, 0.0], [0.0, 1.0]]\n')
        return parse_spec(text, name=name)
    return load_spec(name)


def _offsets(quick: bool) -> np.ndarray:
    return np.array([-0.7, 0.0, 0.45, 1.1]) if quick else np.linspace(-1.0, 1.2, 9)


#: parameter steps per case (a mixture weight must stay inside (0, 1))
_STEP = {"bimodal-weight": 0.4}


@dataclass(frozen=True)
class _Case:
    """One target evaluated at several θ."""

    spec: Spec
    params: tuple[dict[str, float], ...]
    explicit: np.ndarray
    implicit: np.ndarray
    boundary: np.ndarray
    expected: float  # −½E_p[∇ℓᵀD∇ℓ]
    deviation: float  # max_θ |implicit − explicit − expected| / size of the losses
    spread_without_boundary: float
    has_boundary: bool
    quadrature_error: float


def _evaluate(name: str, quick: bool) -> _Case:
    spec = _spec(name)
    if spec.model is None:
        raise ValueError(f"spec {name!r} has no model")
    loss = gsm_loss(spec.diffusion, spec.model)
    names = [str(p) for p in spec.model.params]
    step = _STEP.get(spec.name, 1.0)
    points = tuple({n: t + step * off * (1 + 0.3 * i)
                    for i, (n, t) in enumerate(zip(names, spec.model.truth))}
                   for off in _offsets(quick))
    ev = evaluate_gsm_loss(loss, points, panels=32 if quick else 64)
    explicit, implicit = np.array(ev.explicit), np.array(ev.implicit)
    boundary = np.array(ev.boundary)
    expected = -ev.constant
    scale = max(float(np.max(np.abs(explicit))), float(np.max(np.abs(implicit))), abs(expected), 1e-300)
    deviation = float(np.max(np.abs(implicit - explicit - expected))) / scale
    return _Case(spec, points, explicit, implicit, boundary, expected, deviation,
                 float(np.ptp(implicit - boundary - explicit)), bool(loss.has_boundary),
                 float(max(max(ev.explicit_error), max(ev.implicit_error))))


def _closed_form_deviation(case: _Case) -> float | None:
    """Relative deviation of the package's numbers from an independent closed form."""
    consts = case.spec.constants_map
    name = case.spec.name
    mus = np.array([next(iter(p.values())) for p in case.params])
    if name == "gaussian":
        s2 = consts["sigma"] ** 2
        ref_e, ref_c = mus**2 / (2 * s2**2), -1 / (2 * s2)
    elif name == "jacobi":
        a, b = consts["a"], consts["b"]
        ref_c = -(a + b - 2) / 2
        return abs(case.expected - ref_c) / abs(ref_c)
    elif name == "reflected-gaussian":
        c = consts["c"]
        tn = stats.truncnorm(0 - c, 2 - c, loc=c, scale=1.0)
        second = tn.var() + (tn.mean() - c) ** 2
        ref_e, ref_c = (mus - c) ** 2 / 2, -second / 2
    else:
        return None
    scale = max(float(np.max(np.abs(ref_e))), abs(ref_c))
    return max(float(np.max(np.abs(case.explicit - ref_e))), abs(case.expected - ref_c)) / scale


def _argmin(f: Any, lo: float, hi: float) -> float:
    """The minimiser of f on [lo, hi], found directly (bounded Brent, xatol 1e-8); NaN at an end of
    the interval (no interior minimum there)."""
    r = minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-8})
    x = float(r.x)
    return x if lo + 1e-6 < x < hi - 1e-6 else math.nan


def ctld_no_face_loss(m: float, overrides: dict[str, Any], quick: bool) -> Any:
    """a ↦ the implicit CTLD loss of ``ctld-bimodal`` (means ±a) *without* its β-face terms, up to a
    θ-free constant, from closed forms (not the package's loss code): explicit(a) from the tensor rule
    of ``_lifted.lifted_grid`` plus the face term c_max E_{p^β_max}[∂_β log p_a^β] − c_0 E_{p^0}[∂_β log p_a^β]
    (c = r(β)/Z_r) that the integration by parts in β leaves (module docstring)."""
    target = GaussianMixture(((-m,), (m,)), (0.5, 0.5), ((1.0,),))
    params = ctld_parameters(target, **overrides)
    g = lifted_grid(target, params, beta_panels=8 if quick else 16, x_panels=12 if quick else 24)
    X, S = g.X[..., None], g.B * g.lam
    sx = mixture_score(target, X, S)[..., 0]
    sb = g.lam * mixture_dlogpdf_ds(target, X, S)
    schedule = ctld_schedule(params)
    faces = []
    for beta in (0.0, params.beta_max):
        c = float(np.exp(schedule.law.logpdf(np.array([beta]))[0]))
        sd = math.sqrt(1 + beta * g.lam)
        x, wx = rule(-m - 12 * sd, m + 12 * sd, 48)
        dens = np.exp(mixture_logpdf(target, x[:, None], beta * g.lam)) * wx
        faces.append((c, x, dens, beta))

    def loss(a: float) -> float:
        model = GaussianMixture(((-a,), (a,)), (0.5, 0.5), ((1.0,),))
        dx = sx - mixture_score(model, X, S)[..., 0]
        db = sb - g.lam * mixture_dlogpdf_ds(model, X, S)
        explicit = 0.5 * float(np.sum(g.W * (dx * dx + db * db)))
        face = 0.0
        for sign, (c, x, dens, beta) in zip((-1.0, 1.0), faces, strict=True):
            face += sign * c * float(np.sum(dens * g.lam * mixture_dlogpdf_ds(model, x[:, None], beta * g.lam)))
        return explicit + face

    return loss


def _ctld_faces(quick: bool) -> list[dict[str, Any]]:
    """CTLD lift of ctld-bimodal: θ-spread of implicit − explicit with and without the β-face terms."""
    cases: list[tuple[float, dict[str, Any]]] = [(1.0, {}), (2.0, {}), (1.0, {"log_r": "0", "beta_max": 3.0})]
    if not quick:
        cases.append((2.0, {"log_r": "0", "beta_max": 3.0}))
    rows = []
    for m, overrides in cases:
        spec = load_spec("ctld-bimodal", constants={"m": m})
        problem = build_problem(spec, lift=True, **overrides)
        a = float(problem.truth[0])
        thetas = np.linspace(a - 0.5, a + 0.5, 5)
        # quick: 32 panels per axis (the error from 64) instead of 64 (from 128); the deviation with the
        # faces stays at quadrature level (recorded as quadrature_error), dropping them moves it by ~1e-1
        v = evaluate_loss(problem, [{"a": float(t)} for t in thetas], options=LossOptions(panels=32 if quick else 64))
        explicit = np.array(v.explicit)
        kept = np.array(v.difference)
        dropped = np.array(v.implicit_without_boundary)
        expected = -v.constant
        scale = max(float(np.max(np.abs(explicit))), abs(expected), 1.0)
        mine = ctld_no_face_loss(m, overrides, quick)
        own = np.array([mine(float(t)) for t in thetas])
        agreement = float(np.ptp(dropped - own))  # both are the no-face loss up to a θ-free constant
        shift = _argmin(mine, a - 0.5, a + 0.5) - a  # minimised directly; NaN: no minimum inside a* ± 0.5
        rows.append({
            "m": m, "d": 2 * m, "r": "default" if not overrides else "flat (log r = 0)",
            "beta_max": float(getattr(problem.lift, "beta_max", "nan")), "thetas": thetas.tolist(),
            "deviation_with_faces": float(np.max(np.abs(kept - expected))) / scale,
            "spread_with_faces": float(np.ptp(kept)),
            "spread_without_faces": float(np.ptp(dropped - explicit)),
            "argmin_shift_without_faces": shift,
            "closed_form_vs_package_spread": agreement,
            "explicit_spread": float(np.ptp(explicit)),
            "quadrature_error": float(max(*v.explicit_error, *v.implicit_error))})
    return rows


def check(quick: bool = True) -> ClaimRecord:
    """Run the cases; computed = the worst relative deviation from the constant (theory: 0)."""
    cases = list(_QUICK_CASES) + ([] if quick else list(_FULL_EXTRA))
    per_case: dict[str, dict[str, Any]] = {}
    worst = 0.0
    for name in cases:
        case = _evaluate(name, quick)
        closed = _closed_form_deviation(case)
        dev = max(case.deviation, 0.0 if closed is None else closed)
        worst = max(worst, dev) if math.isfinite(dev) else math.inf
        per_case[case.spec.name] = {
            "deviation": case.deviation,
            "closed_form_deviation": closed,
            "constant": case.expected,
            "boundary_matters": case.has_boundary,
            "boundary_values": case.boundary.tolist(),
            "spread_without_boundary": case.spread_without_boundary,
            "quadrature_error": case.quadrature_error,
        }

    if verdict_settled(worst > TOLERANCE):  # a mutation test: the CTLD faces below take 80% of the time
        return ClaimRecord.equality(
            CLAIM_ID, STATEMENT, REFERENCE, [worst], [0.0], TOLERANCE, "relative to the size of the losses",
            relative=False, source=SOURCE, labels=["largest relative deviation of implicit − explicit (the targets)"],
            details={"stopped_at_first_failure": f"implicit − explicit is off its constant by {worst:.2g} "
                                                 "(relative) on a target", "cases": per_case})
    ctld = _ctld_faces(quick)
    for row in ctld:
        dev = row["deviation_with_faces"]
        worst = max(worst, dev) if math.isfinite(dev) else math.inf

    # the 1D reflected Gaussian, on a fine θ grid: what dropping the boundary terms does
    refl = load_spec("reflected-gaussian")
    c = refl.constants_map["c"]
    mus = np.linspace(c - 0.8, c + 1.2, 11 if quick else 41)
    ev = evaluate_gsm_loss(gsm_loss(refl.diffusion, refl.model), [{"mu": float(m)} for m in mus],
                           panels=32 if quick else 64)
    explicit = np.array(ev.explicit)
    implicit = np.array(ev.implicit)
    dropped = np.array(ev.implicit_without_boundary)
    const = ev.constant
    refl_loss = gsm_loss(refl.diffusion, refl.model)

    def at(mu: float, key: str) -> float:
        ev1 = evaluate_gsm_loss(refl_loss, [{"mu": float(mu)}], panels=32 if quick else 64)
        return float(getattr(ev1, key)[0])

    argmin_full = _argmin(lambda mu: at(mu, "implicit"), float(mus[0]), float(mus[-1]))
    argmin_dropped = _argmin(lambda mu: at(mu, "implicit_without_boundary"), float(mus[0]), float(mus[-1]))
    spread_dropped = float(np.ptp(dropped - explicit))
    spread_full = float(np.ptp(implicit - explicit))
    box = per_case.get("reflected-gaussian-2d", {})
    findings = [
        f"On the reflected Gaussian on [0, 2] (c = {c:g}), the implicit loss written without its "
        f"boundary terms is not the explicit loss plus a constant: implicit − explicit varies by "
        f"{spread_dropped:.4g} over μ ∈ [{mus[0]:.2g}, {mus[-1]:.2g}] (by {spread_full:.1e} with "
        f"the terms), and its minimizer is μ = {argmin_dropped:.4g} instead of μ* = {c:g} "
        f"(with the terms: {argmin_full:.10g}).",
    ]
    if box:
        findings.append(
            f"On the 2D box [0, 2]×[−1, 1.5] the same omission makes implicit − explicit vary by "
            f"{box['spread_without_boundary']:.3g} over the tested θ "
            f"(deviation with the terms: {box['deviation']:.1e}).")
    default = [r for r in ctld if r["r"] == "default"]
    flat = [r for r in ctld if r["r"] != "default"]
    def shift(r: dict[str, Any]) -> str:
        v = r["argmin_shift_without_faces"]
        return f"{v:+.2g}" if math.isfinite(v) else "beyond ±0.5: no minimum in the tested range"

    findings.append(
        "CTLD lift of ½N(−m,1)+½N(m,1) (parameter a, θ ∈ a* ± 0.5): without its β-face terms the implicit loss "
        "is off by a θ-dependent amount — implicit − explicit varies by "
        + ", ".join(f"{r['spread_without_faces']:.2g} at m = {r['m']:g} (d = {r['d']:g})" for r in default)
        + " under the default r and β_max, where the explicit loss itself varies only by "
        + ", ".join(f"{r['explicit_spread']:.2g}" for r in default) + " (minimizer shifted by "
        + ", ".join(shift(r) for r in default) + "), and by "
        + ", ".join(f"{r['spread_without_faces']:.2g} at m = {r['m']:g}" for r in flat)
        + " with r = 1, β_max = 3 (explicit varies by "
        + ", ".join(f"{r['explicit_spread']:.2g}" for r in flat) + "; minimizer shifted "
        + ", ".join(shift(r) for r in flat) + "); with the faces kept the "
        f"spread is ≤ {max(r['spread_with_faces'] for r in ctld):.1e}.")
    details = {
        "cases": per_case,
        "ctld_faces": ctld,
        "reflected_gaussian": {
            "mu_star": c, "argmin_implicit": argmin_full, "argmin_without_boundary": argmin_dropped,
            "bias_without_boundary": argmin_dropped - c, "spread_with_boundary": spread_full,
            "spread_without_boundary": spread_dropped,
        },
        "mode": "quick" if quick else "full",
        "plots": [plot(
            "boundary_terms", "GSM loss on [0, 2] (reflected Gaussian): explicit vs implicit",
            "μ", "loss", [
                series("explicit", mus, explicit),
                series("implicit + ½E[∇ℓᵀD∇ℓ]", mus, implicit + const, style="dashed"),
                series("implicit without boundary terms + ½E[∇ℓᵀD∇ℓ]", mus, dropped + const,
                       style="points"),
            ])],
    }
    flat_row = flat[0]
    name = f"{CLAIM_ID}-proposition7-faces"
    spec = WITNESS_SPEC.format(m=flat_row["m"])
    head = header(CLAIM_ID, "COLT 2024, Proposition 7, p. 28: the CTLD loss by parts without β-boundary terms",
                  "face_term_spread", "implicit − explicit is θ-free, i.e. the omitted β-face terms do not vary "
                  "with θ (spread 0) over a ∈ a* ± 0.5", f"gsmtheory verify --witness witness-{name}.toml")
    verdicts = [
        Verdict(f"{SOURCE.citation.split(';')[0]} (partition-free GSM loss; densities decaying at the ends)", "holds",
                f"Holds: implicit − explicit is θ-free to {max(v['deviation'] for v in per_case.values()):.1e} "
                f"(relative) on {len(per_case)} targets, boundary terms included where finite reflecting ends carry "
                "them (the lemma assumes decay; on [0, 2] the terms matter, see the findings)."),
        Verdict("COLT 2024, Proposition 7, p. 28 (the CTLD loss printed without β-boundary terms)", "false",
                f"False: without the β-face terms the implicit CTLD loss is not the explicit one plus a constant — "
                f"with r = 1 on [0, 3] (m = {flat_row['m']:g}) the face terms vary by "
                f"{flat_row['spread_without_faces']:.4g} over a ∈ a* ± 0.5 while the explicit loss varies by "
                f"{flat_row['explicit_spread']:.2g}; the minimiser of the loss without faces, found directly, moves by "
                f"{shift(flat_row)}.",
                witness=Witness(name, head + spec, "gsmtheory verify --witness {file}", "value",
                                flat_row["spread_without_faces"], 0.0, "==", 1e-9,
                                point={"m": flat_row["m"], "r": "flat", "beta_max": 3.0}),
                worst={"case": "ctld-bimodal, flat r on [0, 3]", **{k: flat_row[k] for k in (
                    "m", "spread_without_faces", "explicit_spread", "argmin_shift_without_faces")}}),
    ]
    errata = []
    if default:
        numbers = ("dropping the β-face terms from the CTLD loss of ½N(−m,1)+½N(m,1) (parameter a, default r and "
                   "β_max) makes implicit − explicit vary with θ by "
                   + ", ".join(f"{r['spread_without_faces']:.2g} at m = {r['m']:g}" for r in default)
                   + " (the explicit loss itself varies by " + ", ".join(f"{r['explicit_spread']:.2g}" for r in default)
                   + ") and moves the population minimizer by " + ", ".join(shift(r) for r in default)
                   + "; with r = 1, β_max = 3 the θ-variation is " + ", ".join(f"{r['spread_without_faces']:.2g}"
                                                                           for r in flat)
                   + f"; with the faces kept it is ≤ {max(r['spread_with_faces'] for r in ctld):.1e}")
        errata.append(Erratum(
            "false", "Proposition 7 (p. 28): ℓ = ½‖∇_x log p_θ(x|β)‖² + Δ_x log p_θ(x|β) + ½(∂_β log p_θ(x|β))² "
                     "+ ∂_β log r ∂_β log p_θ(x|β) + ∂²_β log p_θ(x|β), without β-boundary terms",
            numbers + ".",
            "The implicit CTLD loss equals the explicit one up to a θ-free constant only with the face terms "
            "−[(r(β)/Z_r) E_{p^β}[∂_β log p_θ(x|β)]]_{β=0}^{β=β_max} added (β is reflected on a bounded interval).",
            "Proposition 7 integrates by parts in β over [0, β_max] without the boundary terms at β = 0 and β_max; "
            "since r(β_max) > 0 the β_max face depends on θ (it shifts the minimizer here) — should the loss carry "
            "−[(r(β)/Z_r) E_{p^β}[∂_β log p_θ]]_0^{β_max}, or is an assumption making it vanish intended?"))
    agree = max(r["closed_form_vs_package_spread"] for r in ctld)
    return ClaimRecord.equality(
        CLAIM_ID, STATEMENT, REFERENCE, [worst, agree], [0.0, 0.0], TOLERANCE,
        "relative to the size of the losses; Gauss–Legendre quadrature is accurate to ~1e-14 here, "
        "any wrong sign or dropped boundary term is of order 1e-1; the closed-form no-face CTLD loss (used to "
        "minimise it directly) must match the package's up to a θ-free constant",
        relative=False, details=details, findings=findings, source=SOURCE, errata=errata, verdicts=verdicts,
        labels=["largest relative deviation of implicit − explicit from the constant (every case)",
                "closed-form CTLD loss without faces against the package's, θ-spread of the difference"])


#: the Proposition 7 witness: ctld-bimodal with a flat r on [0, 3] (m in {m})
WITNESS_SPEC = """description = "Proposition 7 witness: the CTLD loss of two unit Gaussians at -m, m (model: means -a, a), r = 1 on [0, 3]; the beta-face terms the printed loss omits depend on a"
coords = ["x"]
[constants]
m = {m}
[mixture]
means = [["-m"], ["m"]]
weights = [0.5, 0.5]
covariance = [[1.0]]
[model]
params = ["a"]
truth = {{a = "m"}}
[model.mixture]
means = [["-a"], ["a"]]
weights = [0.5, 0.5]
covariance = [[1.0]]
[ctld]
lambda_min = 1.0
diameter = "2*m"
beta_max = 3.0
log_r = "0"
"""


def evaluate_witness(spec_text: str, quantity: str) -> dict[str, float | str]:
    """``gsmtheory verify --witness FILE``: ``face_term_spread``, the θ-spread of the β-face terms of the CTLD
    loss (``gsmtheory loss`` at a ∈ a* ± 0.5, five points), against the printed 0."""
    if quantity != "face_term_spread":
        raise ValueError(f"unknown witness quantity {quantity!r} for {CLAIM_ID} (use face_term_spread)")
    spec = parse_spec(spec_text)
    a = float(spec.model.truth[0]) if spec.model is not None else 1.0
    out = run_command("gsmtheory loss {file} " + " ".join(f"--at a={t:.10g}" for t in np.linspace(a - 0.5, a + 0.5, 5)),
                      spec_text)
    return {"value": float(np.ptp(out["boundary"])), "bound": 0.0, "relation": "==", "tolerance": 1e-9,
            "explicit_spread": float(np.ptp(out["explicit"]))}
