r"""The GSM loss of a torch score or energy network, shaped like a torch loss (docs/design.md §1).

``loss = GSMLoss()`` (D = I: vanilla score matching), ``GSMLoss(D=matrix)``, ``GSMLoss(D=callable)``
or ``GSMLoss.from_diffusion(spec.diffusion)`` (a derived D(x), finite ends); then
``loss(model, batch)`` is a scalar (``reduction="mean"``, or ``"sum"``, ``"none"``) for any batch
of shape (n, *event_shape), with gradients to the parameters *and* to the batch.

For a diffusion with matrix D(x) on Ω = ∏[a_i, b_i] and a network score s = s_θ(x) (or
s = −∇E_θ), integration by parts of the explicit loss ½E_p[(∇ℓ − s)ᵀD(∇ℓ − s)] gives

    ½E_p[(∇ℓ − s)ᵀD(∇ℓ − s)] = E_p[ℓ_θ(x)] − Σ_faces ∫_face p nᵀD s dS + ½E_p[∇ℓᵀD∇ℓ],
    ℓ_θ(x) = ½ sᵀ D s + ∇·(D s) = ½ sᵀ D s + (div D)·s + Tr(D ∇s),   (div D)_j = Σ_i ∂_i D_ij,

(Qin & Risteski 2024, Lemma 2 with the boundary terms kept; the same form as
:func:`gsmtheory.symbolic.gsm_loss`, whose ``implicit`` integrand is ℓ_θ for s = ∇ℓ_q).
D and div D are given (constant D: div D = 0; a callable D(x): div D by autograd, d² products,
unless ``div_D`` is given) or derived with SymPy and compiled to torch through the diffusion's one :class:`gsmtheory.solve.Problem` (:meth:`GSMLoss.from_diffusion`);
the divergence is exact (d vector–Jacobian products) or Hutchinson's unbiased estimate with
Rademacher probes. A flat (n, d) view of the batch carries the derivatives (d = ∏ event_shape).

A finite end contributes −p(face)·n·(D s)(face) (n = −1 at a lower end, +1 at an upper one).
The term vanishes for every network when the normal row of D vanishes on the face (Jacobi-type
D) or when the target density does; otherwise it needs p on the face, which samples do not
give: in 1D the value p(a) can be supplied (or taken from the diffusion's own normalized
target); in d ≥ 2 such a face is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
import torch

from gsmtheory._errors import ModelError, NumericalError, SpecError
from gsmtheory.networks._autograd import (
    check_divergence,
    check_kind,
    network_score,
    takes_noise_level,
    weighted_divergence,
)
from gsmtheory.numeric import expect_1d
from gsmtheory.solve import Problem, build_problem
from gsmtheory.symbolic import Diffusion

__all__ = ["REDUCTIONS", "Face", "GSMLoss", "check_batch", "check_reduction", "flat_batch", "reduce_loss", "takes_noise_level"]

#: how a loss reduces its per-sample values, as torch losses do
REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")

FaceDensity = Mapping[tuple[str, str], float] | str | None


@dataclass(frozen=True)
class Face:
    """A finite end x_i = at kept in the GSM loss: per-sample term −density · normal · (D s)_i(face).

    The boundary term −p·nᵀD s of the implicit loss on a finite end (docs/design.md §1).

    Attributes
    ----------
    coord_index : int
        i.
    side : str
        ``"lower"`` or ``"upper"``.
    at : float
        The end.
    normal : float
        n = −1 at the lower end, +1 at the upper.
    density : float
        p at the end (the target's, or an estimate).

    Examples
    --------
    >>> faces = network_loss("reflected-gaussian", face_density="target").faces
    >>> [(f.side, f.at, f.normal) for f in faces]
    [('lower', 0.0, -1.0), ('upper', 2.0, 1.0)]
    """

    coord_index: int
    side: str
    at: float
    normal: float
    density: float


def _face_vanishes(diffusion: Diffusion, index: int, at: sp.Expr) -> bool:
    """nᵀD s ≡ 0 on the face for every s (row i of D vanishes there), or p vanishes on it."""
    x = diffusion.coords[index]
    row = [sp.simplify(diffusion.D[index, j].subs(x, at)) for j in range(diffusion.dim)]
    if all(v == 0 for v in row):
        return True
    density = sp.exp(diffusion.log_density)
    try:
        if diffusion.dim == 1:
            lim = sp.limit(density, x, at, dir="+" if at == diffusion.domain[index][0] else "-")
        else:
            lim = sp.simplify(density.subs(x, at))
    except (NotImplementedError, ValueError, TypeError):
        return False
    return bool(lim == 0)


def _target_face_density(problem: Problem, at: float) -> float:
    """p(at) of the problem's own target, normalized by 1D quadrature."""
    logp = problem.compiled_log_density

    def ell(y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(logp(y), dtype=float), np.shape(y))

    lo, hi = problem.domain[0]
    ex = expect_1d(ell, lambda y: np.zeros_like(y), lo, hi, panels=64)
    value = float(ell(np.array([at]))[0])
    return math.exp(value - ex.log_normalizer) if math.isfinite(value) else 0.0


def _faces(problem: Problem, face_density: FaceDensity) -> tuple[Face, ...]:
    diffusion = problem.diffusion
    kept = []
    for index, side, at in diffusion.finite_ends:
        if _face_vanishes(diffusion, index, at):
            continue
        name = str(diffusion.coords[index])
        if diffusion.dim >= 2:
            raise ModelError(f"the face {name} = {at} contributes -integral of p * n^T D s over the face, which needs "
                             "the target density on the face (samples do not give it)",
                             "use a D whose normal row vanishes on finite ends (e.g. x*(1 - x)), or a target on "
                             "the whole space")
        if face_density == "target":
            density = _target_face_density(problem, float(at))
        elif isinstance(face_density, Mapping) and (name, side) in face_density:
            density = float(face_density[(name, side)])
        else:
            raise ModelError(f"the {side} end {name} = {at} contributes -p({at}) * n * D s({at}), which needs the "
                             "target density at that end", f"pass face_density={{('{name}', '{side}'): p_at_end}} "
                             "(an estimate of p there), or face_density='target' when the diffusion's log density "
                             "is the target")
        if not (math.isfinite(density) and density >= 0):
            raise NumericalError(f"face density {density} at {name} = {at} is not a finite number >= 0",
                                 "give the normalized target density at the end")
        kept.append(Face(index, side, float(at), -1.0 if side == "lower" else 1.0, density))
    return tuple(kept)


def reduce_loss(values: torch.Tensor, reduction: str) -> torch.Tensor:
    """Per-sample values reduced as a torch loss does: "mean", "sum" or "none"."""
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


def check_reduction(reduction: str) -> None:
    """Raise a SpecError for an unknown reduction."""
    if reduction not in REDUCTIONS:
        raise SpecError(f"unknown reduction {reduction!r}", "use reduction='mean', 'sum' or 'none'")


def check_batch(x: torch.Tensor) -> None:
    """A batch is a floating-point tensor of shape (n, *event_shape)."""
    if not isinstance(x, torch.Tensor) or x.ndim < 2 or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise NumericalError(f"a batch of shape {shape} is not a floating-point tensor of shape (n, *event_shape)",
                             "pass float32/float64 samples with the sample axis first (1D data: x[:, None])")


def flat_batch(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
    """(x with a graph to the caller's input, its flat (n, d) view, event_shape) of a batch (n, *event_shape).

    A batch that requires grad is used as it is (the loss then has a gradient with respect to
    it); otherwise a detached leaf that requires grad carries the x-derivatives.
    """
    check_batch(x)
    xg = x if x.requires_grad else x.detach().requires_grad_(True)
    event = tuple(x.shape[1:])
    return xg, xg.reshape(x.shape[0], -1), event


def _constant_matrix(D: Any) -> torch.Tensor:
    m = torch.as_tensor(np.asarray(D, dtype=float) if not isinstance(D, torch.Tensor) else D.detach(),
                        dtype=torch.float64).cpu()
    if m.ndim != 2 or m.shape[0] != m.shape[1] or not bool(torch.isfinite(m).all()):
        raise SpecError(f"D of shape {tuple(m.shape)} is not a finite square matrix", "give D as a (d, d) matrix")
    if not torch.allclose(m, m.T, rtol=1e-12, atol=1e-12) or float(torch.linalg.eigvalsh(m).min()) < 0:
        raise SpecError("D is not symmetric positive semidefinite", "give a symmetric D with eigenvalues >= 0")
    return m


class GSMLoss(torch.nn.Module):
    r"""The GSM loss ½ sᵀDs + (div D)·s + Tr(D∇s) (+ finite-end faces) of a score or energy model.

    ``loss(model, x)`` with x of shape (n, *event_shape) reduces the per-sample values as torch
    losses do. Their mean is an unbiased estimate of D_GSM(p, s) − ½E_p[∇ℓᵀD∇ℓ] (module
    docstring) for samples x ∼ p, whatever the model; its θ-gradient is the gradient of the GSM
    divergence. Runs on the device and in the dtype of the batch.

    Parameters
    ----------
    D : None, (d, d) matrix, or callable
        None: D = I (vanilla score matching, Hyvärinen 2005); a constant symmetric positive
        semidefinite matrix over the flat event; or a callable x_flat (n, d) → (n, d, d).
    div_D : callable, optional
        x_flat → (n, d), (div D)_j = Σ_i ∂_i D_ij, for a callable D (else by autograd).
    kind : {"score", "energy"}
        model(x) is s_θ(x) of the shape of x, or E_θ(x) of shape (n,) with s = −∇E.
    divergence : {"exact", "hutchinson"}
        Exact trace (d vector–Jacobian products) or Hutchinson with ``probes`` Rademacher probes.
    probes : int
    reduction : {"mean", "sum", "none"}

    Notes
    -----
    ``torch.compile``: the loss differentiates the model with respect to its input with
    ``create_graph=True``; torch 2.13's AOTAutograd does not support that double backward, so a
    compiled model raises in the backward pass. Compile the denoising loss instead
    (:class:`DSMLoss` with a score model needs no input derivative).

    Examples
    --------
    >>> import torch
    >>> torch.manual_seed(0)                           # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> x = torch.randn(4000, 1, dtype=torch.float64)
    >>> # N(0, 1) and its own score s = −x: E[½x² − 1] = −½ = −½E|∇ℓ|² (D_GSM = 0)
    >>> round(float(GSMLoss()(lambda y: -y, x).detach()), 2)
    -0.5
    >>> round(float(GSMLoss(D=[[2.0]])(lambda y: -y, x).detach()), 2)    # D = 2: twice that
    -1.01
    """

    def __init__(self, D: Any = None, *, div_D: Callable[[torch.Tensor], torch.Tensor] | None = None,
                 kind: str = "score", divergence: str = "exact", probes: int = 1, reduction: str = "mean") -> None:
        super().__init__()
        check_kind(kind)
        check_divergence(divergence, probes)
        check_reduction(reduction)
        self.kind, self.divergence, self.probes, self.reduction = kind, divergence, int(probes), reduction
        self.constant: torch.Tensor | None = None
        self.field: Callable[[torch.Tensor], torch.Tensor] | None = None
        self.div_field = div_D
        if callable(D) and not isinstance(D, torch.Tensor):
            self.field = D
        elif D is not None:
            self.constant = _constant_matrix(D)
            if bool(torch.equal(self.constant, torch.eye(len(self.constant), dtype=torch.float64))):
                self.constant = None
        self.faces: tuple[Face, ...] = ()
        self.bounds: tuple[torch.Tensor, torch.Tensor] | None = None
        self.diffusion: Diffusion | None = None
        self.dim: int | None = None

    @classmethod
    def from_diffusion(cls, diffusion: Diffusion, *, face_density: FaceDensity = None, **kwargs: Any) -> GSMLoss:
        """The loss of a derived diffusion: D and div D compiled from SymPy, the finite ends' faces.

        ``face_density``: p at each finite end that does not vanish, keyed by (coordinate name,
        "lower"/"upper") (1D only), or ``"target"`` for the diffusion's normalized log density.
        """
        if not isinstance(diffusion, Diffusion):
            raise SpecError(f"expected a Diffusion, got {type(diffusion).__name__}",
                            "pass spec.diffusion or a gsmtheory.symbolic.Diffusion")
        problem = build_problem(diffusion)  # the one place symbolic pieces become callables
        x, Dm, d = list(problem.coords), problem.D, problem.d
        loss = cls(**kwargs)
        loss.diffusion, loss.dim = diffusion, d
        if not (Dm - sp.eye(d)).is_zero_matrix:
            f_D = problem.compiled("D", x, Dm, "torch")
            loss.field = lambda v: f_D(*v.unbind(-1)).to(v.dtype)
            div_d = [sum((sp.diff(Dm[i, j], x[i]) for i in range(d)), sp.Integer(0)) for j in range(d)]
            f_div = problem.compiled("div D", x, div_d, "torch")
            loss.div_field = (lambda v: torch.stack([torch.as_tensor(c, dtype=v.dtype, device=v.device).expand(len(v))
                                                     for c in f_div(*v.unbind(-1))], -1)) \
                if any(e != 0 for e in div_d) else (lambda v: torch.zeros_like(v))
        loss.faces = _faces(problem, face_density)
        if any(lo.is_finite or hi.is_finite for lo, hi in diffusion.domain):
            loss.bounds = (torch.tensor([float(lo) for lo, _ in diffusion.domain], dtype=torch.float64),
                           torch.tensor([float(hi) for _, hi in diffusion.domain], dtype=torch.float64))
        return loss

    def describe(self) -> dict[str, Any]:
        """What the loss computes, for records: D (identity, constant or a field), the kept faces."""
        D = "field" if self.field is not None else "constant" if self.constant is not None else "identity"
        return {"loss": "gsm", "D": D, "divergence": self.divergence,
                "faces": [f"{f.side} end of coordinate {f.coord_index} at {f.at:g}" for f in self.faces], "skipped": []}

    def matrix(self, flat: torch.Tensor) -> torch.Tensor | None:
        """D at the flat batch: None for the identity, (d, d) when constant, else (n, d, d)."""
        if self.field is not None:
            return self.field(flat)
        if self.constant is not None:
            if self.constant.shape[0] != flat.shape[1]:
                raise NumericalError(f"D is {tuple(self.constant.shape)} but a sample has {flat.shape[1]} numbers",
                                     f"give a ({flat.shape[1]}, {flat.shape[1]}) D for this batch")
            return self.constant.to(flat.device, flat.dtype)
        return None

    def _div(self, flat: torch.Tensor, M: torch.Tensor) -> torch.Tensor:
        """div D at the flat batch (given, or by autograd: (div D)_j = Σ_i ∂_i D_ij)."""
        if self.div_field is not None:
            return self.div_field(flat)
        cols = []
        for j in range(flat.shape[1]):
            cols.append(weighted_divergence(M[:, :, j], flat, divergence="exact"))
        return torch.stack(cols, -1)

    def _check_domain(self, flat: torch.Tensor) -> None:
        if self.dim is not None and flat.shape[1] != self.dim:
            raise NumericalError(f"samples have shape {tuple(flat.shape)} but the diffusion has d = {self.dim}",
                                 f"pass a batch of shape (n, {self.dim})")
        if self.bounds is None:
            return
        lo, hi = (b.to(flat.device, flat.dtype) for b in self.bounds)
        outside = (flat < lo) | (flat > hi)
        if bool(outside.any()):
            raise NumericalError(f"{int(outside.any(1).sum())} samples lie outside the domain "
                                 f"{[(float(a), float(b)) for a, b in zip(*self.bounds, strict=True)]}",
                                 "pass samples of the target, inside its domain")

    def per_sample(self, model: Callable[..., torch.Tensor], x: torch.Tensor,
                   generator: torch.Generator | None = None) -> torch.Tensor:
        """½ sᵀDs + (div D)·s + Tr(D∇s) (+ faces) per sample, shape (n,) (Hutchinson: probe mean)."""
        grad_on = torch.is_grad_enabled()
        with torch.enable_grad():
            _, flat, event = flat_batch(x)
            self._check_domain(flat)
            s = network_score(model, flat, kind=self.kind, event=event)
            M = self.matrix(flat)
            if M is None:
                quad = (s * s).sum(-1)
            elif M.ndim == 2:
                quad = ((s @ M) * s).sum(-1)
            else:
                quad = torch.einsum("ni,nij,nj->n", s, M, s)
            tr = weighted_divergence(s, flat, M, divergence=self.divergence, probes=self.probes, generator=generator)
            out = 0.5 * quad + (tr.mean(0) if tr.ndim == 2 else tr)
            if self.field is not None:
                assert M is not None
                out = out + (self._div(flat, M) * s).sum(-1)
            if self.faces:
                out = out + self.boundary(model, flat)
        return out if grad_on else out.detach()

    def boundary(self, model: Callable[..., torch.Tensor], like: torch.Tensor) -> torch.Tensor:
        """−Σ_faces p(face) n (D s)(face), a scalar tensor (zero without kept faces)."""
        total = torch.zeros((), dtype=like.dtype, device=like.device)
        for face in self.faces:
            if face.density == 0.0:
                continue
            with torch.enable_grad():
                xf = torch.full((1, 1), face.at, dtype=like.dtype, device=like.device, requires_grad=True)
                s = network_score(model, xf, kind=self.kind)
                M = self.matrix(xf)
                row = s[:, face.coord_index] if M is None else (M[:, face.coord_index, :] * s).sum(-1)
            total = total - face.density * face.normal * row[0]
        return total

    def forward(self, model: Callable[..., torch.Tensor], x: torch.Tensor, *,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """The reduced loss of ``model`` on the batch ``x`` (n, *event_shape)."""
        return reduce_loss(self.per_sample(model, x, generator), self.reduction)
