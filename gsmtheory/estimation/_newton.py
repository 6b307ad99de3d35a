r"""Batched projected Newton in torch: R independent small problems minimized at once.

Each row r of θ (R, P) has its own objective f_r(θ_r) (rows do not interact), so
∇(Σ_r f_r) gives every row's gradient in one backward pass and P more passes give the
Hessians. Parameters may carry box bounds lo ≤ θ ≤ hi (a mixture weight in [0, 1]); the
iterates stay in the box (projected Newton, Bertsekas 1982): a coordinate that sits on its
bound with the gradient pushing outward is held there (the active set A), and on the free
set F the step solves (H_FF + μI)s = −g_F, with μ lifting H_FF to positive definite where it
is not. The projected candidate is backtracked (Armijo, factor ½) row by row.

A row stops when the first-order conditions hold with H_FF positive definite, either

- ‖g_F‖_∞ ≤ gtol·(1 + |f|) (gradient test), or
- ‖s‖_∞ ≤ xtol·(1 + ‖θ‖_∞) (the Newton step, i.e. the distance to the local minimizer up to
  second order, is negligible: the test that still works at the floating-point floor; that
  last step is taken, so the error left is O(‖s‖²)),

with status "converged" when A is empty and "bound" when the minimizer lies on the box (a
KKT point: the estimate is the boundary value). Rows that run out of iterations, stall in
the line search or produce non-finite values are reported with their status
("not_converged", "line_search_failed", "non_finite"), never as numbers. Only rows still
active are evaluated when the objective accepts a row index (``subset=True``), so a few
hard rows do not make the whole batch pay.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch is the [torch] extra, imported where a torch path runs
    import torch

__all__ = ["NewtonResult", "newton_minimize"]

Objective = Callable[..., "torch.Tensor"]
STATUSES = ("converged", "bound", "not_converged", "line_search_failed", "non_finite")


@dataclass(frozen=True)
class NewtonResult:
    """R minimisations at once: θ (R, P), f(θ) (R,), projected-gradient max-norm, Hessian, status.

    Attributes
    ----------
    theta : torch.Tensor
        The minimisers (R, P).
    value, grad_norm : torch.Tensor
        f (R,) and the max-norm of the projected gradient (R,).
    hessian : torch.Tensor
        ∇²f (R, P, P).
    iterations : torch.Tensor
        Newton steps per row (R,).
    status : tuple of str
        Per row (see the module docstring): "converged", "bound", or a failure.
    at_bound : torch.Tensor or None
        Entries held at the box (R, P).

    Examples
    --------
    >>> import torch
    >>> r = newton_minimize(lambda th: ((th - 1.0) ** 2).sum(-1), torch.zeros(1, 1, dtype=torch.float64),
    ...                     bounds=[(-1.0, 0.5)])
    >>> r.theta.tolist(), r.status, r.at_bound.tolist()   # the minimiser 1 lies outside: held at 0.5
    ([[0.5]], ('bound',), [[True]])
    """

    theta: torch.Tensor
    value: torch.Tensor
    grad_norm: torch.Tensor
    hessian: torch.Tensor
    iterations: torch.Tensor
    status: tuple[str, ...]
    at_bound: torch.Tensor | None = None

    @property
    def converged(self) -> torch.Tensor:
        """Boolean mask of rows whose θ is a (local) minimizer in the interior of the box."""
        import torch
        return torch.tensor([s == "converged" for s in self.status], dtype=torch.bool)

    @property
    def solved(self) -> torch.Tensor:
        """Boolean mask of rows with a valid estimate: interior ("converged") or on the box ("bound")."""
        import torch
        return torch.tensor([s in ("converged", "bound") for s in self.status], dtype=torch.bool)


def _box(bounds: Sequence[tuple[float, float]] | None, P: int, like: torch.Tensor
         ) -> tuple[torch.Tensor, torch.Tensor]:
    import torch
    if bounds is None:
        lo = torch.full((P,), -torch.inf, dtype=like.dtype, device=like.device)
        return lo, -lo
    if len(bounds) != P:
        raise ValueError(f"bounds has {len(bounds)} entries for {P} parameters")
    lo = torch.tensor([float(b[0]) for b in bounds], dtype=like.dtype, device=like.device)
    hi = torch.tensor([float(b[1]) for b in bounds], dtype=like.dtype, device=like.device)
    if bool((lo >= hi).any()):
        raise ValueError("every lower bound must lie below its upper bound")
    return lo, hi


def _derivatives(objective: Objective, theta: torch.Tensor, rows: torch.Tensor | None
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    import torch
    th = theta.detach().requires_grad_(True)
    f = objective(th) if rows is None else objective(th, rows)
    (g,) = torch.autograd.grad(f.sum(), th, create_graph=True)
    out = []
    P = th.shape[1]
    for k in range(P):
        if g.grad_fn is None:
            out.append(torch.zeros_like(th))
            continue
        (hk,) = torch.autograd.grad(g[:, k].sum(), th, retain_graph=k < P - 1, allow_unused=True)
        out.append(torch.zeros_like(th) if hk is None else hk)
    H = torch.stack(out, dim=1)
    return f.detach(), g.detach(), ((H + H.transpose(1, 2)) / 2).detach()


def _newton_step(th: torch.Tensor, f: torch.Tensor, g: torch.Tensor, H: torch.Tensor, lo: torch.Tensor,
                 hi: torch.Tensor, bounded: bool) -> tuple[torch.Tensor, ...]:
    """(active set, finite rows, the damped Newton step on the free set, positive definite, |g| on the free set).

    Coordinates on the box with the gradient pointing out are held; the Hessian reduced to the free
    set (identity on the held coordinates) is shifted by μ to be positive definite where it is not.
    """
    import torch
    eye = torch.eye(th.shape[1], dtype=th.dtype, device=th.device)
    finite = torch.isfinite(f) & torch.isfinite(g).all(1) & torch.isfinite(H).flatten(1).all(1)
    at_lo = (th <= lo) & (g > 0)
    at_hi = (th >= hi) & (g < 0)
    active_set = (at_lo | at_hi) if bounded else torch.zeros_like(th, dtype=torch.bool)
    free = ~active_set
    pair = free[:, :, None] & free[:, None, :]
    Hr = torch.where(pair, H, eye.expand_as(H))
    Hr = torch.where(finite[:, None, None], Hr, eye.expand_as(H))
    eig = torch.linalg.eigvalsh(Hr)
    scale = eig.abs().max(1).values.clamp_min(1e-300)
    pd = eig[:, 0] > 1e-12 * scale
    gf = torch.where(free, g, torch.zeros_like(g))
    gnorm = gf.abs().max(1).values
    mu = torch.where(pd, torch.zeros_like(scale), -eig[:, 0] + 1e-6 * scale)
    Hm = Hr + mu[:, None, None] * eye
    step = -torch.linalg.solve(Hm, torch.where(finite[:, None], gf, torch.zeros_like(gf)))
    step = torch.where(free, step, torch.zeros_like(step))
    return active_set, finite, step, pd, gnorm


def _line_search(evaluate: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], idx: torch.Tensor,
                 th: torch.Tensor, f: torch.Tensor, g: torch.Tensor, step: torch.Tensor, lo: torch.Tensor,
                 hi: torch.Tensor, max_halvings: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Armijo backtracking along the projected step, row by row: (new θ, accepted rows)."""
    import torch
    t = torch.ones(idx.numel(), dtype=th.dtype, device=th.device)
    accepted = torch.zeros(idx.numel(), dtype=torch.bool, device=th.device)
    new_th = th.clone()
    for _ in range(max_halvings):
        pending = torch.nonzero(~accepted).flatten()
        cand = torch.minimum(torch.maximum(th[pending] + t[pending, None] * step[pending], lo), hi)
        fc = evaluate(cand, idx[pending])
        slope = (g[pending] * (cand - th[pending])).sum(1).clamp_max(0.0)
        fp = f[pending]
        ok = torch.isfinite(fc) & (fc <= fp + 1e-4 * slope + 1e-14 * fp.abs())
        new_th[pending[ok]] = cand[ok]
        accepted[pending[ok]] = True
        if bool(accepted.all()):
            break
        t = torch.where(accepted, t, t / 2)
    return new_th, accepted


