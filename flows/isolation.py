"""Per-paper resource limits: parse and extract in a worker process that can be killed.

``run_isolated(ref, limits)`` runs ``flows.worker.process_paper`` in a child process and
always returns a ``PaperOutcome``, whatever the PDF does to the child:

- wall-clock timeout (``Limits.timeout_s``): the child is killed (SIGKILL), the paper gets
  status ``timeout``;
- memory cap (``Limits.max_memory_mb``): the child's address space is limited with
  ``resource.setrlimit(RLIMIT_AS)``; a ``MemoryError`` in Python, an allocation failure that
  aborts pdfium (SIGABRT), the kernel's OOM killer, or the parent's RSS watchdog exceeding the
  cap all give ``too_large`` with a message saying which;
- page cap (``Limits.max_pages``): passed to ``extract.pdf.parse_pdf`` (``too_large`` before
  any page is read).

Process model: a small pool of long-lived workers (default one, ``PAPERFLOPS_WORKERS``) is
reused across papers; each task has its own deadline, and only a worker that is killed (or
that died, or grew past half the memory cap) is replaced. Workers are forked from a
``forkserver`` that has imported ``flows.worker`` once, so starting or replacing a worker costs
milliseconds, not the ~2 s of importing spaCy and the extractors; nothing is forked from the
(multi-threaded) flow process itself. Measured overhead on the corpus: see docs/security.md.

``run_isolated`` keeps one pool per memory cap for the life of the process (closed at exit),
so calling it once per paper from a flow costs one pipe round-trip per paper.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from extract.pdf import DEFAULT_MAX_PAGES
from flows.worker import OUT_OF_MEMORY, PaperOutcome, PaperRef
from schema import quantities as q

log = logging.getLogger(__name__)

ENV_TIMEOUT = "PAPERFLOPS_TIMEOUT_S"
ENV_MAX_PAGES = "PAPERFLOPS_MAX_PAGES"
ENV_MAX_MEMORY = "PAPERFLOPS_MAX_MEMORY_MB"
ENV_WORKERS = "PAPERFLOPS_WORKERS"
_POLL_S = 0.25  # how often the parent checks a busy worker's memory
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MEMORY_SIGNALS = {signal.SIGKILL, signal.SIGABRT}


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-paper limits. ``max_memory_mb=0`` (or ``timeout_s=0``) switches that limit off."""

    timeout_s: float = 120.0
    max_pages: int = DEFAULT_MAX_PAGES
    max_memory_mb: int = 1500

    def __post_init__(self) -> None:
        if self.timeout_s < 0 or self.max_pages < 1 or self.max_memory_mb < 0:
            raise ValueError(f"invalid limits {self!r}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Limits:
        """The defaults, overridden by $PAPERFLOPS_TIMEOUT_S, $PAPERFLOPS_MAX_PAGES and
        $PAPERFLOPS_MAX_MEMORY_MB, then by keyword ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, key, kind in (
            ("timeout_s", ENV_TIMEOUT, float),
            ("max_pages", ENV_MAX_PAGES, int),
            ("max_memory_mb", ENV_MAX_MEMORY, int),
        ):
            raw = env.get(key, "").strip()
            if raw:
                try:
                    values[name] = kind(raw)
                except ValueError as exc:
                    raise ValueError(f"${key}={raw!r} is not a valid {kind.__name__}") from exc
        values.update(overrides)
        return cls(**values)


# --------------------------------------------------------------------------- the child


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when its parent (the forkserver) goes away."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pipe's EOF still ends the loop
        pass


def _cap_memory(max_memory_mb: int) -> None:
    if max_memory_mb <= 0:
        return
    import resource

    limit = max_memory_mb << 20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child_main(conn: Connection, max_memory_mb: int) -> None:
    """Worker loop: receive (ref, max_pages), send back the outcome; None or EOF ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _die_with_parent()
    from extract.nlp import build_nlp
    from flows.worker import process_paper

    build_nlp()
    _cap_memory(max_memory_mb)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        ref, max_pages = task
        outcome = process_paper(ref, max_pages=max_pages)
        try:
            conn.send(outcome)
        except MemoryError:
            conn.send(PaperOutcome(ref, q.STATUS_TOO_LARGE, f"{OUT_OF_MEMORY} sending the result"))
            return
        if outcome.status == q.STATUS_TOO_LARGE and (outcome.message or "").startswith(
            OUT_OF_MEMORY
        ):
            return  # the heap may be fragmented: let the parent start a fresh worker


# --------------------------------------------------------------------------- the parent


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * _PAGE / (1 << 20)
    except (OSError, ValueError, IndexError):
        return None


class _Worker:
    def __init__(self, ctx: multiprocessing.context.BaseContext, max_memory_mb: int) -> None:
        self.conn, child_conn = ctx.Pipe()
        self.process = ctx.Process(
            target=_child_main,
            args=(child_conn, max_memory_mb),
            name="paperflops-worker",
            daemon=True,
        )
        self.process.start()
        child_conn.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(2)
        self.kill()


class IsolatedRunner:
    """A pool of ``workers`` reusable worker processes with a per-task deadline."""

    def __init__(self, limits: Limits | None = None, workers: int | None = None) -> None:
        self.limits = limits or Limits.from_env()
        self.size = max(1, workers or int(os.environ.get(ENV_WORKERS, "1") or 1))
        self._ctx = _context()
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._started = 0
        self._lock = threading.Lock()
        self._closed = False

    # -- public

    def run(self, ref: PaperRef, limits: Limits | None = None) -> PaperOutcome:
        """Process one paper in a worker; never raises for anything the paper does.

        ``limits`` may change ``timeout_s`` and ``max_pages`` per call; the memory cap is the
        runner's (it is set when a worker starts).
        """
        limits = limits or self.limits
        worker = self._acquire()
        started = time.perf_counter()
        outcome, healthy = self._ask(worker, ref, limits, started)
        if healthy:
            self._idle.put(worker)
        else:
            worker.kill()
            with self._lock:
                self._started -= 1
        outcome.seconds = outcome.seconds or time.perf_counter() - started
        return outcome

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            worker.stop()

    def __enter__(self) -> IsolatedRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals

    def _acquire(self) -> _Worker:
        if self._closed:
            raise RuntimeError("IsolatedRunner is closed")
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                with self._lock:
                    if self._started < self.size:
                        self._started += 1
                        break
                worker = self._idle.get()
            if worker.alive():
                return worker
            worker.kill()
            with self._lock:
                self._started -= 1
        try:
            return _Worker(self._ctx, self.limits.max_memory_mb)
        except BaseException:
            with self._lock:
                self._started -= 1
            raise

    def _ask(
        self, worker: _Worker, ref: PaperRef, limits: Limits, started: float
    ) -> tuple[PaperOutcome, bool]:
        """Send the task and wait for the answer, the deadline or the worker's death."""
        cap = self.limits.max_memory_mb
        try:
            worker.conn.send((ref, limits.max_pages))
        except OSError as exc:
            return self._crashed(worker, ref, f"could not hand the paper to the worker: {exc}")
        deadline = started + limits.timeout_s if limits.timeout_s > 0 else None
        while True:
            wait = _POLL_S if deadline is None else min(_POLL_S, deadline - time.perf_counter())
            try:
                ready = wait > 0 and worker.conn.poll(wait)
            except (OSError, EOFError):
                return self._crashed(worker, ref)
            if ready:
                try:
                    outcome = worker.conn.recv()
                except (EOFError, OSError):
                    return self._crashed(worker, ref)
                return outcome, self._reusable(worker, outcome)
            if not worker.alive():
                return self._crashed(worker, ref)
            rss = _rss_mb(worker.process.pid or 0)
            if cap and rss is not None and rss > cap:
                message = (
                    f"worker used {rss:.0f} MB, over the memory cap of {cap} MB "
                    f"(${ENV_MAX_MEMORY}); killed after {time.perf_counter() - started:.1f} s"
                )
                return PaperOutcome(ref, q.STATUS_TOO_LARGE, message), False
            if deadline is not None and time.perf_counter() >= deadline:
                message = (
                    f"parsing and extraction took longer than {limits.timeout_s:g} s "
                    f"(${ENV_TIMEOUT}); worker killed"
                )
                return PaperOutcome(ref, q.STATUS_TIMEOUT, message), False

    def _reusable(self, worker: _Worker, outcome: PaperOutcome) -> bool:
        """False for a worker that ran out of memory (it exits) or grew past half the cap."""
        if outcome.status == q.STATUS_TOO_LARGE and (outcome.message or "").startswith(
            OUT_OF_MEMORY
        ):
            return False
        cap = self.limits.max_memory_mb
        rss = _rss_mb(worker.process.pid or 0)
        return worker.alive() and not (cap and rss is not None and rss > cap / 2)

    def _crashed(
        self, worker: _Worker, ref: PaperRef, message: str | None = None
    ) -> tuple[PaperOutcome, bool]:
        worker.process.join(5)
        code = worker.process.exitcode
        cap = self.limits.max_memory_mb
        if message is None and code is not None and code < 0:
            name = signal.Signals(-code).name
            if cap and -code in _MEMORY_SIGNALS:
                message = (
                    f"worker died ({name}) reading this PDF: the memory cap of {cap} MB "
                    f"(${ENV_MAX_MEMORY}) was reached"
                )
                return PaperOutcome(ref, q.STATUS_TOO_LARGE, message), False
            message = f"worker crashed ({name}) reading this PDF"
        elif message is None and code == 0:
            # a worker leaves after an out-of-memory outcome it could not send
            message = f"worker exited without an answer ({OUT_OF_MEMORY}?)"
            return PaperOutcome(ref, q.STATUS_TOO_LARGE, message), False
        elif message is None:
            message = f"worker exited with code {code} without an answer"
        return PaperOutcome(ref, q.STATUS_ERROR, message), False


def _context() -> multiprocessing.context.BaseContext:
    """forkserver (preloaded with the extractors) where available, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["flows.worker"])
        return ctx
    return multiprocessing.get_context("spawn")


# --------------------------------------------------------------------------- shared runners

_RUNNERS: dict[tuple[int, int], IsolatedRunner] = {}
_RUNNERS_LOCK = threading.Lock()


def run_isolated(
    ref: PaperRef, limits: Limits | None = None, workers: int | None = None
) -> PaperOutcome:
    """``process_paper(ref)`` in a reusable worker process under ``limits`` (default: from the
    environment), from this process's pool of ``workers`` (default $PAPERFLOPS_WORKERS or 1).
    Never raises for anything the paper does; see the module docstring. Only picklable
    arguments, so a Prefect task calling it runs on any task runner (threads, Dask, Ray)."""
    limits = limits or Limits.from_env()
    key = (limits.max_memory_mb, workers or 0)
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(key)
        if runner is None:
            runner = _RUNNERS[key] = IsolatedRunner(limits, workers=workers)
    outcome = runner.run(ref, limits)
    if outcome.status in (q.STATUS_TIMEOUT, q.STATUS_TOO_LARGE, q.STATUS_ERROR):
        log.warning("%s: %s: %s", ref.paper_id, outcome.status, (outcome.message or "")[:200])
    return outcome


def shutdown() -> None:
    """Stop the shared workers (also run at interpreter exit)."""
    with _RUNNERS_LOCK:
        runners = list(_RUNNERS.values())
        _RUNNERS.clear()
    for runner in runners:
        runner.close()


def limits_summary(limits: Limits) -> dict[str, Any]:
    """The limits as recorded in a run's options."""
    return {
        "timeout_s": limits.timeout_s,
        "max_pages": limits.max_pages,
        "max_memory_mb": limits.max_memory_mb,
    }


atexit.register(shutdown)

__all__ = ["IsolatedRunner", "Limits", "limits_summary", "run_isolated", "shutdown"]
