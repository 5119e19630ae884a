#!/usr/bin/env python3
"""searchkit vs raw Whoosh vs SQLite FTS5, in one run, on the same documents and queries.

    python benchmarks/run.py --corpus scaled200k [--limit N] [--queries N] [--markdown FILE]

Corpora come from `../shared/bench/corpus.py materialize NAME` (JSON Lines), queries from
`../shared/bench/queries/NAME.json` (for a corpus without its own query file, `--query-set`).
Every step (indexing, queries, each cold start) runs in a fresh child process; the parent samples
the child's process tree RSS with psutil every 20 ms and takes CPU time from getrusage(CHILDREN).
Queries are timed kind by kind, each kind on every engine in turn (`query_engines`), so that the
ratios compare measurements taken within a minute of each other.

Engines:
- `searchkit`: `Archive.add([file.jsonl])` from the file on disk (reading, cleaning, date and entity
  extraction, wire-copy detection, indexing, commit) and `Archive.search` (snippets off: every
  engine returns the top 10 with stored fields), with `Archive()` as a user gets it: on 2 or
  more cores, 2 processes writing segments directly.
- `searchkit_procs0` (optional): the same through `Archive(procs=0)`, Whoosh's own writer in the
  calling process (searchkit's writing path before direct segment writing); indexing only.
- `whoosh` / `whoosh_procs2`: raw Whoosh (the installed version), the plain schema of
  ../shared/bench/BASELINES.md (StemmingAnalyzer headline/body, DATETIME date, KEYWORD places),
  default writer / `procs=2, multisegment=True, limitmb=256`; queries on the default index.
- `fts5`: the standard library's sqlite3, contentless FTS5 table (`porter unicode61`), a docs table
  (date index) and doc_places for GROUP BY, one transaction then `optimize`.

Date windows: searchkit stores dates at day resolution, so every engine is given the same whole
days (the query's start day 00:00 to its end day 23:59:59).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH = ROOT.parent / "shared" / "bench"
KINDS = ("term", "and2", "or3", "phrase", "phrase_slop", "daterange", "facet", "sortdate")
WARMUP = 10


# ---------------------------------------------------------------- helpers

def day_window(spec: dict) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(spec["start"]).replace(hour=0, minute=0, second=0, microsecond=0)
    end = datetime.fromisoformat(spec["end"]).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, end + timedelta(days=1) - timedelta(microseconds=1)


def warm_page_cache(path: Path) -> None:
    """Reads every file of an index once, so that its queries and cold starts run with the page
    cache warm: this machine's kernel pages out memory left idle (DAMON reclaim), so an index
    built twenty minutes earlier is mostly back on disk, and the first engine measured would wait
    for reads the others do not."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        with open(file, "rb") as f:
            while f.read(1 << 20):
                pass


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def read_jsonl(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _busy_jiffies() -> int | None:
    try:
        with open("/proc/stat") as f:
            parts = f.readline().split()[1:]
    except OSError:
        return None
    values = [int(x) for x in parts]
    return sum(values) - values[3] - (values[4] if len(values) > 4 else 0)  # minus idle, iowait


# ---------------------------------------------------------------- engines (run in the child)

def whoosh_schema():
    from whoosh import fields
    from whoosh.analysis import StemmingAnalyzer
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        headline=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=fields.TEXT(analyzer=StemmingAnalyzer()),
        date=fields.DATETIME(stored=True, sortable=True),
        places=fields.KEYWORD(commas=True, stored=True))


def index_whoosh(corpus: Path, out: Path, variant: str) -> dict:
    from whoosh import index
    out.mkdir(parents=True)
    ix = index.create_in(str(out), whoosh_schema())
    kwargs = {} if variant == "default" else {"procs": 2, "multisegment": True, "limitmb": 256}
    writer = ix.writer(**kwargs)
    t0 = time.perf_counter()
    n = 0
    for d in read_jsonl(corpus):
        doc = {"id": d["id"], "headline": d["headline"], "body": d["body"]}
        if d.get("date"):
            doc["date"] = datetime.fromisoformat(d["date"])
        if d.get("places"):
            doc["places"] = ",".join(d["places"])
        writer.add_document(**doc)
        n += 1
    t_add = time.perf_counter() - t0
    writer.commit()
    return {"docs": n, "add_s": t_add, "commit_s": time.perf_counter() - t0 - t_add,
            "segments": len(index.open_dir(str(out)).reader().leaf_readers())}


