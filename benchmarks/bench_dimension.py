"""Benchmark: C_P and the CTLD sandwich of a Gaussian mixture in d = 1000 by symmetry reduction,
against d = 2 (issue #14).

Target: the reduced C_P and sandwich for d = 1000 cost at most 3× the d = 2 case (same process,
median of repeated runs). Cases: ½N(−m·1/√d, I) + ½N(m·1/√d, I), m = 3 (isotropic: no decomposition), and
the same mixture with a dense anisotropic Σ = Q diag(e) Qᵀ (Q random orthogonal, e in [0.5, 1],
the mean difference along an eigenvector with eigenvalue 1: block Krylov plus Lanczos). Both
reduce to the 1D problem whose C_P is 69.8475. Sandwich: Γ_CTLD, Γ_vanilla and both Γ_MLE of the
means model (a1, a2) along U, :func:`gsmtheory.estimation.ctld_efficiency_along_u` (the 1D
problem plus the closed-form β-score term of the d − 1 Gaussian directions); the d = 1000
TOML spec itself is not timed (its SymPy log density is the slow part and not the method).
Writes benchmarks/results/dimension.json.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks._util import best_of, write_result
from gsmtheory.estimation import ctld_efficiency_along_u
from gsmtheory.numeric import reduce_mixture, reduced_poincare
from gsmtheory.symbolic import GaussianMixture, ctld_parameters

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
    out = {}
    for d in (2, 1000):
        mix = _isotropic(d)
        params = ctld_parameters(GaussianMixture(((-M,), (M,)), (0.5, 0.5), ((1.0,),)))
        a = reduce_mixture(mix).reduced.means[:, 0]

        def run(mix=mix, params=params, a=a):  # type: ignore[no-untyped-def]
            return ctld_efficiency_along_u(mix, params, ["a1", "a2"], ["1/2", "1/2"], ["a1", "a2"], a,
                                           poincare=False)

        eff = run()
        out[d] = {"seconds": best_of(run, repeat=3), "gsm_covariance": eff.gsm_covariance.tolist(),
                  "vanilla_covariance": eff.vanilla_covariance.tolist(), "error": eff.error}
    ratio = out[1000]["seconds"] / out[2]["seconds"]
    rows["ctld_sandwich_isotropic"] = {"d2": out[2], "d1000": out[1000], "ratio": ratio,
                                       "meets_target": ratio <= TARGET_RATIO}
    print(f"CTLD sandwich (means along U): d=2 {out[2]['seconds']:.2f} s, d=1000 {out[1000]['seconds']:.2f} s: "
          f"{ratio:.2f}x (target <= {TARGET_RATIO}x); Gamma_CTLD[0][0] d=2 {out[2]['gsm_covariance'][0][0]:.6g}, "
          f"d=1000 {out[1000]['gsm_covariance'][0][0]:.6g}")
    path = write_result("dimension", {"target_ratio": TARGET_RATIO, "cases": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
