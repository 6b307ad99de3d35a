r"""Moments E_p[v] and E_p[v vᵀ] of per-sample arrays, by quadrature or from samples.

The ingredients of every sandwich covariance (``_sandwich.py``, docs/design.md §6): a
``per_sample`` callable gives named arrays at points, a request names which of them are needed
as a mean and which as an outer product, and :func:`moments` integrates them all in one
quadrature call (``expect``, e.g. :meth:`gsmtheory.solve.Problem.expect`) or averages them
over exact ``samples``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gsmtheory._errors import NumericalError
from gsmtheory.numeric import Expectation

__all__ = ["Array", "Expect", "Moments", "PerSample", "Request", "moments"]

Array = NDArray[np.float64]
PerSample = Callable[[Array], Mapping[str, Array]]
Expect = Callable[[Callable[[Array], list[Array]], int], Expectation]

#: (name, kind) with kind "mean" (E[v]) or "outer" (E[v vᵀ]) of a per-sample (N, P…) array
Request = tuple[str, str]


@dataclass(frozen=True)
class Moments:
    """E_p[v] (``mean``) and E_p[v vᵀ] (``outer``) of per-sample arrays v, with errors.

    Attributes
    ----------
    mean, outer : dict of ndarray
        Per requested name: E_p[v], and E_p[v vᵀ] with v flattened.
    method : str
        Quadrature or Monte Carlo.
    resolution : dict
        What was used (panels, support, samples).
    samples : int or None
        Monte Carlo sample size.
    mean_error, outer_error : dict of ndarray or None
        Absolute error estimates, where the quadrature controls them.
    status : str
        ``"ok"`` or the quadrature's status (e.g. ``"heavy_tail"``).

    Examples
    --------
    >>> from gsmtheory.symbolic import load_spec
    >>> m = moments(lambda x: {"x": x[:, 0]}, [("x", "mean"), ("x", "outer")],
    ...             expect=build_problem(load_spec("gaussian", constants={"sigma": 1.0})).expect)
    >>> round(float(m.mean["x"]), 10), round(float(m.outer["x"][0, 0]), 10)   # N(0, 1): E x = 0, E x² = 1
    (0.0, 1.0)
    """

    mean: Mapping[str, Array]
    outer: Mapping[str, Array]
    method: str
    resolution: Mapping[str, Any]
    samples: int | None = None
    mean_error: Mapping[str, Array] | None = None
    outer_error: Mapping[str, Array] | None = None
    status: str = "ok"

    @property
    def controlled(self) -> bool:
        """True when every moment carries its own error estimate (adaptive quadrature)."""
        return self.mean_error is not None

    @property
    def divergent(self) -> tuple[tuple[str, str], ...]:
        """(name, "mean"/"outer") of the requested moments that are infinite."""
        out: list[tuple[str, str]] = []
        for kind, table in (("mean", self.mean_error), ("outer", self.outer_error)):
            for name, err in (table or {}).items():
                if np.any(np.isinf(err)):
                    out.append((name, kind))
        return tuple(out)

    def cov(self, key: str) -> Array:
        """Cov_p(v) = E[v vᵀ] − E[v]E[v]ᵀ."""
        m = self.mean[key]
        return self.outer[key] - np.outer(m, m)


def _flatten(values: Mapping[str, Array], requests: Sequence[Request]) -> list[Array]:
    out: list[Array] = []
    for name, kind in requests:
        v = np.asarray(values[name], dtype=float)
        n = v.shape[0]
        flat = v.reshape(n, -1)
        if kind == "mean":
            out.extend(flat[:, j] for j in range(flat.shape[1]))
        else:
            k = flat.shape[1]
            out.extend(flat[:, i] * flat[:, j] for i in range(k) for j in range(k))
    return out


def _unflatten(numbers: Sequence[float], shapes: Mapping[str, tuple[int, ...]],
               requests: Sequence[Request]) -> tuple[dict[str, Array], dict[str, Array]]:
    mean: dict[str, Array] = {}
    outer: dict[str, Array] = {}
    pos = 0
    for name, kind in requests:
        shape = shapes[name]
        size = int(np.prod(shape)) if shape else 1
        if kind == "mean":
            mean[name] = np.asarray(numbers[pos:pos + size], dtype=float).reshape(shape)
            pos += size
        else:
            outer[name] = np.asarray(numbers[pos:pos + size * size], dtype=float).reshape(size, size)
            pos += size * size
    return mean, outer


def moments(per_sample: PerSample, requests: Sequence[Request], *, expect: Expect | None = None,
            samples: Array | None = None, panels: int = 16) -> Moments:
    """E_p[v] and E_p[v vᵀ] for each requested per-sample array v, by quadrature or from samples.

    Parameters
    ----------
    per_sample : callable
        Points (N, d) ↦ {name: array (N, ...)}.
    requests : sequence of (name, kind)
        ``kind`` is ``"mean"`` or ``"outer"``.
    expect : callable, optional
        Quadrature ``expect(funcs, panels) -> Expectation`` (e.g. ``problem.expect``).
    samples : ndarray, optional
        Exact samples of p (N, d) for Monte Carlo instead of quadrature.
    panels : int
        Quadrature panels.

    Returns
    -------
    Moments
        The means and outer products, with errors where the quadrature controls them.

    Raises
    ------
    NumericalError
        Neither or both of ``expect`` and ``samples``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0], [3.0]])
    >>> m = moments(lambda p: {"x": p[:, 0]}, [("x", "mean"), ("x", "outer")], samples=x)
    >>> float(m.mean["x"]), m.outer["x"].tolist()
    (2.0, [[5.0]])
    """
    if (expect is None) == (samples is None):
        raise NumericalError("give exactly one of expect (quadrature) or samples (Monte Carlo)",
                             "pass expect=problem.expect or samples=array")
    shapes: dict[str, tuple[int, ...]] = {}

    def funcs(points: Array) -> list[Array]:
        vals = per_sample(points)
        for name, _ in requests:
            shapes.setdefault(name, tuple(np.asarray(vals[name]).shape[1:]))
        return _flatten(vals, requests)

    if expect is not None:
        ex = expect(funcs, panels)
        mean, outer = _unflatten(ex.values, shapes, requests)
        res = {**dict(ex.resolution), "support": [list(s) for s in ex.support]}
        if not getattr(ex, "controlled", False):
            return Moments(mean, outer, ex.method, res, status=getattr(ex, "status", "ok"))
        emean, eouter = _unflatten(ex.errors, shapes, requests)
        return Moments(mean, outer, ex.method, res, None, emean, eouter, ex.status)
    assert samples is not None
    cols = funcs(np.asarray(samples, dtype=float))
    nums = [float(np.mean(c)) for c in cols]
    mean, outer = _unflatten(nums, shapes, requests)
    return Moments(mean, outer, "monte carlo", {"samples": len(samples)}, len(samples))
