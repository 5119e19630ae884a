"""Xapian cluster addresses: which `xapian-tcpsrv` serves each shard, and its replicas.

An address names one writable `xapian-tcpsrv` per shard, each optionally followed by replicas
(read-only servers of a copy of that shard) after `|`, and an optional per-request timeout:

    xapian://host1:7000,host2:7000
    xapian://host1:7000|host1b:7000,host2:7000?timeout=5

Kept apart from `cluster` (which starts servers) so that opening an archive imports nothing more.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import QueryError

SCHEME = "xapian://"
# Seconds a remote request may take before the shard counts as hung.
DEFAULT_TIMEOUT = 10.0


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
