"""Local Xapian clusters: start and stop `xapian-tcpsrv` processes to try a cluster on one machine.

`start` serves FOLDER/shard-N, one writable server per shard, and records the servers in
FOLDER/cluster.json; `stop` ends them. Addresses are parsed in `address`.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from .address import SCHEME
from ..errors import ArchiveError, QueryError

STATE_FILE = "cluster.json"
TCPSRV = "xapian-tcpsrv"

@dataclass
class LocalCluster:
    """The servers `start` launched in a folder, as recorded in its cluster.json."""

    folder: Path
    address: str
    pids: list[int] = field(default_factory=list)

    def running(self) -> list[bool]:
        return [_alive(pid) for pid in self.pids]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def tcpsrv_path() -> str:
    found = shutil.which(TCPSRV)
    if found is None:
        raise ArchiveError(f"{TCPSRV} not found: install Xapian's tools (Debian/Ubuntu: "
                           f"`apt-get install xapian-tools`)")
    return found


def serve(folder: Path, port: int, host: str = "127.0.0.1", writable: bool = True) -> subprocess.Popen:
    """Start one `xapian-tcpsrv` on `folder` (created if missing) and wait until it accepts
    connections. It runs in a session of its own, so that stopping it (`os.killpg`) also ends the
    child processes it forks per connection."""
    folder.mkdir(parents=True, exist_ok=True)
    if writable and not (folder / "iamglass").exists():
        # A writable server needs an existing database: create an empty one.
        import xapian  # noqa: PLC0415  (only here: starting a cluster needs the bindings anyway)
        xapian.WritableDatabase(str(folder), xapian.DB_CREATE_OR_OPEN).close()
    args = [tcpsrv_path(), "--interface", host, "--port", str(port)]
    if writable:
        args.append("--writable")
    proc = subprocess.Popen([*args, str(folder)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ArchiveError(f"{TCPSRV} on {host}:{port} exited at once (port in use?)")
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    stop_process(proc.pid)
    raise ArchiveError(f"{TCPSRV} on {host}:{port} did not start within 10 s")


def stop_process(pid: int) -> None:
    """End a server started by `serve` and the children it forked for open connections."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    for _ in range(50):
        if not _alive(pid):
            return
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
        except ChildProcessError:
            pass
        time.sleep(0.02)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def start(folder: str | os.PathLike, shards: int = 2, port: int | None = None,
          host: str = "127.0.0.1") -> LocalCluster:
    """Start `shards` writable servers on `folder/shard-N` (ports `port`, `port+1`, ... or free
    ones) and record them in `folder/cluster.json`. Existing shard databases are served as they
    are, so a stopped cluster starts again with its articles."""
    folder = Path(folder)
    if shards < 1:
        raise QueryError("a cluster needs at least one shard")
    existing = status(folder) if (folder / STATE_FILE).exists() else None
    if existing is not None and any(existing.running()):
        raise ArchiveError(f"a cluster is already running in {folder}: {existing.address} "
                           f"(stop it with `searchkit cluster stop {folder}`)")
    procs: list[subprocess.Popen] = []
    ports: list[int] = []
    try:
        for n in range(shards):
            ports.append(port + n if port else free_port(host))
            procs.append(serve(folder / f"shard-{n}", ports[-1], host))
    except BaseException:
        for proc in procs:
            stop_process(proc.pid)
        raise
    address = SCHEME + ",".join(f"{host}:{p}" for p in ports)
    cluster = LocalCluster(folder, address, [p.pid for p in procs])
    (folder / STATE_FILE).write_text(json.dumps({"address": address, "pids": cluster.pids}) + "\n")
    return cluster


def status(folder: str | os.PathLike) -> LocalCluster:
    folder = Path(folder)
    try:
        info = json.loads((folder / STATE_FILE).read_text())
        return LocalCluster(folder, info["address"], list(info["pids"]))
    except FileNotFoundError:
        raise ArchiveError(f"no cluster in {folder} (start one with `searchkit cluster start {folder}`)") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise ArchiveError(f"{folder / STATE_FILE} is unreadable") from None


def stop(folder: str | os.PathLike) -> LocalCluster:
    """Stop the servers of a local cluster; the shard databases stay."""
    cluster = status(folder)
    for pid in cluster.pids:
        stop_process(pid)
    (Path(folder) / STATE_FILE).unlink(missing_ok=True)
    return cluster
