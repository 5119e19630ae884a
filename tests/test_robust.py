"""[robust]: hostile input, kills, locks, full or read-only disks, concurrent searching, fuzzed queries.

Long loops run with SEARCHKIT_LONG_TESTS=1 (kill trials 40 instead of 5, 8 threads x 1,000 queries
instead of x 150); CI runs the short setting.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import traceback
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from searchkit import Archive, ArchiveError, ArchiveLockedError, Article, QueryError
from searchkit.ingest import plaintext, sources
from searchkit.cli.commands import main
from searchkit.model import Problem

from .conftest import BBC, EXAMPLES, REUTERS, needs_corpora

LONG = bool(os.environ.get("SEARCHKIT_LONG_TESTS"))
ROOT = Path(__file__).resolve().parent.parent


def synthetic(i: int) -> dict:
    """An article of made-up words, so that its words never collide with real ones."""
    return {"id": f"syn-{i:05d}", "headline": f"Zqsynth report {i}",
            "body": f"zqsynth zqbody{i % 7} zqcount{i} plover marsh", "date": "2011-05-04"}


def write_jsonl(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps(synthetic(i)) + "\n" for i in range(n)))
    return path


# ------------------------------------------------------------ a hostile archive, with real articles

MANY = 100_000  # bad records in one file

@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "archive"
    good: set[str] = set()
    bad: list[tuple[str, str | None, str]] = []  # (path suffix, record, reason pattern)
    (root / "news").mkdir(parents=True)

    def text(name: str, data: bytes | str) -> Path:
        path = root / "news" / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return path

    text("ok.txt", "Harbour reopens\n\nThe harbour reopened on Monday.\n"); good.add("news-ok")
    text("utf16.txt", "Zoë's regatta\n\nSails filled the fjord.\n".encode("utf-16")); good.add("news-utf16")
    text("latin1.txt", "Café owners protest\n\nThe café closed.\n".encode("latin-1")); good.add("news-latin1")
    text("longword.txt", "A very long word\n\n" + "x" * 200_000 + " and a normal ending\n")
    good.add("news-longword")
    text("empty.txt", b""); bad.append(("news/empty.txt", None, "empty"))
    text("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    bad.append(("news/binary.txt", None, "binary"))
    text("mixed.txt", b"Mixed bytes\n\nvalid utf-8 \xc3\xa9 then latin-1 \xe9 then \x00\x01\x02" * 3)
    bad.append(("news/mixed.txt", None, "binary"))
    big = root / "news" / "huge.txt"
    with open(big, "wb") as f:  # a 50 MB article
        f.write(b"Huge article\n\n")
        f.write((b"word " * 200 + b"\n") * 52_429)
    bad.append(("news/huge.txt", None, "too large"))
    # deeply nested folders with an article at the bottom
    deep = root / "deep"
    deep_leaf = deep.joinpath(*["d"] * 300)
    deep_leaf.mkdir(parents=True)
    (deep_leaf / "bottom.txt").write_text("Found at the bottom\n\nA story three hundred folders down.\n")
    good.add("d-bottom")
    # a symlink loop and a symlink to a missing file
    (root / "news" / "loop").symlink_to(root)
    (root / "news" / "dangling.txt").symlink_to(root / "nowhere.txt")
    bad.append(("news/dangling.txt", None, "cannot read"))
    # SGML: good, impossible date, truncated
    (root / "wire.sgm").write_text(textwrap.dedent("""\
        <REUTERS NEWID="90501"><DATE>26-FEB-1987 15:01:01.79</DATE><TEXT><TITLE>GOOD WIRE</TITLE>
        <BODY>Wheat exports rose.</BODY></TEXT></REUTERS>
        <REUTERS NEWID="90502"><DATE>31-FEB-1987 10:00:00.00</DATE><TEXT><TITLE>BAD DATE</TITLE>
        <BODY>Body.</BODY></TEXT></REUTERS>
        <REUTERS NEWID="90503"><DATE>27-FEB-1987 10:00:00.00</DATE><TEXT><TITLE>CUT OFF
        """))
    good.add("reuters-90501")
    bad += [("wire.sgm", "90502", "date"), ("wire.sgm", "90503", "truncated")]
    # JSON Lines: good, broken, non-object, wrong types, missing id, duplicate id, impossible dates
    lines = [json.dumps({"id": "j-1", "headline": "Good line", "body": "ok", "date": "1987-03-02"}),
             '{"id": "j-2", "headline": ',
             '["not", "an", "object"]',
             json.dumps({"id": "j-3", "headline": 7, "body": "x"}),
             json.dumps({"headline": "No id", "body": "x"}),
             json.dumps({"id": "j-1", "headline": "Same id again", "body": "y"}),
             json.dumps({"id": "j-4", "headline": "Bad", "body": "x", "date": "00/00/00"}),
             json.dumps({"id": "j-5", "headline": "Bad", "body": "x", "date": "0000-01-01"}),
             json.dumps({"id": "j-6", "headline": "Far future", "body": "x", "date": "9999-12-31"})]
    (root / "feed.jsonl").write_text("\n".join(lines) + "\n")
    good |= {"j-1", "j-6"}
    bad += [("feed.jsonl", "line 2", "JSON"), ("feed.jsonl", "line 3", "object"),
            ("feed.jsonl", "line 4", "headline"), ("feed.jsonl", "line 5", "id"),
            ("feed.jsonl", "line 6", "duplicate id 'j-1'"), ("feed.jsonl", "line 7", "date"),
            ("feed.jsonl", "line 8", "date")]
    # a file of 100,000 bad lines (each line is read, counted and reported as any other record;
    # only the listing stops at 100)
    with open(root / "many.jsonl", "w") as f:
        f.write("1\n" * MANY)
    # real articles beside all of this
    real: set[str] = set()
    if REUTERS.is_dir() and BBC.is_dir():
        shutil.copy(REUTERS / "reut2-000.sgm", root / "reut2-000.sgm")
        shutil.copytree(BBC / "tech", root / "bbc" / "tech")
        real = {f"reuters-{i}" for i in range(1, 1001)} | {f"tech-{i:03d}" for i in range(1, 402)}  # bbc/ holds one section only
    return root, good, bad, real


def test_hostile_archive_every_bad_item_reported_every_good_one_indexed(hostile, tmp_path):
    root, good, bad, real = hostile
    result = CliRunner().invoke(main, ["index", str(root), "--index", str(tmp_path / "ix"), "--json"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    summary = json.loads(result.stdout)
    errors = [(e["path"], e["record"], e["reason"]) for e in summary["errors"]]
    for suffix, record, pattern in bad:
        matches = [r for p, rec, r in errors if p.endswith(suffix) and rec == record]
        assert matches and pattern.lower() in matches[0].lower(), (suffix, record, matches)
    many = [e for e in errors if e[0].endswith("many.jsonl")]
    assert len(many) == 101 and "not listed" in many[-1][2]  # 100,000 problems, listed briefly
    assert summary["failed"] == len(bad) + MANY
    assert summary["added"] == len(good) + len(real)
    archive = Archive(tmp_path / "ix", create=False)
    for article_id in good | real:
        assert archive.get(article_id) is not None, article_id
    assert archive.stats().documents == summary["added"]
    assert archive.get("j-1").headline == "Good line"  # the first of two articles with one id

    again = json.loads(CliRunner().invoke(main, ["index", str(root), "--index", str(tmp_path / "ix"),
                                                 "--json"]).stdout)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, summary["added"])


# ------------------------------------------------------------ property-based tests of the readers

FORMATS = st.sampled_from(sources.FORMATS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), fmt=FORMATS)
def test_readers_never_raise_on_arbitrary_bytes(data, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input"
        path.write_bytes(data)
        items = list(sources.read(sources.SourceFile(path, fmt, "src", "", "src")))
    assert items and all(isinstance(i, (Article, Problem)) for i in items)


SGML_PIECES = st.sampled_from([
    "<REUTERS NEWID=\"1\">", "</REUTERS>", "<DATE>26-FEB-1987 15:01:01.79</DATE>", "<TEXT>", "</TEXT>",
    "<TITLE>T</TITLE>", "<BODY>b &lt; &#3; &amp;</BODY>", "<PLACES><D>usa</D></PLACES>", "<D>", "\n",
    "<DATE>31-FEB-1987</DATE>", "&#", "<REUTERS>", "x"])


@settings(max_examples=150, deadline=None)
@given(pieces=st.lists(SGML_PIECES, max_size=30))
def test_sgml_reader_on_fragments(pieces):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.sgm"
        path.write_text("".join(pieces))
        items = list(sources.read(sources.SourceFile(path, "reuters", "reuters", "", "reuters")))
    for item in items:
        assert isinstance(item, (Article, Problem))
        if isinstance(item, Article):
            assert item.id == "reuters-1" and (item.headline or item.body)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
                           max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(record=st.dictionaries(st.sampled_from(["id", "headline", "body", "date", "published", "places",
                                                "people", "source", "authors", "title"]),
                              JSON_VALUES, max_size=8))
def test_jsonl_records_become_an_article_or_a_problem(record):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.jsonl"
        path.write_text(json.dumps(record) + "\n")
        [item] = sources.read(sources.SourceFile(path, "jsonl", "f", "", "f"))
    if isinstance(item, Article):
        assert isinstance(record.get("id"), (str, int)) and item.id
    else:
        assert item.record == "line 1" and item.reason


LINE = st.text(st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(headline=LINE.filter(str.strip), paragraphs=st.lists(LINE.filter(str.strip), min_size=1, max_size=4))
def test_text_articles_keep_headline_and_paragraphs(headline, paragraphs):
    text = headline + "\n\n" + "\n\n".join(paragraphs) + "\n"
    try:
        parsed_headline, body = sources.parse_text_article(text)
    except ValueError:
        # only site furniture ("Read more", ...) may legitimately leave no article
        return
    assert parsed_headline == " ".join(headline.split())
    assert body.split("\n\n")[0] == paragraphs[0].strip() or plaintext._FURNITURE.search(text)


# ------------------------------------------------------------ crash safety: SIGKILL at random moments

INDEXER = textwrap.dedent("""
    import sys
    from searchkit import Archive
    Archive(sys.argv[1], batch_size=int(sys.argv[3])).add([sys.argv[2]])
