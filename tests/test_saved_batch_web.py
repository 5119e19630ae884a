"""Saved searches and batch search in the web app (web/saved_pages.py, web/batch_page.py): the
search page's save form, /saved with each search's new articles, what's new and mark-as-seen,
delete, the /api/saved endpoints, and /batch with its downloads, on a handful of articles written
here."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from urllib.parse import quote, urlencode

import pytest
from starlette.testclient import TestClient

from searchkit import Archive
from searchkit.cli.batch_output import batch_csv
from searchkit.model import Article
from searchkit.facade.userdata import NoUserData
from searchkit.web import create_app
from searchkit.web.batch_page import MAX_ROWS, MAX_UPLOAD_BYTES

ORIGIN = {"origin": "http://testserver"}
HOSTILE = "<script>alert(1)</script>"


def articles(*specs: tuple[str, str, str, list[str]]) -> list[Article]:
    return [Article(id=i, headline=headline, body=headline + ".", published=datetime.fromisoformat(day), places=places,
                    people=["Ana Lima"] if "coffee" in headline.lower() else [])
            for i, headline, day, places in specs]


@pytest.fixture
def site(tmp_path):
    with Archive(tmp_path / "index", procs=0) as archive:
        archive.add(articles(("c1", "Coffee frost in Brazil", "2021-03-01", ["brazil"]),
                             ("c2", "Coffee prices rise", "2021-05-20", ["brazil", "colombia"]),
                             ("o1", "Oil output up", "2020-11-02", ["norway"])))
        with TestClient(create_app(archive), raise_server_exceptions=False) as client:
            yield archive, client


def _form_fields(page: str, form_id: str) -> list[tuple[str, str]]:
    """The hidden fields of a form on a page, and the form= controls that belong to it."""
    found = re.search(rf'<form id="{form_id}".*?</form>', page, re.S)
    assert found, f"no form {form_id!r} on the page"
    form = found.group(0)
    return [(n, v.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"'))
            for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)]


def post_form(client, path: str, pairs: list[tuple[str, str]], **kwargs):
    """A URL-encoded form with repeated fields, as a browser sends it."""
    return client.post(path, content=urlencode(pairs), headers={
        **ORIGIN, "content-type": "application/x-www-form-urlencoded"}, **kwargs)


# ------------------------------------------------------------ saved searches: pages

def test_save_from_the_search_page_then_new_articles_show_on_saved(site):
    archive, client = site
    page = client.get("/?q=coffee&filter=places=brazil&from=2021&sort=oldest").text
    assert 'form="save-search"' in page and 'action="/saved"' in page
    fields = _form_fields(page, "save-search")
    assert fields == [("q", "coffee"), ("from", "2021"), ("sort", "oldest"), ("filter", "places=brazil")]
    response = post_form(client, "/saved", [*fields, ("name", " morning coffee ")], follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/saved?saved=morning+coffee"
    [saved] = archive.saved_searches()
    assert (saved.name, saved.query, saved.options) == (
        "morning coffee", "coffee", {"sort": "oldest", "date_from": "2021", "filters": {"places": ["brazil"]}})
    listing = client.get(response.headers["location"]).text
    assert "Saved “morning coffee”." in listing and "from 2021" in listing and "filter places=brazil" in listing
    assert '<td class="count new">0</td>' in listing and "<td>never</td>" in listing
    archive.add(articles(("c3", "Coffee harvest late", "2021-06-01", ["brazil"]),
                         ("c4", "Coffee in Kenya", "2021-06-02", ["kenya"])))
    listing = client.get("/saved").text
    assert ">1 new</a>" in listing  # c4 is not in Brazil
    assert 'href="/?q=coffee&amp;from=2021&amp;filter=places%3Dbrazil&amp;sort=oldest"' in listing


def test_whats_new_then_mark_seen_keeps_what_came_later(site):
    archive, client = site
    archive.save_search("coffee", "coffee")
    archive.add(articles(("c3", "Coffee harvest late", "2021-06-01", ["brazil"])))
    page = client.get("/saved/new?name=coffee").text
    assert "1 article indexed since" in page and "Coffee harvest late" in page and 'id="mark-seen"' in page
    assert client.get("/saved").text.count(">1 new</a>") == 1  # viewing marked nothing
    until = re.search(r'name="until" value="([^"]+)"', page).group(1)
    archive.add(articles(("c5", "Coffee exports", "2021-07-01", ["brazil"])))  # after the page was made
    response = client.post("/saved/seen", data={"name": "coffee", "until": until}, headers=ORIGIN,
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/saved?seen=coffee"
    [found] = archive.watch(["coffee"], mark=False)
    assert [h.id for h in found.result.hits] == ["c5"]
    assert archive.saved_searches()[0].last_watched == pytest.approx(float(until))


def test_a_taken_name_offers_replace_and_a_bad_name_or_query_says_why(site):
    archive, client = site
    archive.save_search("gold", "coffee")
    form = [("q", "oil"), ("filter", "places=norway"), ("name", "gold")]
    response = post_form(client, "/saved", form)
    assert response.status_code == 409 and "exists already" in response.text and 'id="replace"' in response.text
    assert 'name="filter" value="places=norway"' in response.text  # the form keeps the search
    assert 'href="/?q=oil&amp;filter=places%3Dnorway" id="back"' in response.text
    assert archive.saved_searches()[0].query == "coffee"
    response = post_form(client, "/saved", [*form, ("replace", "1")], follow_redirects=False)
    assert response.status_code == 303
    assert [(s.query, s.options["filters"]) for s in archive.saved_searches()] == [("oil", {"places": ["norway"]})]
    for data, message in [({"q": "oil", "name": "a\x07b"}, "is not allowed"),
                          ({"q": "oil", "name": "x" * 101}, "is not allowed"),
                          ({"q": " ", "name": "empty"}, "the query is empty"),
                          ({"q": "oil", "name": "s", "sort": "up"}, "unknown sort"),
                          ({"q": "oil", "name": "f", "filter": "nofield=x"}, "unknown filter field"),
                          ({"q": "(oil", "name": "q"}, "")]:
        response = client.post("/saved", data=data, headers=ORIGIN)
        assert response.status_code == 400 and 'class="error"' in response.text and message in response.text
    assert len(archive.saved_searches()) == 1


def test_saved_forms_from_another_site_are_refused(site):
    archive, client = site
    archive.save_search("keep", "coffee")
    for path, data in [("/saved", {"q": "oil", "name": "evil"}), ("/saved/delete", {"name": "keep"}),
                       ("/saved/seen", {"name": "keep"})]:
        assert client.post(path, data=data, headers={"origin": "http://evil.example"}).status_code == 403
        assert client.post(path, data=data).status_code == 403  # neither Origin nor Sec-Fetch-Site
    [kept] = archive.saved_searches()
    assert (kept.name, kept.last_watched) == ("keep", None)


def test_delete_and_unknown_names(site):
    archive, client = site
    archive.save_search("a/b c", "coffee")
    assert client.get("/saved/new?name=nope").status_code == 404
    assert client.post("/saved/delete", data={"name": "nope"}, headers=ORIGIN).status_code == 404
    response = client.post("/saved/delete", data={"name": "a/b c"}, headers=ORIGIN, follow_redirects=False)
    assert response.status_code == 303 and archive.saved_searches() == []
    assert "Deleted “a/b c”." in client.get(response.headers["location"]).text


def test_hostile_names_and_queries_are_inert(site):
    archive, client = site
    archive.save_search(HOSTILE, f'coffee OR "{HOSTILE}"')
    archive.add(articles(("c3", "Coffee harvest late", "2021-06-01", ["brazil"])))
    for page in (client.get("/saved").text, client.get("/saved/new?" + f"name={quote(HOSTILE)}").text,
                 client.post("/saved", data={"q": "coffee", "name": HOSTILE}, headers=ORIGIN).text,
                 client.get(f"/saved?saved={quote(HOSTILE)}").text):
        assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# ------------------------------------------------------------ saved searches: API

def test_api_save_new_seen_delete(site):
    archive, client = site
    body = {"name": "frost/brazil", "query": "coffee", "filter": ["places=brazil"], "from": "2021"}
    response = client.post("/api/saved", json=body)
    assert response.status_code == 201 and response.json() == {
        "name": "frost/brazil", "query": "coffee", "last_watched": None,
        "options": {"sort": "newest", "date_from": "2021", "filters": {"places": ["brazil"]}}}
    assert client.post("/api/saved", json=body).status_code == 409
    assert client.post("/api/saved", json={**body, "replace": True, "query": "coffee frost"}).status_code == 201
    archive.add(articles(("c3", "Coffee frost again", "2021-06-01", ["brazil"])))
    base = "/api/saved/" + quote("frost/brazil", safe="")
    new = client.get(base + "/new").json()
    assert (new["name"], new["new"], [h["id"] for h in new["hits"]]) == ("frost/brazil", 1, ["c3"])
    assert new["until"].endswith("Z") and client.get("/api/saved").json()["searches"][0]["new"] == 1
    seen = client.post(base + "/seen", json={"until": new["until"]}).json()
    assert seen == {"name": "frost/brazil", "last_watched": new["until"][:19] + "Z", "marked": 1}
    assert client.get(base + "/new").json()["new"] == 0
    watched = archive.saved_searches()[0].last_watched
    for until, status in [("2000-01-01", 200), ("garbage", 400), (True, 400)]:  # never moves back
        response = client.post(base + "/seen", json={"until": until})
        assert response.status_code == status and archive.saved_searches()[0].last_watched == watched
    assert "'until' must be a time" in response.json()["error"]
    assert client.delete(base).json() == {"unsaved": "frost/brazil"} and archive.saved_searches() == []
    assert client.delete(base).status_code == 404 and client.get(base + "/new").status_code == 404


@pytest.mark.parametrize("kwargs, status, message", [
    ({"json": {"name": "x"}}, 400, "'query' is required"),
    ({"json": {"name": "", "query": "oil"}}, 400, "is not allowed"),
    ({"json": {"name": "x", "query": "oil", "filter": "places=norway"}}, 400, "must be a list"),
    ({"json": {"name": "x", "query": "oil", "replace": "yes"}}, 400, "true or false"),
    ({"json": ["x"]}, 400, "a JSON object"),
    ({"content": b"{nope", "headers": {"content-type": "application/json"}}, 400, "not valid JSON"),
    ({"data": {"name": "x", "query": "oil"}}, 400, "must be JSON"),
    ({"json": {"name": "x", "query": "oil"}, "headers": {"origin": "http://evil.example"}}, 403, "refused"),
    ({"json": {"name": "x", "query": "oil"}, "headers": {"sec-fetch-site": "cross-site"}}, 403, "refused"),
])
def test_api_save_refuses_bad_requests(site, kwargs, status, message):
    archive, client = site
    response = client.post("/api/saved", **kwargs)
    assert response.status_code == status and message in response.json()["error"]
    assert archive.saved_searches() == []


def test_openapi_describes_the_saved_and_batch_endpoints(site):
    paths = site[1].get("/api/openapi.json").json()["paths"]
    assert set(paths["/api/saved"]) == {"get", "post"} and "delete" in paths["/api/saved/{name}"]
    assert "get" in paths["/api/saved/{name}/new"] and "post" in paths["/api/saved/{name}/seen"]
    assert "409" in paths["/api/saved"]["post"]["responses"] and "503" in paths["/api/saved"]["get"]["responses"]
    assert "multipart/form-data" in paths["/api/batch"]["post"]["requestBody"]["content"]


def test_a_cluster_says_saved_searches_are_unavailable(site, monkeypatch):
    archive, client = site
    # What a Xapian cluster's Archive has in place of an index folder's user data.
    monkeypatch.setattr(archive, "_userdata", NoUserData())
    for response in (client.get("/saved"), client.get("/saved/new?name=x"), client.get("/api/saved"),
                     client.post("/api/saved", json={"name": "x", "query": "oil"}),
                     client.post("/saved", data={"q": "oil", "name": "x"}, headers=ORIGIN)):
        assert response.status_code == 503 and "a Xapian cluster has no index folder" in response.text


# ------------------------------------------------------------ batch

WATCHLIST = f"# names\ncoffee\n\nzzzunknownword\n(oil\n{HOSTILE}\noil\n"


def upload(client, text: str | bytes, name: str = "names.txt", **fields: str):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/batch", files={"file": (name, data, "text/plain")}, data=fields)


def test_batch_upload_shows_rows_unmatched_last_and_bad_lines(site):
    archive, client = site
    page = upload(client, WATCHLIST).text
    assert "5 queries: 2 matched, 2 without a match, 1 could not be run." in page
    lines = re.findall(r'<td class="line">(\d+)</td>', page)
    assert lines == ["2", "5", "7"]  # matched and failed rows in file order
    failed = re.search(r'<tr class="failed">.*?</tr>', page, re.S).group(0)
    assert ">5</td>" in failed and "(oil" in failed
    assert re.search(r"No match \(2\):</strong> line 4: zzzunknownword; line 6: &lt;script&gt;", page)
    assert "<script>alert" not in page
    coffee = re.search(r'<tr class="matched">.*?</tr>', page, re.S).group(0)
    assert '<td class="count">2</td>' in coffee and "2021-03-01" in coffee and "2021-05-20" in coffee
    assert "Ana Lima" in coffee and "Brazil" in coffee and 'href="/?q=coffee"' in coffee
    svg = re.search(r'<svg class="spark".*?</svg>', coffee, re.S).group(0)
    assert svg.count("<rect") == 3 and "style" not in svg  # 2021-03, -04 (none), -05
    assert "<title>2021-04: 0</title>" in svg and 'height="0.00"' in svg
    assert "coffee\n" in page  # the form keeps the queries for a download or a rerun


def test_batch_downloads_are_the_cli_shapes(site, tmp_path):
    archive, client = site
    listfile = tmp_path / "names.txt"
    listfile.write_text(WATCHLIST, encoding="utf-8")
    expected = archive.batch(listfile, date_from="2021", filters={"places": ["brazil"]})
    response = upload(client, WATCHLIST, output="csv", **{"from": "2021", "filter": "places=brazil"})
    assert response.headers["content-disposition"] == 'attachment; filename="searchkit-batch.csv"'
    assert response.text == batch_csv(expected) + "\n"
    assert [(r["total"], r["error"]) for r in csv.DictReader(io.StringIO(response.text))] == [
        ("2", ""), ("0", ""), ("0", expected.rows[2].error), ("0", ""), ("0", "")]
    # The page's own form sends the text back (no file) for the JSON download.
    response = client.post("/batch", files={"file": ("", b"", "application/octet-stream")},
                           data={"text": WATCHLIST, "output": "json", "from": "2021", "filter": "places=brazil"})
    assert response.json() == json.loads(json.dumps(expected.to_dict()))
    api = client.post("/api/batch", files={"file": ("names.txt", WATCHLIST.encode(), "text/plain")},
                      data={"from": "2021", "filter": "places=brazil"})
    assert api.json() == response.json()


def test_batch_csv_file_with_names_and_per_row_filters(site):
    archive, client = site
    text = "query,name,places,from\ncoffee,Coffee in Colombia,colombia,\ncoffee,Coffee 2021-04 on,,2021-04\n"
    rows = upload(client, text, name="list.CSV", output="json").json()["rows"]
    assert [(r["line"], r["name"], r["total"]) for r in rows] == [(2, "Coffee in Colombia", 1),
                                                                 (3, "Coffee 2021-04 on", 1)]
    page = upload(client, text, name="list.csv").text
    assert 'href="/?q=coffee&amp;filter=places%3Dcolombia"' in page and '<option value="csv" selected>' in page


@pytest.mark.parametrize("content, fields, message", [
    (b"\x00\x01PK\x03binary", {}, "not a text file (binary data)"),
    (b"caf\xe9\n", {}, "not UTF-8 text"),
    (b"# only a comment\n\n", {}, "no queries in the batch file"),
    ("coffee\n" * (MAX_ROWS + 1), {}, f"more than {MAX_ROWS} queries"),
    (b"x" * (MAX_UPLOAD_BYTES + 10), {}, "larger than 1 MB"),
    (b"x" * (2 * MAX_UPLOAD_BYTES), {}, "upload too large"),
    (b"coffee\n", {"filter": "nofield=x"}, "unknown filter field"),
    (b"coffee\n", {"from": "not a date"}, "not a date"),
    (b"coffee\n", {"top": "0"}, "must be a whole number from 1"),
    (b"coffee\n", {"output": "xml"}, "unknown output"),
])
def test_bad_batch_uploads_get_a_clear_message(site, content, fields, message):
    response = upload(site[1], content, **fields)
    assert response.status_code == 400 and 'id="error"' in response.text and message in response.text
    api = site[1].post("/api/batch", files={"file": ("names.txt", content if isinstance(content, bytes)
                                                     else content.encode(), "text/plain")}, data=fields)
    assert api.status_code == 400 and message in api.json()["error"]


def test_batch_needs_a_multipart_form(site):
    client = site[1]
    assert "a file upload" in client.post("/batch", data={"text": "coffee"}).text
    assert client.get("/batch").status_code == 200
    assert 'enctype="multipart/form-data"' in client.get("/batch").text
