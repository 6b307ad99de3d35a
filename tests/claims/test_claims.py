"""Every discovered check of gsmtheory.claims, run in quick mode, must pass (grows as checks land).

Mutation tests: patch a core computation to be wrong and the corresponding checks must fail.

Each :class:`Mutation` names a target ``"module:attr"`` or ``"module:Class.attr"``, a wrapper
turning the original into a wrong version, and the claim ids whose checks must then fail. The
patch replaces the object everywhere it was imported under ``gsmtheory`` and ``gsmtheory.claims``
(``from x import f`` binds a name per module), and monkeypatch undoes it. A mutation whose target
or whose checks do not exist yet is skipped, so the list can name future targets.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import pkgutil
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
import sympy as sp

from gsmtheory.verify import (
    PAPERS,
    Source,
    discover,
    run_check,
)
from tests.test_architecture import LAYERS

CHECKS = discover("gsmtheory.claims")

#: the printed statements of COLT 2024 that issue 15 asks the claims to cite (docs/paper.md's bold ones)
REQUIRED_LOCATORS = ("Theorem 5", "Theorem 6", "Proposition 2", "Proposition 7", "Lemma 10", "Lemma 11", "Theorem 12",
                     "Theorem 13", "Theorem 14", "Lemma 15", "Lemma 16", "Lemma 17", "Lemma 28", "Lemma 29",
                     "Lemma 30", "Remark 8", "Remark 9")


def _witnesses(quick_record):  # type: ignore[no-untyped-def]
    return [(c.id, v.witness) for c in CHECKS for v in quick_record(c.id).verdicts if v.witness is not None]

SCOPES = ("gsmtheory", "gsmtheory.claims")


@dataclass(frozen=True)
class Mutation:
    """A deliberate bug: ``wrap(original) -> wrong`` applied at ``target``; ``claims`` must fail."""

    name: str
    target: str
    wrap: Callable[[Any], Any]
    claims: tuple[str, ...]


def _resolve(target: str) -> tuple[Any, str, Any]:
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    parts = path.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    original = owner.__dict__[parts[-1]] if isinstance(owner, type) else getattr(owner, parts[-1])
    return owner, parts[-1], original


def layer_of(module: str) -> int:
    """Position of a ``gsmtheory`` module in the one-way layering (``LAYERS``; -1: a base module)."""
    parts = module.split(".")
    name = parts[1].lstrip("_") if len(parts) > 1 and parts[0] == "gsmtheory" else ""
    return LAYERS.index(name) if name in LAYERS else -1


def clear_package_caches(scopes: tuple[str, ...] = SCOPES, from_layer: int = -1) -> int:
    """Empty every functools cache of the loaded modules within ``scopes`` in layer ``from_layer``
    or above; returns how many.

    A mutation patches one function, but what it returned while patched can stay in another
    function's cache (``estimating_terms`` keeps the loss a mutated ``gsm_loss`` gave) and reach a
    later test in the same worker: the caches are emptied before a mutation and after it is undone.
    A module below the mutated one's layer never calls it (imports go one way,
    tests/test_architecture.py), so its caches hold nothing the mutation changes and are kept.
    """
    cleared = 0
    for module, _key, value in _module_globals(scopes):  # a cache belongs to the layer that defines it
        if callable(getattr(value, "cache_clear", None)) and \
                layer_of(str(getattr(value, "__module__", module.__name__))) >= from_layer:
            value.cache_clear()
            cleared += 1
    return cleared


def _module_globals(scopes: tuple[str, ...]) -> Iterator[tuple[ModuleType, str, Any]]:
    """(module, name, value) of every global of the loaded modules within ``scopes``."""
    for name, module in list(sys.modules.items()):
        if module is not None and name.split(".")[0] in scopes:
            for key, value in list(vars(module).items()):
                yield module, key, value


@pytest.fixture
def mutated(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Mutation], None]]:
    """apply_mutation with the package caches of the mutated layer and above emptied before and
    after (the patch undone first)."""
    layers: list[int] = []

    def apply(mutation: Mutation) -> None:
        layers.append(layer_of(mutation.target.split(":")[0]))
        clear_package_caches(from_layer=layers[-1])
        apply_mutation(mutation, mp)

    with monkeypatch.context() as mp:
        yield apply
    clear_package_caches(from_layer=min(layers, default=-1))


@functools.cache
def import_scopes(scopes: tuple[str, ...]) -> int:
    """Import every module of the packages ``scopes`` once; returns how many are loaded. A module
    first imported while a mutation is applied binds the mutated function (or values computed with
    it) and keeps it once the mutation is undone: ``gsmtheory efficiency``, imported lazily by a
    check, then reported C_P at half its own lower bound in every later test of that worker."""
    for scope in scopes:
        package = importlib.import_module(scope)
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), f"{scope}."):
            importlib.import_module(info.name)
    return sum(name.split(".")[0] in scopes for name in sys.modules)


def apply_mutation(mutation: Mutation, monkeypatch: pytest.MonkeyPatch,
                   scopes: tuple[str, ...] = SCOPES) -> None:
    """Patch ``mutation.target`` and every module-level alias of it within ``scopes``, every module
    of which is imported first (:func:`import_scopes`), so the monkeypatch undoes every alias."""
    import_scopes(scopes)
    owner, attr, original = _resolve(mutation.target)
    wrong = mutation.wrap(original)
    monkeypatch.setattr(owner, attr, wrong)
    if isinstance(owner, type):
        return
    for module, key, value in _module_globals(scopes):
        if value is original:
            monkeypatch.setattr(module, key, wrong)


# ------------------------------------------------------------------ concrete mutations
def _replace_loss(change: Callable[[Any], dict[str, Any]]) -> Callable[[Any], Any]:
    def wrap(gsm_loss: Any) -> Any:
        def wrong(diffusion: Any, model: Any) -> Any:
            loss = gsm_loss(diffusion, model)
            return dataclasses.replace(loss, **change(loss))
        return wrong
    return wrap


def _divergence(loss: Any) -> sp.Expr:
    x, D = loss.diffusion.coords, loss.diffusion.D
    grad_q = sp.Matrix([sp.diff(loss.model.log_density, c) for c in x])
    Dg = D * grad_q
    return sum(sp.diff(Dg[i], x[i]) for i in range(len(x)))


def _drift_without_gamma(drift: Any) -> Any:
    def wrong(self: Any, *, reversible_only: bool = False) -> sp.ImmutableMatrix:
        M = self.D if reversible_only else self.D + self.Q
        return sp.ImmutableMatrix(M * self.grad_log_density)
    return wrong


def _drift_skew_sign(drift: Any) -> Any:
    def wrong(self: Any, *, reversible_only: bool = False) -> sp.ImmutableMatrix:
        if reversible_only:
            return drift(self, reversible_only=True)
        return sp.ImmutableMatrix(drift(self) - 2 * self.Q * self.grad_log_density)
    return wrong


def _scale_cp(factor: float) -> Callable[[Any], Any]:
    def wrap(func: Any) -> Any:
        def wrong(*args: Any, **kwargs: Any) -> Any:
            r = func(*args, **kwargs)
            if r is None:
                return r
            if dataclasses.is_dataclass(r):
                names = {f.name for f in dataclasses.fields(r)}
                changes: dict[str, Any] = {}
                if "poincare_constant" in names:
                    changes["poincare_constant"] = r.poincare_constant * factor
                if "spectral_gap" in names:
                    changes["spectral_gap"] = r.spectral_gap / factor
                if "value" in names:
                    changes["value"] = r.value * factor
                return dataclasses.replace(r, **changes)
            return r * factor
        return wrong
    return wrap


def _power_cp(power: float) -> Callable[[Any], Any]:
    """C_P → C_P^power (the exponent a growth claim is about)."""
    def wrap(func: Any) -> Any:
        def wrong(*args: Any, **kwargs: Any) -> Any:
            r = func(*args, **kwargs)
            c = r.poincare_constant ** power
            changes = {"poincare_constant": c, "spectral_gap": 1 / c}
            if hasattr(r, "log_poincare_constant"):
                changes["log_poincare_constant"] = power * r.log_poincare_constant
            if getattr(r, "error_estimate", None) is not None:
                changes["error_estimate"] = r.error_estimate / r.poincare_constant * c
            for key in ("lower", "upper"):
                if getattr(r, key, None) is not None:
                    changes[key] = getattr(r, key) ** power
            return dataclasses.replace(r, **changes)
        return wrong
    return wrap


def _scale_field(field: str, factor: float) -> Callable[[Any], Any]:
    def wrap(func: Any) -> Any:
        def wrong(*args: Any, **kwargs: Any) -> Any:
            r = func(*args, **kwargs)
            return dataclasses.replace(r, **{field: getattr(r, field) * factor})
        return wrong
    return wrap


def _scale_array(factor: float, when: Callable[..., bool] = lambda *a, **k: True) -> Callable[[Any], Any]:
    def wrap(func: Any) -> Any:
        def wrong(*args: Any, **kwargs: Any) -> Any:
            out = func(*args, **kwargs)
            return out * factor if when(*args, **kwargs) else out
        return wrong
    return wrap


def _shift_logpdf(func: Any) -> Any:
    """A mixture's log density off by a constant 1e-3 (its components' are not): p ≠ Σ w_k p_k."""
    def wrong(mix: Any, *args: Any, **kwargs: Any) -> Any:
        out = func(mix, *args, **kwargs)
        return out + 1e-3 if len(getattr(mix, "weights", ())) > 1 else out
    return wrong


def _sign_b_div(func: Any) -> Any:
    """The divergence term ∇_θ∇_x log p_θᵀ div D with the wrong sign in the search's route."""
    def wrong(case: Any, x: Any) -> Any:
        out = dict(func(case, x))
        out["b_div"] = -out["b_div"]
        return out
    return wrong


