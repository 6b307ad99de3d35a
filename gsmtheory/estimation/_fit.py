r"""Estimators from data: GSM (implicit loss) and maximum likelihood, single or batched.

GSM minimizes the empirical implicit loss (1/n) Σ φ(X_i, θ) (+ the face terms B(θ) on a finite
domain, docs/design.md §1):

- exponential families ℓ_θ = base + θᵀT: φ = ½θᵀA(x)θ + b(x)ᵀθ + c(x), so θ̂ = −Ā⁻¹b̄
  (a linear solve; a singular Ā names the unidentifiable direction);
- otherwise: damped Newton with autograd Hessians from several starts (the spec's truth and
  jittered copies), reporting each start's convergence; the best converged start wins.

MLE maximizes (1/n) Σ ℓ_θ(X_i) − log Z(θ): mixtures are normalized in closed form; other
models get log Z(θ) = log Σ_j w_j e^{ℓ_θ(z_j)} by composite Gauss–Legendre quadrature on the
support (1D/2D), differentiable in θ, so the same Newton solver applies.

Batched fits (R replications of n samples at once, for Monte Carlo) run the same code on a
tensor (R, n, d): the rows are independent problems (see :mod:`._newton`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import GSMError, ModelError, NumericalError, SpecError
from gsmtheory.estimation._ctld import base_problem, ctld_problem, lift_of
from gsmtheory.estimation._newton import NewtonResult, newton_minimize
from gsmtheory.estimation._problem import EstimationProblem, build_problem
from gsmtheory.estimation._records import plain, solve_bread
from gsmtheory.numeric import TailMap, adaptive_integrals, support_interval
from gsmtheory.symbolic import Diffusion, Model, Spec

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["BatchFit", "FitResult", "feasible_box", "fit", "fit_batch", "load_data", "validate_data"]

Array = NDArray[np.float64]
LOSSES = ("gsm", "mle", "ctld")
#: the largest |x| accepted in data (a loss of degree 4 in x stays within float64)
DATA_MAGNITUDE = 1e60


# ---------------------------------------------------------------------------- data
def validate_data(data: Any, dim: int, *, source: str = "data",
                  domain: Sequence[tuple[float, float]] | None = None,
                  coords: Sequence[str] | None = None) -> Array:
    """An (n, d) float64 array from ``data``; NaN/inf, the wrong width, no rows or (with ``domain``)
    rows outside the domain ∏[lo_i, hi_i] raise NumericalError (with the count of offending rows).
    Complex data are refused (never cast to their real part), and so are values beyond
    ±:data:`DATA_MAGNITUDE`, whose powers in the losses overflow float64."""
    if np.iscomplexobj(data) and np.any(np.imag(np.asarray(data)) != 0):
        raise NumericalError(f"{source} is complex-valued", "give real samples (the imaginary part would be lost)")
    try:
        arr = np.asarray(np.real(data) if np.iscomplexobj(data) else data, dtype=np.float64)
    except (TypeError, ValueError):
        raise NumericalError(f"{source} is not numeric", "give one row of numbers per sample") from None
    if arr.ndim == 1 and dim == 1:
        arr = arr[:, None]
    if arr.ndim == 0 or arr.size == 0 or arr.shape[0] == 0:
        raise NumericalError(f"{source} has no rows", "give at least one sample, one row per sample")
    if arr.ndim != 2:
        raise NumericalError(f"{source} has shape {arr.shape}", f"give a 2-D table with {dim} column(s)")
    if arr.shape[1] != dim:
        raise NumericalError(f"{source} has {arr.shape[1]} column(s) but the spec has {dim} coordinate(s)",
                             f"give exactly {dim} value(s) per row")
    bad = ~np.isfinite(arr)
    if bad.any():
        row = int(np.nonzero(bad.any(axis=1))[0][0])
        raise NumericalError(f"{source} contains NaN or inf (first at row {row + 1})",
                             "remove or fix those rows")
    largest = float(np.max(np.abs(arr)))
    if largest > DATA_MAGNITUDE:
        raise NumericalError(f"{source} holds values up to {largest:.3g}, beyond ±{DATA_MAGNITUDE:g}, "
                             "where the losses' powers of x overflow float64",
                             "rescale the data (and the spec's constants) to moderate values")
    if domain is not None:
        lo = np.array([float(a) for a, _ in domain])
        hi = np.array([float(b) for _, b in domain])
        outside = np.any((arr < lo) | (arr > hi), axis=1)
        if outside.any():
            names = list(coords) if coords is not None else [f"x{i + 1}" for i in range(dim)]
            box = " x ".join(f"{c} in [{_num(a)}, {_num(b)}]" for c, a, b in zip(names, lo, hi, strict=True))
            row = int(np.nonzero(outside)[0][0])
            raise NumericalError(
                f"{source}: {int(outside.sum())} of {len(arr)} rows lie outside the domain {box} "
                f"(first at row {row + 1}: {', '.join(f'{v:.4g}' for v in arr[row])})",
                "remove those rows or widen [domain] in the spec")
    return arr


def _num(v: float) -> str:
    return "inf" if v == math.inf else "-inf" if v == -math.inf else f"{v:g}"


def load_data(path: str | Path, dim: int) -> Array:
    """Read samples from a .npy or .csv file (one row per sample; a header line is allowed in csv)."""
    p = Path(path)
    if not p.exists() or p.is_dir():
        raise NumericalError(f"data file {str(p)!r} does not exist", "give the path of a .npy or .csv file")
    try:
        if p.suffix.lower() == ".npy":
            arr = np.load(p, allow_pickle=False)
        elif p.suffix.lower() in (".csv", ".txt"):
            text = p.read_text(encoding="utf-8")
            lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            if lines:
                try:
                    [float(v) for v in lines[0].split(",")]
                except ValueError:
                    lines = lines[1:]  # a header
            rows = []
            for i, ln in enumerate(lines):
                try:
                    rows.append([float(v) for v in ln.split(",")])
                except ValueError:
                    raise NumericalError(f"data file row {i + 1} is not numbers: {ln[:40]!r}",
                                         "write comma-separated numbers") from None
            widths = {len(r) for r in rows}
            if len(widths) > 1:
                raise NumericalError(f"data file rows have different widths {sorted(widths)}",
                                     f"give {dim} value(s) on every row")
            arr = np.array(rows, dtype=float).reshape(len(rows), -1 if rows else dim)
        else:
            raise NumericalError(f"data file {p.name!r} is neither .npy nor .csv", "save it as .npy or .csv")
    except (OSError, ValueError, UnicodeDecodeError, EOFError) as exc:
        if isinstance(exc, GSMError):
            raise
        raise NumericalError(f"cannot read data file {p.name!r} ({type(exc).__name__})",
                             "check the file") from None
    return validate_data(arr, dim, source=f"data file {p.name!r}")


# ---------------------------------------------------------------------------- results
@dataclass(frozen=True)
class FitResult:
    """A fitted parameter with standard errors, or its failure status (never a silent number).

    ``estimate`` and ``standard_errors`` are None when ``converged`` is False.
    """

    params: tuple[str, ...]
    loss_name: str
    estimate: tuple[float, ...] | None
    standard_errors: tuple[float, ...] | None
    loss: float | None
    converged: bool
    status: str
    method: str
    n: int
    message: str = ""
    starts: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Keys of `gsmtheory fit` (docs/design.md §4)."""
        est = None if self.estimate is None else dict(zip(self.params, self.estimate, strict=True))
        se = None if self.standard_errors is None else dict(zip(self.params, self.standard_errors, strict=True))
        return plain({
            "estimate": est if est is not None else dict.fromkeys(self.params),
            "standard_errors": se if se is not None else dict.fromkeys(self.params),
            "loss": self.loss, "loss_name": self.loss_name, "converged": self.converged,
            "status": self.status, "method": self.method, "n": self.n, "message": self.message,
            "starts": list(self.starts),
        })


