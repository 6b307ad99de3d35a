r"""The experiment the paper lacks (issue 16): train small MLP energies with derived losses.

Target: p = 0.2·N((−5, 0), I) + 0.8·N((5, 0), I) in 2D (separation 10, unequal weights). For
each seed, n samples of p train an MLP energy E_θ with

- ``sm``: vanilla score matching, ½|s|² + div s (Langevin, D = I);
- ``gsm-precond``: the preconditioned GSM loss with D = diag(1 + 8·exp(−x²/8), 1), which
  speeds diffusion across the low-density bridge between the modes (div D enters the loss);
- ``dsm-*``: annealed denoising score matching (Song & Ermon), weight σ² = βλ, β ∼ r;
- ``ctld-*``: the CTLD loss (heat-identity β-score, both β-faces) with a noise-conditional
  energy E_θ(x, β);

where ``*-reported`` uses the reported r(β) = exp(−7 diam²/(λ(1+β))) on [0, 14 diam²/λ − 1]
and ``*-designed`` the law :func:`gsmtheory.estimation.design_ctld` finds (power family,
smallest C_P of the lift) for the target's marginal along the axis of the means (``design_ctld``
handles 1D targets; the other coordinate is an independent N(0, 1), which the lift leaves
alone up to the common β); ``*-loguniform`` uses r ∝ 1/(1+β) on the shorter [0, diam²/λ]
(σ_max = diam, Song & Ermon's rule of thumb; log-uniform in 1+β like their geometric noise
levels), which, unlike the other two, puts mass near β = 0 (P(β < 1) = 15%); ``*-flat`` (r = 1
on [0, diam²/λ]) is available too. Learned mode weights are the mass of {x < 0} under
exp(−E_θ(·, 0)) on a grid; the score error is E_p|s_θ − ∇log p|² (Monte Carlo); samples are
drawn with the learned score (annealed Langevin for noise-conditional energies, plain Langevin
from a uniform start otherwise).

Run: ``python -m benchmarks.experiment_training`` (full run, several seeds, writes
benchmarks/results/experiment_training.json and .png); the notebook 07 runs a reduced config.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from gsmtheory.networks import (
    CTLDNetworkLoss,
    DSMNetworkLoss,
    GSMNetworkLoss,
    annealed_langevin,
    fit_network,
    grid_density,
    langevin,
)
from gsmtheory.numeric import mixture_score, sample_mixture
from gsmtheory.solve import ctld_schedule
from gsmtheory.symbolic import CTLDParameters, GaussianMixture, Spec, ctld_parameters, parse_spec

RESULTS = Path(__file__).resolve().parent / "results"
F64 = torch.float64

SEPARATION = 10.0
WEIGHTS = (0.2, 0.8)
TARGET_TOML = f'''coords = ["x", "y"]
[mixture]
means = [[{-SEPARATION / 2}, 0.0], [{SEPARATION / 2}, 0.0]]
weights = [{WEIGHTS[0]}, {WEIGHTS[1]}]
covariance = [[1.0, 0.0], [0.0, 1.0]]
'''
PRECONDITIONER = '[diffusion]\nD = [["1 + 8*exp(-x**2/8)", "0"], ["0", "1"]]\n'
LOSSES = ("sm", "gsm-precond", "dsm-reported", "ctld-reported", "dsm-designed", "ctld-designed", "dsm-loguniform",
          "ctld-loguniform")
BOX = ((-12.0, -8.0), (12.0, 8.0))


@dataclass(frozen=True)
class Config:
    """Sizes of one run."""

    seeds: tuple[int, ...] = (0, 1, 2)
    losses: tuple[str, ...] = LOSSES
    n_data: int = 5000
    steps: int = 1500
    batch_size: int = 128
    lr: float = 2e-3
    hidden: int = 64
    n_eval: int = 20000
    n_samples: int = 2000
    grid: tuple[int, int] = (241, 161)


FULL = Config()
SMALL = Config(seeds=(0,), losses=("sm", "gsm-precond", "dsm-designed", "ctld-designed", "dsm-loguniform", "ctld-loguniform"),
               steps=400, n_data=2000, batch_size=128, n_eval=4000, n_samples=600, grid=(121, 81))


def target_spec(preconditioned: bool = False) -> Spec:
    """The target (Langevin, or the preconditioned D) as a spec."""
    return parse_spec(TARGET_TOML + (PRECONDITIONER if preconditioned else ""))


def target_mixture() -> GaussianMixture:
    """The 2D target as a GaussianMixture."""
    mix = target_spec().diffusion.mixture
    assert mix is not None
    return mix


def design_for_target(max_evaluations: int = 30) -> Any:
    """design_ctld (C_P objective, power family) on the marginal along the means' axis (~10 s)."""
    from gsmtheory.estimation import design_ctld

    marginal = GaussianMixture(((-SEPARATION / 2,), (SEPARATION / 2,)), WEIGHTS, ((1.0,),))
    return design_ctld(marginal, "poincare", max_evaluations=max_evaluations)


