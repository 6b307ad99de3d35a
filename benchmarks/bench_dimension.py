"""Benchmark: C_P of a Gaussian mixture in d = 1000 by symmetry reduction, against d = 2 (issue #14).

Target: the reduced C_P for d = 1000 costs at most 3× the d = 2 case (same process, median of
repeated runs). Cases: ½N(−m·1/√d, I) + ½N(m·1/√d, I), m = 3 (isotropic: no decomposition), and
the same mixture with a dense anisotropic Σ = Q diag(e) Qᵀ (Q random orthogonal, e in [0.5, 1],
the mean difference along an eigenvector with eigenvalue 1: block Krylov plus Lanczos). Both
reduce to the 1D problem whose C_P is 69.8475. Writes benchmarks/results/dimension.json.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks._util import best_of, write_result
from gsmtheory.numeric import reduced_poincare

M = 3.0
TARGET_RATIO = 3.0


def _isotropic(d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mu = np.full(d, M / math.sqrt(d))
    return np.stack([-mu, mu]), np.array([0.5, 0.5]), np.eye(d)


def _dense(d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(d, d)))[0]
    e = np.linspace(0.5, 1.0, d)
    e[0] = 1.0
    half = M * q[:, 0]
    return np.stack([-half, half]), np.array([0.5, 0.5]), (q * e) @ q.T


def main() -> None:
    """Time reduced C_P at d = 2 and d = 1000 for both cases; print ratios; write JSON."""
    rows = {}
    for name, make in (("isotropic", _isotropic), ("dense_anisotropic", _dense)):
        out = {}
        for d in (2, 1000):
            mix = make(d)
            r = reduced_poincare(mix)
            t = best_of(lambda mix=mix: reduced_poincare(mix), repeat=7)
            out[d] = {"seconds": t, "poincare_constant": r.poincare_constant,
                      "error_estimate": r.error_estimate, "side": r.side, "status": r.status,
                      "reduced_dim": r.resolution["reduced_dim"], "method": r.method}
        ratio = out[1000]["seconds"] / out[2]["seconds"]
        rows[name] = {"d2": out[2], "d1000": out[1000], "ratio": ratio,
                      "meets_target": ratio <= TARGET_RATIO,
                      "same_value": abs(out[1000]["poincare_constant"] - out[2]["poincare_constant"])
                      <= out[2]["error_estimate"] + out[1000]["error_estimate"]}
        print(f"{name}: C_P d=2 {out[2]['poincare_constant']:.10g} in {out[2]['seconds'] * 1e3:.1f} ms, "
              f"d=1000 {out[1000]['poincare_constant']:.10g} in {out[1000]['seconds'] * 1e3:.1f} ms: "
              f"{ratio:.2f}x (target <= {TARGET_RATIO}x)")
    path = write_result("dimension", {"target_ratio": TARGET_RATIO, "cases": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