def _gsm_estimates_shifted(func: Any) -> Any:
    def wrong(spec: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        r = func(spec, data, *args, **kwargs)
        if kwargs.get("loss", args[0] if args else "gsm") == "gsm" and r.estimate is not None:
            return dataclasses.replace(r, estimate=tuple(v + 1e-6 for v in r.estimate))
        return r
    return wrong


def _cdf_bent(func: Any) -> Any:
    def wrong(*args: Any, **kwargs: Any) -> Any:
        import numpy as np
        return np.asarray(func(*args, **kwargs)) ** 1.3
    return wrong


def _design_worse(func: Any) -> Any:
    def wrong(*args: Any, **kwargs: Any) -> Any:
        d = func(*args, **kwargs)
        return dataclasses.replace(d, value=2 * d.value_default)
    return wrong


def _equal_weights(func: Any) -> Any:
    def wrong(weights: Any, m: float, quick: bool) -> Any:
        return func((0.5, 0.5), m, quick)
    return wrong


def _ignore_diameter(func: Any) -> Any:
    def wrong(*args: Any, **kwargs: Any) -> Any:
        kwargs.pop("diameter", None)
        return func(*args, **kwargs)
    return wrong


def _dimension_cp(func: Any) -> Any:
    """C_P(CTLD) of a d-dimensional target ×d²: the exponent in d two too large."""
    def wrong(mix: Any, *args: Any, **kwargs: Any) -> Any:
        import numpy as np
        r = func(mix, *args, **kwargs)
        d = np.asarray(mix[0]).shape[1] if isinstance(mix, tuple) else mix.dim
        return dataclasses.replace(r, poincare_constant=r.poincare_constant * d ** 2,
                                   error_estimate=r.error_estimate * d ** 2)
    return wrong


def _anisotropy_cp(func: Any) -> Any:
    """C_P(CTLD) ×κ¹⁰, κ = λ_max/λ_min of the covariance: the exponent in λ_max above the printed 9."""
    def wrong(mix: Any, *args: Any, **kwargs: Any) -> Any:
        import numpy as np
        r = func(mix, *args, **kwargs)
        cov = np.asarray(mix[2] if isinstance(mix, tuple) else mix.covariance, dtype=float)
        ev = np.linalg.eigvalsh(cov)
        k = float(ev[-1] / ev[0]) ** 10
        return dataclasses.replace(r, poincare_constant=r.poincare_constant * k, error_estimate=r.error_estimate * k)
    return wrong


def _smoothness_exponential(func: Any) -> Any:
    def wrong(problem: Any, *args: Any, **kwargs: Any) -> Any:
        import math

        d = problem.lift.params.diameter
        return tuple(v * math.exp(d * d) for v in func(problem, *args, **kwargs))
    return wrong


def _data_scaled(func: Any) -> Any:
    def wrong(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs) * 1.3
    return wrong


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("implicit loss: sign of ∇·(D∇ℓ_θ) flipped", "gsmtheory.symbolic:gsm_loss",
             _replace_loss(lambda L: {"implicit": L.implicit - 2 * _divergence(L)}), ("C04",)),
    Mutation("implicit loss: boundary terms dropped", "gsmtheory.symbolic:gsm_loss",
             _replace_loss(lambda L: {"boundary_terms": ()}), ("C04",)),
    Mutation("implicit loss: boundary flux with the wrong sign", "gsmtheory.symbolic:gsm_loss",
             _replace_loss(lambda L: {"boundary_terms": tuple(
                 dataclasses.replace(t, flux=-t.flux, vanishes=None if t.vanishes else t.vanishes)
                 for t in L.boundary_terms)}), ("C04",)),
    Mutation("drift without the correction Γ = ∇·(D + Q)",
             "gsmtheory.symbolic._diffusion:Diffusion.drift", _drift_without_gamma, ("C03",)),
    Mutation("drift with −Q∇ℓ but Γ from +Q",
             "gsmtheory.symbolic._diffusion:Diffusion.drift", _drift_skew_sign, ("C03",)),
    Mutation("1D Poincaré constant off by a factor 2", "gsmtheory.numeric:poincare_1d",
             _scale_cp(2.0), ("C01",)),
    Mutation("2D Poincaré constant off by a factor 2", "gsmtheory.numeric:poincare_2d",
             _scale_cp(2.0), ("C01",)),
    # the key lemma is a lower bound on H·C_P, tight for the Gaussian: a C_P too small breaks it
    Mutation("Poincaré constant of a diffusion too small by a factor 2",
             "gsmtheory.solve:poincare_constant", _scale_cp(0.5), ("C03", "C05")),
    # C_P(CTLD) ≥ C_β (test functions of β alone): a lifted C_P too small breaks Lemma 29's check
    Mutation("CTLD Poincaré constant too small by a factor 2", "gsmtheory.numeric:ctld_poincare",
             _scale_cp(0.5), ("C20",)),
    # Lemma 28 with the printed factor λ (∂_s log p_s doubled) contradicts the heat equation
    Mutation("β-score with Lemma 28's printed factor (twice the heat equation's)",
             "gsmtheory.numeric:mixture_dlogpdf_ds", _scale_cp(2.0), ("C11", "C34")),
    Mutation("lifted χ² off by a factor 3", "gsmtheory.numeric:lifted_chi_square", _scale_cp(3.0), ("C23",)),
    # one per claim: the constant, exponent or sign each claim is about, perturbed
    Mutation("Langevin C_P raised to the power 1.2 (growth exp(0.15 d²) instead of exp(d²/8))",
             "gsmtheory.numeric:poincare_1d", _power_cp(1.2), ("C02",)),
    Mutation("Theorem 6's divergence term b_div with the wrong sign (search route)",
             "gsmtheory.verify._gsm_family:tilt_terms", _sign_b_div, ("C06", "C25", "C31")),
    Mutation("GSM estimates off by 1e-6 (score matching no longer equals the MLE)",
             "gsmtheory.estimation:fit", _gsm_estimates_shifted, ("C07",)),
    Mutation("tilt efficiency ratio 0.1% too large (eigenfunctions no longer give 1)",
             "gsmtheory.estimation:tilt_efficiency", _scale_field("ratio", 1.001), ("C08",)),
    Mutation("the growth rate band of the bimodal lower bound moved away from 1/8",
             "gsmtheory.claims.check_09_koehler_bimodal:BAND", lambda band: (0.2, 0.3), ("C09",)),
    Mutation("the CDF of r(β) bent (the KS test of stationarity compares with the wrong law)",
             "gsmtheory.numeric:IntervalLaw.cdf", _cdf_bent, ("C10",)),
    Mutation("a mixture's log density off by a constant (the decomposition over components breaks)",
             "gsmtheory.numeric:mixture_logpdf", _shift_logpdf, ("C12",)),
    Mutation("lifted χ² ×1000 (above Lemma 17's 14D²/λ)", "gsmtheory.numeric:lifted_chi_square",
             _scale_cp(1000.0), ("C13", "C22")),
    Mutation("lifted C_P raised to the power 6 (exponent of D above 22 and 20)",
             "gsmtheory.numeric:ctld_poincare", _power_cp(6.0), ("C14", "C21")),
    Mutation("the band of Γ_CTLD/‖Γ_MLE‖²'s exponent shrunk below the fitted one",
             "gsmtheory.claims.check_15_annealed_efficiency:BAND", lambda band: (1.0, 2.0), ("C15",)),
    Mutation("mixture scores ×1.5 for K ≥ 2 (the perspective inequality's left side)",
             "gsmtheory.numeric:mixture_score",
             _scale_array(1.5, lambda mix, *a, **k: len(getattr(mix, "weights", ())) > 1), ("C16",)),
    Mutation("the designed temperature law twice as slow as the defaults", "gsmtheory.estimation:design_ctld",
             _design_worse, ("C17",)),
    Mutation("mixture Hessian ×2 (Lemma 28's factor and Proposition 2's weight move)",
             "gsmtheory.numeric:mixture_hessian", _scale_cp(2.0), ("C18", "C19")),
    Mutation("lifted χ² ×0.001 (C̄ = 1 everywhere: the decomposition bound too small where χ² > 1)",
             "gsmtheory.numeric:lifted_chi_square", _scale_cp(1e-3), ("C24",)),
    Mutation("Markov's factor 100 replaced by 1 (the printed event's probability, ≈ 0.68)",
             "gsmtheory.claims.check_26_remark9_markov:MARKOV", lambda v: 1.0, ("C26",)),
    Mutation("ctld_parameters ignores the diameter given (both readings the same)",
             "gsmtheory.symbolic:ctld_parameters", _ignore_diameter, ("C27",)),
    Mutation("the population CTLD loss with equal weights (unequal weights no longer identify the means)",
             "gsmtheory.claims.check_28_theorem14_identifiability:population_loss", _equal_weights, ("C28",)),
    Mutation("C_P(CTLD) in d dimensions ×d² (exponent of d above 2)", "gsmtheory.numeric:ctld_poincare_nd",
             _dimension_cp, ("C29",)),
    Mutation("C_P(CTLD) ×κ¹⁰ (exponent of λ_max above 9)", "gsmtheory.numeric:ctld_poincare_nd",
             _anisotropy_cp, ("C30",)),
    Mutation("lifted C_P ×0.01 (H⁻¹ ⪯ C_P Γ_MLE,lifted fails)", "gsmtheory.numeric:ctld_poincare",
             _scale_cp(0.01), ("C32",)),
    Mutation("lifted smoothness terms ×exp(D²) (exponential in D)", "gsmtheory.estimation:lifted_smoothness",
             _smoothness_exponential, ("C33",)),
    Mutation("data from means ±1.3 instead of ±1 (the empirical CTLD loss converges to another loss)",
             "gsmtheory.estimation:sample_target", _data_scaled, ("C35",)),
)


