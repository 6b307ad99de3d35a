r"""The CTLD estimator ``ctld`` (registered for fit) and its covariance in d ≥ 3 by reduction to 1D, ``ctld_reduction``.

``ESTIMATOR_METHODS`` registers :func:`gsmtheory.estimation._fit_lifted.fit_lifted` as the estimator
``ctld``; its covariance in d ≤ 2 and by Monte Carlo is what the covariance methods ``quadrature`` and
``monte-carlo`` answer on a lift. ``COVARIANCE_METHODS`` adds the reduction (issue #14):
for p = Σ_k w_k N(μ_k, Σ) with Σ = σ²I on U^⊥ (U the span of the mean differences, dim U = 1,
m = d − 1) and a ``[model.mixture]`` moving the means within U, s² = σ² + βλ:

    Γ_CTLD,d = Γ_CTLD,1D + m · H⁻¹ E_{r p^β_U}[∇_θA ∇_θAᵀ · λ²/(2s⁴)] H⁻¹,   A = ∂_β log p^β_{U,θ},

and H, vanilla score matching and both MLE baselines are the 1D problem's; the means
parametrization θ ∈ R^{dK} adds one block across U^⊥ (the 2D (u, v₁) problem). Derivation:
docs/design.md §6, "CTLD covariances in d ≥ 3 by reduction to 1D".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from gsmtheory._errors import ModelError
from gsmtheory._methods import Method, Theory
from gsmtheory.estimation._fit_lifted import fit_lifted
from gsmtheory.estimation._lifted_efficiency import closed_form_reason, replace_lifted
from gsmtheory.estimation._lifted_quadrature import lifted_quadrature
from gsmtheory.estimation._mixture_spec import free_means, mixture_spec
from gsmtheory.numeric import ctld_poincare_nd, reduce_mixture
from gsmtheory.solve import Problem, build_problem, ctld_schedule
from gsmtheory.symbolic import GaussianMixture

__all__ = ["COVARIANCE_METHODS", "ESTIMATOR_METHODS", "ctld_efficiency_along_u"]

Array = NDArray[np.float64]


def _check_model(spec: Any, red: Any) -> list[str]:
    """The model's means along U as expressions (u = bᵀμ_k(θ)); a one-line error when not a U-model."""
    d = red.ambient_dim
    mix = spec.diffusion.mixture
    model = spec.model
    mixe = getattr(model, "mixture", None)
    if mixe is None:
        raise ModelError("the reduction needs a [model.mixture] model", "give the model as a [model.mixture]")
    theta = tuple(model.params)
    truth = np.array([float(t) for t in model.truth])
    cov = np.array([[float(sp.sympify(v)) if not sp.sympify(v).free_symbols else math.nan for v in row]
                    for row in mixe.covariance])
    if not np.allclose(cov, np.array(mix.covariance), rtol=1e-12, atol=1e-12):
        raise ModelError("the model's covariance differs from the target's or depends on θ",
                         "the reduction needs the target's covariance, known")
    b = red.basis[:, 0]
    means_fn = spec.compiled("model_means", theta, [e for row in mixe.means for e in row])
    kk = len(mixe.means)

    def means_at(t: Array) -> Array:
        vals = means_fn(*t)
        return np.array([float(np.asarray(v)) for v in vals]).reshape(kk, d)

    base = means_at(truth)
    rng = np.random.default_rng(0)
    for _ in range(3):
        moved = means_at(truth + rng.normal(size=truth.size)) - base
        off = moved - np.outer(moved @ b, b)
        if np.max(np.abs(off)) > 1e-10 * (1.0 + np.max(np.abs(moved))):
            raise ModelError("the model moves the means off the span of the mean differences",
                             "in d >= 3 the CTLD efficiency covers models that move the means along it")
    return [str(sp.expand(sum(sp.Float(float(bi), 17) * sp.sympify(e) for bi, e in zip(b, row, strict=True))))
            for row in mixe.means]


def _along_u_spec(red: Any, params: Any, u_means: list[str], weights: list[str], names: list[str],
                  truth: Array, name: str) -> Any:
    """The 1D spec along U: target Σ w_k N(a_k, S_U), model means u_means(θ), the full [ctld] constants."""
    s_u = float(red.reduced.covariance[0, 0])
    target = GaussianMixture(tuple((float(v),) for v in red.reduced.means[:, 0]),
                             tuple(float(w) for w in red.reduced.weights), ((s_u,),))
    return mixture_spec(name, ["u"], target, names, [float(t) for t in truth], [[e] for e in u_means],
                        list(weights), [[s_u]], params)


