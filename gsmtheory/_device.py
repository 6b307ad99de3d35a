"""Torch device selection and batch sizing, so that Monte Carlo and loss code stays device-agnostic.

Code that evaluates in torch takes a ``device`` string, resolves it once with
:func:`resolve_device` and sizes its batches with :func:`batch_size`: the number of samples
whose working set, ``bytes_per_sample`` each, fits in a fraction of the memory the device has
free. The same code then runs on a laptop CPU or a GPU; nothing here requires a GPU.
"""

from __future__ import annotations

import importlib.util
import os

from gsmtheory._errors import GSMError
from gsmtheory._extras import MissingExtra, extra_hint

__all__ = ["DEVICE_CHOICES", "batch_size", "resolve_device"]

#: the values ``--device`` accepts
DEVICE_CHOICES: tuple[str, ...] = ("auto", "cpu", "cuda")

_MIN_BATCH = 1_024
_MAX_BATCH = 1 << 24
_CPU_FALLBACK_BYTES = 2 << 30  # 2 GiB when the free memory cannot be read


def _torch_installed() -> bool:
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def _cuda_available() -> bool:
    if not _torch_installed():  # the core install: no torch, so no CUDA either (nothing imported)
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(device: str = "auto") -> str:
    r"""Resolve ``"auto" | "cpu" | "cuda" | "cuda:N"`` to a concrete torch device string.

    ``"auto"`` is ``"cuda"`` when torch sees a CUDA device and ``"cpu"`` otherwise.

    Parameters
    ----------
    device : str, optional
        The name asked for (case and surrounding blanks ignored).

    Returns
    -------
    str
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.

    Raises
    ------
    GSMError
        for an unknown name, or ``"cuda"`` asked for where no CUDA device is present (a
        :class:`~gsmtheory._extras.MissingExtra` when torch is not installed at all).

    Examples
    --------
    >>> resolve_device(" CPU ")
    'cpu'
    """
    if not isinstance(device, str):
        raise GSMError(f"device {device!r} is not a string", "use one of auto, cpu, cuda")
    name = device.strip().lower()
    if name == "auto":
        return "cuda" if _cuda_available() else "cpu"
    if name == "cpu":
        return "cpu"
    if name == "cuda" or (name.startswith("cuda:") and name[5:].isdigit()):
        if not _torch_installed():
            raise MissingExtra(extra_hint("torch", f"device {device!r}"))
        if not _cuda_available():
            raise GSMError(
                f"device {device!r} asked for but torch sees no CUDA device",
                "use --device cpu or --device auto",
            )
        return name
    raise GSMError(f"unknown device {device!r}", "use one of auto, cpu, cuda")


def _free_bytes(device: str) -> int:
    if device.startswith("cuda"):
        import torch

        free, _total = torch.cuda.mem_get_info(torch.device(device))
        return int(free)
    try:
        pages = os.sysconf("SC_AVPHYS_PAGES")
        page = os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return _CPU_FALLBACK_BYTES
    if pages <= 0 or page <= 0:  # pragma: no cover
        return _CPU_FALLBACK_BYTES
    return int(pages) * int(page)


def batch_size(
    device: str,
    bytes_per_sample: int,
    *,
    fraction: float = 0.25,
    maximum: int = _MAX_BATCH,
    free_bytes: int | None = None,
) -> int:
    r"""Samples per batch: ``clip(fraction · free_memory / bytes_per_sample, 1024, maximum)``.

    Parameters
    ----------
    device : str
        a resolved device (see :func:`resolve_device`); ``"auto"`` is resolved here.
    bytes_per_sample : int
        working-set bytes one sample needs (e.g. ``8 · d · n_arrays`` in float64).
    fraction : float
        share of the free memory one batch may use, in (0, 1].
    maximum : int
        upper bound on the batch (CPU caches favour moderate batches).
    free_bytes : int, optional
        the free memory to size against; read from the device when omitted.

    Returns
    -------
    int
        The batch size, at least min(1024, ``maximum``).

    Raises
    ------
    GSMError
        If ``bytes_per_sample`` ≤ 0, ``fraction`` is outside (0, 1] or ``maximum`` < 1.

    Examples
    --------
    A quarter of 8 GB at 800 bytes a sample, then the floor of 1024:

    >>> batch_size("cpu", 800, free_bytes=8 * 10**9)
    2500000
    >>> batch_size("cpu", 800, free_bytes=1000)
    1024
    """
    if bytes_per_sample <= 0:
        raise GSMError(f"bytes_per_sample must be positive, got {bytes_per_sample}")
    if not 0.0 < fraction <= 1.0:
        raise GSMError(f"fraction must be in (0, 1], got {fraction}")
    if maximum < 1:
        raise GSMError(f"maximum batch must be at least 1, got {maximum}")
    resolved = resolve_device(device) if device == "auto" else device
    free = _free_bytes(resolved) if free_bytes is None else int(free_bytes)
    size = int(fraction * max(free, 0) // bytes_per_sample)
    return int(min(max(size, min(_MIN_BATCH, maximum)), maximum))
