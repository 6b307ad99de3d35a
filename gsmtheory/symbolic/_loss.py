"""Generalized score matching losses derived from a diffusion (docs/design.md §1).

explicit:  D_GSM(p, q) = ½ E_p[(∇ℓ − ∇ℓ_q)ᵀ D (∇ℓ − ∇ℓ_q)]
implicit:  D_GSM = E_p[½ ∇ℓ_qᵀ D ∇ℓ_q + ∇·(D∇ℓ_q)] − ∮_{∂Ω} p · nᵀD∇ℓ_q dS + ½ E_p[∇ℓᵀ D ∇ℓ]
(integration by parts of the cross term; n the outward normal on the finite, reflecting ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import sympy as sp

from gsmtheory._errors import SpecError
from gsmtheory.symbolic._diffusion import Diffusion
from gsmtheory.symbolic._forward_diff import jacobian_rows
from gsmtheory.symbolic._limits import provably_nonzero
from gsmtheory.symbolic._model import Model

__all__ = ["BoundaryTerm", "GSMLoss", "gsm_loss"]


@dataclass(frozen=True)
class BoundaryTerm:
    """One face of Ω: its contribution to the implicit loss is −∫_face p · flux dS.

    flux = n · (D ∇ℓ_q) restricted to the face x_i = at, with n = −1 on a lower end and +1 on
    an upper one. ``vanishes`` is True when p·flux → 0 at the face for every θ (e.g. a Jacobi
    D = x(1−x), or a density that vanishes there), False when it provably does not, None when
    undecided; the term is kept either way.

    Attributes
    ----------
    coord_index : int
        Which coordinate the face is normal to.
    coord : Symbol
        That coordinate.
    side : {"lower", "upper"}
        Which end.
    at : Expr
        The end's position.
    flux : Expr
        n · (D ∇ℓ_q) on the face (a function of the other coordinates and θ).
    vanishes : bool or None
        Whether p·flux → 0 there for every θ.

    Examples
    --------
    >>> from gsmtheory.symbolic import gsm_loss, load_spec
    >>> spec = load_spec("reflected-gaussian")                  # N(0.3, 1) restricted to [0, 2]
    >>> terms = gsm_loss(spec.diffusion, spec.model).boundary_terms
    >>> [(t.side, t.at, t.vanishes) for t in terms]
    [('lower', 0, False), ('upper', 2, False)]
    """

    coord_index: int
    coord: sp.Symbol
    side: str
    at: sp.Expr
    flux: sp.Expr
    vanishes: bool | None

    def to_dict(self) -> dict[str, object]:
        """JSON-able description."""
        return {"coord": str(self.coord), "side": self.side, "at": float(self.at),
                "flux": str(self.flux), "vanishes": self.vanishes,
                "contribution": f"-integral over {self.coord}={self.at} of p * ({self.flux})"}


@dataclass(frozen=True)
class GSMLoss:
    """Integrands of the GSM loss of ``model`` under ``diffusion`` (functions of coords and params).

    Attributes
    ----------
    explicit : Expr
        ½ (∇ℓ − ∇ℓ_q)ᵀ D (∇ℓ − ∇ℓ_q); its p-expectation is D_GSM(p, q_θ).
    implicit : Expr
        ½ ∇ℓ_qᵀ D ∇ℓ_q + ∇·(D ∇ℓ_q); needs no normalizer of p or q.
    constant : Expr
        ½ ∇ℓᵀ D ∇ℓ, whose expectation is the θ-free constant.
    boundary_terms : tuple of BoundaryTerm
        Faces of the finite ends; E_p[explicit] = E_p[implicit] − Σ∫ p·flux + E_p[constant].
    theta_gradient : ImmutableMatrix
        ∇_θ of the implicit integrand (the per-sample estimating function), derived on first use.
    theta_hessian : ImmutableMatrix
        ∇_θ² of the implicit integrand (the sandwich's bread H before averaging), on first use.
    J : ImmutableMatrix
        J = ∇_θ ∇_x ℓ_q, shape (n_params, d); H = E_p[J D Jᵀ] at θ* (key lemma), on first use.

    The θ-derivatives are derived lazily (and then kept): for a K = 4 mixture the Hessian is
    most of the cost of a derivation, and many uses never need it.

    Examples
    --------
    >>> from gsmtheory.symbolic import gsm_loss, load_spec
    >>> spec = load_spec("reflected-gaussian")
    >>> loss = gsm_loss(spec.diffusion, spec.model)
    >>> loss.explicit, loss.implicit                            # ½(μ* − μ)², and its partition-free form
    ((3/10 - mu)**2/2, (mu - x)**2/2 - 1)
    >>> loss.J                                                  # ∇_θ ∇_x ℓ_θ
    Matrix([[1]])
    """

    diffusion: Diffusion
    model: Model
    explicit: sp.Expr
    implicit: sp.Expr
    constant: sp.Expr
    boundary_terms: tuple[BoundaryTerm, ...]

    @cached_property
    def theta_gradient(self) -> sp.ImmutableMatrix:
        """∇_θ of the implicit integrand."""
        return sp.ImmutableMatrix(jacobian_rows([self.implicit], self.model.params)[0])

    @cached_property
    def theta_hessian(self) -> sp.ImmutableMatrix:
        """∇_θ² of the implicit integrand (symmetric: the entry (i, j), i ≤ j, is ∂_θj of the i-th
        gradient entry, mirrored)."""
        rows = jacobian_rows(list(self.theta_gradient), self.model.params)
        return sp.ImmutableMatrix(len(rows), len(rows), lambda i, j: rows[min(i, j)][max(i, j)])

    @cached_property
    def J(self) -> sp.ImmutableMatrix:
        """J = ∇_θ ∇_x ℓ_q, shape (n_params, d)."""
        scores = [sp.diff(self.model.log_density, t) for t in self.model.params]
        return sp.ImmutableMatrix(jacobian_rows(scores, self.diffusion.coords))

    @property
    def has_boundary(self) -> bool:
        """True when some face term does not provably vanish."""
        return any(t.vanishes is not True for t in self.boundary_terms)

    def to_dict(self) -> dict[str, object]:
        """JSON-able form with the keys of `gsmtheory derive` (gsm_explicit, gsm_implicit, boundary_terms)."""
        return {"gsm_explicit": str(self.explicit), "gsm_implicit": str(self.implicit),
                "gsm_constant": str(self.constant),
                "boundary_terms": [t.to_dict() for t in self.boundary_terms],
                "J": [[str(v) for v in row] for row in self.J.tolist()]}


#: face fluxes with more operations than this are not simplified (they are kept as derived): every
#: catalogue flux, lifted or not, has at most 70; the lifted 2D mixture with free means (83) took
#: 1.2 s in ``simplify`` to lose 15%, the one with tied means (115) more
SIMPLIFY_OPS_LIMIT = 75


def _tidy(flux: sp.Expr) -> sp.Expr:
    """0 where ``simplify`` proves the flux 0; otherwise ``together(flux)`` where that is shorter.

    A flux with a value of at least 1e-20 at a rational point, to 30 digits (``evalf``), is not 0,
    and ``simplify`` is skipped: on the lifted catalogue fluxes (exp of the coordinates, 50 and
    70 operations) it took 0.15-0.3 s each, two per lifted 1D problem and about a third of a
    lifted efficiency, to reach 31-37 operations, where ``together`` reaches 49 and 33 in 0.01 s.
    (``ratsimp`` reaches simplify's length fast on those, but expands exp(x/56) and exp(x) into
    polynomials of degree 56 and ran out of memory on a 2D lift.)
    """
    if provably_nonzero(flux):
        short = sp.together(flux)
        return short if sp.count_ops(short) < sp.count_ops(flux) else flux
    return sp.simplify(flux)


def _boundary_term(diffusion: Diffusion, index: int, side: str, at: sp.Expr, Dgrad: sp.Matrix) -> BoundaryTerm:
    x = diffusion.coords[index]
    normal = -1 if side == "lower" else 1
    component = normal * Dgrad[index]
    direction = "+" if side == "lower" else "-"
    # Substituting is exact where the flux is continuous up to the end (the usual case, and much
    # faster than a limit on a lifted log-sum-exp); a limit is taken only where it is not defined.
    flux = component.subs(x, at)
    if flux.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        try:
            flux = sp.limit(component, x, at, dir=direction)
        except (NotImplementedError, ValueError, TypeError):
            pass
    # tidy only where it is cheap (SIMPLIFY_OPS_LIMIT): past it simplify took seconds and returned
    # an expression at most 15% smaller. A long flux that is 0 is then not seen to vanish: its face
    # term is kept and evaluates to rounding noise (work, not error)
    flux = _tidy(flux) if sp.count_ops(flux) <= SIMPLIFY_OPS_LIMIT else flux
    vanishes: bool | None
    if flux == 0:
        vanishes = True
    else:
        weighted = sp.exp(diffusion.log_density) * component
        try:
            lim = sp.limit(weighted, x, at, dir=direction) if diffusion.dim == 1 else None
        except (NotImplementedError, ValueError, TypeError):
            lim = None
        vanishes = True if lim == 0 else (None if lim is None else False)
    return BoundaryTerm(index, x, side, at, flux, vanishes)


@lru_cache(maxsize=256)
def gsm_loss(diffusion: Diffusion, model: Model) -> GSMLoss:
    r"""Derive the GSM loss of ``model`` under ``diffusion`` (Qin & Risteski, Prop. on GSM losses).

    D_GSM(p, q_θ) = E_p[½∇ℓ_qᵀD∇ℓ_q + ∇·(D∇ℓ_q)] − Σ_faces ∫ p nᵀD∇ℓ_q + ½E_p[∇ℓᵀD∇ℓ].

    Parameters
    ----------
    diffusion : Diffusion
        Supplies D (Q drops out of the loss) and the domain whose finite ends give faces.
    model : Model
        q_θ ∝ exp(ℓ_θ) in the same coordinates.

    Returns
    -------
    GSMLoss

    Notes
    -----
    Derivations are cached on the (hashable, frozen) diffusion and model, so asking again for
    the same loss in a process is near-instant.
    """
    if tuple(map(str, model.coords)) != tuple(map(str, diffusion.coords)):
        raise SpecError(f"model coords {list(map(str, model.coords))} differ from the diffusion's "
                        f"{list(map(str, diffusion.coords))}", "use the same coordinate names in both")
    x, D = diffusion.coords, diffusion.D
    d = diffusion.dim
    grad_q = sp.Matrix([sp.diff(model.log_density, c) for c in x])
    grad_p = sp.Matrix(diffusion.grad_log_density)
    diff = grad_p - grad_q
    explicit = (diff.T * D * diff)[0, 0] / 2
    Dgrad = D * grad_q
    implicit = (grad_q.T * D * grad_q)[0, 0] / 2 + sum(sp.diff(Dgrad[i], x[i]) for i in range(d))
    constant = (grad_p.T * D * grad_p)[0, 0] / 2
    faces = tuple(_boundary_term(diffusion, i, side, at, Dgrad) for i, side, at in diffusion.finite_ends)
    return GSMLoss(diffusion, model, explicit, implicit, constant, faces)
