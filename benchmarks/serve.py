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
from collections.abc import Callable
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


def timed(call: Callable[[], object], seconds: float) -> list[float]:
    out: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(out) < 5:
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def library(archive: Archive, seconds: float) -> dict[str, list[float]]:
    state = {"i": 0}

    def next_query() -> str:
        state["i"] += 1
        return QUERIES[state["i"] % len(QUERIES)]

    def api_like(snippets: bool = True) -> None:
        q = next_query()
        archive.search(q, facets=API_FACETS, snippets=snippets)
        archive.timeline(q)

    def page_like() -> None:
        q = next_query()
        archive.search(q, facets=PAGE_FACETS)
        timeline = archive.timeline(q)
        if len(timeline.buckets) > 120:
            archive.timeline(q, by="year")
        archive.related(q, field="people")

    for _ in QUERIES:  # warm every query's terms once
        api_like()
    return {"api": timed(api_like, seconds), "nosnippets": timed(lambda: api_like(False), seconds),
            "page": timed(page_like, seconds)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(conn: http.client.HTTPConnection, path: str) -> None:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")


def api_paths(q: str) -> list[str]:
    return ["/api/search?" + urlencode([("q", q), *(("facet", f) for f in API_FACETS)]),
            "/api/timeline?" + urlencode({"q": q})]


def load(port: int, clients: int, seconds: float, page: bool) -> tuple[list[float], float, float]:
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
            for path in (["/?" + urlencode({"q": q})] if page else api_paths(q)):
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
          f"{len(QUERIES)} queries in turn, {args.seconds:g} s per cell")
    lib = library(archive, args.seconds)
    lines = ["| what | p50 ms | p95 ms | ops/s | server RSS MB | load generator CPU |",
             "|---|---|---|---|---|---|",
             row("library: search (3 facets) + timeline", lib["api"]),
             row("library: the same, snippets=False", lib["nosnippets"]),
             row("library: the page's calls (8 facets, timeline, related)", lib["page"])]
    rates: dict[int, float] = {}
    page_p50 = None
    for workers in (int(w) for w in args.workers.split(",")):
        process, port = serve(args.index, workers)
        try:
            for clients in (int(c) for c in args.clients.split(",")):
                latencies, wall, cpu = load(port, clients, args.seconds, page=False)
                lines.append(row(f"HTTP /api/search + /api/timeline, {workers} worker(s), {clients} client(s)",
                                 latencies, wall, cpu, tree_rss(process.pid)))
                rates[workers] = max(rates.get(workers, 0.0), len(latencies) / wall)
            if workers == 1:
                latencies, wall, cpu = load(port, 1, args.seconds, page=True)
                page_p50 = pct(latencies, 50)
                lines.append(row("HTTP search page /?q=, 1 worker, 1 client", latencies, wall, cpu,
                                 tree_rss(process.pid)))
        finally:
            process.terminate()
            process.wait(timeout=30)
    print("\n".join(lines))
    api_lib, nosnip = pct(lib["api"], 50), pct(lib["nosnippets"], 50)
    http_1 = [line for line in lines if "1 worker(s), 1 client(s)" in line][0]
    http_p50 = float(http_1.split("|")[2]) / 1000
    print(f"\nHTTP overhead at 1 client (p50): {http_p50 / api_lib - 1:+.0%} of the library call (goal < 20%)")
    if page_p50 is not None:
        print(f"search page / library page calls (p50): {page_p50 / pct(lib['page'], 50):.2f}x; "
              f"/ library search+timeline: {page_p50 / api_lib:.2f}x (goal < 2x)")
    if 1 in rates and 2 in rates:
        print(f"2 workers / 1 worker, best ops/s: {rates[2] / rates[1]:.2f}x (goal >= 1.5x)")
    print(f"snippets' share of a search + timeline (p50): {1 - nosnip / api_lib:.0%} (goal < 1/3)")


if __name__ == "__main__":
    main()
