"""Xapian cluster addresses, and local clusters of `xapian-tcpsrv` processes to try one out.

An address names one writable `xapian-tcpsrv` per shard, each optionally followed by replicas
(read-only servers of a copy of that shard) after `|`, and an optional per-request timeout:

    xapian://host1:7000,host2:7000
    xapian://host1:7000|host1b:7000,host2:7000?timeout=5

Nothing here imports xapian: starting and stopping servers only runs the `xapian-tcpsrv` program.
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

from .errors import ArchiveError, QueryError

SCHEME = "xapian://"
# Seconds a remote request may take before the shard counts as hung.
DEFAULT_TIMEOUT = 10.0
STATE_FILE = "cluster.json"
TCPSRV = "xapian-tcpsrv"


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Shard:
    primary: Server
    replicas: tuple[Server, ...] = ()


@dataclass(frozen=True)
class ClusterAddress:
    shards: tuple[Shard, ...]
    timeout: float = DEFAULT_TIMEOUT

    def __str__(self) -> str:
        shards = ",".join("|".join(str(s) for s in (sh.primary, *sh.replicas)) for sh in self.shards)
        suffix = f"?timeout={self.timeout:g}" if self.timeout != DEFAULT_TIMEOUT else ""
        return f"{SCHEME}{shards}{suffix}"


def is_cluster_address(location: object) -> bool:
    return isinstance(location, str) and location.startswith(SCHEME)


def _server(text: str, address: str) -> Server:
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise QueryError(f"bad server {text!r} in cluster address {address!r} (want HOST:PORT)")
    return Server(host, int(port))


def parse_address(address: str) -> ClusterAddress:
    """`xapian://h1:p1|h1r:p1r,h2:p2?timeout=S` -> shards with their replicas, and the timeout."""
    if not is_cluster_address(address):
        raise QueryError(f"not a cluster address: {address!r} (want {SCHEME}HOST:PORT[,HOST:PORT...])")
    rest, _, params = address[len(SCHEME):].partition("?")
    timeout = DEFAULT_TIMEOUT
    for param in filter(None, params.split("&")):
        key, _, value = param.partition("=")
        try:
            if key != "timeout" or float(value) <= 0:
                raise ValueError
            timeout = float(value)
        except ValueError:
            raise QueryError(f"bad option {param!r} in cluster address (only timeout=SECONDS)") from None
    if not rest.strip():
        raise QueryError(f"no shards in cluster address {address!r}")
    shards = []
    for part in rest.split(","):
        servers = [_server(s, address) for s in part.split("|")]
        shards.append(Shard(servers[0], tuple(servers[1:])))
    return ClusterAddress(tuple(shards), timeout)


# ------------------------------------------------------------ local clusters

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
    try:
        for n in range(shards):
            procs.append(serve(folder / f"shard-{n}", port + n if port else free_port(host), host))
    except BaseException:
        for proc in procs:
            stop_process(proc.pid)
        raise
    ports = [int(p.args[p.args.index("--port") + 1]) for p in procs]
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
