"""The JSON API and the pages of `searchkit serve`, through Starlette's TestClient: the shapes of
the CLI's --json, bad input as 400/404 messages (never a 500), escaping, headers, and consistent
reads while articles are added."""
from __future__ import annotations

import csv
import io
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from starlette.datastructures import QueryParams
from starlette.testclient import TestClient

from searchkit import Archive
from searchkit.cli.commands import main
from searchkit.errors import ArchiveError
from searchkit.model import Article, Timeline, TimelineBucket
from searchkit.web import app as webapp
from searchkit.web import create_app, histogram

from . import web_fixture
from .conftest import needs_corpora


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return web_fixture.build(tmp_path_factory.mktemp("web") / "index")


@pytest.fixture(scope="module")
def client(index_dir):
    with TestClient(create_app(index_dir), raise_server_exceptions=False) as test_client:
        yield test_client


def cli_json(index_dir, *args):
    result = CliRunner().invoke(main, [*args, "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("path, cli", [
    ("/api/search?q=oil&facet=places&facet=year&filter=places=oslo&sort=newest&limit=3",
     ["search", "oil", "--facet", "places", "--facet", "year", "--filter", "places=oslo", "--sort", "newest",
      "--limit", "3"]),
    ("/api/search?q=*&collapse=1&page=2&limit=4", ["search", "*", "--collapse", "--page", "2", "--limit", "4"]),
    ("/api/timeline?q=*&by=year&from=2000", ["timeline", "*", "--by", "year", "--from", "2000"]),
    ("/api/related?q=oil&field=places&top=5", ["related", "oil", "--field", "places", "--top", "5"]),
    ("/api/similar/feed-001?limit=3", ["similar", "feed-001", "--limit", "3"]),
    ("/api/articles/feed-001", ["show", "feed-001"]),
    ("/api/stats?top=3", ["stats", "--top", "3"]),
])
def test_api_gives_the_cli_json(client, index_dir, path, cli):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    expected = cli_json(index_dir, *cli)
    got = response.json()
    if "size_bytes" in expected:  # the same index, measured at two moments
        got.pop("size_bytes"), expected.pop("size_bytes")
    assert got == expected


@pytest.mark.parametrize("path, status, words", [
    ("/api/search?q=oil&sort=sideways", 400, "unknown sort"),
    ("/api/search?q=oil&page=-1", 400, "'page'"),
    ("/api/search?q=oil&limit=ten", 400, "whole number"),
    ("/api/search?q=oil&limit=1001", 400, "between 0 and 1000"),
    ("/api/search?q=oil&facet=shoe", 400, "unknown facet"),
    ("/api/search?q=oil&from=31-31-1987", 400, "not a date"),
    ("/api/search?q=oil&filter=places", 400, "FIELD=VALUE"),
    ("/api/search?q=oil&filter=shoe=1", 400, "unknown filter field"),
    ("/api/search?q=oil&collapse=maybe", 400, "true or false"),
    ("/api/search?q=" + "x" * 10_001, 400, "too long"),
    ("/api/search?q=", 400, "empty query"),
    ("/api/search?q=a*", 400, ""),
    ("/api/search?q=oil&sort=newest&sort=oldest", 400, "once"),
    ("/api/timeline?q=oil&by=century", 400, "unknown by"),
    ("/api/related?q=oil&field=year", 400, "unknown field"),
    ("/api/export?q=oil&format=xml", 400, "unknown format"),
    ("/api/export?q=(oil", 400, ""),
    ("/api/articles/no-such-article", 404, "no article"),
    ("/api/similar/no-such-article", 404, "no article"),
    ("/api/nothing-here", 404, "no such endpoint"),
])
def test_bad_api_input_is_a_json_error(client, path, status, words):
    response = client.get(path)
    if path.endswith("q=a*") and response.status_code == 200:
        return  # the example archive is small enough for this prefix: nothing to refuse
    assert response.status_code == status, response.text
    assert words in response.json()["error"]


@pytest.mark.parametrize("path", ["/?q=oil&sort=sideways", "/?q=oil&page=-1", "/?q=oil&limit=x",
                                  "/?q=oil&facet=shoe", "/?q=oil&from=nope", "/?q=(oil",
                                  "/?q=oil&more=shoe", "/?q=" + "x" * 10_001])
