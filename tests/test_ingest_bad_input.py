"""Bad input of every kind ([archive]): each bad file or record is reported with its path, record
and a reason, and skipped; every good article around it is indexed; a re-run loses nothing.

All inputs are written here into tmp_path (short invented articles); nothing comes from a corpus.
"""
from __future__ import annotations

import builtins
import errno
import inspect
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import Archive
from searchkit.cli.commands import main

# ------------------------------------------------------------ the inputs

GOOD_TEXT = (
    "Quillwharf dockers return to the cranes\n\n"
    "Dockers at the Quillwharf container terminal went back to work on Monday after a two-day "
    "stoppage over night shifts.\n\n"
    "The port authority said the backlog of ships would clear by Friday.\n")
# Latin-1 bytes (é = 0xE9, ü = 0xFC): not UTF-8, but a text file that must be indexed.
LATIN1_TEXT = (
    "Café in Zürich reopens after the flood\n\n"
    "The Marmelwick café on the lake shore in Zürich opened its doors again, three months after "
    "the spring flood filled its cellar.\n").encode("latin-1")
FAKE_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
# Bytes that are no text in any encoding: C1 controls undefined in Windows-1252, and C0 controls.
GARBAGE = b"\x81\x8d\x8f\x90\x9d\x01\x02\x03\x04\x05\x06\x07\x0e\x0f\x10\x11" * 40


def sgm_article(newid: str | None, title: str = "", body: str = "",
                date: str = " 2-MAR-1987 10:00:00.00", places: tuple[str, ...] = (),
                close: bool = True) -> str:
    attrs = 'TOPICS="NO" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="1"'
    if newid is not None:
        attrs += f' NEWID="{newid}"'
    text = ""
    if title:
        text += f"<TITLE>{title}</TITLE>\n"
    if body:
        text += f"<BODY>{body}\n Reuter\n&#3;</BODY>"
    return (f"<REUTERS {attrs}>\n<DATE>{date}</DATE>\n<TOPICS></TOPICS>\n"
            f"<PLACES>{''.join(f'<D>{p}</D>' for p in places)}</PLACES>\n"
            f"<PEOPLE></PEOPLE>\n<ORGS></ORGS>\n<EXCHANGES></EXCHANGES>\n<COMPANIES></COMPANIES>\n"
            f"<TEXT>&#2;\n{text}</TEXT>\n" + ("</REUTERS>\n" if close else ""))


BROKEN_SGM = "".join([
    '<!DOCTYPE lewis SYSTEM "lewis.dtd">\n',
    sgm_article("90001", "GRAVELMOOR MINE REOPENS",
                "The Gravelmoor copper mine reopened &lt;after> a six-week strike, the owners said.",
                places=("usa", "chile")),
    sgm_article("90002", "IMPOSSIBLE DAY", "Filed on a day that does not exist.",
                date="31-FEB-1987 10:00:00.00"),
    sgm_article(None, "NO IDENTIFIER", "This article has no NEWID attribute."),
    sgm_article("90004"),  # neither title nor body
    sgm_article("90005", "CUT SHORT", "This article never closes its element.", close=False),
    sgm_article("90006", "TINTERBY FERRY ORDER",
                "Tinterby shipyard won an order for two ferries worth 40 mln dlrs.", places=("uk",)),
    sgm_article("90007", "CUT AT THE END", "The file ends before this article does.", close=False),
])
NO_ARTICLES_SGM = '<!DOCTYPE lewis SYSTEM "lewis.dtd">\nThis file holds no articles at all.\n'

FEED = [
    # line 1: good
    json.dumps({"id": "feed-1", "headline": "Brindlecombe council approves tram line",
                "body": "The Brindlecombe council voted for a tram line to the station.",
                "date": "1987-03-02", "places": ["uk"]}),
    '{"id": "feed-2", "headline": "Broken',                                   # 2: invalid JSON
    '["feed-3", "not an object"]',                                            # 3: not an object
    json.dumps({"id": "feed-4", "headline": 42, "body": "Numbers."}),         # 4: headline type
    json.dumps({"id": "feed-5", "headline": "Tags", "places": ["uk", 7]}),    # 5: places type
    json.dumps({"headline": "Nobody named me", "body": "No id here."}),       # 6: missing id
    json.dumps({"id": "feed-7", "headline": "Leap", "date": "31-FEB-1987"}),  # 7: impossible date
    json.dumps({"id": "feed-8", "source": "wire"}),                           # 8: empty article
    json.dumps({"id": "feed-9", "headline": "Stamp", "body": "b", "date": 19870302}),  # 9: date type
    "",                                                                       # 10: blank, ignored
    # line 11: good
    json.dumps({"id": "feed-11", "headline": "Wexmoor bakery wins prize",
                "body": "The Wexmoor bakery won the county prize for its rye bread."}),
]


