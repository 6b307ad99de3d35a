"""Specs: TOML data (docs/design.md §4) or catalogue names → frozen records.

Nothing in a spec is evaluated as Python: expressions go through
:func:`~gsmtheory.symbolic._parse.parse_expression`. Parsed expressions must be real-valued on
the domain and a 1D target normalizable (:mod:`gsmtheory.symbolic._validate`). The tables are
read by their own modules: names, numbers, the domain and the mixture (``_spec_values``), the
model (``_spec_model``), the closed forms (``_known_values``), the CTLD lift (``_ctld_lift``).
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy as sp

from gsmtheory._errors import GSMError, SpecError
from gsmtheory._files import MAX_SPEC_BYTES, read_text
from gsmtheory.symbolic._catalogue import CATALOGUE
from gsmtheory.symbolic._ctld_lift import CTLDParameters, ctld_table
from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._gaussian_mixture import GaussianMixture
from gsmtheory.symbolic._known_values import KnownValues, parse_known
from gsmtheory.symbolic._model import Model
from gsmtheory.symbolic._parse import (
    parse_expression,
)
from gsmtheory.symbolic._spec_model import parse_model
from gsmtheory.symbolic._spec_values import (
    parse_constants,
    parse_domain,
    parse_matrix,
    parse_mixture,
    parse_names,
)
from gsmtheory.symbolic._validate import check_normalizable_nd, check_real, score_mismatch

__all__ = ["Spec", "load_spec", "misspecification", "parse_spec"]


_TOP_KEYS = {"coords", "log_density", "constants", "domain", "diffusion", "mixture", "model", "ctld",
             "name", "description", "known"}


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
    data = _toml(text)
    consts = parse_constants(data.get("constants", {}), constants or {})
    coord_names = parse_names(data.get("coords"), "coords")
    coords = tuple(sp.Symbol(n, real=True) for n in coord_names)
    names: dict[str, sp.Expr] = {n: sp.Rational(repr(float(v))) for n, v in consts.items()}
    for n, c in zip(coord_names, coords, strict=True):
        if n in names:
            raise SpecError(f"{n!r} is both a coordinate and a constant", "rename one of them")
        names[n] = c
    const_only = {k: v for k, v in names.items() if k in consts}
    mixture, ell = _target(data, names, const_only, len(coords))
    domain = parse_domain(data.get("domain", {}), coord_names, const_only)
    D, Q = _diffusion_matrices(data.get("diffusion", {}), names, len(coords))
    diffusion = Diffusion(coords, ell, D, Q, domain, name=str(data.get("name", name)), mixture=mixture)
    points = diffusion.sample_points(8, seed=3)
    if mixture is None:
        check_real(ell, "log_density", points)
        check_normalizable_nd(ell, coords, domain, points)
    _check_real_matrices(diffusion, points)
    model = parse_model(data["model"], coords, names, const_only) if "model" in data else None
    if model is not None and model.kind != "mixture":
        check_real(model.log_density, "model log_density", points, model.truth_map)
        check_normalizable_nd(model.at(model.truth), coords, domain, points,
                              what=f"the model at its truth ({_truth_text(model)}), p_θ*")
    ctld = ctld_table(data["ctld"], const_only, diffusion, consts) if "ctld" in data else None
    known = parse_known(data["known"], const_only) if "known" in data else None
    return Spec(name=str(data.get("name", name)), text=text, constants=tuple(sorted(consts.items())),
                diffusion=diffusion, model=model, ctld=ctld, known=known)


def _toml(text: str) -> dict[str, Any]:
    """The TOML tables, with only the keys a spec knows."""
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
    return data


def _target(data: Mapping[str, Any], names: Mapping[str, sp.Expr], const_only: Mapping[str, sp.Expr],
            d: int) -> tuple[GaussianMixture | None, sp.Expr | None]:
    """(mixture, ℓ): the ``[mixture]`` table or the ``log_density`` formula, exactly one of them."""
    mixture = parse_mixture(data["mixture"], const_only, d) if "mixture" in data else None
    if mixture is not None and "log_density" in data:
        raise SpecError("both log_density and [mixture] are given", "keep one of them")
    if mixture is not None:
        return mixture, None  # ℓ is built from the mixture when a symbolic operation first asks (Diffusion)
    if "log_density" in data:
        return None, parse_expression(data["log_density"], names, what="log_density")
    raise SpecError("the target is missing", "give log_density = \"...\" or a [mixture] table")


def _diffusion_matrices(diff: Any, names: Mapping[str, sp.Expr],
                        d: int) -> tuple[sp.ImmutableMatrix | None, sp.ImmutableMatrix | None]:
    """(D, Q) of the ``[diffusion]`` table (None where not given: the identity and zero)."""
    if not isinstance(diff, dict):
        raise SpecError("[diffusion] must be a table", "write [diffusion] with D = [[...]]")
    bad = set(diff) - {"D", "Q"}
    if bad:
        raise SpecError(f"unknown [diffusion] key(s) {', '.join(sorted(bad))}", "use D and Q")
    D = parse_matrix(diff["D"], names, d, "D") if "D" in diff else None
    Q = parse_matrix(diff["Q"], names, d, "Q") if "Q" in diff else None
    return D, Q


def _check_real_matrices(diffusion: Diffusion, points: list[dict[sp.Symbol, float]]) -> None:
    """Every entry of D and Q real at the sample points."""
    for what, M in (("D", diffusion.D), ("Q", diffusion.Q)):
        if not M.free_symbols and all(e.is_real for e in set(M.values())):
            continue  # constant real entries (identity D at d = 1000: 10⁶ of them, two distinct)
        for i, row in enumerate(M.tolist()):
            for j, entry in enumerate(row):
                if entry.free_symbols or not entry.is_zero:
                    check_real(entry, f"{what}[{i}][{j}]", points)


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