def _available(mutation: Mutation) -> list[str]:
    try:
        _resolve(mutation.target)
    except (ImportError, AttributeError, KeyError):
        pytest.fail(f"mutation target {mutation.target} does not exist (renamed? point the mutation at it)")
    ids = {c.id for c in discover("gsmtheory.claims")}
    claims = [c for c in mutation.claims if c in ids]
    if not claims:
        pytest.fail(f"no check for {', '.join(mutation.claims)}: the mutation tests nothing")
    return claims


# ------------------------------------------------------------------ the harness itself
@pytest.fixture
def fake_core(make_package: Callable[..., str]) -> Iterator[str]:
    core = '''
def poincare(sigma2):
    """C_P of N(0, sigma2) under Langevin."""
    return float(sigma2)
'''
    check = '''
from gsmtheory.verify import ClaimRecord
from {pkg}.core import poincare
CLAIM_ID = "C01"
def check(quick=True):
    return ClaimRecord.equality(CLAIM_ID, "C_P = sigma^2", "fake", poincare(3.0), 3.0, 1e-12, "exact")
'''
    pkg = make_package({"core": core})
    path = importlib.import_module(pkg).__path__[0]
    with open(f"{path}/check_01_gauss.py", "w") as fh:
        fh.write(textwrap.dedent(check.format(pkg=pkg)))
    yield pkg


