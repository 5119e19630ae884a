"""The pages in a real headless Chromium (Debian's `chromium`, driven by Playwright's Python API;
Playwright's own browser download is never used): search, facets, timeline drag, paging and the
back button, an article and its entity links, an export download, and a hostile article that must
not run script. Saves the README's screenshots when the real corpora are there."""
from __future__ import annotations

import csv
import io
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from searchkit import Archive
from searchkit.web import create_app

from . import web_fixture
from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="no chromium (apt-get install chromium)")
SCREENSHOTS = ROOT / "docs" / "screenshots"


def serve(index: Path | Archive) -> Iterator[str]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(index), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    yield from serve(web_fixture.build(tmp_path_factory.mktemp("browser") / "index"))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def params(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_type_a_query_and_press_enter(page, base_url):
    page.goto(base_url + "/")
    page.fill("#q", "oil")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert params(page)["q"] == ["oil"]
    assert page.inner_text("#total").startswith("8 articles")
    assert page.locator(".hit mark").count() > 0
    assert not page.console_errors  # no CSP violation, no script error


def test_tick_a_facet_then_untick(page, base_url):
    page.goto(base_url + "/?q=*")
    total_before = page.inner_text("#total")
    section_before = page.inner_text('fieldset[data-facet="section"]')
    with page.expect_navigation():
        page.check('input[value="places=oslo"]')
    assert params(page)["filter"] == ["places=oslo"]
    assert page.inner_text("#total") != total_before
    assert page.inner_text('fieldset[data-facet="section"]') != section_before
    assert page.is_checked('input[value="places=oslo"]')
    with page.expect_navigation():
        page.uncheck('input[value="places=oslo"]')
    assert "filter" not in params(page) and page.inner_text("#total") == total_before


def test_drag_across_the_timeline_sets_the_dates(page, base_url):
    page.goto(base_url + "/?q=*&by=year")
    bars = page.locator("#tl-svg .bar")
    assert bars.count() > 5
    labels = [page.locator("#tl-svg text").nth(i).bounding_box() for i in range(page.locator("#tl-svg text").count())]
    assert labels and all(box["height"] >= 10 for box in labels)  # readable: not squeezed by the SVG
    assert all(a["x"] + a["width"] <= b["x"] for a, b in zip(labels, labels[1:]))  # none overlaps the next
    first, last = bars.nth(1).bounding_box(), bars.nth(4).bounding_box()
    svg = page.locator("#tl-svg").bounding_box()
    y = svg["y"] + svg["height"] / 2
    periods = (bars.nth(1).get_attribute("data-period"), bars.nth(4).get_attribute("data-period"))
    page.mouse.move(first["x"] + first["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2, y, steps=5)
    with page.expect_navigation():
        page.mouse.up()
    got = params(page)
    assert (got["from"], got["to"]) == ([periods[0]], [periods[1]])
    assert page.input_value('input[name="from"]') == periods[0]
    assert not page.inner_text("#total").startswith("14 articles")  # the range is applied


def test_page_forward_and_back(page, base_url):
    page.goto(base_url + "/?q=*&limit=4")
    first_page = page.inner_text(".hits")
    page.click("#next")
    page.wait_for_url("**page=2**")
    assert page.inner_text(".hits") != first_page
    page.go_back()
    assert "page" not in params(page) and page.inner_text(".hits") == first_page
    page.go_forward()
    assert params(page)["page"] == ["2"]


def test_open_an_article_and_follow_an_entity(page, base_url):
    page.goto(base_url + "/?q=cruise")
    page.click(".hit .headline")
    page.wait_for_selector("#headline")
    assert "/articles/" in page.url and page.locator(".body mark").count() > 0
    link = page.locator(".body a.entity").first
    field_value = link.get_attribute("title")
    link.click()
    page.wait_for_selector("#total")
    assert params(page)["filter"][0].split("=")[0] == field_value.split(":")[0]
    assert page.locator(".hit").count() >= 1


def test_download_an_export(page, base_url):
    page.goto(base_url + "/?q=oil")
    with page.expect_download() as info:
        page.click("text=CSV")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == 8 and all(row["id"] for row in rows)


def test_hostile_article_runs_no_script(page, base_url):
    page.goto(f"{base_url}/articles/{web_fixture.HOSTILE_ID}?q=harbour")
    page.goto(f"{base_url}/?q=harbour")
    page.goto(f"{base_url}/articles/{web_fixture.HOSTILE_ID}")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None and not page.dialogs
    assert "<script>" in page.inner_text("#headline")  # shown as text
    assert page.locator(".body img, .body svg, .body script").count() == 0


def test_phone_width_and_no_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(base_url + "/")
    page.fill("#q", "oil")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit").count() == 8
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1  # no sideways scrolling
    brand, nav = page.locator(".brand").bounding_box(), page.locator("header.top nav").bounding_box()
    assert brand["x"] + brand["width"] + 8 <= nav["x"] or brand["y"] + brand["height"] <= nav["y"]  # apart
    context.close()


def test_screenshots_on_the_real_corpora(browser, corpus_index):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for url in serve(corpus_index[0]):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url + "/?q=coffee&filter=places=brazil&sort=relevance")
        page.screenshot(path=str(SCREENSHOTS / "search.png"))
        page.click(".hit .headline")
        page.wait_for_selector("#headline")
        page.screenshot(path=str(SCREENSHOTS / "article.png"))
        page.close()
    assert (SCREENSHOTS / "search.png").stat().st_size > 10_000
