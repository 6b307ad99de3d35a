"""The back ends of a sweep: a local forkserver process pool, or an existing Dask cluster.

Both are a :class:`concurrent.futures.Executor` (docs/design.md §4): the embedded default is a
:class:`~concurrent.futures.ProcessPoolExecutor` of ``workers`` processes started by a
``forkserver`` that has imported the package once (a clean single-threaded parent, so forking
is safe, and each worker starts in milliseconds instead of re-importing SymPy and torch); with
``scheduler`` it is ``distributed.Client(scheduler).get_executor()``, whose futures are
``concurrent.futures`` futures. Each worker ends with the sweep, however the sweep ends.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import select
import socket
import sys
import threading
import time
from collections.abc import Iterator

from gsmtheory._errors import GSMError
from gsmtheory._extras import require

__all__ = ["PRELOAD", "PRELOAD_SELFTEST", "check_scheduler", "default_workers", "executor"]

_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: what the forkserver imports once, before forking workers: the stack the first sweep's task
#: uses (the server lives as long as this process; later sweeps fork from it in milliseconds,
#: importing on their own whatever it lacks). The selftest needs nothing heavy.
PRELOAD = ("gsmtheory.symbolic", "gsmtheory.compile", "gsmtheory.numeric", "gsmtheory.estimation",
            "gsmtheory.sweep._tasks")
PRELOAD_SELFTEST = ("gsmtheory.sweep._tasks",)


def default_workers() -> int:
    """Cores this process may run on (its CPU affinity), at least 1.

    Returns
    -------
    int
        The default ``--workers``.

    Examples
    --------
    >>> from gsmtheory.sweep import default_workers
    >>> default_workers() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def _exit_with(pid: int) -> None:
    """End this worker as soon as the sweep process ``pid`` ends, however it ends (SIGKILL too).

    A daemon thread waits on a pidfd of the sweep (Linux; elsewhere it polls every half second)
    and calls ``os._exit``. The worker's own parent is the forkserver, which cannot notice: each
    worker holds the forkserver's liveness pipe open, so neither would ever see the other go.
    """
    try:
        fd: int | None = os.pidfd_open(pid)
    except ProcessLookupError:  # the sweep is gone already
        os._exit(1)
    except (AttributeError, OSError):  # pragma: no cover - no pidfd (macOS, old kernels)
        fd = None

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:  # pragma: no cover
            while True:
                time.sleep(0.5)
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    continue
        os._exit(1)

    threading.Thread(target=watch, name="gsmtheory-sweep-watch", daemon=True).start()


def _init_worker(threads: int, sweep_pid: int) -> None:
    """Pool initializer: end with the sweep; one BLAS/torch thread budget per worker, so workers
    do not oversubscribe."""
    _exit_with(sweep_pid)
    for var in _THREAD_VARS:
        os.environ[var] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel the queued tasks and end the running workers (their finished rows are stored)."""
    workers = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in workers:
        with contextlib.suppress(OSError, ValueError):
            proc.terminate()
    deadline = time.monotonic() + 5.0
    for proc in workers:
        with contextlib.suppress(OSError, ValueError):
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.kill()


@contextlib.contextmanager
def executor(workers: int, scheduler: str | None, connect_timeout: float = 20.0,
              preload: tuple[str, ...] = PRELOAD) -> Iterator[tuple[cf.Executor, int]]:
    """(executor, slots): a local forkserver pool, or a Dask cluster's concurrent.futures executor."""
    if scheduler is None:
        threads = max(1, default_workers() // workers)
        ctx: multiprocessing.context.BaseContext
        if "forkserver" in multiprocessing.get_all_start_methods():
            server = multiprocessing.get_context("forkserver")
            server.set_forkserver_preload(list(preload))  # effective when this process starts its server
            ctx = server
        else:  # pragma: no cover - platforms without fork
            ctx = multiprocessing.get_context("spawn")
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                      initializer=_init_worker, initargs=(threads, os.getpid()))
        try:
            yield pool, workers
        except BaseException:  # Ctrl-C, SIGTERM, an error: stop now, do not wait for running tasks
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True, cancel_futures=True)
        return
    require("distributed", "sweep --scheduler (a Dask cluster)")
    from distributed import Client  # the [dask] extra, only for a cluster

    check_scheduler(scheduler)
    try:
        client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise GSMError(f"cannot reach the Dask scheduler at {scheduler!r} ({type(exc).__name__})",
                       "start one with 'dask scheduler' or check the address") from None
    try:
        slots = sum(client.nthreads().values()) or 1
        yield client.get_executor(pure=False), slots
    finally:
        client.close()


def check_scheduler(address: str, timeout: float = 5.0) -> None:
    """Refuse a scheduler address in one line within seconds: a malformed one at once, a
    ``tcp://`` one whose host does not resolve or whose port does not accept a connection after
    at most ``timeout`` seconds (before Dask's client, which retries for its whole timeout).

    Parameters
    ----------
    address : str
        ``tcp://HOST:PORT`` (``tls://``, ``ucx://``, ``inproc://`` are left to Dask).
    timeout : float
        Seconds to wait for the TCP connection.

    Raises
    ------
    GSMError
        The address is malformed, its host unknown, or nothing listens there.

    Examples
    --------
    >>> from gsmtheory.sweep._pools import check_scheduler
    >>> check_scheduler("garbage:://")
    Traceback (most recent call last):
    ...
    gsmtheory._errors.GSMError: scheduler address 'garbage:://' is not of the form tcp://HOST:PORT; give tcp://HOST:PORT of a running 'dask scheduler' (e.g. tcp://127.0.0.1:8786)
    """
    fix = "give tcp://HOST:PORT of a running 'dask scheduler' (e.g. tcp://127.0.0.1:8786)"
    scheme, sep, rest = address.partition("://")
    if not sep or scheme not in ("tcp", "tls", "ucx", "inproc", "ws", "wss"):
        raise GSMError(f"scheduler address {address!r} is not of the form tcp://HOST:PORT", fix)
    if scheme not in ("tcp", "tls"):
        return  # other transports are Dask's to check
    host, colon, port_text = rest.rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise GSMError(f"scheduler address {address!r} has no valid host and port", fix)
    try:
        with socket.create_connection((host, int(port_text)), timeout=timeout):
            pass
    except socket.gaierror:
        raise GSMError(f"scheduler host {host!r} of {address!r} is unknown", fix) from None
    except OSError as exc:
        why = "timed out" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__)
        raise GSMError(f"no Dask scheduler answers at {address!r} ({why.lower()})",
                       "start one with 'dask scheduler', or check the address") from None