def ctld_variants(mix: GaussianMixture, design: Any = None) -> dict[str, CTLDParameters]:
    """The reported CTLD constants, a flat r on [0, diam²/λ], and the designed law when given."""
    reported = ctld_parameters(mix)
    short = reported.diameter ** 2 / reported.lambda_min
    out = {"reported": reported, "flat": ctld_parameters(mix, beta_max=short, log_r="0"),
           "loguniform": ctld_parameters(mix, beta_max=short, log_r="-log(1 + beta)")}
    if design is not None:
        out["designed"] = ctld_parameters(mix, beta_max=design.optimum["beta_max"], log_r=design.log_r)
    return out


class Energy(torch.nn.Module):
    """E(x) = MLP(x/5) + |x|²/200 (a weak confinement keeps exp(−E) integrable off the data)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.mlp = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.SiLU(), torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(x / 5.0)[:, 0] + (x * x).sum(-1) / 200.0


class NoiseEnergy(torch.nn.Module):
    """E(x, β) = MLP(x/√(v + βλ), log(1 + βλ)/log(1 + β_max λ)) + |x|²/(200(1 + βλ)), v = data variance."""

    def __init__(self, hidden: int, params: CTLDParameters, data_var: float) -> None:
        super().__init__()
        self.lam, self.scale, self.var = params.lambda_min, math.log1p(params.beta_max * params.lambda_min), data_var
        self.mlp = torch.nn.Sequential(torch.nn.Linear(3, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
                                       torch.nn.SiLU(), torch.nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        s2 = beta * self.lam
        u = x / torch.sqrt(self.var + s2)[:, None]
        t = torch.log1p(s2) / self.scale
        return self.mlp(torch.cat([u, t[:, None]], dim=1))[:, 0] + (x * x).sum(-1) / (200.0 * (1.0 + s2))


def _make(name: str, cfg: Config, variants: dict[str, CTLDParameters],
          data_var: float) -> tuple[torch.nn.Module, torch.nn.Module, CTLDParameters | None]:
    if name in ("sm", "gsm-precond"):
        net: torch.nn.Module = Energy(cfg.hidden).double()
        loss: torch.nn.Module = GSMNetworkLoss(target_spec(name == "gsm-precond").diffusion, net, kind="energy")
        return net, loss, None
    family, which = name.split("-")
    params = variants[which]
    net = NoiseEnergy(cfg.hidden, params, data_var).double()
    cls = CTLDNetworkLoss if family == "ctld" else DSMNetworkLoss
    return net, cls(params, net, kind="energy"), params


def _score_at_zero(net: torch.nn.Module, x: torch.Tensor, conditional: bool) -> torch.Tensor:
    xg = x.detach().requires_grad_(True)
    e = net(xg, torch.zeros(len(x), dtype=x.dtype)) if conditional else net(xg)
    (g,) = torch.autograd.grad(e.sum(), xg)
    return -g.detach()


def evaluate(net: torch.nn.Module, params: CTLDParameters | None, mix: GaussianMixture, cfg: Config,
             seed: int) -> dict[str, Any]:
    """Mode weight (grid mass of x < 0 at β = 0), score error with its standard error, and samples."""
    conditional = params is not None
    _, probs = grid_density(net, *BOX, cfg.grid, beta=0.0 if conditional else None)
    pts, _ = grid_density(lambda z: torch.zeros(len(z), dtype=F64), *BOX, cfg.grid)
    left = float(probs[pts[:, 0] < 0].sum())
    x = torch.tensor(sample_mixture(mix, cfg.n_eval, seed=10_000 + seed), dtype=F64)
    err = ((_score_at_zero(net, x, conditional) - torch.tensor(mixture_score(mix, x.numpy()), dtype=F64)) ** 2).sum(-1)
    comp_left = x[:, 0] < 0
    gen = torch.Generator().manual_seed(20_000 + seed)
    if conditional:
        start = torch.randn(cfg.n_samples, 2, generator=gen, dtype=F64) * math.sqrt(25.0 + params.beta_max * params.lambda_min)
        samples = annealed_langevin(net, start, beta_max=params.beta_max, lambda_min=params.lambda_min, levels=20,
                                    steps_per_level=40, eps=0.05, kind="energy", generator=gen)
    else:
        lo, hi = torch.tensor(BOX[0], dtype=F64), torch.tensor(BOX[1], dtype=F64)
        start = lo + (hi - lo) * torch.rand(cfg.n_samples, 2, generator=gen, dtype=F64)
        samples = langevin(net, start, step=0.05, steps=800, kind="energy", generator=gen)
    extra: dict[str, float] = {}
    if conditional:
        # the mass of {x < 0} under p^β is 0.2 Φ(5/√(1+βλ)) + 0.8 Φ(−5/√(1+βλ)): compare at r's median β
        from scipy.special import ndtr

        grid = np.linspace(0.0, params.beta_max, 20001)
        from gsmtheory.numeric import beta_cdf

        b_med = float(np.interp(0.5, beta_cdf(ctld_schedule(params), grid), grid))
        _, pb = grid_density(net, *BOX, cfg.grid, beta=b_med)
        half = SEPARATION / 2 / math.sqrt(1.0 + b_med * params.lambda_min)
        extra = {"beta_median": b_med, "mass_left_at_beta_median": float(pb[pts[:, 0] < 0].sum()),
                 "true_mass_left_at_beta_median": float(WEIGHTS[0] * ndtr(half) + WEIGHTS[1] * ndtr(-half))}
    return {**extra, "weight_left": left, "score_error": float(err.mean()),
            "score_error_se": float(err.std() / math.sqrt(len(err))),
            "score_error_left_mode": float(err[comp_left].mean()), "score_error_right_mode": float(err[~comp_left].mean()),
            "sample_weight_left": float((samples[:, 0] < 0).double().mean()),
            "samples": samples.numpy().round(4).tolist()}


def run(cfg: Config = FULL, *, design: Any = None, verbose: bool = True) -> dict[str, Any]:
    """Train every loss of ``cfg`` on every seed; return per-run records and per-loss summaries.

    ``design`` is a :class:`gsmtheory.estimation.CTLDDesign` for the ``*-designed`` losses
    (computed by :func:`design_for_target` when not given).
    """
    torch.set_num_threads(1)
    mix = target_mixture()
    if design is None and any(n.endswith("-designed") for n in cfg.losses):
        design = design_for_target()
    variants = ctld_variants(mix, design)
    runs = []
    for seed in cfg.seeds:
        data = torch.tensor(sample_mixture(mix, cfg.n_data, seed=seed), dtype=F64)
        data_var = float(data.var(0).mean())
        for name in cfg.losses:
            torch.manual_seed(seed)
            net, loss, params = _make(name, cfg, variants, data_var)
            t0 = time.perf_counter()
            hist = fit_network(loss, net.parameters(), data, steps=cfg.steps, batch_size=cfg.batch_size, lr=cfg.lr,
                               seed=seed)
            seconds = time.perf_counter() - t0
            rec = {"loss": name, "seed": seed, "train_seconds": seconds,
                   "final_loss": float(np.mean(hist.losses[-50:])), **evaluate(net, params, mix, cfg, seed)}
            if verbose:
                print(f"{name:14s} seed {seed}: weight(left) {rec['weight_left']:.3f}  sampled {rec['sample_weight_left']:.3f}"
                      f"  score error {rec['score_error']:.3g}  ({seconds:.0f} s)", flush=True)
            runs.append(rec)
    return {"config": asdict(cfg), "true_weight_left": WEIGHTS[0], "runs": runs, "summary": summarize(runs),
            "ctld": {k: v.to_dict() for k, v in variants.items()},
            "design": None if design is None else design.to_dict()}


def summarize(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per loss: mean and spread over seeds of the learned weight and the score error."""
    out = {}
    for name in dict.fromkeys(r["loss"] for r in runs):
        rs = [r for r in runs if r["loss"] == name]
        w = np.array([r["weight_left"] for r in rs])
        e = np.array([r["score_error"] for r in rs])
        sw = np.array([r["sample_weight_left"] for r in rs])
        out[name] = {"seeds": len(rs), "weight_left_mean": float(w.mean()), "weight_left_sd": float(w.std(ddof=1)) if len(w) > 1 else 0.0,
                     "weight_left_values": w.round(4).tolist(), "sample_weight_left_mean": float(sw.mean()),
                     "score_error_mean": float(e.mean()), "score_error_values": e.round(4).tolist(),
                     "sample_weight_left_values": sw.round(4).tolist(),
                     "train_seconds_mean": float(np.mean([r["train_seconds"] for r in rs]))}
        if "beta_median" in rs[0]:
            out[name].update({"beta_median": rs[0]["beta_median"],
                              "mass_left_at_beta_median_mean": float(np.mean([r["mass_left_at_beta_median"] for r in rs])),
                              "true_mass_left_at_beta_median": rs[0]["true_mass_left_at_beta_median"]})
    return out