@dataclass
class Inputs:
    folder: Path
    missing: Path
    good: dict[str, tuple[str, str]]          # id -> (headline, a word only it contains)
    bad: list[tuple[Path, str | None, str]]   # (path, record, pattern the reason must match)

    @property
    def paths(self) -> list[Path]:
        return [self.folder, self.missing]


def make_inputs(root: Path) -> Inputs:
    folder = root / "in"
    folder.mkdir()
    (folder / "harbour.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "cafe.txt").write_bytes(LATIN1_TEXT)
    (folder / "photo.txt").write_bytes(FAKE_PNG)
    (folder / "blob.jsonl").write_bytes(FAKE_PNG)
    (folder / "garbage.txt").write_bytes(GARBAGE)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "headline-only.txt").write_text("Only a headline and nothing else\n")
    (folder / "broken.sgm").write_text(BROKEN_SGM, encoding="ascii")
    (folder / "nonews.sgm").write_text(NO_ARTICLES_SGM, encoding="ascii")
    (folder / "feed.jsonl").write_text("\n".join(FEED) + "\n", encoding="utf-8")
    good = {
        "in-harbour": ("Quillwharf dockers return to the cranes", "quillwharf"),
        "in-cafe": ("Café in Zürich reopens after the flood", "marmelwick"),
        "reuters-90001": ("GRAVELMOOR MINE REOPENS", "gravelmoor"),
        "reuters-90006": ("TINTERBY FERRY ORDER", "tinterby"),
        "feed-1": ("Brindlecombe council approves tram line", "brindlecombe"),
        "feed-11": ("Wexmoor bakery wins prize", "wexmoor"),
    }
    sgm, feed = folder / "broken.sgm", folder / "feed.jsonl"
    bad = [
        (folder / "photo.txt", None, r"binary"),
        (folder / "blob.jsonl", None, r"binary"),
        (folder / "garbage.txt", None, r"binary|encoding|not text"),
        (folder / "empty.txt", None, r"empty"),
        (folder / "headline-only.txt", None, r"body|empty"),
        (sgm, "90002", r"date"),
        (sgm, "article 3", r"NEWID"),
        (sgm, "90004", r"empty|no title"),
        (sgm, "90005", r"truncated|malformed|</REUTERS>"),
        (sgm, "90007", r"truncated|ends"),
        (folder / "nonews.sgm", None, r"no <REUTERS>|no article"),
        (feed, "line 2", r"JSON"),
        (feed, "line 3", r"object"),
        (feed, "line 4", r"headline"),
        (feed, "line 5", r"places"),
        (feed, "line 6", r"\bid\b"),
        (feed, "line 7", r"date"),
        (feed, "line 8", r"empty|no headline"),
        (feed, "line 9", r"date"),
        (root / "no-such-folder", None, r"no such file"),
    ]
    return Inputs(folder, root / "no-such-folder", good, bad)


# ------------------------------------------------------------ helpers

def error_key(path, record) -> tuple[str, str | None]:
    return os.path.realpath(path), (str(record) if record is not None else None)


def check_errors(errors, bad) -> None:
    """`errors` (Problems or their dicts) name exactly the bad items, each with a fitting reason."""
    as_dicts = [e if isinstance(e, dict) else {"path": e.path, "record": e.record, "reason": e.reason}
                for e in errors]
    reported = {}
    for e in as_dicts:
        key = error_key(e["path"], e["record"])
        assert key not in reported, f"reported twice: {e}"
        reported[key] = e["reason"]
    expected = {error_key(p, r): pattern for p, r, pattern in bad}
    assert set(reported) == set(expected)
    for key, pattern in expected.items():
        assert re.search(pattern, reported[key], re.I), f"{key}: reason {reported[key]!r}"


def check_good_indexed(archive: Archive, inputs: Inputs) -> None:
    for article_id, (headline, word) in inputs.good.items():
        article = archive.get(article_id)
        assert article is not None, article_id
        assert article.headline == headline
        assert [h.id for h in archive.search(word).hits] == [article_id]
    assert archive.stats().documents == len(inputs.good)  # nothing bad slipped in


@pytest.fixture
def inputs(tmp_path) -> Inputs:
    return make_inputs(tmp_path)


# ------------------------------------------------------------ the library