def test_every_claim_has_a_mutation() -> None:
    from tests.claims.test_claims import MUTATIONS

    covered = {c for m in MUTATIONS for c in m.claims}
    missing = sorted({c.id for c in discover("gsmtheory.claims")} - covered)
    assert not missing, f"claims without a mutation test: {missing}"


@pytest.mark.xdist_group("quick_record")
def test_the_quick_record_group_runs_in_one_worker(request: pytest.FixtureRequest) -> None:
    """make test (--dist loadgroup) runs every claim once, in the worker that holds the group.

    pytest 9.2 with pytest-xdist 3.8 drops the group without a word (pytest-xdist#1386): each
    worker then runs the claims itself. Hence the pin in pyproject's [test] extra.
    """
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("only under pytest-xdist's --dist loadgroup (make test)")
    assert request.node.nodeid.endswith("@quick_record"), (
        f"--dist loadgroup lost this test's xdist_group ({request.node.nodeid}), as pytest "
        f"{pytest.__version__} does with pytest-xdist 3.8 (pytest-xdist#1386): install 'pytest<9.2'")


@pytest.mark.xdist_group("quick_record")
def test_every_check_cites_its_printed_statement_and_the_paper_is_covered() -> None:
    assert len(CHECKS) >= 24, [c.id for c in CHECKS]
    colt = []
    for c in CHECKS:
        source = getattr(importlib.import_module(c.module), "SOURCE", None)
        assert isinstance(source, Source), f"{c.module} defines no SOURCE = Source(...)"
        assert source.paper in PAPERS and source.locator.strip() and source.printed.strip()
        if source.paper == "COLT 2024":
            assert re.search(r"\bp{1,2}\. \d", source.locator), f"{c.id}: COLT locator without a page: {source.locator}"
            colt.append(source.locator)
    for name in REQUIRED_LOCATORS:
        assert any(re.search(rf"\b{name}\b", loc) for loc in colt), f"no claim cites COLT 2024 {name}"