""")


def test_sigkill_at_random_moments_loses_nothing_committed(tmp_path):
    n, batch = 1200, 100
    feed = write_jsonl(tmp_path / "feed.jsonl", n)
    ids = [synthetic(i)["id"] for i in range(n)]
    rng = random.Random(20261125)
    trials = 40 if LONG else 5
    seen_states = set()
    for trial in range(trials):
        index_dir = tmp_path / f"ix{trial}"
        proc = subprocess.Popen([sys.executable, "-c", INDEXER, str(index_dir), str(feed), str(batch)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not (index_dir / "searchkit.json").exists():
            continue  # killed before the index existed
        archive = Archive(index_dir, create=False)
        hits = archive.search("*", sort="oldest", limit=n, snippets=False)
        found = sorted(h.id for h in hits.hits)
        # exactly what the last commit held: a whole number of batches, in reading order
        assert len(found) % batch == 0 and found == ids[:len(found)], trial
        seen_states.add(len(found))
        archive.close()
        # re-running the same command completes: nothing missing, nothing twice
        rerun = Archive(index_dir, lock_timeout=5).add([feed])
        assert (rerun.added, rerun.unchanged, rerun.failed) == (n - len(found), len(found), 0)
        hits = Archive(index_dir, create=False).search("*", limit=n + 10, snippets=False)
        assert hits.total == n and sorted(h.id for h in hits.hits) == ids
    assert len(seen_states) >= 2, seen_states  # the kills landed at different points


HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from searchkit import Archive
    archive = Archive(sys.argv[1])
    writer = archive._engine.writer(1)
    print("locked", flush=True)
    time.sleep(60)
""")


