r"""C_P for the efficiency records: the spectral code when present, a 1D kernel fallback otherwise.

Fallback (1D, reversible): C_P = λ_max((−L)⁻¹) on mean-zero functions, and for −Lu = g,
⟨g, u⟩_p = ∫ F(z)² / (pD)(z) dz with F(z) = ∫_a^z g p (DESIGN.md §6). Writing
F(z) = ∫ g(y) p(y) (1{y<z} − Φ(z)) dy (Φ the CDF; valid for mean-zero g) gives the symmetric
kernel, for x ≤ y,

    k(x, y) = ∫_a^x Φ²/(pD) − ∫_x^y Φ(1−Φ)/(pD) + ∫_y^b (1−Φ)²/(pD),

which annihilates constants and stays bounded in the tails, so the largest eigenvalue of
√(w p) k √(w p) is C_P with relative precision however large C_P is. Trapezoid on a uniform grid
at two resolutions; the error estimate is their difference. TODO(spectral helper): this
fallback is only used while ``gsmtheory.numeric.poincare_constant`` is absent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse.linalg import eigsh

from gsmtheory.compile import compile_expr
from gsmtheory.numeric import mixture_logpdf, support_interval
from gsmtheory.symbolic import Diffusion

__all__ = ["PoincareValue", "poincare_for"]


@dataclass(frozen=True)
class PoincareValue:
    """C_P with its error estimate, method and status, as used by the efficiency records."""

    value: float
    error: float
    method: str
    status: str
    message: str = ""
    side: str = "estimate"  # what the value certifies (PoincareResult.side): a bound is never a value

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"poincare_constant": self.value, "error_estimate": self.error, "method": self.method,
                "status": self.status, "message": self.message, "side": self.side}


def _kernel_cp(x: np.ndarray, logp: np.ndarray, D: np.ndarray) -> float:
    h = x[1] - x[0]
    w = np.full_like(x, h)
    w[0] = w[-1] = h / 2
    p = np.exp(logp - np.max(logp))
    p /= np.sum(w * p)
    cum = np.concatenate([[0.0], np.cumsum((p[1:] + p[:-1]) * h / 2)])
    phi = np.clip(cum / cum[-1], 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / (p * D)
    inv[~np.isfinite(inv)] = 0.0

    def cumtrap(f: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum((f[1:] + f[:-1]) * h / 2)])

    s1 = cumtrap(phi**2 * inv)
    s2 = cumtrap(phi * (1 - phi) * inv)
    s3 = cumtrap(((1 - phi) ** 2 * inv)[::-1])[::-1]  # ∫_y^b, summed from the right (no cancellation)
    i = np.arange(len(x))
    lo = np.minimum.outer(i, i)
    hi = np.maximum.outer(i, i)
    k = s1[lo] - (s2[hi] - s2[lo]) + s3[hi]
    r = np.sqrt(w * p)
    A = r[:, None] * k * r[None, :]
    return float(eigsh(A, k=1, which="LA", return_eigenvectors=False)[0])


def _fallback_1d(diffusion: Diffusion) -> PoincareValue:
    x = diffusion.coords
    if diffusion.mixture is not None:
        mix = diffusion.mixture

        def logp(z: np.ndarray) -> np.ndarray:
            return mixture_logpdf(mix, z[:, None])
    else:
        f = compile_expr(x, diffusion.log_density, "numpy")

        def logp(z: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return np.asarray(f(z), dtype=float)
    Dfn = compile_expr(x, diffusion.D[0, 0], "numpy")
    lo, hi = (float(v) for v in diffusion.domain[0])
    a, b = support_interval(logp, lo, hi, drop=36.0)
    values = []
    for n in (801, 1601):
        z = np.linspace(a, b, n)
        if math.isfinite(lo) or math.isfinite(hi):
            z = z[1:-1] if n > 2 else z
        Dv = np.broadcast_to(np.asarray(Dfn(z), dtype=float), z.shape)
        values.append(_kernel_cp(z, logp(z), Dv))
    coarse, fine = values
    extrap = (4 * fine - coarse) / 3  # trapezoid error ∝ h²
    return PoincareValue(extrap, abs(extrap - fine) + abs(fine - coarse) / 3,
                         "kernel (fallback, trapezoid + Richardson)", "ok",
                         "estimation fallback; the spectral module was not available")


def poincare_for(diffusion: Diffusion) -> PoincareValue | None:
    """C_P of ``diffusion``: ``gsmtheory.numeric.poincare_constant`` if it exists, else a 1D fallback.

    Returns None when neither applies (d ≥ 2 without the spectral module).
    """
    import gsmtheory.numeric as numeric

    fn = getattr(numeric, "poincare_constant", None)
    if fn is not None:
        r = fn(diffusion)
        return PoincareValue(float(r.poincare_constant), float(r.error_estimate), str(r.method),
                             str(r.status), str(getattr(r, "message", "")), str(r.side))
    if diffusion.dim == 1 and diffusion.Q.is_zero_matrix and not diffusion.is_degenerate:
        return _fallback_1d(diffusion)
    return None