def index_fts5(corpus: Path, out: Path) -> dict:
    out.mkdir(parents=True)
    db = sqlite3.connect(out / "fts.sqlite")
    db.executescript("""
        CREATE VIRTUAL TABLE fts USING fts5(headline, body, content='', tokenize='porter unicode61');
        CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT, headline TEXT, date INTEGER);
        CREATE TABLE doc_places (rowid INTEGER, place TEXT);
    """)
    n = 0
    with db:
        for n, d in enumerate(read_jsonl(corpus), 1):
            date = int(datetime.fromisoformat(d["date"]).timestamp()) if d.get("date") else None
            db.execute("INSERT INTO fts (rowid, headline, body) VALUES (?, ?, ?)",
                       (n, d["headline"], d["body"]))
            db.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (n, d["id"], d["headline"], date))
            db.executemany("INSERT INTO doc_places VALUES (?, ?)", [(n, p) for p in d.get("places") or ()])
        db.execute("CREATE INDEX docs_date ON docs(date)")
        db.execute("CREATE INDEX doc_places_rowid ON doc_places(rowid)")
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    db.close()
    return {"docs": n}


def index_searchkit(corpus: Path, out: Path, procs: int | None = None) -> dict:
    from searchkit import Archive
    with Archive(out, procs=procs) as archive:
        summary = archive.add([corpus], format="jsonl")
    return {"docs": summary.added, "failed": summary.failed}


def query_text(kind: str, spec: dict, conjunction: str) -> str:
    """The query string of one query of the set, in the syntax both parsers share."""
    w = spec["words"]
    if kind == "and2":
        return f"{w[0]}{conjunction}{w[1]}"
    if kind == "or3":
        return " OR ".join(w)
    if kind == "phrase":
        return f'"{w[0]} {w[1]}"'
    if kind == "phrase_slop":
        return f'"{w[0]} {w[1]}"~{spec["slop"]}'
    return w[0]  # term, facet, sortdate, daterange


class SearchkitQueries:
    def __init__(self, path: Path):
        from searchkit import Archive
        self.archive = Archive(path, create=False)

    def run(self, kind: str, spec: dict) -> int:
        """Runs one query; returns the number of hits read (top 10)."""
        kw = {"limit": 10, "snippets": False}
        text = query_text(kind, spec, " ")  # searchkit: all words must match by default
        if kind == "daterange":
            start, end = day_window(spec)
            kw.update(date_from=start.date(), date_to=end.date())
        if kind == "facet":
            kw["facets"] = ("places", "people", "orgs")
        if kind == "sortdate":
            kw["sort"] = "newest"
        self.last = self.archive.search(text, **kw)
        return len(self.last.hits)

    def total(self, kind: str, spec: dict) -> int:
        self.run(kind, spec)
        return self.last.total

    def places(self) -> list:
        return [(f.value, f.count) for f in self.last.facets.get("places", [])]


class WhooshQueries:
    def __init__(self, path: Path):
        from whoosh import index, qparser
        self.ix = index.open_dir(str(path))
        self.searcher = self.ix.searcher()
        self.parser = qparser.MultifieldParser(["headline", "body"], self.ix.schema)

    def _query(self, kind: str, spec: dict):
        from whoosh import query
        q = self.parser.parse(query_text(kind, spec, " AND "))
        if kind == "daterange":
            start, end = day_window(spec)
            q = query.And([q, query.DateRange("date", start, end)])
        return q

    def run(self, kind: str, spec: dict) -> int:
        from whoosh import sorting
        q = self._query(kind, spec)
        kw = {"limit": 10}
        if kind == "facet":
            kw["groupedby"] = sorting.FieldFacet("places", allow_overlap=True, maptype=sorting.Count)
        if kind == "sortdate":
            kw.update(sortedby="date", reverse=True)
        results = self.searcher.search(q, **kw)
        hits = [hit.fields() for hit in results[:10]]
        if kind == "facet":
            groups = results.groups("places")
            self.last_places = sorted(((k, v) for k, v in groups.items() if k is not None),
                                      key=lambda kv: (-kv[1], kv[0]))[:10]
        return len(hits)

    def total(self, kind: str, spec: dict) -> int:
        return sum(1 for _ in self.searcher.docs_for_query(self._query(kind, spec)))

    def places(self) -> list:
        return self.last_places