@dataclass(frozen=True)
class BatchFit:
    """R fits at once: θ̂ (R, P), per-row status and masks.

    ``status`` per row: "converged" (interior minimizer), "bound" (minimizer on the boundary of
    the parameter range, a valid estimate equal to the boundary value), or a failure
    ("not_converged", "line_search_failed", "non_finite", "singular"). Rows of θ̂ that failed
    are NaN: a failure is never a number.
    """

    params: tuple[str, ...]
    theta: Array
    converged: NDArray[np.bool_]
    status: tuple[str, ...]
    method: str
    at_bound: NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        if self.at_bound is None:
            object.__setattr__(self, "at_bound", np.array([s == "bound" for s in self.status], dtype=bool))

    @property
    def solved(self) -> NDArray[np.bool_]:
        """Rows with a valid estimate: converged in the interior or on the boundary."""
        assert self.at_bound is not None  # set in __post_init__
        return self.converged | self.at_bound

    @property
    def n_converged(self) -> int:
        """Number of rows converged in the interior."""
        return int(self.converged.sum())

    @property
    def n_at_bound(self) -> int:
        """Number of rows whose estimate lies on the boundary of the parameter range."""
        assert self.at_bound is not None  # set in __post_init__
        return int(self.at_bound.sum())

    @property
    def n_failed(self) -> int:
        """Number of rows without an estimate (not converged, line search failed, non-finite, singular)."""
        return int((~self.solved).sum())

    def status_counts(self) -> dict[str, int]:
        """How many rows ended in each status."""
        out: dict[str, int] = {}
        for st in self.status:
            out[st] = out.get(st, 0) + 1
        return dict(sorted(out.items()))


