"""Issue 19: an indexing run's worker processes never outlive it, and Ctrl-C/SIGTERM end it with
one line, exit code 130 and what was read committed."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from searchkit import Archive

from .conftest import REUTERS, needs_corpora

psutil = pytest.importorskip("psutil", reason="psutil (the test extra) finds a run's processes")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")

SEARCHKIT = [sys.executable, "-m", "searchkit"]


def _group(pgid: int) -> list:
    """The live (not zombie) processes of a process group."""
    alive = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(proc)
        except (ProcessLookupError, psutil.Error):
            continue
    return alive


def _default_sigint() -> None:
    # As in a terminal: a suite started in the background of a non-interactive shell ignores
    # SIGINT, and the run would inherit that (Python then installs no Ctrl-C handler).
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_index(index: Path, *paths: Path) -> subprocess.Popen:
    # A session of its own: the run and every process it forks are one process group.
    return subprocess.Popen([*SEARCHKIT, "index", *map(str, paths), "--index", str(index)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_sigint)


def _wait_for_workers(run: subprocess.Popen, count: int, timeout: float = 60) -> None:
    """Until the run has forked `count` processes (preparers and segment writers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(_group(run.pid)) >= 1 + count or run.poll() is not None:
            return
        time.sleep(0.05)


@needs_corpora
@pytest.mark.parametrize("after", [0.0, 0.6, 2.0])
def test_sigkill_leaves_no_process_of_the_run_alive(tmp_path, after):
    run = _start_index(tmp_path / "index", REUTERS)
    _wait_for_workers(run, 2)  # the preparing processes: then the segment writers
    time.sleep(after)
    assert len(_group(run.pid)) >= 3, "the run should have forked its workers by now"
    os.killpg(run.pid, 0)  # the group exists
    run.kill()
    run.wait()
    deadline = time.monotonic() + 10
    while _group(run.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _group(run.pid)
    for proc in left:  # do not leak them into the rest of the suite
        proc.kill()
    assert left == [], f"{len(left)} worker processes outlived the killed run"
@needs_corpora
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_commits_what_was_read_and_exits_130_with_one_line(tmp_path, signum):
    index = tmp_path / "index"
    # 8,000 articles: a run of several seconds, interrupted a second in (the re-run below
    # indexes the rest).
    files = sorted(REUTERS.glob("reut2-00[0-7].sgm"))
    run = _start_index(index, *files)
    _wait_for_workers(run, 4)  # preparers and segment writers: articles are flowing
    time.sleep(1)
    # Ctrl-C in a terminal signals the whole foreground group; `kill -TERM` the one process.
    if signum == signal.SIGINT:
        os.killpg(run.pid, signum)
    else:
        run.send_signal(signum)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert lines[0].startswith("Error: interrupted"), err
    with Archive(index, create=False) as archive:
        kept = archive.stats().documents
    assert kept > 0
    assert f"{kept} articles committed" in lines[0]
    deadline = time.monotonic() + 10
    while _group(run.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _group(run.pid) == []
    if signum != signal.SIGINT:
        return
    # the same command again adds exactly what is missing
    rerun = subprocess.run([*SEARCHKIT, "index", *map(str, files), "--index", str(index), "--json"],
                           capture_output=True, text=True, timeout=600)
    summary = json.loads(rerun.stdout)
    assert summary["unchanged"] == kept and summary["added"] + kept == 8000
