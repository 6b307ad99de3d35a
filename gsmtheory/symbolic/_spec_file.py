"""Specs: TOML data (docs/design.md §4) or catalogue names → frozen records.

Nothing in a spec is evaluated as Python: expressions go through
:func:`~gsmtheory.symbolic._parse.parse_expression`. Parsed expressions must be real-valued on
the domain and a 1D target normalizable (:mod:`gsmtheory.symbolic._validate`).
"""

from __future__ import annotations

import hashlib
import keyword
import math
import os
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy as sp

from gsmtheory._errors import GSMError, SpecError
from gsmtheory._files import MAX_SPEC_BYTES, read_text
from gsmtheory.symbolic._catalogue import CATALOGUE
from gsmtheory.symbolic._ctld_lift import CTLDParameters, ctld_parameters
from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._model import MixtureExpressions, Model
from gsmtheory.symbolic._parse import (
    ALLOWED_FUNCTIONS,
    MAX_MAGNITUDE,
    check_magnitude,
    parse_expression,
)
from gsmtheory.symbolic._validate import check_normalizable_nd, check_real, score_mismatch

__all__ = ["KnownValues", "Spec", "load_spec", "misspecification", "parse_spec"]

_TOP_KEYS = {"coords", "log_density", "constants", "domain", "diffusion", "mixture", "model", "ctld",
             "name", "description", "known"}
_RESERVED = {"beta"}  # the CTLD temperature coordinate
#: the most coordinates a spec may declare (a d = 1000 mixture parses in 0.5 s; d = 20 000 would
#: build a 4·10⁸-entry covariance before anything could refuse it)
MAX_DIMENSION = 2000


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


@dataclass(frozen=True)
class Spec:
    """A parsed spec: the diffusion, an optional model, optional CTLD lift, the constants used.

    Attributes
    ----------
    name : str
        The catalogue name, the file's stem, or the spec's ``name`` key.
    text : str
        The TOML text it was parsed from.
    constants : tuple of (name, value)
        The ``[constants]`` after overrides, sorted by name.
    diffusion : Diffusion
        The target p ∝ e^ℓ with D, Q and the domain.
    model : Model or None
        The ``[model]`` table: parameters, truth and log density.
    ctld : CTLDParameters or None
        The ``[ctld]`` table, resolved (λ, diam, β_max, log r; defaults filled in).
    known : KnownValues or None
        The ``[known]`` table.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> spec = load_spec("gaussian", constants={"sigma": 2.0})
    >>> spec.name, spec.constants_map, spec.model.params, spec.model.truth
    ('gaussian', {'sigma': 2.0}, (mu,), (0.0,))
    >>> len(spec.digest)
    64
    """

    name: str
    text: str
    constants: tuple[tuple[str, float], ...]
    diffusion: Diffusion
    model: Model | None
    ctld: CTLDParameters | None
    known: KnownValues | None = None

    @property
    def constants_map(self) -> dict[str, float]:
        """Constants as a dict."""
        return dict(self.constants)

    @property
    def digest(self) -> str:
        """sha256 of the spec text and the constants (identifies a computation)."""
        h = hashlib.sha256(self.text.encode())
        h.update(repr(self.constants).encode())
        return h.hexdigest()


def load_spec(source: str | Path, constants: Mapping[str, float] | None = None) -> Spec:
    """Load a spec from a catalogue name or a TOML file path, with optional constant overrides.

    Parameters
    ----------
    source : str or Path
        A catalogue name (``gsmtheory catalogue`` lists them) or the path of a TOML file (a
        regular file of at most 8 MiB: a FIFO or a device is refused, not read).
    constants : mapping, optional
        Overrides of ``[constants]`` entries (``--const`` on the command line).

    Returns
    -------
    Spec
        The parsed spec (see :func:`parse_spec`).

    Raises
    ------
    SpecError
        Unknown name, unreadable or oversized file, malformed TOML or any invalid entry.

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> load_spec("double-well", constants={"beta": 2.0}).diffusion.log_density
    -2*(x**2 - 1)**2
    >>> load_spec("no-such-spec")
    Traceback (most recent call last):
    ...
    gsmtheory._errors.SpecError: spec 'no-such-spec' is neither a file nor a catalogue name; give a TOML path or one of: ...
    """
    src = str(source)
    if src in CATALOGUE:
        return parse_spec(CATALOGUE[src], name=src, constants=constants)
    path = Path(src)
    if not os.path.lexists(path):
        raise SpecError(f"spec {src!r} is neither a file nor a catalogue name",
                        f"give a TOML path or one of: {', '.join(sorted(CATALOGUE))}")
    try:
        text = read_text(path, "spec", MAX_SPEC_BYTES)  # regular files only: no FIFO, no /dev/zero
    except GSMError as exc:
        raise SpecError(str(exc)) from None
    return parse_spec(text, name=path.stem, constants=constants)