# ---------------------------------------------------------------------------- objectives
def _rows_of(x: torch.Tensor, theta: torch.Tensor, rows: torch.Tensor | None) -> torch.Tensor:
    """The data rows matching θ's rows: x (1, n, d) is shared; x (R, n, d) is indexed by ``rows``."""
    if x.shape[0] == 1 and theta.shape[0] != 1:
        return x.expand(theta.shape[0], *x.shape[1:])
    if rows is None or rows.numel() == x.shape[0]:
        return x
    return x.index_select(0, rows)


def _gsm_objective(problem: EstimationProblem, x: torch.Tensor):  # type: ignore[no-untyped-def]
    """θ (k, P), rows (k,) → the empirical implicit loss of data rows ``rows`` (k,)."""
    def f(theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        val = problem.implicit_torch(_rows_of(x, theta, rows), theta).mean(-1)
        if problem.has_boundary:
            val = val + problem.boundary_torch(theta)
        return val
    return f


def _nodes_1d(problem: EstimationProblem, data: Array, order: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Nodes and log weights for ∫ e^{ℓ_θ} over the whole line (1D): Gauss–Legendre on the panels that
    :func:`adaptive_integrals` chose for the target's mass on its :class:`TailMap`, refined at
    the images of the data's quantiles, weights times |x′(t)|: no cut-off, so heavy-tailed
    models are normalized correctly (a fixed box misses their tails)."""
    import torch
    lo, hi = problem.bounds[0]

    def logp(z: Array) -> Array:
        return np.asarray(problem.target_logpdf(np.asarray(z)[:, None]), dtype=float)

    tmap = TailMap.fit(logp, lo, hi)

    def w(t: Array) -> Array:
        with np.errstate(all="ignore"):
            lv = logp(tmap.x(t))
            rel = np.exp(np.where(np.isfinite(lv), lv - tmap.top, -np.inf))
            return np.where(rel > 0, rel * tmap.jacobian(t), 0.0)[:, None]

    with np.errstate(all="ignore"):
        res = adaptive_integrals(w, tmap.breaks(16), rtol=1e-12)
    qs = np.quantile(data[:, 0], np.linspace(0.0, 1.0, 65))
    breaks = np.unique(np.concatenate([res.edges.ravel(), tmap.t(qs), tmap.breaks(32)]))
    left, right = breaks[:-1], breaks[1:]
    tg, wg = np.polynomial.legendre.leggauss(order)
    half = (right - left) / 2
    t = (left[:, None] + half[:, None] * (tg[None, :] + 1)).ravel()
    weights = (half[:, None] * wg[None, :]).ravel() * tmap.jacobian(t)
    x = tmap.x(t)
    keep = np.isfinite(x) & (weights > 0) & np.isfinite(weights)
    return torch.as_tensor(x[keep][:, None]), torch.as_tensor(np.log(weights[keep]))


def _nodes(problem: EstimationProblem, data: Array, panels: int = 64, order: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """Composite Gauss–Legendre nodes (M, d) and log weights (M,) covering the support and the data."""
    import torch
    if problem.dim == 1:
        return _nodes_1d(problem, data, order)
    if problem.dim == 2:
        panels, order = 16, 12
    t, w = np.polynomial.legendre.leggauss(order)
    axes = []
    scan = [np.linspace(*_finite(lo, hi), 201) for lo, hi in problem.bounds]
    for i, (lo, hi) in enumerate(problem.bounds):
        def logp_i(z: Array, i: int = i) -> Array:
            # profile: the max over the other coordinate (a slice would miss correlated mass)
            if problem.dim == 1:
                return problem.target_logpdf(np.asarray(z)[:, None])
            other = scan[1 - i]
            Z, W = np.meshgrid(z, other, indexing="ij")
            pts = np.stack([Z, W] if i == 0 else [W, Z], axis=-1)
            return np.max(problem.target_logpdf(pts), axis=1)
        a, b = support_interval(logp_i, lo, hi)
        dmin, dmax = float(np.min(data[:, i])), float(np.max(data[:, i]))
        width = b - a
        a = max(lo, min(a, dmin - 0.25 * width))
        b = min(hi, max(b, dmax + 0.25 * width))
        breaks = np.linspace(0.0, 1.0, panels + 1)
        grade = np.array([])
        if math.isfinite(lo):
            grade = np.concatenate([grade, 0.5 ** np.arange(30, 0, -1) * breaks[1]])
        if math.isfinite(hi):
            grade = np.concatenate([grade, 1 - 0.5 ** np.arange(1, 31)[::-1] * (1 - breaks[-2])])
        breaks = np.unique(np.concatenate([breaks, grade]))
        left, right = breaks[:-1], breaks[1:]
        half = (right - left) / 2
        nodes = (left[:, None] + half[:, None] * (t[None, :] + 1)).ravel()
        weights = (half[:, None] * w[None, :]).ravel()
        axes.append((a + (b - a) * nodes, (b - a) * weights))
    if problem.dim == 1:
        z, wz = axes[0][0][:, None], axes[0][1]
    elif problem.dim == 2:
        X, Y = np.meshgrid(axes[0][0], axes[1][0], indexing="ij")
        z = np.stack([X.ravel(), Y.ravel()], axis=-1)
        wz = (axes[0][1][:, None] * axes[1][1][None, :]).ravel()
    else:
        raise ModelError(f"MLE needs the normalizer; quadrature covers d ≤ 2, not d = {problem.dim}",
                         "give the model as a normalized [model.mixture] or use --loss gsm")
    return torch.as_tensor(z), torch.as_tensor(np.log(wz))


def _finite(lo: float, hi: float) -> tuple[float, float]:
    a = lo if math.isfinite(lo) else (hi - 60.0 if math.isfinite(hi) else -60.0)
    b = hi if math.isfinite(hi) else (lo + 60.0 if math.isfinite(lo) else 60.0)
    eps = 1e-9 * (b - a)
    return a + eps, b - eps


def _mle_objective(problem: EstimationProblem, x: torch.Tensor, data_np: Array):  # type: ignore[no-untyped-def]
    import torch
    if problem.model.normalized:
        def f(theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
            return -problem.model_logpdf_torch(_rows_of(x, theta, rows), theta).mean(-1)
        return f
    z, logw = _nodes(problem, data_np)
    z, logw = z.to(x.device), logw.to(x.device)

    def g(theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        xx = _rows_of(x, theta, rows)
        zz = z[None].expand(theta.shape[0], *z.shape)
        lz = problem.model_logpdf_torch(zz, theta)
        lz = torch.where(torch.isfinite(lz), lz, torch.full_like(lz, -math.inf))
        log_norm = torch.logsumexp(lz + logw, dim=-1)
        return -problem.model_logpdf_torch(xx, theta).mean(-1) + log_norm
    return g


# ---------------------------------------------------------------------------- single fits
def _problem_of(spec: Spec | Diffusion | EstimationProblem, model: Model | None) -> EstimationProblem:
    if isinstance(spec, EstimationProblem):
        return spec
    return build_problem(spec, model)


_MARGIN = 1e-10  # finite bounds are kept at this relative distance (log w stays finite at w = 0)


def feasible_box(problem: EstimationProblem) -> tuple[tuple[float, float], ...]:
    """The closed box the iterates live in: ``problem.param_bounds`` pulled in by 1e-10·max(1, |bound|).

    (So log w stays finite at a weight's end; an estimate held on this box is reported as the
    range's boundary value itself, with status "bound".)
    """
    out = []
    for lo, hi in problem.param_bounds:
        a = lo + _MARGIN * max(1.0, abs(lo)) if math.isfinite(lo) else lo
        b = hi - _MARGIN * max(1.0, abs(hi)) if math.isfinite(hi) else hi
        out.append((a, b))
    return tuple(out)


def _inside(theta: Array, box: Sequence[tuple[float, float]]) -> NDArray[np.bool_]:
    lo = np.array([b[0] for b in box])
    hi = np.array([b[1] for b in box])
    th = np.atleast_2d(theta)
    return np.all((th >= lo) & (th <= hi), axis=-1)


def _clip(theta: Array, box: Sequence[tuple[float, float]]) -> Array:
    return np.clip(theta, [b[0] for b in box], [b[1] for b in box])


def _snap(problem: EstimationProblem, theta: Array, at_bound: torch.Tensor | None) -> Array:
    """Coordinates held on the feasible box are reported as the range's boundary value itself."""
    if at_bound is None:
        return theta
    held = at_bound.detach().cpu().numpy()
    mid = np.array([(lo + hi) / 2 if math.isfinite(lo + hi) else 0.0 for lo, hi in problem.param_bounds])
    lo = np.array([b[0] for b in problem.param_bounds])
    hi = np.array([b[1] for b in problem.param_bounds])
    edge = np.where(theta < mid, lo, hi)
    return np.where(held & np.isfinite(edge), edge, theta)


def _starts(start: Array, count: int, seed: int, box: Sequence[tuple[float, float]]) -> Array:
    """``start`` and ``count − 1`` copies jittered by N(0, (½·max(1, |θ|))²), clipped to the box."""
    rng = np.random.default_rng(seed)
    jitter = rng.standard_normal((max(count, 1) - 1, len(start))) * 0.5 * np.maximum(1.0, np.abs(start))
    return _clip(np.vstack([start[None], start[None] + jitter]), box)


def fit(spec: Spec | Diffusion | EstimationProblem, data: Any, *, loss: str = "gsm",
        model: Model | None = None, starts: int = 4, max_iter: int = 100, seed: int = 0,
        start: Sequence[float] | None = None) -> FitResult:
    r"""Fit the spec's model to ``data`` (n, d) by GSM, MLE or the annealed CTLD loss.

    One pipeline for the three losses: an empirical objective (1/n)Σ_i φ(X_i; θ), minimized by
    projected damped Newton (:func:`newton_minimize`) from several starts, standard errors from
    the sandwich H⁻¹Ĉov(∇_θφ)H⁻¹/n (GSM, CTLD) or the inverse Hessian (MLE).

    - ``"gsm"``: φ the implicit GSM loss of the spec's diffusion (+ finite-end face terms);
      exponential families in closed form.
    - ``"mle"``: φ = −ℓ_θ + log Z(θ).
    - ``"ctld"``: φ the implicit CTLD loss of the lifted model on (x, β) (Definition 6 of Qin &
      Risteski, COLT 2024), with β_i ∼ r, x̃_i = x_i + √(β_iλ) z_i and the β-face terms from the
      same data point (:meth:`CTLDLift.draws`); the spec's ``[ctld]`` table or the reported
      defaults; ``seed`` also draws the β_i and z_i.

    The estimate stays inside the parameter range ``problem.param_bounds`` (e.g. a mixture
    weight in [0, 1]); an estimate on its boundary has status "bound" and no standard errors
    (the normal approximation does not hold there).

    Parameters
    ----------
    spec : Spec, Diffusion or EstimationProblem
        (a Spec with a Gaussian-mixture target and ``[model.mixture]`` for ``"ctld"``)
    data : array-like (n, d)
    loss : {"gsm", "mle", "ctld"}
    starts : int
        Starting points: ``start`` (default the spec's truth) and ``starts − 1`` jittered copies
        (projected into the parameter range).
    max_iter : int
        Newton iterations per start.
    start : sequence of float, optional
        The first starting point instead of the truth (e.g. to ask where a loss goes from a
        swapped configuration).

    Returns
    -------
    FitResult
        With ``converged=False`` and no numbers when no start converged.
    """
    if loss not in LOSSES:
        raise SpecError(f"unknown loss {loss!r}", f"use one of {', '.join(LOSSES)}")
    if loss == "ctld":
        return _fit_ctld(spec, data, starts=starts, max_iter=max_iter, seed=seed, start=start)
    problem = _problem_of(spec, model)
    x_np = validate_data(data, problem.dim, domain=problem.bounds,
                         coords=[str(c) for c in problem.diffusion.coords])
    n = len(x_np)
    P = problem.params
    box = feasible_box(problem)
    if loss == "gsm" and problem.has_quadratic_loss:
        closed = _gsm_closed_form(problem, x_np)
        if closed.estimate is None or bool(_inside(np.array(closed.estimate), box)[0]):
            return closed
    import torch  # iterative fits run in torch (the [torch] extra)

    x = torch.as_tensor(x_np)[None]
    objective = _gsm_objective(problem, x) if loss == "gsm" else _mle_objective(problem, x, x_np)
    first = problem.truth if start is None else _start_of(start, P)
    theta0 = torch.as_tensor(_starts(first, starts, seed, box))
    res = newton_minimize(objective, theta0, bounds=box, subset=True, max_iter=max_iter)
    method = ("projected damped Newton (autograd Hessian), best of "
              f"{len(res.status)} start(s)" + ("" if loss == "gsm" or problem.model.normalized
                                               else "; log Z by Gauss-Legendre quadrature"))
    if problem.is_bounded:
        method += "; parameter range " + ", ".join(
            f"{name} in [{lo:g}, {hi:g}]" for name, (lo, hi) in zip(P, problem.param_bounds, strict=True))
    best, failed = _best_start(res, theta0, P, loss, method, n)
    if failed is not None:
        return failed
    theta = _snap(problem, res.theta.numpy(), res.at_bound)[best]
    start_info = _start_info(res, theta0)
    if res.status[best] == "bound":
        assert res.at_bound is not None  # always set by newton_minimize
        held = [P[k] for k in range(len(P)) if bool(res.at_bound[best, k])]
        return FitResult(P, loss, tuple(float(v) for v in theta), None, float(res.value[best]), True,
                         "bound", method, n,
                         f"the estimate of {', '.join(held)} lies on the boundary of its range; "
                         "standard errors omitted (no normal approximation at a boundary)", start_info)
    se = _standard_errors(problem, x_np, theta, loss, res, best)
    return FitResult(P, loss, tuple(float(v) for v in theta), se, float(res.value[best]), True,
                     "converged", method, n, "", start_info)


def _start_of(start: Sequence[float], names: Sequence[str]) -> Array:
    first = np.asarray(start, dtype=float).reshape(-1)
    if first.shape != (len(names),) or not np.all(np.isfinite(first)):
        raise SpecError(f"start {list(start)} is not {len(names)} finite numbers ({', '.join(names)})",
                        "give one number per parameter")
    return first


def _start_info(res: NewtonResult, theta0: torch.Tensor) -> tuple[dict[str, Any], ...]:
    return tuple({"start": [float(v) for v in theta0[i]], "status": res.status[i],
                  "loss": float(res.value[i]), "iterations": int(res.iterations[i])}
                 for i in range(len(res.status)))


def _best_start(res: NewtonResult, theta0: torch.Tensor, names: tuple[str, ...], loss: str, method: str,
                n: int) -> tuple[int, FitResult | None]:
    """The converged (or bound) start with the lowest loss, or the failure record when none is."""
    ok = [i for i, s in enumerate(res.status) if s in ("converged", "bound")]
    if not ok:
        return -1, FitResult(names, loss, None, None, None, False, res.status[0], method, n,
                             f"no start converged (statuses: {', '.join(sorted(set(res.status)))})",
                             _start_info(res, theta0))
    return min(ok, key=lambda i: float(res.value[i])), None


def _fit_ctld(spec: Any, data: Any, *, starts: int, max_iter: int, seed: int,
              start: Sequence[float] | None) -> FitResult:
    """``fit(..., loss="ctld")``: the empirical implicit CTLD loss through the same Newton and sandwich."""
    import torch
    if not isinstance(spec, Spec):
        raise ModelError("--loss ctld needs a spec (target, [model.mixture], optional [ctld])",
                         "pass the Spec, not a Diffusion or a built problem")
    if spec.model is None or spec.model.kind != "mixture":
        raise ModelError("--loss ctld needs the model's convolution in closed form",
                         "give the model as a [model.mixture] table, or use --loss gsm / mle")
    problem = ctld_problem(spec)
    lift = lift_of(problem)
    x = validate_data(data, lift.dim, domain=[(float(lo), float(hi)) for lo, hi in spec.diffusion.domain],
                      coords=[str(c) for c in spec.diffusion.coords])
    x = x[:, 0] if lift.dim == 1 else x
    n = len(x)
    names = problem.params
    bulk, face_points = lift.draws(x, seed)
    xt = torch.as_tensor(bulk)[None]
    faces = [(face, tuple(torch.as_tensor(xf).unbind(-1)) if lift.dim > 1 else (torch.as_tensor(xf),))
             for face, xf in face_points]

    def terms(theta: torch.Tensor) -> torch.Tensor:
        """The n per-data-point terms φ(x̃_i, β_i; θ) − Σ_f c_f flux_f(x_i^{(f)}; θ) of the empirical CTLD loss."""
        total = problem.implicit_torch(xt, theta[None])[0]
        for face, cols in faces:
            total = total - face.weight * face.torch_flux(*cols, *theta.unbind())
        return torch.broadcast_to(total, (n,))

    def objective(theta: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        return torch.stack([terms(th).mean() for th in theta])

    box = tuple((-math.inf, math.inf) for _ in names)
    first = problem.truth if start is None else _start_of(start, names)
    theta0 = torch.as_tensor(_starts(first, starts, seed, box))
    res = newton_minimize(objective, theta0, bounds=box, subset=True, max_iter=max_iter)
    method = ("projected damped Newton (autograd Hessian) on the empirical implicit CTLD loss, best of "
              f"{len(res.status)} start(s)")
    best, failed = _best_start(res, theta0, names, "ctld", method, n)
    if failed is not None:
        return failed
    est = res.theta[best].numpy().copy()
    p = lift.params
    note = (f"CTLD lambda={p.lambda_min:g}, beta_max={p.beta_max:g}, log r={p.log_r}"
            + (f" (defaults: {', '.join(p.defaults)})" if p.defaults else ""))
    flat = _flat_direction(problem, x, est)
    se = None
    if flat is None:
        psi = torch.autograd.functional.jacobian(terms, torch.as_tensor(est)).detach().numpy()
        se = _sandwich_se({"psi": psi.reshape(n, -1)}, res.hessian[best].numpy(), n)
    else:
        note += (f"; no standard errors: the model is not locally identifiable at the estimate (its Fisher "
                 f"information vanishes along {flat}), where the sandwich does not apply")
    return FitResult(names, "ctld", tuple(float(v) for v in est), se, float(res.value[best]), True,
                     "converged", method, n, note, _start_info(res, theta0))


def _flat_direction(problem: EstimationProblem, x: Array, theta: Array, rtol: float = 1e-8) -> str | None:
    """The direction along which the empirical Fisher information of the model vanishes at θ̂, if any.

    At such a point (e.g. the symmetric means ±a at a = 0, where every per-sample gradient is 0 by
    symmetry) the estimator is not asymptotically normal and the sandwich would report a spurious
    zero standard error. The scale is the Fisher information at the spec's truth on the same data.
    """
    base = base_problem(problem)

    def fisher(th: Array) -> Array:
        score = base.per_sample(x, th, parts=("score",))["score"].reshape(len(x), -1)
        return np.asarray(score.T @ score / len(x), dtype=np.float64)

    at_est, at_truth = fisher(theta), fisher(problem.truth)
    scale = float(np.max(np.abs(np.linalg.eigvalsh(at_truth))))
    w, v = np.linalg.eigh(at_est)
    if scale > 0 and w[0] > rtol * scale:
        return None
    vec = v[:, 0] / np.max(np.abs(v[:, 0]))
    return " + ".join(f"{c:.3g}*{name}" for c, name in zip(vec, problem.params, strict=True)
                      if abs(c) > 1e-3)


def _gsm_closed_form(problem: EstimationProblem, x: Array) -> FitResult:
    A, b = problem.quadratic_coefficients(x)
    _, bgrad, bhess = problem.boundary(np.zeros(problem.n_params))
    Abar = A.mean(0) + bhess
    bbar = b.mean(0) + bgrad
    Ainv = solve_bread(Abar, problem.params, what="the GSM quadratic form (mean of A(x))")
    theta = -Ainv @ bbar
    per = problem.per_sample(x, theta)
    loss = float(np.mean(0.5 * np.einsum("i,nij,j->n", theta, A, theta) + b @ theta))
    se = _sandwich_se(per, Abar, len(x))
    if not (math.isfinite(loss) and np.all(np.isfinite(theta))):
        raise NumericalError(f"the GSM loss at these data is not finite (estimate {theta.tolist()}, "
                             f"loss {loss}): the data overflow float64",
                             "rescale the data (and the spec's constants) to moderate values")
    return FitResult(problem.params, "gsm", tuple(float(v) for v in theta), se, loss, True,
                     "converged", "closed form: theta = -mean(A)^-1 mean(b) (GSM loss quadratic in theta)",
                     len(x), "loss reported without the theta-free term E[c(x)]")


def _sandwich_se(per: dict[str, Array], H: Array, n: int) -> tuple[float, ...] | None:
    psi = per["psi"]
    M = np.atleast_2d(np.cov(psi, rowvar=False, bias=True))
    try:
        Hinv = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return None
    G = Hinv @ M @ Hinv
    return tuple(float(v) for v in np.sqrt(np.maximum(np.diag(G), 0.0) / n))


def _standard_errors(problem: EstimationProblem, x: Array, theta: Array, loss: str,
                     res: NewtonResult, best: int) -> tuple[float, ...] | None:
    n = len(x)
    if loss == "gsm":
        per = problem.per_sample(x, theta)
        _, _, bh = problem.boundary(theta)
        return _sandwich_se(per, per["hess"].mean(0) + bh, n)
    H = res.hessian[best].numpy()
    try:
        cov = np.linalg.inv(H) / n
    except np.linalg.LinAlgError:
        return None
    return tuple(float(v) for v in np.sqrt(np.maximum(np.diag(cov), 0.0)))


# ---------------------------------------------------------------------------- batched
CHUNK_ELEMENTS = 1_000_000  # rows per chunk = this // n: bounds the autograd graph's memory


def fit_batch(problem: EstimationProblem, data: Array | torch.Tensor, loss: str = "gsm", *,
              theta0: Sequence[float] | None = None, max_iter: int = 100,
              chunk: int | None = None) -> BatchFit:
    r"""Fit R independent data sets (R, n, d) at once (torch, batched over replications).

    Runs on the device and in the dtype of ``data`` when it is a tensor. Iterative fits start
    from ``theta0`` (default: the spec's truth, i.e. the local minimizer near θ*, the one the
    asymptotic theory describes) and stay inside the parameter range
    (``problem.param_bounds``); the projected Newton solver evaluates only unfinished rows.
    Rows are processed ``chunk`` at a time (default: about 10⁶ data values per chunk).
    Exponential families (quadratic GSM loss) are solved in closed form; rows whose solution
    leaves the parameter range are refitted by projected Newton.
    """
    import torch
    if loss not in ("gsm", "mle"):
        raise SpecError(f"unknown loss {loss!r} for batched fits", "use gsm or mle")
    x_all = torch.as_tensor(np.asarray(data, dtype=np.float64)) if not isinstance(data, torch.Tensor) else data
    if x_all.ndim == 2:
        x_all = x_all[..., None]
    R, n, P = x_all.shape[0], x_all.shape[1], problem.n_params
    box = feasible_box(problem)
    start = problem.truth if theta0 is None else np.asarray(theta0, dtype=float)
    start = _clip(start, box)
    if loss == "gsm" and problem.has_quadratic_loss:
        A, b = problem.quadratic_coefficients_torch(x_all)
        _, bgrad, bhess = problem.boundary(np.zeros(P))
        Abar = A.mean(1) + torch.as_tensor(bhess, dtype=A.dtype, device=A.device)
        bbar = b.mean(1) + torch.as_tensor(bgrad, dtype=A.dtype, device=A.device)
        theta_t = -torch.linalg.solve(Abar, bbar)
        ok = torch.isfinite(theta_t).all(1)
        theta = theta_t.detach().cpu().numpy()
        status = ["converged" if o else "singular" for o in ok.tolist()]
        method = "closed form (batched linear solves)"
        outside = np.nonzero(ok.cpu().numpy() & ~_inside(theta, box))[0]
        if outside.size:
            objective = _gsm_objective(problem, x_all[torch.as_tensor(outside, device=x_all.device)])
            th0 = torch.as_tensor(_clip(theta[outside], box), dtype=x_all.dtype, device=x_all.device)
            res = newton_minimize(objective, th0, bounds=box, subset=True, max_iter=max_iter)
            theta[outside] = _snap(problem, res.theta.cpu().numpy(), res.at_bound)
            for j, r in enumerate(outside.tolist()):
                status[r] = res.status[j]
            method += f"; {outside.size} row(s) outside the parameter range refitted by projected Newton"
        conv = np.array([st == "converged" for st in status])
        bound = np.array([st == "bound" for st in status])
        theta = np.where((conv | bound)[:, None], theta, np.nan)
        return BatchFit(problem.params, theta, conv, tuple(status), method, bound)
    rows_per = chunk if chunk is not None else max(1, CHUNK_ELEMENTS // max(n, 1))
    thetas: list[Array] = []
    statuses: list[str] = []
    for s0 in range(0, R, rows_per):
        x = x_all[s0:s0 + rows_per]
        objective = (_gsm_objective(problem, x) if loss == "gsm"
                     else _mle_objective(problem, x, x.reshape(-1, x.shape[-1]).detach().cpu().numpy()))
        th0 = torch.as_tensor(start, dtype=x.dtype, device=x.device)[None].repeat(x.shape[0], 1)
        res = newton_minimize(objective, th0, bounds=box, subset=True, max_iter=max_iter)
        thetas.append(_snap(problem, res.theta.detach().cpu().numpy(), res.at_bound))
        statuses.extend(res.status)
    theta = np.concatenate(thetas)
    conv = np.array([st == "converged" for st in statuses])
    bound = np.array([st == "bound" for st in statuses])
    theta = np.where((conv | bound)[:, None], theta, np.nan)
    method = "projected damped Newton, batched over replications"
    if problem.is_bounded:
        method += "; parameter range " + ", ".join(
            f"{name} in [{lo:g}, {hi:g}]" for name, (lo, hi) in zip(problem.params, problem.param_bounds, strict=True))
    return BatchFit(problem.params, theta, conv, tuple(statuses), method, bound)
