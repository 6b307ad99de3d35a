"""The catalogue: named specs, stored as TOML text (data, parsed like any user spec)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["CATALOGUE", "catalogue_names"]

_ENTRIES: dict[str, str] = {
    "gaussian": '''
description = "1D Gaussian N(0, sigma^2) under Langevin; C_P = sigma^2 (claim 1)"
coords = ["x"]
log_density = "-x**2/(2*sigma**2)"
[constants]
sigma = 1.5
[model]
params = ["mu"]
truth = {mu = 0.0}
log_density = "-(x - mu)**2/(2*sigma**2)"
''',
    "gaussian-2d": '''
description = "Anisotropic 2D Gaussian, variances s1 and s2, Langevin; C_P = max(s1, s2)"
coords = ["x", "y"]
log_density = "-x**2/(2*s1) - y**2/(2*s2)"
[constants]
s1 = 1.0
s2 = 4.0
[model]
params = ["a", "b"]
truth = {a = 0.0, b = 0.0}
log_density = "-(x - a)**2/(2*s1) - (y - b)**2/(2*s2)"
''',
    "preconditioned-gaussian": '''
description = "Correlated 2D Gaussian with D = Sigma (preconditioned Langevin); C_P = 1 (claim 1)"
coords = ["x", "y"]
[mixture]
means = [[0.0, 0.0]]
weights = [1.0]
covariance = [[2.0, 0.8], [0.8, 1.0]]
[diffusion]
D = [["2.0", "0.8"], ["0.8", "1.0"]]
[model]
params = ["a", "b"]
truth = {a = 0.0, b = 0.0}
[model.mixture]
means = [["a", "b"]]
weights = [1]
covariance = [["2.0", "0.8"], ["0.8", "1.0"]]
''',
    "state-dependent-langevin": '''
description = "Gaussian target, state-dependent preconditioner D(x) = 1 + x**2/4"
coords = ["x"]
log_density = "-x**2/2"
[diffusion]
D = [["1 + x**2/4"]]
[model]
params = ["mu"]
truth = {mu = 0.0}
log_density = "-(x - mu)**2/2"
''',
    "double-well": '''
description = "Double well p ~ exp(-beta (x^2 - 1)^2); Eyring-Kramers C_P ~ exp(beta)"
coords = ["x"]
log_density = "-beta*(x**2 - 1)**2"
[constants]
beta = 1.0
[model]
params = ["t"]
truth = {t = 0.0}
log_density = "-beta*(x**2 - 1)**2 + t*x"
''',
    "bimodal": '''
description = "Two Gaussians at -m and m, unit variance; model: the symmetric means"
coords = ["x"]
[constants]
m = 2.0
[mixture]
means = [["-m"], ["m"]]
weights = [0.5, 0.5]
covariance = [[1.0]]
[model]
params = ["a"]
truth = {a = "m"}
[model.mixture]
means = [["-a"], ["a"]]
weights = [0.5, 0.5]
covariance = [[1.0]]
''',
    "bimodal-weight": '''
description = "Two Gaussians at -m and m; model: the weight w of the right component (Koehler et al.)"
coords = ["x"]
[constants]
m = 2.0
w0 = 0.5
[mixture]
means = [["-m"], ["m"]]
weights = ["1 - w0", "w0"]
covariance = [[1.0]]
[model]
params = ["w"]
truth = {w = "w0"}
[model.mixture]
means = [["-m"], ["m"]]
weights = ["1 - w", "w"]
covariance = [[1.0]]
''',
    "mixture-2d": '''
description = "Two 2D Gaussians at (-m, 0) and (m, 0), identity covariance"
coords = ["x", "y"]
[constants]
m = 1.5
[mixture]
means = [["-m", 0], ["m", 0]]
weights = [0.5, 0.5]
covariance = [[1.0, 0.0], [0.0, 1.0]]
''',
    "jacobi": '''
description = "Beta(a, b) on [0, 1] with the Jacobi diffusion D = x(1 - x); spectral gap a + b"
coords = ["x"]
log_density = "(a - 1)*log(x) + (b - 1)*log(1 - x)"
[constants]
a = 2.0
b = 3.0
[domain]
x = [0, 1]
[diffusion]
D = [["x*(1 - x)"]]
[model]
params = ["p", "q"]
truth = {p = "a", q = "b"}
log_density = "(p - 1)*log(x) + (q - 1)*log(1 - x)"
''',
    "laguerre": '''
description = "Gamma(k, 1) on [0, inf) with D = x (Laguerre / CIR diffusion); spectral gap 1"
coords = ["x"]
log_density = "(k - 1)*log(x) - x"
[constants]
k = 3.0
[domain]
x = [0, "inf"]
[diffusion]
D = [["x"]]
''',
    "reflected-gaussian": '''
description = "Gaussian restricted to [0, 2] under reflected Langevin: boundary terms matter"
coords = ["x"]
log_density = "-(x - c)**2/2"
[constants]
c = 0.3
[domain]
x = [0, 2]
[model]
params = ["mu"]
truth = {mu = "c"}
log_density = "-(x - mu)**2/2"
''',
    "nonreversible-gaussian": '''
description = "2D Gaussian with a skew part Q: same stationary law, Dirichlet form and loss as Langevin"
coords = ["x", "y"]
log_density = "-x**2/2 - y**2/(2*s)"
[constants]
s = 2.0
c = 1.0
[diffusion]
D = [["1", "0"], ["0", "1"]]
Q = [["0", "c"], ["-c", "0"]]
[model]
params = ["a", "b"]
truth = {a = 0.0, b = 0.0}
log_density = "-(x - a)**2/2 - (y - b)**2/(2*s)"
''',
    "underdamped-langevin": '''
description = "Underdamped Langevin in (x, v): degenerate D, so its Dirichlet form controls no variance"
coords = ["x", "v"]
log_density = "-x**2/2 - v**2/2"
[constants]
gamma = 1.0
[diffusion]
D = [["0", "0"], ["0", "gamma"]]
Q = [["0", "-1"], ["1", "0"]]
''',
    "ctld-bimodal": '''
description = "Two Gaussians at -m and m lifted by CTLD with the reported r(beta) and beta_max"
coords = ["x"]
[constants]
m = 2.0
[mixture]
means = [["-m"], ["m"]]
weights = [0.5, 0.5]
covariance = [[1.0]]
[model]
params = ["a"]
truth = {a = "m"}
[model.mixture]
means = [["-a"], ["a"]]
weights = [0.5, 0.5]
covariance = [[1.0]]
[ctld]
lambda_min = 1.0
diameter = "2*m"
''',
}

#: catalogue name -> TOML text
CATALOGUE: Mapping[str, str] = MappingProxyType({k: v.strip() + "\n" for k, v in _ENTRIES.items()})


def catalogue_names() -> tuple[str, ...]:
    """The catalogue's names, sorted."""
    return tuple(sorted(CATALOGUE))