def _reduction(mixture: Any) -> tuple[Any, int, float]:

    red = reduce_mixture(mixture)
    d, k, m = red.ambient_dim, red.reduced_dim, red.complement_dim
    if k != 1:
        raise ModelError(f"the CTLD efficiency in d = {d} reduces to dim U = {k}; only dim U = 1 is covered",
                         "use two components or collinear means")
    if m and len(red.complement_eigenvalues) != 1:
        raise ModelError("Σ is not a multiple of the identity off the means' span", "use an isotropic covariance")
    return red, m, float(red.complement_eigenvalues[0][0]) if m else 0.0


def _correction(problem: Any, sig2: float, panels: int, nh: int) -> Array:
    """E_{r p^β}[∇_θA ∇_θAᵀ λ²/(2s⁴)] (per further Gaussian direction), s² = σ²_⊥ + βλ, A = ∂_β log p^β_θ
    of the problem's model (1D along U, or the 2D (u, v₁) problem)."""
    joint = problem.joint
    model = joint.loss.model
    beta = joint.diffusion.coords[-1]
    lift = problem.lift
    assert lift is not None
    lambda_min = lift.lambda_min
    a_fn = joint.compiled("beta_theta_scores", (*model.coords, *model.params),
                          [sp.diff(model.log_density, beta, t) for t in model.params])
    th = [float(t) for t in problem.truth]

    def fn(x: Array, b: Array) -> list[Array]:
        xs = [x[..., i] for i in range(x.shape[-1])] if x.ndim > b.ndim else [x]
        with np.errstate(all="ignore"):
            av = np.stack([np.broadcast_to(np.asarray(v, dtype=float), b.shape) for v in a_fn(*xs, b, *th)], -1)
        w = lambda_min**2 / (2.0 * (sig2 + b * lambda_min) ** 2)
        return [np.einsum("...i,...j->...ij", av, av) * w[..., None, None]]

    return np.asarray(lift.joint_expect(fn, panels=panels, nh=nh)[0])


def ctld_efficiency_along_u(mixture: Any, params: Any, u_means: list[str], weights: list[str],
                           names: list[str], truth: Array, *, panels: int = 6, nh: int = 8,
                           poincare: bool = True, name: str = "along U") -> Any:
    """Γ_CTLD of a target mixture in R^d and a model given by its means along U, by the 1D reduction.

    ``u_means`` are the model's means in the coordinate u = bᵀx along U (expressions in
    ``names``; b is ``reduce_mixture(mixture).basis[:, 0]``), ``weights`` its weights; the
    covariance is the target's. Γ_CTLD is the 1D problem's plus m times the β-score term of U^⊥
    (m = d − 1). Arrays in, so large d needs no d-dimensional SymPy expression: the cost in d is
    that of :func:`gsmtheory.numeric.reduce_mixture`. The formulas: the module docstring.

    Parameters
    ----------
    mixture : tuple of ndarray
        (means (K, d), weights (K,), covariance (d, d)).
    params : CTLDParameters
        The lift's constants.
    u_means, weights, names : list of str
        The model's means along U and weights (expressions in ``names``), and its parameters.
    truth : ndarray
        θ*.
    panels, nh : int
        The lifted quadrature (:func:`gsmtheory.estimation._lifted_quadrature.lifted_quadrature`).
    poincare : bool
        Also compute C_P of the lift (sectors, :func:`gsmtheory.numeric.ctld_poincare_nd`).
    name : str
        The name of the reduced problem.

    Returns
    -------
    Efficiency
        The lifted record of the reduced problem with Γ_CTLD of the d-dimensional one.

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory.symbolic import GaussianMixture, ctld_parameters
    >>> mix = (np.array([[-3.0, 0.0], [3.0, 0.0]]), np.array([0.5, 0.5]), np.eye(2))
    >>> params = ctld_parameters(GaussianMixture(((-3.0,), (3.0,)), (0.5, 0.5), ((1.0,),)))
    >>> e = ctld_efficiency_along_u(mix, params, ["a1", "a2"], ["1/2", "1/2"], ["a1", "a2"],
    ...                             np.array([-3.0, 3.0]), panels=2, nh=4, poincare=False)
    >>> e.params, e.resolution["reduction"]["complement_dim"]
    (('a1', 'a2'), 1)
    """
    red, m, sigma2 = _reduction(mixture)
    return _assemble(_along_u_spec(red, params, u_means, weights, names, np.asarray(truth, float), name),
                     mixture, params, red.ambient_dim, m, sigma2, panels, nh, poincare)