def test_bad_page_input_is_an_inline_message(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert 'class="error"' in response.text and "Traceback" not in response.text
    assert '<form id="search"' in response.text  # the search box is still there to fix it


def test_unknown_article_page_is_404(client):
    response = client.get("/articles/<script>nope")
    assert response.status_code == 404 and "&lt;script&gt;nope" in response.text


def test_security_headers_on_every_response(client):
    for path in ("/", "/?q=oil", "/api/search?q=oil", "/static/app.js", "/api/nothing", "/api/export?q=oil"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script_or_handlers(client):
    for path in ("/", "/?q=oil&facet=places", f"/articles/{web_fixture.HOSTILE_ID}?q=harbour"):
        html = client.get(path).text
        assert "<script>" not in html and "<script src=" in html
        # A real tag (every "<" of article text is escaped) with an event handler attribute:
        assert not re.search(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", html)


def test_hostile_article_is_escaped(client):
    page = client.get(f"/articles/{web_fixture.HOSTILE_ID}?q=harbour")
    assert page.status_code == 200
    html = page.text
    assert "&lt;script&gt;" in html and "<img src=x" not in html and "<svg" not in html
    assert 'href="javascript:' not in html
    assert "\u202e" not in html and "\x1b" not in html and "\x07" not in html and "\x00" not in html
    assert len(html) < 200_000  # the 1 MB headline is cut on the page
    results = client.get("/?q=harbour").text
    assert "&lt;script&gt;" in results and "<img src=x" not in results and "\u202e" not in results
    whole = client.get(f"/api/articles/{web_fixture.HOSTILE_ID}").json()
    assert whole["headline"] == web_fixture.HOSTILE.headline  # the JSON keeps the exact text


def test_search_page_state_facets_timeline_and_paging(client):
    html = client.get("/?q=*&limit=4&filter=places=oslo&facet=places&sort=oldest").text
    assert 'value="places=oslo" class="autosubmit" checked' in html
    assert 'id="tl-svg"' in html and 'class="bar"' in html
    first = client.get("/?q=*&limit=4").text
    assert 'id="next"' in first and "page=2" in first and 'id="prev"' not in first
    second = client.get("/?q=*&limit=4&page=2").text
    assert 'id="prev"' in second
    more = client.get("/?q=*&more=places").text
    assert "fewer" in more


def test_article_page_marks_entities_and_query_words(client):
    html = client.get("/articles/feed-001?q=cruise").text
    assert "<mark>cruise</mark>" in html
    assert 'class="entity people" href="/?q=*&amp;filter=people%3D' in html
    assert 'href="/api/articles/feed-001"' in html


def test_export_streams_every_match(client, index_dir):
    lines = client.get("/api/export?q=*&format=jsonl").text.splitlines()
    total = Archive(index_dir, create=False).search("*", limit=0).total
    assert len(lines) == total == 14
    assert {json.loads(line)["id"] for line in lines} >= {"feed-001", web_fixture.HOSTILE_ID}
    response = client.get("/api/export?q=oil&format=csv&filter=places=oslo")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.headers["content-type"].startswith("text/csv")
    assert rows and all("oslo" in row["places"].split("; ") for row in rows)
    assert int(response.headers["x-total-count"]) == len(rows)


def test_openapi_lists_every_endpoint(client):
    spec = client.get("/api/openapi.json").json()
    assert set(spec["paths"]) == {"/api/search", "/api/articles/{article_id}", "/api/timeline",
                                  "/api/related", "/api/similar/{article_id}", "/api/stats", "/api/export",
                                  "/api/entities", "/api/saved", "/api/saved/{name}", "/api/saved/{name}/new",
                                  "/api/saved/{name}/seen", "/api/batch"}
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "from", "to", "sort", "page", "limit", "facet", "filter", "collapse"} <= names


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(ArchiveError, match="no index at"):
        create_app(tmp_path / "none")
    assert not (tmp_path / "none").exists()  # read-only: nothing created


def test_every_request_sees_one_whole_commit(tmp_path):
    """Searches from many threads while another archive adds articles in batches of 20: every
    total is a whole number of batches, and never goes down."""
    path = web_fixture.build(tmp_path / "index")
    batch, batches = 20, 6
    news = [Article(id=f"new-{i}", headline=f"Zyxquorp report {i}", body=f"zyxquorp item {i} " * 5,
                    published=datetime(2023, 1, 1 + i % 28)) for i in range(batch * batches)]
    done = threading.Event()

    def write():
        try:
            with Archive(path, procs=0, batch_size=batch) as writer:
                writer.add(news)
        finally:
            done.set()

    with TestClient(create_app(path), raise_server_exceptions=False) as test_client:
        def reader(_):
            seen = []
            while not done.is_set() or len(seen) < 3:
                response = test_client.get("/api/search?q=zyxquorp&limit=2&facet=year")
                assert response.status_code == 200, response.text
                seen.append(response.json()["total"])
            return seen

        writer = threading.Thread(target=write)
        with ThreadPoolExecutor(8) as pool:
            results = pool.map(reader, range(8))
            writer.start()
            totals = list(results)
        writer.join()
        for seen in totals:
            assert all(t % batch == 0 for t in seen), seen
            assert seen == sorted(seen)
        assert test_client.get("/api/search?q=zyxquorp&limit=0").json()["total"] == batch * batches


@needs_corpora
def test_api_on_the_real_corpora(corpus_index):
    with TestClient(create_app(corpus_index[0]), raise_server_exceptions=False) as test_client:
        data = test_client.get("/api/search?q=coffee&facet=places&filter=places=brazil&limit=5").json()
        assert data["total"] > 20 and len(data["hits"]) == 5
        assert data["facets"]["places"][0]["value"] == "brazil"
        page = test_client.get("/?q=coffee&filter=places=brazil")
        assert page.status_code == 200 and "brazil" in page.text and 'class="bar"' in page.text
        article = test_client.get("/articles/" + data["hits"][0]["id"] + "?q=coffee")
        assert article.status_code == 200 and "<mark>" in article.text
        related = test_client.get("/api/related?q=coffee&field=places").json()
        assert related["entities"][0]["value"] in {"brazil", "colombia"}
        export = test_client.get("/api/export?q=coffee&filter=places=brazil")
        assert len(export.text.splitlines()) == int(export.headers["x-total-count"]) == data["total"]


@needs_corpora
def test_article_page_lists_each_entity_once_by_label(corpus_index):
    # reuters-11183's orgs are indexed as `ico-coffee` (a Reuters tag), "International Coffee
    # Organisation" (extracted) and "Coffee Board": two entities, each listed once by its label and
    # linked to a filter on its id.
    with TestClient(create_app(corpus_index[0]), raise_server_exceptions=False) as test_client:
        page = test_client.get("/articles/reuters-11183").text
    orgs = re.search(r"<dt>orgs</dt><dd>(.*?)</dd>", page, re.S)
    assert orgs, "no orgs on the article page"
    links = re.findall(r'filter=([^"]+)">([^<]+)</a>', orgs.group(1))
    assert [label for _, label in links] == ["International Coffee Organization", "Coffee Board"]
    assert [unquote(f) for f, _ in links] == ["orgs=ico-coffee", "orgs=coffee-board"]
    assert ">ico-coffee<" not in page
    places = re.search(r"<dt>places</dt><dd>(.*?)</dd>", page, re.S)
    assert places and ">New Delhi</a>" in places.group(1)


def _axis(periods: list[str]) -> list[str]:
    buckets = [TimelineBucket(p, 1, 10) for p in periods]
    return [t.label for t in histogram.ticks(histogram.bars(QueryParams(""), Timeline("*", "month", buckets), False))]


def test_timeline_axis_labels_say_when():
    """The finest readable labels (at most 12), the first with its year, later years at January."""
    assert _axis([f"1987-{m:02d}" for m in range(3, 11)]) == ["Mar 1987", "Apr", "May", "Jun", "Jul", "Aug",
                                                               "Sep", "Oct"]
    assert _axis([f"{y}-{m:02d}" for y in (1987, 1988) for m in range(1, 13)]) == [
        "1987", "Apr", "Jul", "Oct", "1988", "Apr", "Jul", "Oct"]
    assert _axis([f"{y}-{m:02d}" for y in range(1987, 1997) for m in range(1, 13)]) == [
        str(y) for y in range(1987, 1997)]
    assert _axis([str(y) for y in range(1903, 2021)]) == [str(y) for y in range(1910, 2021, 10)]
    assert _axis([f"1987-03-{d:02d}" for d in range(3, 32)]) == ["8 Mar 1987", "15 Mar", "22 Mar"]
    assert _axis(["1987"]) == ["1987"] and _axis([]) == []


def test_timeline_axis_on_the_page(client):
    html = client.get("/?q=*&by=year").text
    svg = html[html.index('<svg id="tl-svg"'):html.index("</svg>")]
    labels = re.findall(r"<text [^>]*>([^<]+)</text>", svg)
    assert labels and all(re.fullmatch(r"\d{4}", label) for label in labels)
    assert "viewBox" not in svg  # unstretched: the labels keep their size at any width
    assert "highest: " in html


def test_concurrent_requests_share_one_warm_searcher(index_dir):
    """Archive reads run on the app's fixed search threads: 8 clients at once leave one searcher
    per search thread open (Starlette's default pool opened one per thread it happened to use,
    and replaces idle threads, so their number only grew)."""
    archive = Archive(index_dir, create=False)
    with TestClient(create_app(archive), raise_server_exceptions=False) as test_client:
        def get(i: int) -> int:
            return test_client.get(f"/api/search?q=oil&facet=places&page={i % 3 + 1}").status_code
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(get, range(32))) == [200] * 32
        assert test_client.get("/?q=oil").status_code == 200
    assert len(archive._engine._searchers) == webapp.SEARCH_THREADS
