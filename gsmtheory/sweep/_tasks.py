"""Sweep tasks: top-level, picklable functions from a :class:`Job` to a JSON-able dict.

A job carries everything a worker needs (the spec's TOML *text*, not its path; the constant
overrides; the task options; the data array for fits; the torch device name), so the same job
runs in a local process pool or on a remote Dask worker. :func:`execute` wraps a task: it
times it and turns any exception into an ``"error"`` outcome with a one-line message, which the
store keeps and a re-run retries.

Tasks (``poincare``, ``efficiency``, ``loss``, ``fit``) call the public API of the layers above;
``selftest`` is a deterministic CPU-bound computation used to test and measure the machinery
(``[constants] work`` sets its cost).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from gsmtheory._device import resolve_device
from gsmtheory._errors import GSMError
from gsmtheory._extras import extra_hint, missing_extra
from gsmtheory._json import plain

__all__ = ["TASKS", "Job", "Outcome", "check_task", "execute", "jsonable", "registry_names"]


@dataclass(frozen=True)
class Job:
    """One task at one grid point; pickled to the worker that runs it.

    Attributes
    ----------
    task : str
        One of :data:`TASKS`.
    spec_name, spec_text : str
        The spec's name and full TOML text (a worker needs no file system of ours).
    constants : tuple of (name, value)
        The grid point's constant overrides.
    key : str
        Canonical JSON of the constants (the stored ``params``).
    options_json : str
        Canonical JSON of ``[task_options]``.
    device : str
        torch device name (``auto`` is resolved by a task that uses torch).
    data : array, optional
        Samples for ``fit``.

    Examples
    --------
    >>> from gsmtheory.sweep import Job
    >>> job = Job("selftest", "s", "", (("work", 10),), '{"work":10}')
    >>> job.options, job.device
    ({}, 'cpu')
    """

    task: str
    spec_name: str
    spec_text: str
    constants: tuple[tuple[str, int | float], ...]
    key: str
    options_json: str = "{}"
    device: str = "cpu"
    data: Any = field(default=None, compare=False)

    @property
    def options(self) -> dict[str, Any]:
        """Task options as a dict."""
        return dict(json.loads(self.options_json))


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the grid key, status, result (JSON text) or error, timing.

    Attributes
    ----------
    key : str
        The job's key.
    status : {"ok", "error"}
        ``"error"`` rows keep the one-line message and are retried by a re-run.
    result_json, error : str or None
        The result as JSON text, or the error.
    seconds : float
        Wall time of the task.
    device, worker : str
        Where it ran (``host:pid``).

    Raises
    ------
    ValueError
        A status other than ``ok`` or ``error``.

    Examples
    --------
    >>> from gsmtheory.sweep import Job, execute
    >>> out = execute(Job("selftest", "s", "", (("work", 10),), '{"work":10}'))
    >>> out.status, out.key, out.device
    ('ok', '{"work":10}', 'cpu')
    """

    key: str
    status: str
    result_json: str | None
    error: str | None
    seconds: float
    device: str
    worker: str

    def __post_init__(self) -> None:
        if self.status not in ("ok", "error"):
            raise ValueError(f"status must be 'ok' or 'error', got {self.status!r}")


def jsonable(obj: Any) -> Any:
    """Plain JSON values for ``obj``, non-finite floats as the strings ``"inf"``, ``"-inf"``, ``"nan"``.

    Parameters
    ----------
    obj : object
        Numbers, arrays, tensors, mappings, sequences or records with ``to_dict()``.

    Returns
    -------
    object
        None, bool, int, float, str, list or dict, accepted by ``json.dumps(allow_nan=False)``.

    Raises
    ------
    TypeError
        For anything else, naming its type.

    Examples
    --------
    >>> import numpy as np
    >>> from gsmtheory.sweep import jsonable
    >>> jsonable({"c": np.float64(2.5), "gap": float("inf"), "v": np.arange(2)})
    {'c': 2.5, 'gap': 'inf', 'v': [0, 1]}
    """
    return plain(obj, finite=True)


def _spec(job: Job) -> Any:
    from gsmtheory.symbolic import parse_spec

    return parse_spec(job.spec_text, name=job.spec_name, constants=dict(job.constants))