def theory(n_data: int, variants: dict[str, CTLDParameters] | None = None) -> dict[str, Any]:
    """What the package predicts for the weight w of the parametric model p_w = w N(μ_1, I) + (1−w) N(μ_2, I).

    C_P of Langevin and of the preconditioned D; the sandwich Γ_GSM against Γ_MLE for w under
    both; for each CTLD law, Γ_CTLD against both MLE baselines and C_P of the lift
    (:func:`gsmtheory.estimation.efficiency` of the lifted problem). √(Γ/n) is the predicted standard
    deviation of the fitted weight from n samples.
    """
    from gsmtheory.estimation import build_problem, efficiency
    from gsmtheory.solve import poincare_constant

    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    for name, pre in (("langevin", False), ("preconditioned", True)):
        pv = poincare_constant(target_spec(pre).diffusion)
        out[f"poincare_{name}"] = None if pv is None else pv.to_dict()
    model = ('[model]\nparams = ["w"]\ntruth = {w = 0.2}\n[model.mixture]\n'
             f'means = [[{-SEPARATION / 2}, 0.0], [{SEPARATION / 2}, 0.0]]\nweights = ["w", "1 - w"]\n'
             'covariance = [[1.0, 0.0], [0.0, 1.0]]\n')
    for name, pre in (("langevin", False), ("preconditioned", True)):
        try:
            eff = efficiency(parse_spec(TARGET_TOML + (PRECONDITIONER if pre else "") + model))
            g, m = float(np.asarray(eff.gsm_covariance)[0, 0]), float(np.asarray(eff.mle_covariance)[0, 0])
            out[f"sandwich_{name}"] = {"gamma_gsm": g, "gamma_mle": m, "ratio": g / m,
                                       "predicted_sd_at_n": math.sqrt(g / n_data), "mle_sd_at_n": math.sqrt(m / n_data)}
        except Exception as exc:
            out[f"sandwich_{name}"] = {"error": str(exc)}
    for name, params in (variants or {}).items():
        if name == "flat":
            continue
        try:
            eff = efficiency(build_problem(parse_spec(TARGET_TOML + model + "[ctld]\n"), lift=True,
                                           beta_max=params.beta_max, log_r=params.log_r), samples=1_600_000)
            g = float(np.asarray(eff.gsm_covariance)[0, 0])
            out[f"ctld_{name}"] = {"gamma_ctld": g, "gamma_mle": float(np.asarray(eff.mle_original)[0, 0]),
                                   "gamma_mle_lifted": float(np.asarray(eff.mle_lifted)[0, 0]),
                                   "gamma_vanilla": float(np.asarray(eff.vanilla_covariance)[0, 0]),
                                   "predicted_sd_at_n": math.sqrt(g / n_data),
                                   "poincare_lift": None if eff.poincare is None else eff.poincare.poincare_constant,
                                   "error_estimate": eff.error}
        except Exception as exc:
            out[f"ctld_{name}"] = {"error": str(exc)}
    out["seconds"] = time.perf_counter() - t0
    return out


