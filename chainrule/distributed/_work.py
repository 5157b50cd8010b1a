"""Work handles, the communication thread, and timeouts.

Collectives run one after another on a single background thread, in the order they
were issued, as blocking MPI calls (torch's ProcessGroupMPI does the same). Blocking
collectives are MPI's fastest (Open MPI's non-blocking ones measured 1.3-1.6x slower on
a 25M-float all-reduce), mpi4py releases the GIL while they run so the caller keeps
computing, and a synchronous and an asynchronous call on two ranks still match (MPI
never matches a blocking collective with a non-blocking one). The caller waits on an
event with the group's timeout, so a collective that never completes raises instead of
hanging. Point-to-point calls are MPI non-blocking requests started from the calling
thread and polled against the same deadline.
"""
from __future__ import annotations

import atexit
import os
import queue
import threading
import time
from datetime import timedelta

__all__ = ["Work", "DistError", "DistBackendError", "DistNetworkError", "DistStoreError"]


class DistError(RuntimeError):
    """Raised when an error occurs in the distributed library (torch's class)."""


class DistBackendError(DistError):
    """Raised when a backend error occurs in distributed: a collective that timed out,
    or one that failed in MPI."""


class DistNetworkError(DistError):
    """Raised when a network error occurs in distributed."""


class DistStoreError(DistError):
    """Raised when an error occurs in the distributed store."""


class QueueEmptyError(DistError):
    """Raised when a distributed store's queue is empty (torch's class)."""


class Work:
    """A handle on a collective or point-to-point operation (``async_op=True``).

    ``wait()`` blocks until it is done (raising its error, or DistBackendError after the
    group's timeout), ``is_completed()`` asks without blocking, ``result()`` gives the
    output tensors.
    """

    def __init__(self, op_name: str, group, outputs=None, requests=None, finish=None):
        self._op_name = op_name
        self._group = group
        self._outputs = [] if outputs is None else list(outputs)
        self._requests = requests       # MPI requests (point-to-point) or None
        self._finish = finish           # run once after the requests complete
        self._event = threading.Event()
        self._exception = None
        self._source_rank = -1
        self._statuses = None           # MPI statuses Testall fills in (receives)
        if requests is not None and not requests:
            self._complete()

    # ------------------------------------------------------------------ completion
    def _complete(self, exception: BaseException | None = None) -> None:
        if self._event.is_set():   # the first outcome stands (a failed check comes first)
            return
        self._exception = exception
        self._event.set()

    def _poll(self) -> bool:
        if self._event.is_set():
            return True
        requests = self._requests
        if requests is None:
            return False
        from . import _mpi
        try:
            if not _mpi.load().Request.Testall(requests, self._statuses):
                return False
            if self._finish is not None:
                self._finish(self)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiter
            self._complete(exc)
            return True
        self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the operation has finished (successfully or not); never blocks."""
        return self._poll()

    def is_success(self) -> bool:
        """Whether the operation finished without an error."""
        return self._poll() and self._exception is None

    def exception(self):
        """The error the operation ended with, or None."""
        self._poll()
        return self._exception

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the operation completes; raise its error, or DistBackendError when it
        takes longer than ``timeout`` (the process group's timeout by default)."""
        if timeout is None or timeout == timedelta(0):
            seconds = self._group._timeout
        elif isinstance(timeout, timedelta):
            seconds = timeout.total_seconds()
        else:
            seconds = float(timeout)
        deadline = time.monotonic() + seconds
        if self._requests is None:
            if not self._event.wait(seconds):
                _mark_broken()
                raise self._timeout_error(seconds)
        else:
            spins = 0
            while not self._poll():
                if time.monotonic() > deadline:
                    _mark_broken()
                    raise self._timeout_error(seconds)
                spins += 1
                if spins > 100:
                    time.sleep(min(1e-3, 1e-6 * spins))
        if self._exception is not None:
            raise self._exception
        return True

    def synchronize(self) -> None:
        self.wait()

    def result(self) -> list:
        """The output tensors of the operation (waits for it first)."""
        self.wait()
        return list(self._outputs)

    def source_rank(self) -> int:
        """For a receive from any source: the rank the message came from."""
        self.wait()
        if self._source_rank < 0:
            raise RuntimeError(
                "source_rank() is only available for a recv or irecv from any source "
                "(src=None)")
        return self._source_rank

    def get_future(self):
        """A future completed with ``result()`` (``wait()``, ``value()``, ``done()``,
        ``then(callback)``)."""
        return _Future(self)

    def _timeout_error(self, seconds: float) -> DistBackendError:
        group = self._group
        rank = group._global_rank
        return DistBackendError(
            f"chainrule.distributed: {self._op_name} on rank {rank} timed out after "
            f"{seconds:g} s waiting for the other ranks of its group (ranks "
            f"{group._ranks}); a rank may have failed, be stuck, or have skipped this call "
            "or made a different one. The process group cannot be used after this.")