# --- the tasks -------------------------------------------------------------------------------

def _selftest(job: Job) -> dict[str, Any]:
    """Deterministic CPU-bound work: mean of ``work`` steps of a 31-bit linear congruential map.

    Pure Python (it holds the GIL), so only processes, not threads, run two at once; the value
    depends on every constant, so a result stored under the wrong key would be detected.
    """
    opts = job.options
    marker = opts.get("fail_if_exists")
    if isinstance(marker, str) and os.path.exists(marker):
        raise GSMError(f"selftest asked to fail while {marker!r} exists", "remove the file")
    params = dict(job.constants)
    n = round(float(params.get("work", 1000)))
    if n < 0:
        raise GSMError(f"selftest work must be non-negative, got {n}")
    seed = sum((i + 1) * float(v) for i, (_, v) in enumerate(job.constants))
    x = int(abs(seed) * 1_000_003) % 2_147_483_648
    acc = 0
    for _ in range(n):
        x = (1_103_515_245 * x + 12_345) % 2_147_483_648
        acc += x
    sleep = float(opts.get("sleep", 0.0))
    if sleep > 0:
        time.sleep(min(sleep, 60.0))
    return {"value": acc / (max(n, 1) * 2_147_483_648.0), "work": n, "state": x}


def _lift(job: Job) -> bool | None:
    """``lift = false`` in [task_options] → False; otherwise None (the spec's [ctld] table decides)."""
    return False if job.options.get("lift", True) is False else None


def _poincare(job: Job) -> dict[str, Any]:
    from gsmtheory import api

    opts = job.options
    kwargs: dict[str, Any] = {k: opts[k] for k in ("rtol", "quick", "method") if k in opts}
    problem = api.problem(_spec(job), lift=_lift(job))
    return jsonable(api.as_dict(problem, api.poincare(problem, **kwargs)))  # type: ignore[no-any-return]


def _efficiency(job: Job) -> dict[str, Any]:
    from gsmtheory import api
    from gsmtheory.symbolic import misspecification

    opts = job.options
    kwargs: dict[str, Any] = {k: int(opts[k]) for k in ("samples", "seed") if k in opts}
    if "method" in opts:
        kwargs["method"] = str(opts["method"])
    spec = _spec(job)
    problem = api.problem(spec, lift=_lift(job))
    out: dict[str, Any] = jsonable(api.as_dict(problem, api.efficiency(problem, **kwargs)))
    out["misspecified"] = misspecification(spec)  # None: the model at truth reproduces the target
    return out


def _loss(job: Job) -> dict[str, Any]:
    from gsmtheory import api

    opts = job.options
    kwargs: dict[str, Any] = {k: int(opts[k]) for k in ("panels", "seed", "samples") if k in opts}
    problem = api.problem(_spec(job), lift=_lift(job))
    record = api.loss(problem, opts["at"], method=str(opts.get("method", "auto")), device=job.device, **kwargs)
    return jsonable(api.as_dict(problem, record))  # type: ignore[no-any-return]


def _fit(job: Job) -> dict[str, Any]:
    from gsmtheory import api

    opts = job.options
    kwargs: dict[str, Any] = {k: int(opts[k]) for k in ("starts", "seed") if k in opts}
    problem = api.problem(_spec(job), lift=_lift(job), estimator=opts.get("loss"))
    record = api.fit(problem, job.data, loss=opts.get("loss"), **kwargs)
    return jsonable(api.as_dict(problem, record))  # type: ignore[no-any-return]


#: task name -> (function, allowed option keys, required option keys)
_REGISTRY: Mapping[str, tuple[Callable[[Job], dict[str, Any]], frozenset[str], frozenset[str]]] = MappingProxyType({
    "poincare": (_poincare, frozenset({"rtol", "quick", "method", "lift"}), frozenset()),
    "efficiency": (_efficiency, frozenset({"method", "samples", "seed", "lift"}), frozenset()),
    "loss": (_loss, frozenset({"at", "panels", "samples", "seed", "method", "lift"}), frozenset({"at"})),
    "fit": (_fit, frozenset({"data", "loss", "starts", "seed", "lift"}), frozenset({"data"})),
    "selftest": (_selftest, frozenset({"sleep", "fail_if_exists"}), frozenset()),
})