@pytest.mark.xdist_group("quick_record")
def test_claim_ids_are_unique_and_modules_follow_the_naming() -> None:
    ids = [c.id for c in CHECKS]
    assert len(ids) == len(set(ids)), ids
    for c in CHECKS:
        number = c.slug.split("_")[1]
        assert c.id == f"C{number}", f"{c.module} declares {c.id}; its file name says C{number}"


@pytest.mark.slow
@pytest.mark.xdist_group("quick_record")
@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_check_passes_in_quick_mode(check, quick_record) -> None:  # type: ignore[no-untyped-def]
    assert check.problem is None, check.problem
    record = quick_record(check.id)
    summary = {k: record.to_dict()[k] for k in ("kind", "relation", "computed", "theoretical")}
    assert record.kind != "error", record.details.get("error")
    assert record.passed, json.dumps(summary, default=str)[:2000]
    assert record.statement and record.reference and record.relation
    assert record.source == importlib.import_module(check.module).SOURCE, "the record must carry the module's SOURCE"
    for erratum in record.errata:
        assert erratum.question.rstrip().endswith("?") and erratum.numbers and erratum.corrected
    assert record.computed is not None and record.theoretical is not None
    doc = __import__(check.module, fromlist=["check"]).__doc__ or ""
    assert len(doc.strip()) > 200, f"{check.module} needs a docstring stating claim, why and tolerance"