def _hold_lock(index_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(index_dir)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_second_writer_times_out_with_a_clear_message_and_a_killed_one_does_not_block(tmp_path):
    index_dir = tmp_path / "ix"
    Archive(index_dir).add([EXAMPLES])
    holder = _hold_lock(index_dir)
    try:
        result = CliRunner().invoke(main, ["index", str(EXAMPLES), "--index", str(index_dir),
                                           "--lock-timeout", "1"])
        assert result.exit_code == 1
        assert "being written by another process" in result.stderr and "Traceback" not in result.output
        with pytest.raises(ArchiveLockedError):
            Archive(index_dir, lock_timeout=0.5).add([Article(id="x", headline="x", body="x")])
        assert Archive(index_dir, create=False).search("*").total == 13  # searching still works
    finally:
        holder.kill()
        holder.wait()
    # the killed holder's lock died with it: the next writer goes ahead at once
    started = time.monotonic()
    summary = Archive(index_dir, lock_timeout=5).add([Article(id="after", headline="After", body="b")])
    assert summary.added == 1 and time.monotonic() - started < 5
    assert Archive(index_dir, create=False).stats().documents == 14


# ------------------------------------------------------------ full disk, read-only index

@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_gives_a_clear_error_and_keeps_the_index(small_disk, tmp_path):
    index_dir = small_disk / "ix"
    Archive(index_dir).add([EXAMPLES])
    feed = tmp_path / "big.jsonl"
    feed.write_text("".join(json.dumps({"id": f"b{i}", "headline": f"Filler {i}",
                                        "body": " ".join(f"w{i}x{j}" for j in range(400))}) + "\n"
                            for i in range(3000)))
    result = CliRunner().invoke(main, ["index", str(feed), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert "cannot write the index" in result.stderr and "No space left" in result.stderr
    assert "Traceback" not in result.output
    archive = Archive(index_dir, create=False)
    assert archive.search("*").total in (13, 13 + 5000 * 0)  # the last commit: the examples
    assert archive.get("feed-001") is not None


def test_read_only_index_searches_and_refuses_writes_clearly(small_disk):
    index_dir = small_disk / "ix"
    with Archive(index_dir) as archive:  # closed: a file open for writing keeps the disk busy
        archive.add([EXAMPLES])
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        assert Archive(index_dir, create=False).search("oil").total == 8
        with pytest.raises(ArchiveError, match="cannot write the index"):
            Archive(index_dir).add([Article(id="x", headline="x", body="x")])
        result = CliRunner().invoke(main, ["index", str(EXAMPLES), "--index", str(index_dir)])
        assert result.exit_code == 1 and "Read-only file system" in result.stderr
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert Archive(index_dir, create=False).stats().documents == 13


# ------------------------------------------------------------ concurrency

BASE_QUERIES = ["oil", "harbour", '"interest rates"', "inflation OR harbour", "oil -prices",
                "date:1987", "places:canada", "infla*", "*"]
WRITER = textwrap.dedent("""
    import sys, json
    from searchkit import Archive, Article
    archive = Archive(sys.argv[1], lock_timeout=30)
    for start in range(0, int(sys.argv[2]), 50):
        batch = [Article(id=f"syn-{i:05d}", headline=f"Zqsynth report {i}",
                         body=f"zqsynth zqcount{i} plover marsh") for i in range(start, start + 50)]
        archive.add(batch)  # one commit per 50 articles
""")
READER = textwrap.dedent("""
    import sys, json
    from searchkit import Archive
    archive = Archive(sys.argv[1], create=False)
    expected = json.loads(sys.argv[2])
    last, checked = 0, 0
    for round in range(int(sys.argv[3])):
        for q, total in expected.items():
            assert archive.search(q, limit=3).total == total, q
            checked += 1
        n = archive.search("zqsynth", limit=0).total
        assert n % 50 == 0 and n >= last, n
        last = n
        checked += 1
    print(checked)
""")


def test_searches_during_indexing_see_whole_commits_from_threads_and_processes(tmp_path):
    index_dir = tmp_path / "ix"
    archive = Archive(index_dir)
    archive.add([EXAMPLES])
    expected = {q: archive.search(q, limit=0).total for q in BASE_QUERIES}
    expected["*"] = None  # grows with the writer
    fixed = {q: t for q, t in expected.items() if t is not None}
    per_thread = 1000 if LONG else 150
    rounds = per_thread // len(BASE_QUERIES)  # for the reader process
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(index_dir), "1500"], cwd=ROOT)
    reader = subprocess.Popen([sys.executable, "-c", READER, str(index_dir), json.dumps(fixed),
                               str(rounds)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    failures: list[str] = []
    checked = [0] * 8

    def worker(k: int) -> None:
        rng = random.Random(k)
        last = 0
        try:
            for _ in range(per_thread):
                q = rng.choice(BASE_QUERIES + ["zqsynth"])
                result = archive.search(q, limit=5, facets=["places"] if k % 2 else ())
                if q == "zqsynth":
                    assert result.total % 50 == 0 and result.total >= last, result.total
                    assert all(h.id.startswith("syn-") for h in result.hits)
                    last = result.total
                elif q == "*":
                    assert (result.total - 13) % 50 == 0
                else:
                    assert result.total == expected[q], (q, result.total)
                checked[k] += 1
        except Exception:  # collected and reported by the main thread, with where it happened
            failures.append(f"thread {k}: {traceback.format_exc()}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert writer.wait(timeout=300) == 0
    out, _ = reader.communicate(timeout=300)
    assert reader.returncode == 0 and int(out) > 0
    assert not failures, "\n".join(failures)
    assert sum(checked) == 8 * per_thread
    assert archive.search("zqsynth", limit=0).total == 1500


# ------------------------------------------------------------ hostile queries

QUERY_CHARS = st.sampled_from(list('abcoilé "()*?:~^-+[]{}\\/') + ["AND", "OR", "NOT", "TO", "date:",
                                                                     "places:", "foo:", "\u202e", "\x00", "😀"])


@settings(max_examples=300, deadline=10_000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(QUERY_CHARS | st.text(max_size=6), max_size=25))
@example(parts=["[", "TO", "-", "]"])  # a range without a start: did-you-mean used to crash
def test_fuzzed_queries_get_results_or_a_query_error(example_archive, parts):
    query = "".join(parts)
    try:
        result = example_archive.search(query)
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert 0 <= result.total <= 13


@pytest.mark.parametrize("query", [
    "(" * 2000 + "oil" + ")" * 2000, "x" * 9_999, "oil " * 2400, "*", "*ation", "?il", "a*",
    'date:[31-FEB-1987 TO 1988]', "date:0000", "date:99999", "NOT " * 500 + "oil", '"' + "oil " * 500 + '"',
    "foo:bar", "places:", '"unbalanced', "oil)", "\x1b[31m", "\ud800",
])
def test_nasty_queries_through_the_cli_exit_0_or_2_with_one_line(example_archive, query):
    result = CliRunner().invoke(main, ["search", query, "--index", str(example_archive.path)])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


def test_json_output_is_valid_with_lone_surrogates_and_escapes(tmp_path):
    archive = Archive(tmp_path / "ix")
    archive.add([Article(id="s\ud800", headline="bad \ud800 \x1b[2J", body="oil \udfff", places=["x\ud801"])])
    result = CliRunner().invoke(main, ["search", "oil", "--index", str(tmp_path / "ix"), "--json"])
    data = json.loads(result.stdout)
    hit = data["hits"][0]
    assert hit["id"] == "s\ufffd" and "\x1b" not in hit["headline"] and hit["places"] == ["x\ufffd"]
    shown = CliRunner().invoke(main, ["show", "s\ufffd", "--index", str(tmp_path / "ix"), "--json"])
    assert json.loads(shown.stdout)["body"] == "oil \ufffd"


@needs_corpora
def test_real_corpus_file_read_twice_gives_identical_articles():
    first = list(sources.read(sources.discover([REUTERS / "reut2-003.sgm"]).files[0]))
    second = list(sources.read(sources.discover([REUTERS / "reut2-003.sgm"]).files[0]))
    assert first == second and len(first) == 1000
