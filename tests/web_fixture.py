"""A small archive for the web tests: the example archive plus a hostile article written here."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from searchkit import Archive
from searchkit.model import Article

from .conftest import EXAMPLES

HOSTILE_ID = "hostile-1"
# Every kind of markup an article could try to smuggle into a page, plus bidi and control
# characters and a 1 MB headline.
HOSTILE = Article(
    id=HOSTILE_ID,
    headline="<script>window.__pwned = 1; alert('h')</script><img src=x onerror=\"alert('i')\">"
             + "\u202egnp.exe \x1b[31m" + "harbour " * 131072,
    body="Harbour news <script>alert('b')</script> and <a href=\"javascript:alert('j')\">a link</a>.\n\n"
         "<img src=x onerror=\"window.__pwned = 2\"> \u202eevil\u202c \x07bell \x00nul <svg onload=alert(1)>",
    published=datetime(2021, 5, 4), source="<b>hostile</b>", section="<i>x</i>",
    people=["<script>alert('p')</script>"], places=["javascript:alert(1)"],
)


def build(path: Path) -> Path:
    """Indexes the example archive and the hostile article into `path`."""
    with Archive(path, procs=0) as archive:
        summary = archive.add([EXAMPLES])
        assert summary.failed == 0 and summary.added == 13, summary
        assert archive.add([HOSTILE]).added == 1
    return path
