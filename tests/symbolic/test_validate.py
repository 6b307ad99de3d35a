"""Spec validation before anything is derived: real values, normalizability, kinks (issue 12, item 5)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gsmtheory import SpecError
from gsmtheory.symbolic import ALLOWED_FUNCTIONS, kinks_1d, parse_expression, parse_spec
from gsmtheory.symbolic._intervals import lambdified
from gsmtheory.symbolic._validate import (
    _at_30_digits,
    _normalizability,
    _normalizability_by_limits,
    score_mismatch,
)

x = sp.Symbol("x", real=True)
HEAD = 'coords = ["x"]\n'


@pytest.mark.parametrize("ell", ["-x**2/2", "-2*log(1 + x**2/3)", "-log(1 + x**2)", "-x**4 + x**2",
                                 "-sqrt(1 + x**2)", "-Abs(x)", "-cosh(x)"])
def test_normalizable_targets_on_the_line_are_accepted(ell: str) -> None:
    """Each decays faster than |x|^-1: Gaussian, t3 (|x|^-4), Cauchy (|x|^-2), quartic, e^-|x| ..."""
    parse_spec(HEAD + f'log_density = "{ell}"\n')


@pytest.mark.parametrize(("ell", "domain", "needle"), [
    ("x**2", None, "p ∝ exp(x**2) is not normalizable on (-inf, inf): x**2 -> oo"),
    ("-x", None, "is not normalizable on (-inf, inf): -x -> oo as x -> -oo"),
    ("-log(1 + x**2)/4", None, "decays only like |x|^(-1/2)"),
    ("3", None, "3 -> 3"),
    ("-x", "[0, \"inf\"]", None),
    ("2*log(x) - x", "[0, \"inf\"]", None),
    ("-2*log(x)", "[0, 1]", "grows like |x - 0|^(-2) at x = 0"),
    ("-log(x)/2 - log(1 - x)/2", "[0, 1]", None),
])
def test_normalizability_is_decided_from_the_ends(ell: str, domain: str | None, needle: str | None) -> None:
    r"""Infinite end: r = lim ℓ/log|x| must be < −1 (or ℓ → −∞ faster); finite end a where ℓ → +∞:
    r = lim ℓ/log(x − a) must be > −1 (e^ℓ ~ (x − a)^r integrable). Arcsine (r = −1/2 at both
    ends), Exp(1) on [0, ∞) and Gamma(3) pass."""
    text = HEAD + f'log_density = "{ell}"\n' + (f"[domain]\nx = {domain}\n" if domain else "")
    if needle is None:
        parse_spec(text)
    else:
        with pytest.raises(SpecError) as err:
            parse_spec(text)
        assert needle in str(err.value), str(err.value)


@pytest.mark.parametrize(("ell", "real"), [
    ("sqrt(-1)*x", False), ("log(-1 - x**2)", False), ("sqrt(x)", False), ("(sqrt(-1)*x)**2 - x**4", True),
    ("log(1 + x**2) - x**2", True), ("sqrt(x**2 + 1) - x**2", True),
])
def test_complex_values_are_refused(ell: str, real: bool) -> None:
    """I*x and log of a negative number are complex on the whole line, sqrt(x) for x < 0;
    (I x)² = −x² is real although it is written with I."""
    text = HEAD + f'log_density = "{ell} - x**2"\n'
    if real:
        parse_spec(text)
    else:
        with pytest.raises(SpecError, match="complex-valued"):
            parse_spec(text)


def test_min_and_max_are_spec_functions() -> None:
    for name in ("min", "max", "Min", "Max", "sign"):
        assert name in ALLOWED_FUNCTIONS
    assert parse_expression("min(x, 2)", {"x": x}) == sp.Min(x, 2)
    assert parse_expression("max(x, 1, -x)", {"x": x}) == sp.Max(x, 1, -x)
    with pytest.raises(SpecError, match="at least two arguments"):
        parse_expression("min(x)", {"x": x})


def test_symbolic_exponents_are_bounded() -> None:
    """(x − a)**9999 would hang the derivation (time linear in the exponent): refused at parse."""
    a = sp.Symbol("a", real=True)
    with pytest.raises(SpecError, match="expression too large to derive"):
        parse_expression("-(x - a)**9999", {"x": x, "a": a})
    assert parse_expression("-(x - a)**4", {"x": x, "a": a}) == -(x - a) ** 4


def test_kinks_are_where_min_abs_sign_and_piecewise_switch() -> None:
    """min(x, 2) kinks at 2, Abs(x − 1/2) at 1/2, Max(x, −x) at 0, a Piecewise at its condition."""
    pw = sp.Piecewise((x, x < 3), (3, True))
    got = kinks_1d([sp.Min(x, 2), sp.Abs(x - sp.Rational(1, 2)), sp.Max(x, -x), pw], x, -sp.oo, sp.oo)
    assert got == (0.0, 0.5, 2.0, 3.0)
    assert kinks_1d([sp.Min(x, 2)], x, 0, 1) == ()  # outside the domain
    a = sp.Symbol("a", real=True)
    assert kinks_1d([sp.Abs(x - a)], x, -sp.oo, sp.oo, subs={a: 1.5}) == (1.5,)


def test_d_vanishing_inside_the_domain_is_found() -> None:
    """D = (x − 1)² on the line: the chain cannot cross 1, so no Poincaré inequality."""
    spec = parse_spec(HEAD + 'log_density = "-x**2/2"\n[diffusion]\nD = [["(x - 1)**2"]]\n')
    assert spec.diffusion.interior_zeros == ((0, 1.0),)
    spec = parse_spec(HEAD + 'log_density = "2*log(x) - x"\n[domain]\nx = [0, "inf"]\n[diffusion]\nD = [["x**2"]]\n')
    assert spec.diffusion.interior_zeros == ()  # a zero at the end is not inside


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=6),
       st.sampled_from([(-sp.oo, sp.oo), (-sp.oo, 0), (0, sp.oo), (-1, 2), (sp.Rational(1, 2), sp.oo)]),
       st.booleans())
def test_polynomial_log_densities_are_judged_as_the_limits_judge_them(coeffs: list[int], ends: tuple,
                                                                      factored: bool) -> None:
    """The leading-term rule for a polynomial ℓ gives the reason (or None) of the SymPy limits, word for
    word: expanded, or as a product of factors, quoted as written (not expanded)."""
    if factored:  # c_0 (x − c_1)(x − c_2)…
        ell = coeffs[0] * sp.Mul(*(x - c for c in coeffs[1:]), evaluate=False)
    else:
        ell = sum((c * x**k for k, c in enumerate(coeffs)), sp.Integer(0))
    lo, hi = map(sp.sympify, ends)
    assert _normalizability(ell, x, lo, hi) == _normalizability_by_limits(ell, x, lo, hi)


def test_a_normalizable_end_at_infinity_takes_one_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """ℓ/log|x| → −∞ already says ℓ → −∞: the limit of ℓ itself is not taken (each costs about 0.7 s
    for a hyperbolic Scarf density); a slowly decaying ℓ still gets both and its reason. A limit SymPy
    cannot take (Min) is undecided, not an error."""
    import gsmtheory.symbolic._validate as validate

    x = sp.Symbol("x", real=True)
    taken: list[sp.Expr] = []
    real_lim = validate._lim

    def counted(expr: sp.Expr, *args: object) -> sp.Expr | None:
        taken.append(expr)
        return real_lim(expr, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(validate, "_lim", counted)
    fast = -x**2 - sp.log(1 + x**2)  # not a polynomial; its limits take milliseconds (no 3 s budget at stake)
    assert validate._normalizability_by_limits(fast, x, -sp.oo, sp.oo) is None
    assert len(taken) == 2 and all(e.has(sp.log(sp.Abs(x))) for e in taken)
    taken.clear()
    slow = -sp.log(1 + x**2) / 4
    assert "decays only like |x|^(-1/2)" in str(validate._normalizability_by_limits(slow, x, -sp.oo, sp.oo))
    assert len(taken) == 2  # at -oo: ℓ/log|x| → −1/2, so ℓ's limit too, and the reason
    assert validate._normalizability_by_limits(sp.Min(-x**2, -sp.Abs(x)), x, -sp.oo, sp.oo) is None


def test_scores_at_a_point_are_evalf_s_to_twenty_digits_and_a_mismatch_is_found() -> None:
    """The 30-digit mpmath evaluation behind score_mismatch gives evalf's numbers (to 1e-18
    relative) on a mixture's score, a kink and a log of a negative number, and the check still
    tells a realizable model (gaps of rounding size) from a shifted one."""
    x, y = sp.symbols("x y")
    mixture = sp.log(sp.exp(-(x - 2) ** 2 / 2 - y**2) + 3 * sp.exp(-(x + sp.Float("1.5")) ** 2 / 2 - y**2 / 3))
    exprs = [sp.diff(mixture, x), sp.diff(mixture, y), sp.Abs(x - y) * sp.Max(x, 0), sp.log(x - 5)]
    point = {x: 0.3, y: -1.25}
    got = _at_30_digits(exprs, point)
    assert len(lambdified(tuple(point), tuple(exprs), "mpmath")(*point.values())) == 4  # not the evalf fallback
    at = {k: sp.Float(v, 30) for k, v in point.items()}
    want = [complex(e.evalf(20, subs=at)) for e in exprs]
    assert got is not None and all(abs(g - w) <= 1e-18 * abs(w) for g, w in zip(got, want, strict=True))
    points = [{x: float(a), y: float(b)} for a, b in ((0.1, 0.2), (-3.0, 1.0), (4.0, -2.0))]
    assert score_mismatch(mixture, sp.expand_log(mixture) + 7, (x, y), points) is None
    shifted = mixture.subs(x, x - sp.Rational(1, 10**6))
    assert "does not reproduce" in str(score_mismatch(mixture, shifted, (x, y), points))