class Fts5Queries:
    def __init__(self, path: Path):
        self.db = sqlite3.connect(path / "fts.sqlite")

    @staticmethod
    def _match(kind: str, spec: dict) -> str:
        w = [f'"{x}"' for x in spec["words"]]
        if kind == "and2":
            return f"{w[0]} AND {w[1]}"
        if kind == "or3":
            return " OR ".join(w)
        if kind == "phrase":
            return f'"{spec["words"][0]} {spec["words"][1]}"'
        if kind == "phrase_slop":
            return f'NEAR({w[0]} {w[1]}, {spec["slop"]})'
        return w[0]

    def run(self, kind: str, spec: dict) -> int:
        match = self._match(kind, spec)
        base = "SELECT d.id, d.headline, d.date FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ?"
        if kind == "daterange":
            start, end = day_window(spec)
            rows = self.db.execute(base + " AND d.date BETWEEN ? AND ? ORDER BY rank LIMIT 10",
                                   (match, int(start.timestamp()), int(end.timestamp()))).fetchall()
        elif kind == "sortdate":
            rows = self.db.execute(base + " ORDER BY d.date DESC LIMIT 10", (match,)).fetchall()
        else:
            rows = self.db.execute(base + " ORDER BY rank LIMIT 10", (match,)).fetchall()
        if kind == "facet":
            self.last_places = self.db.execute(
                "SELECT place, count(*) AS n FROM doc_places WHERE rowid IN "
                "(SELECT rowid FROM fts WHERE fts MATCH ?) GROUP BY place ORDER BY n DESC, place LIMIT 10",
                (match,)).fetchall()
        return len(rows)

    def total(self, kind: str, spec: dict) -> int:
        match = self._match(kind, spec)
        if kind == "daterange":
            start, end = day_window(spec)
            return self.db.execute(
                "SELECT count(*) FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? "
                "AND d.date BETWEEN ? AND ?", (match, int(start.timestamp()), int(end.timestamp()))).fetchone()[0]
        return self.db.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (match,)).fetchone()[0]

    def places(self) -> list:
        return [tuple(r) for r in self.last_places]


QUERY_ENGINES = {"searchkit": SearchkitQueries, "searchkit_baseline": SearchkitQueries, "whoosh": WhooshQueries,
                 "fts5": Fts5Queries}