def _assemble(one_spec: Any, mixture: Any, params: Any, d: int, m: int, sigma2: float, panels: int, nh: int,
              poincare: bool) -> Any:

    one = build_problem(one_spec, lift=True)
    eff = lifted_quadrature(one, panels=panels, nh=nh)
    lo = _correction(one, sigma2, panels, nh)
    hi = _correction(one, sigma2, 2 * panels, 2 * nh)
    hinv = np.linalg.inv(eff.hessian)
    extra = m * hinv @ hi @ hinv
    extra = 0.5 * (extra + extra.T)
    err_extra = float(np.max(np.abs(hi - lo)) / max(float(np.max(np.abs(hi))), 1e-300))
    gsm = eff.gsm_covariance + extra
    error = max(eff.error, err_extra * float(np.max(np.abs(extra))) / max(float(np.max(np.abs(gsm))), 1e-300))
    pr = ctld_poincare_nd(mixture, ctld_schedule(params), resolution=0.8, rtol=1e-2) if poincare else None
    res = {**eff.resolution, "reduction": {"ambient_dim": d, "reduced_dim": 1,
                                           "complement_dim": m, "sigma2_perp": sigma2,
                                           "ctld_term": extra.tolist(),
                                           "ctld_covariance_1d": eff.gsm_covariance.tolist()}}
    return replace_lifted(eff, gsm_covariance=gsm, gsm_covariance_exact_faces=eff.gsm_covariance_exact_faces + extra,
                          error=error, resolution=res, ctld=params, poincare=pr, theorem=None,
                          method=f"reduced to the 1D problem along U (+ {m} x the beta-score term of U^perp); "
                                 f"{eff.method}")


def _perp_spec(red: Any, params: Any, sigma2: float, weights: list[str], name: str) -> Any:
    """The 2D (u, v₁) problem whose model moves the v₁-coordinates of the means (b_k, truth 0)."""
    a = [float(v) for v in red.reduced.means[:, 0]]
    s_u = float(red.reduced.covariance[0, 0])
    cov = [[s_u, 0.0], [0.0, float(sigma2)]]
    target = GaussianMixture(tuple((v, 0.0) for v in a), tuple(float(w) for w in red.reduced.weights),
                             tuple(tuple(r) for r in cov))
    names = [f"b{k}" for k in range(len(a))]
    return mixture_spec(name, ["u", "v"], target, names, [0.0] * len(a), [[v, n] for v, n in zip(a, names, strict=True)],
                        list(weights), cov, params)


def _free_means_efficiency(spec: Any, slots: list[tuple[int, int]], params: Any, panels: int, nh: int,
                           poincare: bool) -> Any:
    r"""θ = (μ_1, …, μ_K) ∈ R^{dK}: Γ[(k,i),(l,j)] = Γ^U_{kl} b_i b_j + Γ^⊥_{kl} (δ_ij − b_i b_j).

    Γ^U is the along-U problem's (:func:`_assemble`); Γ^⊥ the 2D (u, v₁) problem's with its
    model moving the v₁-coordinates of the means, plus (d − 2)·H⁻¹E[∇A∇Aᵀλ²/(2s⁴)]H⁻¹ for the
    remaining Gaussian directions (the same argument as along U). Cross blocks vanish by the
    reflections v ↦ −v and v_j ↦ −v_j, which fix θ*.
    """

    mix = spec.diffusion.mixture
    red, m, sigma2 = _reduction(mix)
    d = red.ambient_dim
    truth = np.zeros_like(np.asarray(mix.means, dtype=float))
    for (k, i), t in zip(slots, spec.model.truth, strict=True):
        truth[k, i] = float(t)
    if not np.allclose(truth, np.asarray(mix.means, dtype=float), rtol=1e-12, atol=1e-12):
        raise ModelError("the model's truth is not the target's means", "set truth to the target's means")
    weights = [str(w) for w in spec.model.mixture.weights]
    kk = red.reduced.n_components
    truth_u = red.reduced.means[:, 0]
    along = _assemble(_along_u_spec(red, params, [f"a{k}" for k in range(kk)], weights,
                                    [f"a{k}" for k in range(kk)], truth_u, f"{spec.name} (along U)"),
                      mix, params, d, m, sigma2, panels, nh, poincare)
    b = red.basis[:, 0]
    keys = ("gsm_covariance", "gsm_covariance_exact_faces", "vanilla_covariance", "mle_original", "mle_lifted",
            "hessian")
    perp: dict[str, Array] = {}
    err = along.error
    if m:
        two = build_problem(_perp_spec(red, params, sigma2, weights, f"{spec.name} (perpendicular)"), lift=True)
        eff2 = lifted_quadrature(two, panels=panels, nh=nh)
        extra = np.zeros((kk, kk))
        if m > 1:
            lo = _correction(two, sigma2, panels, nh)
            hi = _correction(two, sigma2, 2 * panels, 2 * nh)
            hinv = np.linalg.inv(eff2.hessian)
            extra = (m - 1) * hinv @ hi @ hinv
            extra = 0.5 * (extra + extra.T)
            rel = float(np.max(np.abs(hi - lo)) / max(float(np.max(np.abs(hi))), 1e-300))
            err = max(err, rel * float(np.max(np.abs(extra)))
                      / max(float(np.max(np.abs(eff2.gsm_covariance))), 1e-300))
        err = max(err, eff2.error)
        for key in keys:
            perp[key] = np.asarray(getattr(eff2, key)) + (extra if key.startswith("gsm") else 0.0)
    ks = np.array([k for k, _ in slots])
    ii = np.array([i for _, i in slots])
    bb = np.outer(b[ii], b[ii])
    eye = (ii[:, None] == ii[None, :]).astype(float)
    full: dict[str, Array] = {}
    for key in keys:
        gu = np.asarray(getattr(along, key))[np.ix_(ks, ks)] * bb
        gp = perp[key][np.ix_(ks, ks)] * (eye - bb) if m else 0.0
        full[key] = gu + gp
    res = {**along.resolution, "parametrization": "means (theta in R^{dK})",
           "perpendicular_block": None if not m else perp["gsm_covariance"].tolist()}
    return replace_lifted(along, params=tuple(str(t) for t in spec.model.params),
                          truth=tuple(float(t) for t in spec.model.truth), error=err, resolution=res,
                   method=f"reduced: blocks along U (1D) and across U^perp (2D (u, v1), identical for the "
                          f"{m} directions); {along.method}", **full)


