"""Tags, notes and saved searches in the web app: the article page's forms (POST from the site's
own pages only), the saved-searches page and /api/saved."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from searchkit import Archive
from searchkit.model import Article
from searchkit.web import create_app

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def site(tmp_path):
    with Archive(tmp_path / "index", procs=0) as archive:
        archive.add([Article(id="w/1", headline="Frost hits coffee", body="Frost in Minas Gerais.",
                             published="2021-03-01", places=["brazil"]),
                     Article(id="w2", headline="Oil output up", body="North Sea oil output rose.")])
        with TestClient(create_app(archive), raise_server_exceptions=False) as client:
            yield archive, client


def test_article_page_forms_add_and_remove_tags_and_edit_the_note(site):
    archive, client = site
    page = client.get("/articles/w/1").text
    assert 'action="/articles/w/1/tags"' in page and 'action="/articles/w/1/note"' in page
    response = client.post("/articles/w/1/tags", data={"add": "lead Check"}, headers=ORIGIN,
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/articles/w%2F1"
    assert archive.tags_of("w/1") == ["check", "lead"]
    client.post("/articles/w/1/tags", data={"remove": "check"}, headers={"sec-fetch-site": "same-origin"})
    client.post("/articles/w/1/note", data={"note": "<script>alert(1)</script> call them"}, headers=ORIGIN)
    assert archive.tags_of("w/1") == ["lead"]
    page = client.get("/articles/w/1").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; call them</textarea>" in page and "<script>alert" not in page
    assert 'value="lead"' in page and 'href="/?q=*&amp;filter=tags%3Dlead"' in page
    assert client.get("/api/articles/w/1").json()["tags"] == ["lead"]
    searched = client.get("/api/search?q=*&filter=tags=lead&facet=tags").json()
    assert [h["id"] for h in searched["hits"]] == ["w/1"] and searched["facets"]["tags"][0]["value"] == "lead"


@pytest.mark.parametrize("headers", [{}, {"origin": "http://evil.example"}, {"sec-fetch-site": "cross-site"},
                                     {"sec-fetch-site": "same-site", "origin": "http://testserver"}])
def test_a_post_from_another_site_or_without_origin_is_refused(site, headers):
    archive, client = site
    response = client.post("/articles/w2/tags", data={"add": "evil"}, headers=headers)
    assert response.status_code == 403 and archive.tags_of("w2") == []


@pytest.mark.parametrize("path, data, status, message", [
    ("/articles/w2/tags", {"add": "bad\x07tag"}, 400, "is not allowed"),
    ("/articles/nope/tags", {"add": "lead"}, 404, "no article with id"),
    ("/articles/w2/note", {"note": "x" * 30_000}, 400, "note too long"),
    ("/articles/w2/other", {"note": "x"}, 404, "No such page"),
])
def test_bad_posts_get_a_message_not_a_500(site, path, data, status, message):
    archive, client = site
    response = client.post(path, data=data, headers=ORIGIN)
    assert response.status_code == status and message in response.text
    assert archive.tags_of("w2") == [] and archive.note_of("w2") == ""


def test_saved_searches_page_and_api_count_new_articles_without_marking_them(site):
    archive, client = site
    assert "No saved searches yet" in client.get("/saved").text
    archive.save_search("frost <b>", "frost", filters={"places": "brazil"}, date_from="2021")
    archive.add([Article(id="w3", headline="More frost", body="Frost again.", published="2021-03-02",
                         places=["brazil"])])
    page = client.get("/saved").text
    assert "frost &lt;b&gt;" in page and 'title="Show what\'s new">1 new</a>' in page
    assert 'href="/?q=frost&amp;from=2021&amp;filter=places%3Dbrazil&amp;sort=newest"' in page
    data = client.get("/api/saved").json()["searches"]
    assert [(s["name"], s["new"], s["last_watched"]) for s in data] == [("frost <b>", 1, None)]