def query_engine(engine: str, path: Path, queries: dict, kinds: list[str], per_kind: int,
                 budget_s: float, check: list | None, n_totals: int) -> dict:
    """Times `kinds`; with a `check` list, also the exact totals and the facet example."""
    runner = QUERY_ENGINES[engine](path)
    out = {"kinds": {}, "totals": [], "facet_example": None}
    for kind in kinds:
        specs = queries["kinds"].get(kind, [])
        if not specs:
            continue
        for spec in specs[:WARMUP]:
            runner.run(kind, spec)
        wall, cpu = [], []
        deadline = time.perf_counter() + budget_s
        for spec in specs[:per_kind]:
            c0, w0 = time.process_time(), time.perf_counter()
            runner.run(kind, spec)
            w1, c1 = time.perf_counter(), time.process_time()
            wall.append((w1 - w0) * 1000)
            cpu.append((c1 - c0) * 1000)
            if w1 > deadline:
                break
        out["kinds"][kind] = {"wall_ms": wall, "cpu_ms": cpu}
    if check is None:
        return out
    # Exact totals: the shared check list, then the first n_totals queries of each kind.
    seen = set()
    for spec in check + [dict(s, kind=k) for k in KINDS for s in queries["kinds"].get(k, [])[:n_totals]]:
        key = json.dumps(spec, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        kind = spec["kind"]
        out["totals"].append({"kind": kind, "spec": {k: v for k, v in spec.items() if k != "kind"},
                              "total": runner.total(kind, spec)})
    facets = queries["kinds"].get("facet", [])
    if facets:
        runner.run("facet", facets[0])
        out["facet_example"] = {"word": facets[0]["words"][0], "places": runner.places()}
    return out


def query_engines(engines: list[str], paths: dict, qfile: Path, args, workdir: Path) -> dict:
    """Warm query latency, interleaved: for each kind, every engine in turn (each in a fresh
    process, its index read once first), the order rotating from kind to kind, so that the
    engines compared on a kind are measured within a minute of each other on a machine whose
    speed drifts. Then one process per engine runs every kind once for the exact totals (its
    RSS is what a search process holding every cache takes)."""
    out = {eng: {"kinds": {}, "peak_rss_mb": 0.0} for eng in engines}

    def run(eng: str, kinds: list[str], totals: bool) -> None:
        warm_page_cache(paths[eng])
        m = child({"step": "query", "engine": eng, "path": str(paths[eng]), "queries": str(qfile),
                   "kinds": kinds, "per_kind": args.queries, "budget_s": args.budget,
                   "n_totals": args.totals, "totals": totals}, workdir)
        res = out[eng]
        res["kinds"].update(m["kinds"])
        res["peak_rss_mb"] = max(res["peak_rss_mb"], m["peak_rss_mb"])
        if totals:
            res["totals"], res["facet_example"] = m["totals"], m["facet_example"]

    for i, kind in enumerate(KINDS):
        print(f"queries: {kind} ...", file=sys.stderr, flush=True)
        for eng in engines[i % len(engines):] + engines[:i % len(engines)]:
            run(eng, [kind], totals=False)
    for eng in engines:
        print(f"totals: {eng} ...", file=sys.stderr, flush=True)
        run(eng, [], totals=True)
    return out


COLD_WHOOSH = """
import sys, time
t0 = time.perf_counter()
from whoosh import index, qparser, sorting
ix = index.open_dir(sys.argv[1])
s = ix.searcher()
q = qparser.MultifieldParser(["headline", "body"], ix.schema).parse(sys.argv[2])
r = s.search(q, limit=10, groupedby=sorting.FieldFacet("places", allow_overlap=True, maptype=sorting.Count))
hits = [h.fields() for h in r[:10]]
top = sorted(((k, v) for k, v in r.groups("places").items() if k), key=lambda kv: -kv[1])[:10]
print(len(hits), top[:3])
"""

COLD_FTS5 = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1] + "/fts.sqlite")
rows = db.execute("SELECT d.id, d.headline FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? ORDER BY rank LIMIT 10", (sys.argv[2],)).fetchall()
top = db.execute("SELECT place, count(*) n FROM doc_places WHERE rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?) GROUP BY place ORDER BY n DESC LIMIT 10", (sys.argv[2],)).fetchall()
print(len(rows), top[:3])
"""


def worker(args: argparse.Namespace) -> None:
    spec = json.loads(args.worker_args)
    step, out_file = spec["step"], Path(spec["out"])
    if step == "index":
        engine, corpus, path = spec["engine"], Path(spec["corpus"]), Path(spec["path"])
        if engine.startswith("searchkit"):
            result = index_searchkit(corpus, path, 0 if engine == "searchkit_procs0" else None)
        elif engine == "fts5":
            result = index_fts5(corpus, path)
        else:
            result = index_whoosh(corpus, path, "default" if engine == "whoosh" else "procs2_multiseg")
    else:
        queries = json.loads(Path(spec["queries"]).read_text())
        result = query_engine(spec["engine"], Path(spec["path"]), queries, spec["kinds"],
                              spec["per_kind"], spec["budget_s"],
                              queries.get("check", []) if spec["totals"] else None, spec["n_totals"])
    out_file.write_text(json.dumps(result))


# ---------------------------------------------------------------- parent: run children and measure

def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run `cmd` as a child process; wall, CPU (user+sys of it and its waited-for children), peak
    RSS of the process tree (sampled every 20 ms) and the cores other processes used meanwhile."""
    import psutil
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0 = _busy_jiffies()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample():
        try:
            p = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            try:
                rss = p.memory_info().rss
                for c in p.children(recursive=True):
                    try:
                        rss += c.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], rss)
            except psutil.Error:
                break
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    busy1 = _busy_jiffies()
    other = None
    if busy0 is not None and busy1 is not None and wall > 0:
        other = max(0.0, ((busy1 - busy0) / os.sysconf("SC_CLK_TCK") - cpu) / wall)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr.decode()[-3000:]}")
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak[0] / 2**20, "other_cores": other,
            "stdout": stdout.decode()[-500:]}


