"""What forked worker processes share (`prepare.Preparers`, `segments.Workers`): reading their
caller's messages without outliving the caller."""
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
