#!/usr/bin/env python3
"""`searchkit serve` vs the library, side by side in one run.

    flock /tmp/searchkit-bench.lock .venv/bin/python benchmarks/serve.py --index INDEX [--seconds 8]

For each query of a fixed list, in turn:
- library: in this process, `Archive.search(q, facets=places/people/orgs)` + `Archive.timeline(q)`
  (what one API client asks for), the same with `snippets=False` (the snippets' share), and the
  calls the search page makes (8 facets, timeline, related);
- HTTP: `searchkit serve --workers N` in a child process; N clients (threads, one keep-alive
  connection each) send `/api/search?q=..&facet=places&facet=people&facet=orgs` then
  `/api/timeline?q=..` as one operation, for `--seconds`; and at one client the whole search page `/?q=..`.
At one client the library's and the HTTP calls alternate, query by query (`side_by_side`), so
their ratios hold on a machine whose load changes during the run.
Reported: p50/p95 latency per operation, operations/s, the server's RSS (process tree, at the end)
and the load generator's CPU (this process: its threads parse HTTP too, on the same 2 cores).
"""
from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

import psutil

from searchkit import Archive

QUERIES = ["coffee", "oil prices", '"interest rates"', "trade deficit", "bank", "gold", "election",
           "football", "wheat exports", "dollar yen", "merger", "strike"]
API_FACETS = ("places", "people", "orgs")
PAGE_FACETS = ("people", "orgs", "places", "countries", "topics", "source", "section", "year")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def api_like(archive: Archive, q: str, snippets: bool = True) -> None:
    archive.search(q, facets=API_FACETS, snippets=snippets)
    archive.timeline(q)


def page_like(archive: Archive, q: str) -> None:
    archive.search(q, facets=PAGE_FACETS)
    timeline = archive.timeline(q)
    if len(timeline.buckets) > 120:
        archive.timeline(q, by="year")
    archive.related(q, field="people")


def side_by_side(archive: Archive, port: int, seconds: float) -> dict[str, list[float]]:
    """One client, each query in turn through the library and over HTTP, alternately: on a shared
    machine a change of load then slows both sides alike, and their ratio holds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    calls: dict[str, Callable[[str], object]] = {
        "api": lambda q: api_like(archive, q),
        "http api": lambda q: get_all(conn, api_paths(q)),
        "nosnippets": lambda q: api_like(archive, q, snippets=False),
        "page": lambda q: page_like(archive, q),
        "http page": lambda q: get_all(conn, ["/?" + urlencode({"q": q})]),
    }
    for q in QUERIES:  # warm every query's terms once
        for call in calls.values():
            call(q)
    out: dict[str, list[float]] = {name: [] for name in calls}
    deadline, i = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline or i < 5:
        q = QUERIES[i % len(QUERIES)]
        i += 1
        for name, call in calls.items():
            start = time.perf_counter()
            call(q)
            out[name].append(time.perf_counter() - start)
    conn.close()
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_all(conn: http.client.HTTPConnection, paths: Iterable[str]) -> None:
    for path in paths:
        get(conn, path)


def get(conn: http.client.HTTPConnection, path: str) -> None:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")


def api_paths(q: str) -> list[str]:
    return ["/api/search?" + urlencode([("q", q), *(("facet", f) for f in API_FACETS)]),
            "/api/timeline?" + urlencode({"q": q})]


def load(port: int, clients: int, seconds: float) -> tuple[list[float], float, float]:
    """(latencies, wall seconds, this process's CPU seconds) of `clients` threads for `seconds`."""
    latencies: list[float] = []
    lock = threading.Lock()
    start_barrier = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine: list[float] = []
        i = n
        start_barrier.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            q = QUERIES[i % len(QUERIES)]
            i += 1
            t = time.perf_counter()
            for path in api_paths(q):
                get(conn, path)
            mine.append(time.perf_counter() - t)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    cpu0, wall0 = psutil.Process().cpu_times(), time.perf_counter()
    start_barrier.wait()
    for thread in threads:
        thread.join()
    cpu1, wall = psutil.Process().cpu_times(), time.perf_counter() - wall0
    return latencies, wall, (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)


def tree_rss(pid: int) -> int:
    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def serve(index: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "searchkit", "serve", "--index", index, "--port", str(port),
                                "--workers", str(workers)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            for q in QUERIES:  # warm each worker's searchers a little
                for path in api_paths(q):
                    get(conn, path)
            conn.close()
            return process, port
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.3)


def row(name: str, latencies: list[float], wall: float | None = None, cpu: float | None = None,
        rss: int | None = None) -> str:
    rate = len(latencies) / wall if wall else 1 / statistics.mean(latencies)
    cells = [name, f"{pct(latencies, 50) * 1000:.1f}", f"{pct(latencies, 95) * 1000:.1f}", f"{rate:.1f}",
             f"{rss / 1e6:.0f}" if rss else "", f"{cpu / wall:.0%}" if cpu is not None and wall else ""]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True)
    parser.add_argument("--seconds", type=float, default=8.0, help="Seconds per measured cell.")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    archive = Archive(args.index, create=False)
    print(f"index: {args.index}, {archive.stats(top=1).documents} articles; {os.cpu_count()} cores; "
          f"{len(QUERIES)} queries in turn, {args.seconds:g} s per cell (one client: {3 * args.seconds:g} s "
          f"for the five cells measured alternately)")
    lines = ["| what | p50 ms | p95 ms | ops/s | server RSS MB | load generator CPU |",
             "|---|---|---|---|---|---|"]
    rates: dict[int, float] = {}
    one: dict[str, list[float]] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        process, port = serve(args.index, workers)
        try:
            if workers == 1:
                one = side_by_side(archive, port, 3 * args.seconds)
                rss = tree_rss(process.pid)
                lines += [row("library: search (3 facets) + timeline", one["api"]),
                          row("library: the same, snippets=False", one["nosnippets"]),
                          row("library: the page's calls (8 facets, timeline, related)", one["page"]),
                          row("HTTP /api/search + /api/timeline, 1 worker(s), 1 client(s)", one["http api"],
                              rss=rss),
                          row("HTTP search page /?q=, 1 worker, 1 client", one["http page"], rss=rss)]
                rates[1] = 1 / statistics.mean(one["http api"])
            for clients in (int(c) for c in args.clients.split(",")):
                if workers == 1 and clients == 1:
                    continue
                latencies, wall, cpu = load(port, clients, args.seconds)
                lines.append(row(f"HTTP /api/search + /api/timeline, {workers} worker(s), {clients} client(s)",
                                 latencies, wall, cpu, tree_rss(process.pid)))
                rates[workers] = max(rates.get(workers, 0.0), len(latencies) / wall)
        finally:
            process.terminate()
            process.wait(timeout=30)
    print("\n".join(lines))
    if one:
        api_lib, http_api = pct(one["api"], 50), pct(one["http api"], 50)
        page_http = pct(one["http page"], 50)
        print(f"\nHTTP overhead at 1 client (p50): {http_api / api_lib - 1:+.0%} of the library call (goal < 20%)")
        print(f"search page / library page calls (p50): {page_http / pct(one['page'], 50):.2f}x (goal < 2x); "
              f"/ library search+timeline: {page_http / api_lib:.2f}x")
        print(f"snippets' share of a search + timeline (p50): {1 - pct(one['nosnippets'], 50) / api_lib:.0%} "
              f"(goal < 1/3)")
    if 1 in rates and 2 in rates:
        print(f"2 workers / 1 worker, best ops/s: {rates[2] / rates[1]:.2f}x (goal >= 1.5x)")


if __name__ == "__main__":
    main()