@pytest.mark.slow
@pytest.mark.xdist_group("quick_record")
def test_merged_plots_of_the_real_checks_share_one_x_axis(quick_record) -> None:  # type: ignore[no-untyped-def]
    """C02/C14 and C09/C15 feed one plot each: same x (d, the distance between the means), and
    where the targets coincide (two unit-variance Gaussians, equal weights) so do the curves."""
    from gsmtheory.verify import collect_plots

    records = [quick_record(i) for i in ("C02", "C06", "C09", "C14", "C15")]
    merged = collect_plots(records)
    for name in ("cp_vs_separation", "efficiency_vs_separation"):
        assert not merged[name]["xlabel_conflict"], merged[name]["xlabel"]
        assert "distance between the means d" in merged[name]["xlabel"]
    assert "mc_vs_sandwich" in merged

    def curve(name: str, claim: str, prefix: str) -> dict[float, float]:
        (s,) = [s for s in merged[name]["series"] if s["claim"] == claim and s["label"].startswith(prefix)]
        return dict(zip(s["x"], s["y"], strict=True))

    c02 = curve("cp_vs_separation", "C02", "Langevin")
    c14 = curve("cp_vs_separation", "C14", "Langevin")
    common = sorted(set(c02) & set(c14))
    assert len(common) >= 4, common
    for d in common:
        assert abs(c02[d] / c14[d] - 1) < 1e-6, (d, c02[d], c14[d])
    c09 = curve("efficiency_vs_separation", "C09", "vanilla SM, weight")
    c15 = curve("efficiency_vs_separation", "C15", "vanilla SM / MLE")
    common = sorted(set(c09) & set(c15))
    assert len(common) >= 3, common
    for d in common:  # C15 quick uses a coarse quadrature: ~3e-2 relative at d = 8 (reported in its details)
        assert abs(c09[d] / c15[d] - 1) < 3e-2, (d, c09[d], c15[d])