# The code `--baseline-code` names: the engine `searchkit_baseline` imports searchkit from there.
BASELINE_CODE: list[str] = []


def child(step: dict, workdir: Path) -> dict:
    out = workdir / f"step-{step['step']}-{step['engine']}.json"
    step = dict(step, out=str(out))
    env = None
    if step["engine"] == "searchkit_baseline":
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(BASELINE_CODE + [os.environ.get("PYTHONPATH", "")]))
    m = measure([sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(step)], env=env)
    m.update(json.loads(out.read_text()))
    return m


def cold_starts(engine: str, path: Path, word: str, runs: int) -> dict:
    if engine == "searchkit":
        # A regular install has byte-compiled modules; an editable one under
        # PYTHONDONTWRITEBYTECODE=1 would compile searchkit's sources in every process.
        import searchkit
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(searchkit.__file__).parent)],
                       check=True, stdout=subprocess.DEVNULL)
        exe = Path(sys.executable).with_name("searchkit")
        cmd = [str(exe), "search", word, "--facet", "places", "--index", str(path)]
    elif engine == "whoosh":
        cmd = [sys.executable, "-c", COLD_WHOOSH, str(path), word]
    else:
        cmd = [sys.executable, "-c", COLD_FTS5, str(path), word]
    measure(cmd)  # page cache warm-up, not counted
    runs_ = [measure(cmd) for _ in range(runs)]
    walls = [r["wall_s"] * 1000 for r in runs_]
    cpus = [r["cpu_s"] * 1000 for r in runs_]
    return {"cmd": " ".join(cmd[:1] + (["-c", "<script>"] + cmd[3:] if "-c" in cmd else cmd[1:])),
            "wall_ms": walls, "cpu_ms": cpus, "peak_rss_mb": max(r["peak_rss_mb"] for r in runs_)}


def query_file(name: str) -> Path:
    """The query set of a corpus or query set name (or a .json path); scaled200k's by default."""
    qfile = Path(name) if Path(name).suffix == ".json" else BENCH / "queries" / f"{Path(name).stem}.json"
    return qfile if qfile.exists() else BENCH / "queries" / "scaled200k.json"


def write_report(text: str, res: dict, args: argparse.Namespace) -> None:
    """Prints the report; writes it and the raw results where --markdown and --json say."""
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str))
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")


