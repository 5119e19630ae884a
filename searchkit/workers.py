"""What forked worker processes and their caller share (`prepare.Preparers`, `segments.Workers`):
messages read without a worker outliving its caller, or the caller waiting on a dead worker."""
from __future__ import annotations

import os
import queue
from typing import Any, Iterator

# How often a worker waiting for a message checks that its caller is still alive (seconds).
POLL = 1.0


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