#: the task names a sweep file may use
TASKS: tuple[str, ...] = tuple(_REGISTRY)


def check_task(task: str, options: Mapping[str, Any], source: str) -> None:
    """Raise :class:`GSMError` for an unknown task, unknown or missing options, a bad option value."""
    if task not in _REGISTRY:
        raise GSMError(f"sweep {source}: unknown task {task!r}", f"use one of {', '.join(TASKS)}")
    _fn, allowed, required = _REGISTRY[task]
    extra = set(options) - allowed
    if extra:
        raise GSMError(f"sweep {source}: task {task!r} takes no option(s) {', '.join(sorted(extra))}",
                       f"allowed: {', '.join(sorted(allowed)) or 'none'}")
    missing = required - set(options)
    if missing:
        raise GSMError(f"sweep {source}: task {task!r} needs [task_options] {', '.join(sorted(missing))}",
                       'e.g. at = [{a = 1.0}] for loss, data = "samples.npy" for fit')
    if task == "loss" and not (isinstance(options["at"], list) and options["at"]
                               and all(isinstance(p, dict) for p in options["at"])):
        raise GSMError(f"sweep {source}: task_options.at must be a non-empty list of tables",
                       "write at = [{a = 1.3}, {a = 0.7}]")
    _check_name(task, options, source)


def _check_name(task: str, options: Mapping[str, Any], source: str) -> None:
    """A ``method`` or ``loss`` option names a registered method (the registry is loaded only then)."""
    key = {"poincare": "method", "loss": "method", "efficiency": "method", "fit": "loss"}.get(task)
    if key is None or key not in options or options[key] == "auto":
        return
    names = registry_names(task)
    if options[key] not in names:
        raise GSMError(f"sweep {source}: task_options.{key} must be one of {', '.join(names)}",
                       f'write {key} = "{names[0]}" (the registered {task} methods)')


def registry_names(task: str) -> tuple[str, ...]:
    """The registered method names of a task's question (``auto`` first where it exists)."""
    if task in ("poincare", "loss"):
        from gsmtheory.solve import loss_methods, poincare_methods

        return ("auto", *(poincare_methods() if task == "poincare" else loss_methods()).names())
    from gsmtheory.estimation import covariance_methods, estimators

    return ("auto", *covariance_methods().names()) if task == "efficiency" else estimators().names()


def _ran_on(device: str) -> str:
    """The device a task ran on: ``auto`` resolved, and the CPU when the task never loaded torch."""
    if device != "auto":
        return device
    return resolve_device("auto") if "torch" in sys.modules else "cpu"


def execute(job: Job) -> Outcome:
    """Run ``job`` and time it; any exception becomes an ``"error"`` outcome (one line).

    Parameters
    ----------
    job : Job
        The task and its grid point.

    Returns
    -------
    Outcome
        ``ok`` with the result's JSON, or ``error`` with the message (a missing optional extra
        is named with its pip command); ``device`` is where the task ran.

    Examples
    --------
    >>> import json
    >>> from gsmtheory.sweep import Job, execute
    >>> out = execute(Job("selftest", "s", "", (("work", 100),), '{"work":100}'))
    >>> out.status, sorted(json.loads(out.result_json))
    ('ok', ['state', 'value', 'work'])
    >>> execute(Job("selftest", "s", "", (("work", -5),), '{"work":-5}')).error
    'selftest work must be non-negative, got -5'
    """
    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    try:
        fn = _REGISTRY[job.task][0]
        result = json.dumps(jsonable(fn(job)), sort_keys=True, allow_nan=False)
    except Exception as exc:  # stored, retried on re-run
        message = " ".join(str(exc).split()) or "no message"
        text = message if isinstance(exc, GSMError) else f"{type(exc).__name__}: {message}"
        if missing_extra(exc) is not None:
            text = extra_hint(str(getattr(exc, "name", "")), f"task {job.task}")
        return Outcome(job.key, "error", None, text[:2000], time.perf_counter() - start,
                       _ran_on(job.device), worker)
    return Outcome(job.key, "ok", result, None, time.perf_counter() - start, _ran_on(job.device), worker)
