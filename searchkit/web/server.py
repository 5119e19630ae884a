"""Running the app under uvicorn: one process, or `workers` processes that end with their parent
(even when it is killed with SIGKILL and cannot stop them itself)."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

import uvicorn

from ..facade.archive import Archive

PARENT_ENV = "SEARCHKIT_SERVE_PARENT"
INDEX_ENV = "SEARCHKIT_SERVE_INDEX"
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ends this worker process when the serving process dies: Linux's PR_SET_PDEATHSIG (the
    kernel sends SIGTERM), else a thread that watches the parent's pid."""
    parent = int(os.environ.get(PARENT_ENV) or os.getppid())
    libc_name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    if libc_name is not None:
        ctypes.CDLL(libc_name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    else:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the signal was armed
        os.kill(os.getpid(), signal.SIGTERM)


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def serve(index: str, host: str, port: int, workers: int) -> None:
    """Serve until Ctrl-C (SIGINT) or SIGTERM. The index is opened first, so a missing one is an
    error before anything listens."""
    from .app import create_app  # noqa: PLC0415

    if workers <= 1:
        app = create_app(Archive(index, create=False))
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
        return
    Archive(index, create=False).close()
    os.environ[INDEX_ENV] = str(index)
    os.environ[PARENT_ENV] = str(os.getpid())
    uvicorn.run("searchkit.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)