def plot(result: dict[str, Any], path: Path | None = None) -> Any:
    """Samples drawn with each learned score (first seed), and learned weights per loss and seed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["summary"])
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(3.0 * (len(names) + 1), 3.0))
    for ax, name in zip(axes, names, strict=False):
        rec = next(r for r in result["runs"] if r["loss"] == name)
        s = np.asarray(rec["samples"])
        ax.scatter(s[:, 0], s[:, 1], s=2, alpha=0.4)
        ax.set_xlim(BOX[0][0], BOX[1][0])
        ax.set_ylim(BOX[0][1], BOX[1][1])
        ax.set_title(f"{name}\nleft {rec['sample_weight_left']:.2f} (grid {rec['weight_left']:.2f})", fontsize=8)
    ax = axes[-1]
    for i, name in enumerate(names):
        w = result["summary"][name]["weight_left_values"]
        ax.plot([i] * len(w), w, "o", alpha=0.7)
    ax.axhline(result["true_weight_left"], color="k", lw=1, ls="--")
    ax.set_xticks(range(len(names)), names, rotation=60, fontsize=7)
    ax.set_ylabel("learned weight of the left mode")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=80)
    return fig


def main() -> dict[str, Any]:
    """The full run: writes benchmarks/results/experiment_training.json and .png."""
    start = time.perf_counter()
    result = run(FULL)
    mix = target_mixture()
    result["theory"] = theory(FULL.n_data, ctld_variants(mix, design_for_target()))
    result["seconds"] = time.perf_counter() - start
    RESULTS.mkdir(parents=True, exist_ok=True)
    plot(result, RESULTS / "experiment_training.png")
    slim = {**result, "runs": [{k: v for k, v in r.items() if k != "samples"} for r in result["runs"]]}
    (RESULTS / "experiment_training.json").write_text(json.dumps(slim, indent=2) + "\n")
    for name, s in result["summary"].items():
        print(f"{name:14s} weight(left) {s['weight_left_mean']:.3f} ± {s['weight_left_sd']:.3f}  "
              f"score error {s['score_error_mean']:.3g}")
    return result


if __name__ == "__main__":
    main()