@pytest.mark.slow
@pytest.mark.xdist_group("quick_record")
@pytest.mark.parametrize("claim", ["C04", "C06", "C18", "C19", "C20", "C21", "C23", "C25", "C26"])
def test_printed_statements_found_false_carry_an_erratum(claim, quick_record) -> None:  # type: ignore[no-untyped-def]
    """Proposition 7's missing faces, Theorem 6's constant 2 with three terms (and Remark 8's), Lemma 28's factor,
    Proposition 2's weight, Lemma 29's β_max/π, Lemma 15's λ_min⁻¹, Lemma 31's middle step and Remark 9's 0.99
    are false as printed: each record says so as an erratum and as a 'false' verdict with a witness."""
    record = quick_record(claim)
    assert record.passed  # the corrected statement holds
    assert any(e.severity == "false" for e in record.errata), record.errata
    assert all(e.printed and any(ch.isdigit() for ch in e.numbers) for e in record.errata)
    false = [v for v in record.verdicts if v.verdict == "false"]
    assert false and all(v.witness is not None and v.witness.violated and v.trusted for v in false)


@pytest.mark.slow
@pytest.mark.xdist_group("quick_record")
@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_every_claim_has_verdicts_that_agree_with_its_errata(check, quick_record) -> None:  # type: ignore[no-untyped-def]
    """A verdict per printed statement; an erratum for every verdict other than 'holds' and a verdict for every
    erratum (the same severities); labelled entries wherever computed holds more than one number."""
    from gsmtheory.symbolic import parse_spec

    record = quick_record(check.id)
    assert record.verdicts, f"{check.id} gives no verdict"
    severities = {e.severity for e in record.errata}
    kinds = {v.verdict for v in record.verdicts} - {"holds"}
    assert severities == kinds, (severities, kinds)
    if len(record.entries()) > 1:
        assert len(record.labels) == len(record.entries()), "label every computed number"
    for v in record.verdicts:
        assert v.trusted, v.summary
        assert any(ch.isdigit() for ch in v.summary), v.summary
        if v.witness is not None:
            parse_spec(v.witness.spec)  # the witness file is a spec the commands accept
            assert v.witness.command.startswith("gsmtheory ") and "{file}" in v.witness.command


@pytest.mark.slow
@pytest.mark.xdist_group("quick_record")
def test_measured_corrections_are_the_derived_ones(quick_record) -> None:  # type: ignore[no-untyped-def]
    """The numbers behind the errata: factor λ/2 (not λ), weight λ²/4 (not λ), C_β beyond β_max/π, P ≈ 0.68."""
    c18 = quick_record("C18")
    assert all(abs(f - 0.5) < 1e-5 for f in c18.computed)
    c19 = quick_record("C19")
    lam = c19.details["lambda_min"]
    assert all(abs(w - lam ** 2 / 4) < 1e-6 * lam ** 2 for w in c19.computed)
    c20 = quick_record("C20")
    assert max(c20.details["c_beta_over_printed"]) > 10 and max(c20.details["c_beta_over_payne_weinberger"]) <= 1
    c26 = quick_record("C26")
    assert all(0.6 < p < 0.75 for p in c26.details["printed_event_probability"])


