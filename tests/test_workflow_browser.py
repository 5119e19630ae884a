"""Saved searches and batch search in a real headless Chromium (as tests/test_web_browser.py drives
it): save a search from the search page without JavaScript and see its new articles on /saved,
mark them seen; upload a watchlist, see its rows and download the CSV; hostile names and queries
stay text. Saves the README's screenshots of both pages."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from searchkit import Archive
from searchkit.model import Article

from . import web_fixture
from .test_web_browser import CHROMIUM, SCREENSHOTS, browser, serve  # noqa: F401 (browser: a fixture)

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium (apt-get install chromium)")
HOSTILE = "<script>window.__pwned = 3</script><img src=x onerror=\"window.__pwned = 4\">"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Archive, str]]:
    """The example archive and the hostile article, served; the test adds articles through the
    same `Archive` the server reads."""
    with Archive(web_fixture.build(tmp_path_factory.mktemp("workflow") / "index"), procs=0) as archive:
        for url in serve(archive):
            yield archive, url


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def test_save_a_search_without_javascript_then_see_and_mark_what_is_new(browser, site):  # noqa: F811
    archive, url = site
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(url + "/?q=oil&sort=newest&filter=places=oslo")
    page.fill('input[name="name"][form="save-search"]', "oil in oslo")
    with page.expect_navigation():
        page.click('button[form="save-search"]')
    assert page.url == url + "/saved?saved=oil+in+oslo"
    row = page.locator('tr[data-name="oil in oslo"]')
    assert "Saved “oil in oslo”." in page.inner_text(".done") and row.locator(".new").inner_text() == "0"
    assert "filter places=oslo" in row.inner_text() and "sort newest" in row.inner_text()
    archive.add([Article(id="new-oil-1", headline="Oslo oil fund grows", body="The oil fund in Oslo grew.",
                         published="2021-06-01", places=["oslo"])])
    archive.save_search("cruise season", "cruise", date_from="2021", sort="oldest")  # for the screenshot
    page.reload()
    assert row.locator(".new").inner_text() == "1 new"
    page.screenshot(path=str(SCREENSHOTS / "saved.png"))
    row.locator(".new a").click()
    page.wait_for_selector("#new-total")
    assert page.inner_text("#new-total").startswith("1 article indexed since")
    assert page.inner_text(".hit .headline") == "Oslo oil fund grows"
    with page.expect_navigation():
        page.click("#mark-seen")
    assert row.locator(".new").inner_text() == "0" and row.locator("td").nth(4).inner_text() != "never"
    with page.expect_navigation():
        row.locator("a.run").click()  # the name runs the search with its options
    assert page.inner_text("#total").startswith("3 articles") and page.is_checked('input[value="places=oslo"]')
    archive.unsave("cruise season")
    context.close()


def test_upload_a_watchlist_see_its_rows_and_download_the_csv(page, site):
    archive, url = site
    page.goto(url + "/batch")
    page.set_input_files("#batch-file", files=[{"name": "names.txt", "mimeType": "text/plain",
                                                "buffer": b"# my list\noil\ncruise\nzzznothing\n(broken\n"}])
    with page.expect_navigation():
        page.click("#run")
    assert page.inner_text("#batch-total").startswith("4 queries: 2 matched, 1 without a match, 1 could not")
    lines = page.locator("#batch-rows td.line").all_inner_texts()
    assert lines == ["2", "3", "5"] and "line 4: zzznothing" in page.inner_text("#unmatched")
    assert page.locator("#batch-rows tr.matched svg.spark rect").count() > 0
    assert page.locator("#batch-rows tr.failed").inner_text().startswith("5\t(broken")
    with page.expect_download() as info:
        page.click("#download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert [(r["line"], r["name"], r["total"]) for r in rows] == [
        ("2", "oil", str(archive.search("oil").total)), ("3", "cruise", "2"), ("4", "zzznothing", "0"),
        ("5", "(broken", "0")]
    assert not page.console_errors  # no CSP violation


def test_hostile_names_and_queries_stay_text(page, site):
    archive, url = site
    page.goto(url + "/?q=harbour")
    page.fill('input[name="name"][form="save-search"]', HOSTILE)
    with page.expect_navigation():
        page.click('button[form="save-search"]')
    assert HOSTILE in page.inner_text("#saved")
    page.goto(url + "/batch")
    page.fill("#batch-text", f"{HOSTILE}\nharbour\n")
    with page.expect_navigation():
        page.click("#run")
    page.wait_for_timeout(200)
    assert HOSTILE in page.inner_text("main")
    assert page.evaluate("window.__pwned") is None and not page.dialogs
    assert page.locator("main script, #batch-rows img").count() == 0
    archive.unsave(HOSTILE)


def test_batch_screenshot_on_the_real_corpora(browser, corpus_index):  # noqa: F811
    """The batch page over the real corpora with the example watchlist (read-only: nothing is
    written to the shared index)."""
    watchlist = Path(__file__).resolve().parent.parent / "examples" / "watchlist.txt"
    for url in serve(corpus_index[0]):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url + "/batch")
        page.set_input_files("#batch-file", str(watchlist))
        with page.expect_navigation():
            page.click("#run")
        assert page.locator("#batch-rows tr.matched").count() >= 2
        page.screenshot(path=str(SCREENSHOTS / "batch.png"), full_page=True)
        page.close()