def _on_rows(objective: Objective, theta: torch.Tensor, subset: bool) -> tuple[Any, Any]:
    """(value, derivatives) of the objective at θ for the given rows only: called on those rows when
    it takes a row subset, else on all rows with θ (whose other rows stay as stored) and sliced."""
    import torch
    R = theta.shape[0]

    def evaluate(th: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            if subset:
                return objective(th, rows)
            if rows.numel() == R:
                return objective(th)[rows]
            full = theta.clone()
            full[rows] = th
            return objective(full)[rows]

    def derivs(th: torch.Tensor, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if subset:
            return _derivatives(objective, th, rows)
        if rows.numel() == R:
            return _derivatives(objective, th, None)
        full = theta.clone()
        full[rows] = th
        f, g, H = _derivatives(objective, full, None)
        return f[rows], g[rows], H[rows]

    return evaluate, derivs


def newton_minimize(objective: Objective, theta0: torch.Tensor, *,
                    bounds: Sequence[tuple[float, float]] | None = None, subset: bool = False,
                    max_iter: int = 100, gtol: float = 1e-12, xtol: float = 1e-10,
                    max_halvings: int = 40, noise_gtol: float = 1e-7) -> NewtonResult:
    """θ̂_r = argmin_{θ ∈ box} f_r(θ) for R objectives at once, by projected damped Newton from θ0 (R, P).

    Parameters
    ----------
    objective : callable
        ``objective(θ)`` with θ (R, P) → (R,); with ``subset=True`` it is called as
        ``objective(θ_rows, rows)`` with ``rows`` a LongTensor of row indices and must return
        the values of those rows only (then only unfinished rows are evaluated).
    theta0 : tensor (R, P)
        Starting points; they are projected into the box.
    bounds : sequence of (lo, hi), optional
        Box constraints (±inf allowed). Estimates never leave the box.
    subset : bool
        See ``objective``.
    max_iter, gtol, xtol, max_halvings, noise_gtol
        Iterations; the projected-gradient and step tolerances; step halvings of the line search;
        the gradient level accepted as converged when the line search stalls at round-off.

    Returns
    -------
    NewtonResult
        θ̂, f, the projected gradient, the Hessian (autograd) and a status per row.

    Examples
    --------
    >>> import torch
    >>> r = newton_minimize(lambda th: ((th - 1.0) ** 2).sum(-1), torch.zeros(2, 1, dtype=torch.float64))
    >>> r.theta.tolist(), r.status
    ([[1.0], [1.0]], ('converged', 'converged'))
    """
    import torch
    theta = theta0.detach().clone()
    R, P = theta.shape
    dev, dt = theta.device, theta.dtype
    lo, hi = _box(bounds, P, theta)
    bounded = bool(torch.isfinite(lo).any() or torch.isfinite(hi).any())
    theta = torch.minimum(torch.maximum(theta, lo), hi)
    status = ["not_converged"] * R
    iters = torch.zeros(R, dtype=torch.long, device=dev)
    f_all = torch.full((R,), torch.nan, dtype=dt, device=dev)
    g_all = torch.full((R, P), torch.nan, dtype=dt, device=dev)
    H_all = torch.full((R, P, P), torch.nan, dtype=dt, device=dev)
    A_all = torch.zeros((R, P), dtype=torch.bool, device=dev)
    idx = torch.arange(R, device=dev)  # rows still active

    evaluate, derivs = _on_rows(objective, theta, subset)
    th = theta.clone()
    f, g, H = derivs(th, idx)
    for it in range(max_iter + 1):
        # store the current state of the active rows
        theta[idx], f_all[idx], g_all[idx], H_all[idx] = th, f, g, H
        active_set, finite, step, pd, gnorm = _newton_step(th, f, g, H, lo, hi, bounded)
        A_all[idx] = active_set
        tiny = step.abs().max(1).values <= xtol * (1 + th.abs().max(1).values)
        done = finite & pd & ((gnorm <= gtol * (1 + f.abs())) | tiny)
        # a negligible Newton step is still taken: the error left is second order in it
        last = done & tiny
        if bool(last.any()):
            rows = idx[last]
            theta[rows] = torch.minimum(torch.maximum(th[last] + step[last], lo), hi)
        on_box = active_set.any(1)
        for j, r in enumerate(idx.tolist()):
            if bool(done[j]):
                status[r] = "bound" if bool(on_box[j]) else "converged"
            elif not bool(finite[j]):
                status[r] = "non_finite"
        keep = finite & ~done
        if not bool(keep.any()) or it == max_iter:
            break
        idx, th, f, g, step, pd, gnorm = (idx[keep], th[keep], f[keep], g[keep], step[keep], pd[keep],
                                          gnorm[keep])
        iters[idx] += 1
        new_th, accepted = _line_search(evaluate, idx, th, f, g, step, lo, hi, max_halvings)
        stalled = ~accepted
        # no decrease possible: at the floating-point floor if the gradient is already tiny
        floor = stalled & pd & (gnorm <= noise_gtol * (1 + f.abs()))
        for j in torch.nonzero(stalled).flatten().tolist():
            r = int(idx[j])
            status[r] = ("bound" if bool(A_all[r].any()) else "converged") if bool(floor[j]) \
                else "line_search_failed"
        idx, th = idx[accepted], new_th[accepted]
        if idx.numel() == 0:
            break
        f, g, H = derivs(th, idx)
    return NewtonResult(theta.detach(), f_all, torch.where(A_all, torch.zeros_like(g_all), g_all).abs().max(1).values,
                        H_all, iters, tuple(status), A_all)
