"""What forked worker processes and their caller share (`prepare.Preparers`, `segment_workers.SegmentWorkers`):
messages read without a worker outliving its caller, or the caller waiting on a dead worker."""
from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from typing import Any, Iterator

# How often a worker waiting for a message checks that its caller is still alive (seconds).
POLL = 1.0
# prctl(2): ask the kernel to send a signal to this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def start_worker() -> None:
    """The first thing a forked worker does. Ctrl-C, which a terminal sends to every process of
    the group, is ignored: the caller stops its workers. SIGTERM ends it (not a handler inherited
    from the caller). And it ends when its caller dies, wherever it is blocked (a pipe read of a
    message the caller never finished writing would otherwise wait forever): by the kernel on
    Linux (PR_SET_PDEATHSIG), and everywhere by a thread watching the parent's pid."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parent = multiprocessing.parent_process()
    parent_pid = parent.pid if parent is not None and parent.pid is not None else os.getppid()
    if sys.platform == "linux":
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the thread below still watches
    if os.getppid() != parent_pid:  # the caller died before the kernel was asked
        os._exit(1)
    threading.Thread(target=_exit_when_orphaned, args=(parent_pid,), daemon=True,
                     name="searchkit-parent-watch").start()


def _exit_when_orphaned(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(POLL)
    os._exit(1)


def messages_from(inbox) -> Iterator[Any]:
    """The messages put in `inbox` (a multiprocessing queue), until the caller that forked this
    process has died: a killed indexing run leaves no process behind."""
    parent = os.getppid()
    while True:
        try:
            yield inbox.get(timeout=POLL)
        except queue.Empty:
            if os.getppid() != parent:
                return


def answer_from(outbox, processes: list, block: bool = True) -> Any:
    """The next message the worker `processes` put in `outbox`; None if there is none yet and not
    `block`. Raises ChildProcessError when, while waiting, one of them has died."""
    while True:
        try:
            return outbox.get(block, POLL)
        except queue.Empty:
            if not block:
                return None
            if not all(process.is_alive() for process in processes):
                raise ChildProcessError("a worker process died") from None


def close_queues(queues: list) -> None:
    """Closes a run's queues without waiting: what a stopped worker did not read does not matter."""
    for q in queues:
        q.close()
        q.cancel_join_thread()