def parse_spec(text: str, *, name: str = "spec", constants: Mapping[str, float] | None = None) -> Spec:
    """Parse TOML text (docs/design.md §4) into a :class:`Spec`.

    Nothing is evaluated as Python: expressions go through :func:`parse_expression`. Before
    anything is derived, the numbers are capped (±1e100, 30 integer digits), names must be
    identifiers in NFKC form and not keywords, at most 2000 coordinates, the expressions must be
    real on the domain, and the target — and the model at its truth — normalizable (1D by the
    ends; in 2D and 3D along every coordinate).

    Parameters
    ----------
    text : str
        The TOML text.
    name : str
        The spec's name when the text has no ``name`` key.
    constants : mapping, optional
        Overrides of ``[constants]`` entries.

    Returns
    -------
    Spec
        The parsed spec.

    Raises
    ------
    SpecError
        Malformed TOML, unknown keys, undeclared names, disallowed syntax, numbers or names
        out of bounds, complex-valued or non-normalizable densities, invalid D or Q.

    Examples
    --------
    >>> from gsmtheory.symbolic import parse_spec
    >>> spec = parse_spec('''
    ... coords = ["x"]
    ... log_density = "-(x**2 - 1)**2"
    ... [domain]
    ... x = [-2, 2]
    ... ''', name="well")
    >>> spec.name, spec.diffusion.domain
    ('well', ((-2, 2),))
    >>> parse_spec('coords = ["x"]' + chr(10) + 'log_density = "x**2"')
    Traceback (most recent call last):
    ...
    gsmtheory._errors.SpecError: p ∝ exp(x**2) is not normalizable on (-inf, inf): ...
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"malformed TOML ({' '.join(str(exc).split())})", "fix the TOML syntax") from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise SpecError(f"malformed TOML ({type(exc).__name__})", "fix the TOML syntax") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise SpecError(f"unknown key(s) {', '.join(sorted(unknown))}",
                        f"use only {', '.join(sorted(_TOP_KEYS))}")
    consts = _constants(data.get("constants", {}), constants or {})
    coord_names = _names(data.get("coords"), "coords")
    coords = tuple(sp.Symbol(n, real=True) for n in coord_names)
    names: dict[str, sp.Expr] = {n: sp.Rational(repr(float(v))) for n, v in consts.items()}
    for n, c in zip(coord_names, coords, strict=True):
        if n in names:
            raise SpecError(f"{n!r} is both a coordinate and a constant", "rename one of them")
        names[n] = c
    const_only = {k: v for k, v in names.items() if k in consts}
    mixture = _mixture(data["mixture"], const_only, len(coords)) if "mixture" in data else None
    if mixture is not None and "log_density" in data:
        raise SpecError("both log_density and [mixture] are given", "keep one of them")
    if mixture is not None:
        ell = None  # built from the mixture when a symbolic operation first asks (Diffusion)
    elif "log_density" in data:
        ell = parse_expression(data["log_density"], names, what="log_density")
    else:
        raise SpecError("the target is missing", "give log_density = \"...\" or a [mixture] table")
    domain = _domain(data.get("domain", {}), coord_names, const_only)
    D = Q = None
    diff = data.get("diffusion", {})
    if not isinstance(diff, dict):
        raise SpecError("[diffusion] must be a table", "write [diffusion] with D = [[...]]")
    bad = set(diff) - {"D", "Q"}
    if bad:
        raise SpecError(f"unknown [diffusion] key(s) {', '.join(sorted(bad))}", "use D and Q")
    if "D" in diff:
        D = _matrix(diff["D"], names, len(coords), "D")
    if "Q" in diff:
        Q = _matrix(diff["Q"], names, len(coords), "Q")
    diffusion = Diffusion(coords, ell, D, Q, domain, name=str(data.get("name", name)), mixture=mixture)
    points = diffusion.sample_points(8, seed=3)
    if mixture is None:
        check_real(ell, "log_density", points)
        check_normalizable_nd(ell, coords, domain, points)
    for what, M in (("D", diffusion.D), ("Q", diffusion.Q)):
        if not M.free_symbols and all(e.is_real for e in set(M.values())):
            continue  # constant real entries (identity D at d = 1000: 10⁶ of them, two distinct)
        for i, row in enumerate(M.tolist()):
            for j, entry in enumerate(row):
                if entry.free_symbols or not entry.is_zero:
                    check_real(entry, f"{what}[{i}][{j}]", points)
    model = _model(data["model"], coords, names, const_only) if "model" in data else None
    if model is not None and model.kind != "mixture":
        check_real(model.log_density, "model log_density", points, model.truth_map)
        check_normalizable_nd(model.at(model.truth), coords, domain, points,
                              what=f"the model at its truth ({_truth_text(model)}), p_θ*")
    ctld = _ctld(data["ctld"], const_only, diffusion, consts) if "ctld" in data else None
    known = _known(data["known"], const_only) if "known" in data else None
    return Spec(name=str(data.get("name", name)), text=text, constants=tuple(sorted(consts.items())),
                diffusion=diffusion, model=model, ctld=ctld, known=known)


def _truth_text(model: Model) -> str:
    return ", ".join(f"{p} = {v:g}" for p, v in zip(model.params, model.truth, strict=True))


def misspecification(spec: Spec) -> str | None:
    r"""Whether the spec's model at its ``truth`` reproduces the target: ``None`` when it does
    (p_θ* = p, the realizability every theorem of docs/paper.md assumes), else one sentence
    saying where the scores ∇ℓ and ∇ℓ_θ* differ.

    The scores are compared at eight points of the domain, to 1e-8 relative to |∇ℓ| + 1
    (ℓ − ℓ_θ* constant in x is exactly p_θ* = p). A misspecified model is a legitimate study —
    nothing refuses it — but its covariances describe estimators that converge to other
    parameters than the truth, and the commands say so. Not checked (``None``) beyond d = 3
    and for specs without a model.

    Parameters
    ----------
    spec : Spec
        A parsed spec with a ``[model]`` table.

    Returns
    -------
    str or None
        The sentence, or None when realizable (or not checked).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec, parse_spec
    >>> misspecification(load_spec("gaussian")) is None
    True
    >>> shifted = parse_spec('coords = ["x"]\nlog_density = "-x**2/2"\n[model]\nparams = ["m"]\n'
    ...                      'truth = {m = 2.0}\nlog_density = "-(x - m)**2/2"\n')
    >>> misspecification(shifted)[:58]
    'the model at its truth (m = 2) does not reproduce the targ'
    """
    model = spec.model
    if model is None:
        return None
    d = spec.diffusion
    return score_mismatch(d.log_density, model.at(model.truth), d.coords, d.sample_points(8, seed=5),
                          truth=f"its truth ({_truth_text(model)})")


# ---------------------------------------------------------------------------- pieces
def _check_name(v: str, what: str) -> None:
    """A declared name must be what Python's parser reads: an identifier in NFKC form (the parser
    folds '𝑥' into 'x', so both would name one symbol), not a keyword, not a function or constant."""
    if not v.isidentifier() or v.startswith("_") or v in ALLOWED_FUNCTIONS or v in {"pi", "E"}:
        raise SpecError(f"{v!r} cannot be a name in {what}", "use a plain identifier such as x or theta")
    folded = unicodedata.normalize("NFKC", v)
    if folded != v:
        raise SpecError(f"{v!r} in {what} reads as {folded!r} in expressions (Unicode NFKC)",
                        f"write it as {folded!r}, or pick a name that does not fold into another")
    if keyword.iskeyword(v):
        raise SpecError(f"{v!r} in {what} is a Python keyword, which expressions cannot use as a name",
                        f"rename it (e.g. {v}_)")


def _names(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{what} must be a non-empty list of names", f'write {what} = ["x"]')
    if len(value) > MAX_DIMENSION:
        raise SpecError(f"{what} lists {len(value)} names, more than {MAX_DIMENSION}",
                        f"gsmtheory works in at most {MAX_DIMENSION} dimensions (a reducible mixture is "
                        "solved in the few directions its means span: keep d at most that)")
    for v in value:
        _check_name(v, what)
        if v in _RESERVED:
            raise SpecError(f"{v!r} is reserved for the CTLD temperature", "rename it")
    if len(set(value)) != len(value):
        raise SpecError(f"{what} repeat a name", "give each a distinct name")
    return tuple(value)


def _number(value: Any, names: Mapping[str, sp.Expr], what: str) -> float:
    if isinstance(value, str) and value.strip().lower() in {"inf", "+inf", "infinity"}:
        return math.inf
    if isinstance(value, str) and value.strip().lower() in {"-inf", "-infinity"}:
        return -math.inf
    expr = parse_expression(value, names, what=what)
    if expr.free_symbols:
        raise SpecError(f"{what} must be a number, got {expr}", "use numbers or [constants]")
    try:
        out = float(expr)
    except (TypeError, ValueError):
        raise SpecError(f"{what} is not a real number ({expr})", "use a real number") from None
    if out != out:
        raise SpecError(f"{what} is NaN", "give a finite number")
    return out


def _constants(table: Any, overrides: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(table, dict):
        raise SpecError("[constants] must be a table", "write [constants] with name = number lines")
    out: dict[str, float] = {}
    for key, value in table.items():
        if not key.isidentifier() or key.startswith("_") or key in ALLOWED_FUNCTIONS or key in {"pi", "E"}:
            raise SpecError(f"constant name {key!r} is not allowed", "use a plain identifier")
        _check_name(key, "[constants]")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"constant {key} = {value!r} is not a number", f"write {key} = 1.0")
        if isinstance(value, float) and not math.isfinite(value):
            raise SpecError(f"constant {key} is not finite", "give a finite number")
        check_magnitude(value, f"constant {key}")
        out[key] = float(value)
    for key, value in overrides.items():
        if key not in out:
            known = ", ".join(sorted(out)) or "none"
            raise SpecError(f"unknown constant {key!r}", f"use one declared in [constants] (declared: {known})")
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise SpecError(f"constant {key} = {value!r} is not a number", "give a number") from None
        if not math.isfinite(v):
            raise SpecError(f"constant {key} = {value} is not finite", "give a finite number")
        check_magnitude(v, f"--const {key}")
        out[key] = v
    return out


def _domain(table: Any, coords: tuple[str, ...], names: Mapping[str, sp.Expr]) -> tuple[tuple[sp.Expr, sp.Expr], ...]:
    if not isinstance(table, dict):
        raise SpecError("[domain] must be a table", "write [domain] with x = [lo, hi]")
    unknown = set(table) - set(coords)
    if unknown:
        raise SpecError(f"[domain] names undeclared coordinate(s) {', '.join(sorted(unknown))}",
                        "use names from coords")
    out = []
    for c in coords:
        if c not in table:
            out.append((-sp.oo, sp.oo))
            continue
        pair = table[c]
        if not isinstance(pair, list) or len(pair) != 2:
            raise SpecError(f"[domain] {c} must be [lo, hi]", f'write {c} = [0, 1] or {c} = [0, "inf"]')
        lo, hi = (_number(v, names, f"domain of {c}") for v in pair)
        if not lo < hi:
            raise SpecError(f"domain of {c} is empty ([{lo}, {hi}])", "give lo < hi")
        out.append((sp.oo * -1 if lo == -math.inf else sp.nsimplify(lo),
                    sp.oo if hi == math.inf else sp.nsimplify(hi)))
    return tuple(out)


def _matrix(value: Any, names: Mapping[str, sp.Expr], d: int, what: str) -> sp.ImmutableMatrix:
    if not isinstance(value, list) or len(value) != d or not all(isinstance(r, list) and len(r) == d for r in value):
        raise SpecError(f"{what} must be a {d}x{d} list of lists", f'write {what} = [["1"]] for d = 1')
    return sp.ImmutableMatrix([[parse_expression(v, names, what=f"{what}[{i}][{j}]")
                                for j, v in enumerate(row)] for i, row in enumerate(value)])


def _isotropic(cov: Any, d: int) -> Any:
    """``covariance = s`` (a number or an expression) is shorthand for s·I in d coordinates."""
    if isinstance(cov, int | float | str) and not isinstance(cov, bool):
        return [[cov if i == j else 0 for j in range(d)] for i in range(d)]
    return cov


def _mixture(table: Any, names: Mapping[str, sp.Expr], d: int) -> GaussianMixture:
    if not isinstance(table, dict):
        raise SpecError("[mixture] must be a table", "give means, weights and covariance")
    missing = {"means", "covariance"} - set(table)
    if missing:
        raise SpecError(f"[mixture] lacks {', '.join(sorted(missing))}", "give means, weights and covariance")
    bad = set(table) - {"means", "weights", "covariance"}
    if bad:
        raise SpecError(f"unknown [mixture] key(s) {', '.join(sorted(bad))}", "use means, weights, covariance")
    means = table["means"]
    if not isinstance(means, list) or not means or not all(isinstance(m, list) and len(m) == d for m in means):
        raise SpecError(f"[mixture] means must be a list of rows of length {d}", "write means = [[-2.0], [2.0]]")
    weights = table.get("weights", [1.0] * len(means))
    cov = table["covariance"]
    if isinstance(cov, int | float | str) and not isinstance(cov, bool):
        # shorthand covariance = s for s·I (issue #14): one number parsed, not d² entries
        s = _number(cov, names, "mixture covariance")
        cov = [[s if i == j else 0.0 for j in range(d)] for i in range(d)]
    if not isinstance(weights, list) or not isinstance(cov, list):
        raise SpecError("[mixture] weights and covariance must be lists", "write weights = [0.5, 0.5]")
    if not all(isinstance(r, list) for r in cov):
        raise SpecError("[mixture] covariance must be a list of rows", "write covariance = [[1.0]]")
    return GaussianMixture(
        tuple(tuple(_number(v, names, "mixture mean") for v in m) for m in means),
        tuple(_number(w, names, "mixture weight") for w in weights),
        tuple(tuple(v if type(v) is float and math.isfinite(v) and abs(v) <= MAX_MAGNITUDE
                    else _number(v, names, "mixture covariance") for v in r)
              for r in cov),
    )


def _model(table: Any, coords: tuple[sp.Symbol, ...], names: Mapping[str, sp.Expr],
           consts: Mapping[str, sp.Expr]) -> Model:
    if not isinstance(table, dict):
        raise SpecError("[model] must be a table", "give params, truth and log_density")
    bad = set(table) - {"params", "truth", "log_density", "mixture", "statistics", "base"}
    if bad:
        raise SpecError(f"unknown [model] key(s) {', '.join(sorted(bad))}",
                        "use params, truth, log_density, statistics, base or [model.mixture]")
    pnames = _names(table.get("params"), "[model] params")
    for p in pnames:
        if p in names:
            raise SpecError(f"model parameter {p!r} clashes with a coordinate or constant", "rename it")
    params = tuple(sp.Symbol(p, real=True) for p in pnames)
    if "truth" not in table:
        raise SpecError("[model] has no truth", "give truth = {" + ", ".join(f"{p} = 0.0" for p in pnames) + "}")
    truth_table = table["truth"]
    if not isinstance(truth_table, dict):
        raise SpecError("[model] truth must be a table", "write truth = {a = 1.0}")
    unknown = set(truth_table) - set(pnames)
    if unknown:
        raise SpecError(f"[model] truth names unknown parameter(s) {', '.join(sorted(unknown))}",
                        "use names from [model] params")
    missing = [p for p in pnames if p not in truth_table]
    if missing:
        raise SpecError(f"[model] truth lacks {', '.join(missing)}", "give a value for every parameter")
    truth = tuple(_number(truth_table[p], consts, f"truth of {p}") for p in pnames)
    if any(not math.isfinite(t) for t in truth):
        raise SpecError("[model] truth must be finite", "give finite values")
    all_names = dict(names)
    all_names.update(zip(pnames, params, strict=True))
    given = [k for k in ("log_density", "mixture", "statistics") if k in table]
    if len(given) != 1:
        raise SpecError("[model] needs exactly one of log_density, statistics or [model.mixture]",
                        "keep one of them")
    if "mixture" in table:
        m = table["mixture"]
        if not isinstance(m, dict) or "means" not in m or "covariance" not in m:
            raise SpecError("[model.mixture] needs means and covariance", "give means, weights and covariance")
        d = len(coords)
        if not all(isinstance(r, list) and len(r) == d for r in m["means"]):
            raise SpecError(f"[model.mixture] means must be rows of length {d}", 'write means = [["-a"], ["a"]]')
        weights = m.get("weights", [1] * len(m["means"]))
        if len(weights) != len(m["means"]):
            raise SpecError("[model.mixture] needs one weight per mean", "match their numbers")
        mix = MixtureExpressions(
            tuple(tuple(parse_expression(v, all_names, what="model mean") for v in r) for r in m["means"]),
            tuple(parse_expression(w, all_names, what="model weight") for w in weights),
            tuple(tuple(parse_expression(v, all_names, what="model covariance") for v in r)
                  for r in _isotropic(m["covariance"], d)),
        )
        return Model.gaussian_mixture(coords, params, mix, truth)
    if "statistics" in table:
        stats = table["statistics"]
        if not isinstance(stats, list):
            raise SpecError("[model] statistics must be a list of expressions", 'write statistics = ["x", "x**2"]')
        T = [parse_expression(s, names, what="sufficient statistic") for s in stats]
        base = parse_expression(table.get("base", 0), names, what="base")
        return Model.exponential_family(coords, params, T, truth, base)
    ell = parse_expression(table["log_density"], all_names, what="model log_density")
    return Model.from_log_density(coords, params, ell, truth)


def _ctld(table: Any, names: Mapping[str, sp.Expr], diffusion: Diffusion,
          consts: Mapping[str, float]) -> CTLDParameters:
    """The ``[ctld]`` table resolved (what it leaves out takes the reported defaults)."""
    if not isinstance(table, dict):
        raise SpecError("[ctld] must be a table", "give lambda_min and diameter (optional beta_max, log_r)")
    bad = set(table) - {"lambda_min", "diameter", "beta_max", "log_r"}
    if bad:
        raise SpecError(f"unknown [ctld] key(s) {', '.join(sorted(bad))}",
                        "use lambda_min, diameter, beta_max, log_r")
    values = {k: _number(table[k], names, f"[ctld] {k}") for k in ("lambda_min", "diameter", "beta_max") if k in table}
    log_r = None if table.get("log_r") is None else str(table["log_r"])
    return ctld_parameters(diffusion, constants=consts, log_r=log_r, lambda_min=values.get("lambda_min"),
                           diameter=values.get("diameter"), beta_max=values.get("beta_max"))


def _known(table: Any, names: Mapping[str, sp.Expr]) -> KnownValues:
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
        eigenvalues=tuple(_number(v, names, "[known] eigenvalue") for v in values),
        poincare_constant=(_number(table["poincare_constant"], names, "[known] poincare_constant")
                           if "poincare_constant" in table else None),
        reference=str(table.get("reference", "")),
    )
