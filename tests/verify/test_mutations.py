"""Mutation tests: patch a core computation to be wrong and the corresponding checks must fail.

Each :class:`Mutation` names a target ``"module:attr"`` or ``"module:Class.attr"``, a wrapper
turning the original into a wrong version, and the claim ids whose checks must then fail. The
patch replaces the object everywhere it was imported under ``gsmtheory`` and ``proofs_checks``
(``from x import f`` binds a name per module), and monkeypatch undoes it. A mutation whose target
or whose checks do not exist yet is skipped, so the list can name future targets.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sympy as sp

from gsmtheory.verify import discover, run_check

SCOPES = ("gsmtheory", "proofs_checks")


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


def apply_mutation(mutation: Mutation, monkeypatch: pytest.MonkeyPatch,
                   scopes: tuple[str, ...] = SCOPES) -> None:
    """Patch ``mutation.target`` and every module-level alias of it within ``scopes``."""
    owner, attr, original = _resolve(mutation.target)
    wrong = mutation.wrap(original)
    monkeypatch.setattr(owner, attr, wrong)
    if isinstance(owner, type):
        return
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in scopes:
            continue
        for key, value in list(vars(module).items()):
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
             "gsmtheory.numeric:mixture_dlogpdf_ds", _scale_cp(2.0), ("C11",)),
    Mutation("lifted χ² off by a factor 3", "gsmtheory.numeric:lifted_chi_square", _scale_cp(3.0), ("C23",)),
)


def _available(mutation: Mutation) -> list[str]:
    try:
        _resolve(mutation.target)
    except (ImportError, AttributeError, KeyError):
        pytest.skip(f"target {mutation.target} does not exist yet")
    ids = {c.id for c in discover("proofs_checks")}
    claims = [c for c in mutation.claims if c in ids]
    if not claims:
        pytest.skip(f"no check for {', '.join(mutation.claims)} yet")
    return claims


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_mutation_makes_its_checks_fail(mutation: Mutation, monkeypatch: pytest.MonkeyPatch) -> None:
    claims = _available(mutation)
    checks = {c.id: c for c in discover("proofs_checks")}
    apply_mutation(mutation, monkeypatch)
    for claim in claims:
        record = run_check(checks[claim], quick=True)
        assert not record.passed, (
            f"{claim} still passes with the mutation {mutation.name!r}: computed "
            f"{record.computed}, theoretical {record.theoretical}")


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


def test_harness_patches_aliases_and_undoes_them(fake_core: str) -> None:
    (check,) = discover(fake_core)
    assert run_check(check).passed
    mutation = Mutation("C_P ×2", f"{fake_core}.core:poincare", _scale_cp(2.0), ("C01",))
    with pytest.MonkeyPatch.context() as mp:
        apply_mutation(mutation, mp, scopes=(fake_core,))
        record = run_check(check)
        assert not record.passed and record.computed == 6.0
    assert run_check(check).passed  # undone