def prepare_corpus(name: str, limit: int | None, workdir: Path) -> Path:
    if Path(name).suffix == ".jsonl" and Path(name).exists():
        src = Path(name)
    else:
        src = Path(subprocess.check_output(
            [sys.executable, str(BENCH / "corpus.py"), "materialize", name], text=True).strip())
    stem = Path(name).stem
    dst = workdir / (f"{stem}-{limit}.jsonl" if limit else f"{stem}.jsonl")
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as g:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            g.write(line)
    return dst


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import psutil
    import whoosh
    return (f"{os.cpu_count()} cores ({cpu}), {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"Whoosh {whoosh.versionstring()}, SQLite {sqlite3.sqlite_version}")


# ---------------------------------------------------------------- report

NAMES = {"searchkit": "searchkit", "searchkit_baseline": "searchkit, --baseline-code", "searchkit_procs0": "searchkit, Archive(procs=0)", "whoosh": "raw Whoosh, default writer",
         "whoosh_procs2": "raw Whoosh, procs=2 multisegment", "fts5": "SQLite FTS5"}


def report(res: dict) -> str:
    L = []
    L.append(f"Command: `{res['command']}`  ")
    L.append(f"Machine: {res['machine']}  ")
    L.append(f"Corpus: {res['corpus']} ({res['docs']:,} docs), queries: {res['queries_file']} "
             f"({res['per_kind']} per kind after {WARMUP} warm-up, {res['budget_s']:g} s cap per kind); "
             f"date: {res['date']}")
    L.append("")
    L.append("### Indexing (JSONL file on disk -> committed index)")
    L.append("")
    L.append("| engine | docs | wall s | docs/s | CPU s | docs/CPU-s | x raw Whoosh default (wall) | x FTS5 (wall) | peak RSS MB | index MB | other cores |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    ix = res["index"]
    base = ix.get("whoosh")
    fts = ix.get("fts5")
    for eng, m in ix.items():
        rate = m["docs"] / m["wall_s"]
        name = NAMES[eng] + (f" (index of the run of {m['reused_from']})" if "reused_from" in m else "")
        L.append("| %s | %d | %.1f | %.0f | %.1f | %.0f | %s | %s | %.0f | %.1f | %s |" % (
            name, m["docs"], m["wall_s"], rate, m["cpu_s"], m["docs"] / m["cpu_s"],
            f"{rate / (base['docs'] / base['wall_s']):.2f}x" if base else "-",
            f"{rate / (fts['docs'] / fts['wall_s']):.3f}x" if fts else "-",
            m["peak_rss_mb"], m["index_mb"],
            f"{m['other_cores']:.2f}" if m["other_cores"] is not None else "-"))
    L.append("")
    L.append("### Warm queries (ms; kinds interleaved across engines, each index read once first, "
             "page cache warm; speed-up = other engine's median / searchkit's median)")
    L.append("")
    L.append("| kind | n | searchkit median | p95 | CPU median | raw Whoosh median | p95 | CPU median | FTS5 median | p95 | CPU median | speed-up vs Whoosh | speed-up vs FTS5 |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    q = res["query"]
    for kind in KINDS:
        row = [kind]
        meds = {}
        n = None
        for eng in ("searchkit", "whoosh", "fts5"):
            k = q.get(eng, {}).get("kinds", {}).get(kind)
            if not k:
                row += ["-", "-", "-"]
                continue
            n = n or len(k["wall_ms"])
            meds[eng] = statistics.median(k["wall_ms"])
            row += ["%.2f" % meds[eng], "%.2f" % pct(k["wall_ms"], 0.95), "%.2f" % statistics.median(k["cpu_ms"])]
        row.insert(1, str(n))
        sk = meds.get("searchkit")
        row.append("%.1fx" % (meds["whoosh"] / sk) if sk and "whoosh" in meds else "-")
        row.append("%.2fx" % (meds["fts5"] / sk) if sk and "fts5" in meds else "-")
        L.append("| " + " | ".join(row) + " |")
    L.append("")
    L.append("searchkit `facet` counts places, people and orgs; raw Whoosh `groupedby` and FTS5 `GROUP BY` count places.")
    L.append("")
    if q.get("searchkit_baseline"):
        L.append(f"### Before and after: searchkit's index, queried with the code at {res.get('baseline_code')} "
                 "(before) and this code (after), kinds interleaved in the same run")
        L.append("")
        L.append("| kind | before median | after median | FTS5 median | after / before | before vs FTS5 | after vs FTS5 |")
        L.append("|---|---|---|---|---|---|---|")
        for kind in KINDS:
            meds = {eng: statistics.median(q[eng]["kinds"][kind]["wall_ms"])
                    for eng in ("searchkit_baseline", "searchkit", "fts5")
                    if kind in q.get(eng, {}).get("kinds", {})}
            if "searchkit" not in meds or "searchkit_baseline" not in meds:
                continue
            before, after, fts = meds["searchkit_baseline"], meds["searchkit"], meds.get("fts5")
            L.append("| %s | %.2f | %.2f | %s | %.2fx | %s | %s |" % (
                kind, before, after, "%.2f" % fts if fts else "-", after / before,
                "%.2fx" % (fts / before) if fts else "-", "%.2fx" % (fts / after) if fts else "-"))
        L.append("")
        totals = {eng: {json.dumps(t["spec"], sort_keys=True) + t["kind"]: t["total"] for t in q[eng].get("totals", [])}
                  for eng in ("searchkit", "searchkit_baseline")}
        if totals["searchkit"]:
            same = sum(totals["searchkit_baseline"].get(key) == total for key, total in totals["searchkit"].items())
            L.append(f"Exact totals: {same} of {len(totals['searchkit'])} queries the same before and after.")
            L.append("")
    cold = res.get("cold", {})
    if cold:
        L.append(f"### Cold start (fresh process, page cache warm, median of {res['cold_runs']}), word `{res['cold_word']}`")
        L.append("")
        L.append("| engine | command | wall median ms | p95 | CPU median ms | peak RSS MB | searchkit / this |")
        L.append("|---|---|---|---|---|---|---|")
        sk = statistics.median(cold["searchkit"]["wall_ms"]) if "searchkit" in cold else None
        for eng, c in cold.items():
            med = statistics.median(c["wall_ms"])
            L.append("| %s | `%s` | %.0f | %.0f | %.0f | %.0f | %s |" % (
                NAMES[eng], c["cmd"].replace(str(res["workdir"]), "$W"), med, pct(c["wall_ms"], 0.95),
                statistics.median(c["cpu_ms"]), c["peak_rss_mb"], "%.2f" % (sk / med) if sk else "-"))
        L.append("")
    # totals
    tot = {eng: q[eng]["totals"] for eng in q}
    if "searchkit" in tot and "whoosh" in tot:
        L.append("### Exact hit totals (searchkit vs raw Whoosh vs FTS5)")
        L.append("")
        agree = diff = 0
        rows = []
        fts_tot = {json.dumps(t["spec"], sort_keys=True) + t["kind"]: t["total"] for t in tot.get("fts5", [])}
        wh = {json.dumps(t["spec"], sort_keys=True) + t["kind"]: t["total"] for t in tot["whoosh"]}
        for t in tot["searchkit"]:
            key = json.dumps(t["spec"], sort_keys=True) + t["kind"]
            w = wh.get(key)
            if w == t["total"]:
                agree += 1
            else:
                diff += 1
            rows.append((t["kind"], t["spec"], t["total"], w, fts_tot.get(key)))
        sk_fts = sum(1 for k, spec, s_, w, f in rows if f is not None and s_ == f)
        wh_fts = sum(1 for k, spec, s_, w, f in rows if f is not None and w == f)
        L.append(f"{agree} of {agree + diff} queries give the same total in searchkit and raw Whoosh "
                 f"(searchkit = FTS5 in {sk_fts}, raw Whoosh = FTS5 in {wh_fts}). Every difference:")
        L.append("")
        L.append("| kind | query | searchkit | raw Whoosh | FTS5 |")
        L.append("|---|---|---|---|---|")
        for kind, spec, s, w, f in rows:
            if s != w:
                desc = " ".join(spec["words"]) + (f" ~{spec['slop']}" if "slop" in spec else "") + (
                    f" [{spec['start'][:10]}..{spec['end'][:10]}]" if "start" in spec else "")
                L.append(f"| {kind} | {desc} | {s} | {w} | {f} |")
        L.append("")
    ex = {eng: q[eng].get("facet_example") for eng in q if q[eng].get("facet_example")}
    if ex:
        word = next(iter(ex.values()))["word"]
        L.append(f"Facet example `{word}`, top places: " + "; ".join(
            f"{NAMES[e]}: " + ", ".join(f"{v} {n}" for v, n in x["places"][:6]) for e, x in ex.items()))
        L.append("")
    return "\n".join(L)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="corpus name (corpus.py) or a .jsonl path")
    ap.add_argument("--limit", type=int, help="only the first N documents")
    ap.add_argument("--query-set", help="queries file or name (default: the corpus's, else scaled200k)")
    ap.add_argument("--queries", type=int, default=200, help="timed queries per kind (default 200)")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per kind at most (default 60)")
    ap.add_argument("--totals", type=int, default=10, help="queries per kind whose exact totals are compared")
    ap.add_argument("--cold-runs", type=int, default=7)
    ap.add_argument("--engines", default="searchkit,whoosh,whoosh_procs2,fts5")
    ap.add_argument("--workdir", help="keep corpora and indexes here (default: a temporary folder)")
    ap.add_argument("--json", help="write the raw results here")
    ap.add_argument("--markdown", help="write the report here")
    ap.add_argument("--report-from", help="print the report of a --json file and stop")
    ap.add_argument("--reuse", default="", help="engines whose index is not rebuilt: the index in "
                    "--workdir and its indexing measurements in --reuse-json (an earlier run's --json "
                    "in the same --workdir) are used; queries and cold starts are measured anew")
    ap.add_argument("--reuse-json", help="the earlier run's --json file for --reuse")
    ap.add_argument("--baseline-code", help="a checkout of searchkit's code (e.g. a git worktree of main): "
                    "its queries on searchkit's index are timed too (engine searchkit_baseline, interleaved "
                    "with the others) and reported before and after; needs the searchkit engine")
    ap.add_argument("--worker", dest="worker_args", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker_args:
        worker(args)
        return
    if args.report_from:
        text = report(json.loads(Path(args.report_from).read_text()))
        print(text)
        if args.markdown:
            Path(args.markdown).write_text(text + "\n")
        return
    if not args.corpus:
        ap.error("--corpus is required")
    if args.reuse and not (args.reuse_json and args.workdir):
        ap.error("--reuse needs --reuse-json and the --workdir of that run")
    engines = args.engines.split(",")
    qfile = query_file(args.query_set or args.corpus)
    tmp = None
    if args.workdir:
        workdir = Path(args.workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="searchkit-bench-")
        workdir = Path(tmp)
    try:
        corpus = prepare_corpus(args.corpus, args.limit, workdir)
        queries = json.loads(qfile.read_text())
        res = {"command": "python benchmarks/run.py " + " ".join(
                   a for a in sys.argv[1:]), "machine": machine(),
               "corpus": args.corpus + (f" (first {args.limit:,})" if args.limit else ""),
               "queries_file": str(qfile.relative_to(ROOT.parent)) if ROOT.parent in qfile.parents else str(qfile),
               "per_kind": args.queries, "budget_s": args.budget, "cold_runs": args.cold_runs,
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "workdir": str(workdir),
               "index": {}, "query": {}, "cold": {}}
        paths = {}
        reused = json.loads(Path(args.reuse_json).read_text()) if args.reuse else None
        for eng in engines:
            path = workdir / f"index-{eng}"
            if eng in args.reuse.split(","):
                if not path.is_dir() or eng not in reused["index"]:
                    ap.error(f"--reuse {eng}: no {path} or no indexing measurements in --reuse-json")
                res["index"][eng] = dict(reused["index"][eng])
                res["index"][eng].setdefault("reused_from", reused["date"])  # where it was built
                paths[eng] = path
                continue
            if path.exists():
                shutil.rmtree(path)
            print(f"indexing: {eng} ...", file=sys.stderr, flush=True)
            m = child({"step": "index", "engine": eng, "corpus": str(corpus), "path": str(path)}, workdir)
            m["index_mb"] = dir_size(path) / 2**20
            res["index"][eng] = m
            paths[eng] = path
            print(f"  {m['docs']} docs in {m['wall_s']:.1f} s ({m['docs'] / m['wall_s']:.0f}/s), "
                  f"peak RSS {m['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)
        res["docs"] = next(iter(res["index"].values()))["docs"]
        if args.baseline_code:
            if "searchkit" not in paths:
                ap.error("--baseline-code needs the searchkit engine")
            BASELINE_CODE.append(str(Path(args.baseline_code).resolve()))
            res["baseline_code"] = BASELINE_CODE[0]
            paths["searchkit_baseline"] = paths["searchkit"]
        res["query"] = query_engines([e for e in ("searchkit", "searchkit_baseline", "whoosh", "fts5") if e in paths],
                                     paths, qfile, args, workdir)
        facet_words = [s["words"][0] for s in queries["kinds"].get("facet", [])]
        res["cold_word"] = word = facet_words[0] if facet_words else "oil"
        if args.cold_runs:
            for eng in ("searchkit", "whoosh", "fts5"):
                if eng in paths:
                    print(f"cold start: {eng} ...", file=sys.stderr, flush=True)
                    warm_page_cache(paths[eng])
                    res["cold"][eng] = cold_starts(eng, paths[eng], word, args.cold_runs)
        write_report(report(res), res, args)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