def test_every_bad_item_reported_every_good_article_indexed(tmp_path, inputs):
    archive = Archive(tmp_path / "ix")
    summary = archive.add(inputs.paths)
    check_errors(summary.errors, inputs.bad)
    assert summary.failed == len(inputs.bad) == 20
    assert (summary.added, summary.updated, summary.unchanged) == (len(inputs.good), 0, 0)
    assert not summary.ok
    check_good_indexed(archive, inputs)
    for bad_id in ("reuters-90002", "reuters-90004", "reuters-90005", "reuters-90007", "feed-4",
                   "feed-7", "feed-8", "feed-9", "in-photo", "in-garbage", "in-empty"):
        assert archive.get(bad_id) is None, bad_id


def test_good_articles_keep_their_content(tmp_path, inputs):
    archive = Archive(tmp_path / "ix")
    archive.add(inputs.paths)
    cafe = archive.get("in-cafe")  # decoded as Latin-1: accents intact, found without them
    assert "Zürich" in cafe.body and "café" in cafe.body
    assert {h.id for h in archive.search("zurich cafe", limit=10).hits} == {"in-cafe"}
    mine = archive.get("reuters-90001")
    assert mine.places == ["usa", "chile"] and mine.published.isoformat() == "1987-03-02T10:00:00"
    assert "<after>" in mine.body and not mine.body.endswith("Reuter")
    feed = archive.get("feed-1")
    assert feed.places == ["uk"] and feed.published.date().isoformat() == "1987-03-02"
    assert feed.source == "feed"


def test_second_add_reports_good_as_unchanged_and_loses_nothing(tmp_path, inputs):
    archive = Archive(tmp_path / "ix")
    first = archive.add(inputs.paths)
    assert first.added == len(inputs.good)
    again = archive.add(inputs.paths)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(inputs.good))
    assert again.failed == len(inputs.bad)
    check_errors(again.errors, inputs.bad)
    check_good_indexed(archive, inputs)
    # The same through a fresh handle: the first run's work was committed.
    check_good_indexed(Archive(tmp_path / "ix", create=False), inputs)


def test_file_that_turns_bad_keeps_its_indexed_article(tmp_path, inputs):
    archive = Archive(tmp_path / "ix")
    archive.add(inputs.paths)
    (inputs.folder / "harbour.txt").write_bytes(FAKE_PNG)  # the file is damaged after indexing
    again = archive.add(inputs.paths)
    check_errors(again.errors, [*inputs.bad, (inputs.folder / "harbour.txt", None, r"binary")])
    assert again.failed == len(inputs.bad) + 1
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(inputs.good) - 1)
    check_good_indexed(archive, inputs)  # the article read on the first run is still there


def test_unreadable_file(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "harbour.txt").write_text(GOOD_TEXT)
    locked = folder / "locked.txt"
    locked.write_text(GOOD_TEXT.replace("Quillwharf", "Lockwharf"))
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: a chmod 000 file is still readable")
        summary = Archive(tmp_path / "ix").add([folder])
    finally:
        locked.chmod(0o644)
    check_errors(summary.errors, [(locked, None, r"cannot read|permission")])
    assert (summary.added, summary.failed) == (1, 1)


