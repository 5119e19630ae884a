"""`searchkit serve` as a process: it prints its URL, serves, stops on Ctrl-C without a
traceback, refuses a missing index, warns off 127.0.0.1, and its worker processes end when it is
killed with SIGKILL."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from . import web_fixture


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return web_fixture.build(tmp_path_factory.mktemp("serve") / "index")


def start(index: Path, *args: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "searchkit", "serve", "--index", str(index), "--port", str(port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, port


def get_json(port: int, path: str, wait: float = 30.0) -> dict:
    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return json.loads(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serves_then_ctrl_c_stops_cleanly(index_dir):
    process, port = start(index_dir)
    try:
        assert get_json(port, "/api/search?q=oil&limit=0")["total"] == 8
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode in (0, 130)
    assert f"http://127.0.0.1:{port}/" in err and "Traceback" not in err + out


def test_workers_end_when_the_server_is_killed(index_dir):
    process, port = start(index_dir, "--workers", "2")
    try:
        assert get_json(port, "/api/stats")["documents"] == 14
        children = psutil.Process(process.pid).children(recursive=True)
        workers = [c for c in children if "spawn_main" in " ".join(c.cmdline())]
        assert len(workers) == 2, [c.cmdline() for c in children]
    finally:
        process.kill()  # SIGKILL: the parent cannot stop its workers itself
        process.wait(timeout=30)
    _, alive = psutil.wait_procs(children, timeout=15)
    for child in alive:  # leave nothing behind, even when the test fails
        child.kill()
    assert not alive, [c.cmdline() for c in alive]


def test_missing_index_is_an_error_before_listening(tmp_path):
    process, _ = start(tmp_path / "none")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1 and "no index at" in err and "Traceback" not in err
    assert not (tmp_path / "none").exists()


def test_warns_when_listening_beyond_this_machine(index_dir):
    process, port = start(index_dir, "--host", "0.0.0.0")
    try:
        get_json(port, "/api/stats")
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert "Warning: listening on 0.0.0.0" in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process tree checks use Linux semantics")
def test_no_worker_survives_ctrl_c(index_dir):
    process, port = start(index_dir, "--workers", "2")
    try:
        get_json(port, "/api/stats")
        children = psutil.Process(process.pid).children(recursive=True)
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode in (0, 130) and "Traceback" not in err, err
    _, alive = psutil.wait_procs(children, timeout=15)
    assert not alive
    assert os.environ.get("SEARCHKIT_SERVE_PARENT") is None  # the test process's env is untouched