@pytest.mark.xdist_group("quick_record")
@pytest.mark.slow
def test_every_witness_reproduces_through_the_command_line(quick_record) -> None:  # type: ignore[no-untyped-def]
    """Each witness file, run through the command its record names (as a reader would: the file on disk,
    `gsmtheory ... --json`), prints the same violated quantity."""
    from gsmtheory.claims._witnesses import lookup, run_command

    found = _witnesses(quick_record)
    assert len(found) >= 9, [c for c, _ in found]
    for claim, w in found:
        value = lookup(run_command(w.command, w.spec), w.quantity)
        assert abs(value - w.value) <= 1e-6 * max(abs(w.value), 1e-12) or (claim == "C26" and abs(value - w.value) < 1e-9), (
            claim, value, w.value)
        assert w.violated, (claim, w.describe())


@pytest.mark.slow  # 33 mutations, each re-running one to three real checks: about one verify --quick
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_mutation_makes_its_checks_fail(mutation: Mutation, mutated: Callable[[Mutation], None]) -> None:
    claims = _available(mutation)
    checks = {c.id: c for c in discover("gsmtheory.claims")}
    mutated(mutation)
    for claim in claims:
        record = run_check(checks[claim], quick=True, verdict_only=True)
        # an early return gone wrong is an error record, which does not pass either: it must not count
        assert "stopped at a first failure" not in str(record.details.get("error", "")), record.details
        assert not record.passed, (
            f"{claim} still passes with the mutation {mutation.name!r}: computed "
            f"{record.computed}, theoretical {record.theoretical}")


def test_a_module_not_yet_imported_is_imported_before_the_mutation(fake_core: str) -> None:
    """check_01_gauss is not imported when the mutation is applied; left to be imported under it, it
    would bind the doubled C_P for good. apply_mutation imports it first, so the undo reaches it."""
    module = f"{fake_core}.check_01_gauss"
    assert module not in sys.modules
    mutation = Mutation("C_P ×2", f"{fake_core}.core:poincare", _scale_cp(2.0), ("C01",))
    with pytest.MonkeyPatch.context() as mp:
        apply_mutation(mutation, mp, scopes=(fake_core,))
        assert module in sys.modules
        (check,) = discover(fake_core)
        assert not run_check(check).passed
    assert run_check(check).passed


def test_harness_patches_aliases_and_undoes_them(fake_core: str) -> None:
    (check,) = discover(fake_core)
    assert run_check(check).passed
    mutation = Mutation("C_P ×2", f"{fake_core}.core:poincare", _scale_cp(2.0), ("C01",))
    with pytest.MonkeyPatch.context() as mp:
        apply_mutation(mutation, mp, scopes=(fake_core,))
        record = run_check(check)
        assert not record.passed and record.computed == 6.0
    assert run_check(check).passed  # undone


@pytest.mark.slow
def test_a_mutation_leaves_nothing_cached_behind(capsys: pytest.CaptureFixture[str]) -> None:
    """A gsm_loss without its boundary terms once stayed in a cache after its test and made a later
    ``gsmtheory loss reflected-gaussian`` report a non-constant explicit − implicit difference."""
    from gsmtheory.cli import main

    (mutation,) = [m for m in MUTATIONS if m.name == "implicit loss: boundary terms dropped"]
    argv = ["loss", "reflected-gaussian", "--at", "mu=0.3", "--at", "mu=1.0", "--at", "mu=-0.5", "--json"]

    def spread() -> float:
        assert main(argv) == 0
        diffs = json.loads(capsys.readouterr().out)["difference"]
        return max(diffs) - min(diffs)

    with pytest.MonkeyPatch.context() as mp:
        clear_package_caches()
        apply_mutation(mutation, mp)
        assert spread() > 1e-3  # the mutation shows
    assert clear_package_caches() > 0
    assert spread() < 1e-10


def test_a_mutation_clears_the_caches_of_its_layer_and_above_only() -> None:
    """A numeric mutation cannot reach a symbolic cache (imports go one way): the symbolic derivations
    stay cached; a symbolic mutation empties them."""
    from gsmtheory.symbolic import gsm_loss, load_spec

    spec = load_spec("gaussian")
    assert spec.model is not None
    gsm_loss(spec.diffusion, spec.model)
    assert layer_of("gsmtheory.numeric._spectral1d") > layer_of("gsmtheory.symbolic._loss") >= 0 > layer_of("gsmtheory._json")
    clear_package_caches(from_layer=layer_of("gsmtheory.numeric"))
    assert gsm_loss.cache_info().currsize > 0
    clear_package_caches(from_layer=layer_of("gsmtheory.symbolic"))
    assert gsm_loss.cache_info().currsize == 0