def _applies(problem: Problem) -> str | None:
    """None when the reduction covers the problem (d ≥ 2; ``auto`` takes ``quadrature`` for d = 2): dim U = 1, Σ isotropic off U, a model moving the means
    along U (or every mean entry its own parameter)."""
    if problem.d < 2:
        return f"the reduction is for d >= 2 (this target has d = {problem.d})"
    reason = closed_form_reason(problem)
    if reason is not None:
        return reason
    try:
        red, _, _ = _reduction(problem.mixture)
        if free_means(problem) is None:
            _check_model(problem, red)
    except ModelError as exc:
        return str(exc)
    return None


def _run(problem: Problem, options: Any) -> Any:
    r"""The lifted :class:`Efficiency` of the full problem (module docstring): H, Γ_vanilla, both Γ_MLE from
    the 1D problem along U, Γ_CTLD (both face treatments) with the m·H⁻¹E[…]H⁻¹ term added; the error is
    the larger of the 1D quadrature's and the term's change between (panels, nh) and twice both. With
    ``options.poincare``, C_P of the d-dimensional lift by angular sectors
    (:func:`gsmtheory.numeric.ctld_poincare_nd`); the general theorem is not evaluated (its smoothness
    terms are not reduced)."""
    assert problem.lift is not None
    params, panels, nh, poincare = problem.lift.params, options.panels, options.nh, bool(options.poincare)
    slots = free_means(problem)
    if slots is not None:
        return _free_means_efficiency(problem, slots, params, panels, nh, poincare)
    mix = problem.mixture
    red, m, sigma2 = _reduction(mix)
    u_means = _check_model(problem, red)
    model = problem.model
    assert model.mixture is not None  # by closed_form_reason
    one_spec = _along_u_spec(red, params, u_means, [str(w) for w in model.mixture.weights],
                             [str(t) for t in model.params], np.array([float(t) for t in model.truth]),
                             f"{problem.name} (along U)")
    return _assemble(one_spec, mix, params, red.ambient_dim, m, sigma2, panels, nh, poincare)


COVARIANCE_METHODS = (Method("ctld_reduction", _applies, _run,
                             "CTLD estimator, d >= 3: the 1D problem along the means' span plus a closed-form "
                             "beta-score term", Theory("estimate"), priority=15, lifted=True),)
ESTIMATOR_METHODS = (Method("ctld", closed_form_reason, fit_lifted,
                            "the annealed CTLD loss on (x, beta), beta and the noise drawn from the data",
                            Theory("estimate", notes="asymptotic covariance: the CTLD sandwich (quadrature on the lift)"),
                            priority=10, lifted=True),)