def test_unreadable_file_even_as_root(tmp_path, monkeypatch):
    """Root reads a chmod 000 file, so here the open itself is refused with EACCES."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "harbour.txt").write_text(GOOD_TEXT)
    locked = folder / "locked.txt"
    locked.write_text(GOOD_TEXT.replace("Quillwharf", "Lockwharf"))
    real_open = builtins.open

    def refusing_open(file, *args, **kwargs):
        # (file descriptors pass: the indexing processes open their pipes with them)
        if not isinstance(file, int) and os.path.realpath(file) == os.path.realpath(locked):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
        return real_open(file, *args, **kwargs)

    # Whichever way the reader opens the file (open, io.open, Path.read_bytes), it is refused.
    monkeypatch.setattr(builtins, "open", refusing_open)
    monkeypatch.setattr(io, "open", refusing_open)
    archive = Archive(tmp_path / "ix")
    summary = archive.add([folder])
    check_errors(summary.errors, [(locked, None, r"cannot read.*permission denied")])
    assert (summary.added, summary.failed) == (1, 1)
    assert archive.get("in-harbour") is not None and archive.get("in-locked") is None


def test_dangling_symlink_in_a_folder_is_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "harbour.txt").write_text(GOOD_TEXT)
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    summary = Archive(tmp_path / "ix").add([folder])
    check_errors(summary.errors, [(folder / "gone.txt", None, r"cannot read|no such file")])
    assert (summary.added, summary.failed) == (1, 1)


# ------------------------------------------------------------ the command line

def runner() -> CliRunner:
    # click < 8.2 mixes stderr into stdout unless told not to; 8.2+ keeps them apart always.
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # a parameter of click < 8.2
    return CliRunner()


def index_cli(*args):
    result = runner().invoke(main, ["index", *map(str, args)])
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_cli_json_summary_and_exit_code_1(tmp_path, inputs):
    ix = tmp_path / "ix"
    result = index_cli(*inputs.paths, "--index", ix, "--json")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1  # one JSON object, nothing else on stdout
    data = json.loads(lines[0])
    assert {"added", "updated", "unchanged", "failed", "errors"} <= set(data)
    assert (data["added"], data["updated"], data["unchanged"]) == (len(inputs.good), 0, 0)
    assert data["failed"] == len(inputs.bad)
    assert all(set(e) == {"path", "record", "reason"} for e in data["errors"])
    check_errors(data["errors"], inputs.bad)
    check_good_indexed(Archive(ix, create=False), inputs)

    again = index_cli(*inputs.paths, "--index", ix, "--json")
    assert again.exit_code == 1
    data = json.loads(again.stdout)
    assert (data["added"], data["updated"], data["unchanged"]) == (0, 0, len(inputs.good))
    assert data["failed"] == len(inputs.bad)
    check_good_indexed(Archive(ix, create=False), inputs)


def test_cli_text_summary_lists_each_error(tmp_path, inputs):
    result = index_cli(*inputs.paths, "--index", tmp_path / "ix")
    assert result.exit_code == 1
    out = result.stdout + result.stderr
    assert re.search(rf"\badded {len(inputs.good)}\b.*\bfailed {len(inputs.bad)}\b", out)
    feed = inputs.folder / "feed.jsonl"
    assert f"{feed}:line 7: " in out and "31-FEB-1987" in out
    assert f"{inputs.folder / 'broken.sgm'}:90005: " in out
    assert f"{inputs.missing}: " in out


def test_cli_exit_code_0_when_nothing_failed(tmp_path):
    folder = tmp_path / "good"
    folder.mkdir()
    (folder / "harbour.txt").write_text(GOOD_TEXT)
    (folder / "cafe.txt").write_bytes(LATIN1_TEXT)
    (folder / "feed.jsonl").write_text(FEED[0] + "\n" + FEED[-1] + "\n")
    result = index_cli(folder, "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert (data["added"], data["failed"], data["errors"]) == (4, 0, [])


def test_cli_nonexistent_path_only(tmp_path):
    result = index_cli(tmp_path / "nowhere", "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["added"] == 0 and data["failed"] == 1
    check_errors(data["errors"], [(tmp_path / "nowhere", None, r"no such file")])


# ------------------------------------------------------------ more dates and encodings

def feed_with(tmp_path, bad_line: str) -> tuple[Archive, object, Path]:
    """A JSONL file: a good record, `bad_line`, another good record; indexed."""
    folder = tmp_path / "in"
    folder.mkdir()
    feed = folder / "feed.jsonl"
    feed.write_text("\n".join([FEED[0], bad_line, FEED[-1]]) + "\n", encoding="utf-8")
    archive = Archive(tmp_path / "ix")
    return archive, archive.add([folder]), feed


@pytest.mark.parametrize("raw, reason", [
    ("31-FEB-1987", r"date"),
    ("1987-13-01", r"date"),
    ("0000-01-01", r"date"),
    ("March", r"date.*year|year"),
    ("not a date at all", r"date"),
    ("1987-03-02T10:00:00+99:00", r"date"),
    ("0001-01-01T00:00:00+05:00", r"date"),  # out of range once converted to UTC
    ("9999-12-31T23:00:00-05:00", r"date"),
])
def test_jsonl_bad_dates_are_reported_per_record(tmp_path, raw, reason):
    archive, summary, feed = feed_with(
        tmp_path, json.dumps({"id": "feed-bad", "headline": "Dated", "body": "b", "date": raw}))
    check_errors(summary.errors, [(feed, "line 2", reason)])
    assert (summary.added, summary.failed) == (2, 1)
    assert archive.get("feed-1") and archive.get("feed-11") and archive.get("feed-bad") is None


@pytest.mark.parametrize("raw, reason", [
    ("31-FEB-1987 10:00:00.00", r"date"),
    ("29-FEB-1987 10:00:00.00", r"date"),
    ("26-XYZ-1987 10:00:00.00", r"month|date"),
    ("sometime last spring", r"date"),
])
def test_sgml_bad_dates_are_reported_per_article(tmp_path, raw, reason):
    folder = tmp_path / "in"
    folder.mkdir()
    sgm = folder / "dates.sgm"
    sgm.write_text(sgm_article("70001", "GOOD BEFORE", "Fine article one.")
                   + sgm_article("70002", "BAD DATE", "Dated oddly.", date=raw)
                   + sgm_article("70003", "GOOD AFTER", "Fine article three."))
    archive = Archive(tmp_path / "ix")
    summary = archive.add([folder])
    check_errors(summary.errors, [(sgm, "70002", reason)])
    assert (summary.added, summary.failed) == (2, 1)
    assert archive.get("reuters-70001") and archive.get("reuters-70003")


@pytest.mark.parametrize("data, headline", [
    (b"\xef\xbb\xbfBOM headline\n\nBody in UTF-8 with a byte order mark.\n", "BOM headline"),
    ("\ufeffUTF-16 headline\n\nBody in UTF-16 — with a dash.\n".encode("utf-16-le"), "UTF-16 headline"),
    ("\u201cQuoted\u201d headline\n\nBody \u2013 Windows-1252.\n".encode("cp1252"), "\u201cQuoted\u201d headline"),
    ("Señal in Málaga\n\nThe Málaga señal in Latin-1.\n".encode("latin-1"), "Señal in Málaga"),
])
def test_text_encodings_that_must_be_indexed(tmp_path, data, headline):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "story.txt").write_bytes(data)
    archive = Archive(tmp_path / "ix")
    summary = archive.add([tmp_path / "in"])
    assert (summary.added, summary.failed, summary.errors) == (1, 0, [])
    assert archive.get("in-story").headline == headline


@pytest.mark.parametrize("data, reason", [
    (b"\xff\xfeH\x00e\x00a\x00d\x00\n", r"utf-16"),       # a BOM, then an odd number of bytes
    (b"Head\x00line\n\nBody\n", r"binary"),               # NUL bytes
    (GARBAGE, r"binary|encoding"),
])
def test_text_encodings_that_must_be_rejected(tmp_path, data, reason):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "harbour.txt").write_text(GOOD_TEXT)
    (tmp_path / "in" / "story.txt").write_bytes(data)
    summary = Archive(tmp_path / "ix").add([tmp_path / "in"])
    check_errors(summary.errors, [(tmp_path / "in" / "story.txt", None, reason)])
    assert (summary.added, summary.failed) == (1, 1)


@pytest.mark.parametrize("field", ["headline", "id", "places"])
def test_jsonl_lone_surrogate_is_replaced_not_fatal(tmp_path, field):
    """A '\\ud800' escape is valid JSON but not Unicode text: it becomes U+FFFD, the record is kept."""
    record = {"id": "feed-odd", "headline": "Odd", "body": "b"}
    record[field] = ["x\ud800"] if field == "places" else "x\ud800"
    archive, summary, feed = feed_with(tmp_path, json.dumps(record))  # ensure_ascii: "\ud800"
    assert (summary.failed, summary.added) == (0, 3)
    assert archive.get("feed-1") and archive.get("feed-11")
    article = archive.get("x\ufffd" if field == "id" else "feed-odd")
    assert article is not None
    value = {"headline": article.headline, "id": article.id, "places": ",".join(article.places)}[field]
    assert value == "x\ufffd"


def test_cli_json_summary_survives_a_lone_surrogate(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    odd = json.dumps({"id": "feed-odd", "headline": "x\ud800", "body": "b"})
    (folder / "feed.jsonl").write_text(f"{FEED[0]}\n{odd}\n")
    result = index_cli(folder, "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["added"], data["failed"]) == (2, 0)


def test_jsonl_lines_are_split_on_newlines_only(tmp_path):
    good = json.dumps({"id": "feed-ls", "headline": "Separator", "body": "one\u2028two\u2029three"},
                      ensure_ascii=False)
    folder = tmp_path / "in"
    folder.mkdir()
    feed = folder / "feed.jsonl"
    feed.write_text(f"{good}\n{FEED[1]}\n{FEED[-1]}\n", encoding="utf-8")
    archive = Archive(tmp_path / "ix")
    summary = archive.add([folder])
    check_errors(summary.errors, [(feed, "line 2", r"JSON")])
    assert (summary.added, summary.failed) == (2, 1)
    assert archive.get("feed-ls") is not None