class _Future:
    """The small part of torch.futures.Future a Work's future needs."""

    def __init__(self, work: Work, callback=None, parent=None):
        self._work = work
        self._callback = callback
        self._parent = parent
        self._value = None
        self._resolved = False

    def done(self) -> bool:
        return self._work.is_completed()

    def wait(self):
        if not self._resolved:
            value = self._work.result()
            if self._parent is not None:
                value = self._callback(self._parent)
            self._value = value
            self._resolved = True
        return self._value

    value = wait

    def then(self, callback):
        return _Future(self._work, callback, self)


# ---------------------------------------------------------------------- the thread
_jobs: queue.SimpleQueue = queue.SimpleQueue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()
_broken = [False]
_submitted = [0]      # jobs submitted (by callers) and finished (by the thread):
_finished = [0]      # each counter has one writer
_current = [None]     # the Work whose job the thread is running
_owner = [None]       # the process the thread runs in (a forked child has no thread)


def _serve() -> None:
    while True:
        work, job = _jobs.get()
        _current[0] = work
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - raised again by wait()
            work._complete(exc)
        else:
            work._complete()
        finally:
            _current[0] = None
            _finished[0] += 1


class Verdict:
    """The outcome of an agreement check another thread completes: it waits for the
    check's request and fails the Work at once on a mismatch, even while the payload it
    guards is stuck in MPI (which mismatched collectives can be)."""

    def __init__(self, request, verify):
        self.request, self.verify, self.work = request, verify, _current[0]
        self.error = None
        self.done = threading.Event()

    def settle(self) -> None:
        """Wait for the check (after the payload); raise its error."""
        self.done.wait()
        if self.error is not None:
            raise self.error


_checks: queue.SimpleQueue = queue.SimpleQueue()
_checker: list = []


def _serve_checks() -> None:
    while True:
        verdict = _checks.get()
        try:
            verdict.request.Wait()
            verdict.verify()
        except BaseException as exc:  # noqa: BLE001 - handed to the Work and the payload
            verdict.error = exc
            if verdict.work is not None:
                verdict.work._complete(exc)
        finally:
            verdict.done.set()


def check_later(request, verify) -> Verdict:
    """Hand an agreement check's request to the checking thread."""
    if not _checker:
        with _thread_lock:
            if not _checker:
                thread = threading.Thread(target=_serve_checks, daemon=True,
                                          name="chainrule.distributed checks")
                thread.start()
                _checker.append(thread)
    verdict = Verdict(request, verify)
    _checks.put(verdict)
    return verdict


def submit(op_name: str, group, job, outputs=None) -> Work:
    """Queue ``job`` (blocking MPI calls) on the communication thread; its Work."""
    global _thread
    if _thread is None:
        with _thread_lock:
            if _thread is None:
                _thread = threading.Thread(target=_serve, name="chainrule.distributed",
                                           daemon=True)
                _thread.start()
                _owner[0] = os.getpid()
    work = Work(op_name, group, outputs)
    _submitted[0] += 1
    _jobs.put((work, job))
    return work


def _mark_broken() -> None:
    _broken[0] = True
    _owner[0] = os.getpid()


@atexit.register
def _abort_if_broken() -> None:
    # a timed-out or mismatched collective can leave the thread inside MPI; MPI_Finalize
    # would then hang, so the job is aborted (exit status 1) instead
    if os.getpid() != _owner[0]:
        return
    if _broken[0] or _submitted[0] > _finished[0]:
        from . import _mpi
        _mpi.load().COMM_WORLD.Abort(1)
