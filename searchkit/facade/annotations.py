"""`Archive`'s methods over the user's data: tags and notes on articles, saved searches and `watch`
(the logic is in `workflow`, the storage in `userdata`)."""
from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any, Iterable

from ..errors import QueryError
from ..model import FacetValue
from . import workflow
from .core import ArchiveCore
from .userdata import Note, SavedSearch, check_name, check_note


class Annotations(ArchiveCore):
    """Tags, notes, saved searches and watch (see `Archive`)."""

    def tag(self, article_ids: Iterable[str], *, add: Iterable[str] = (),
            remove: Iterable[str] = ()) -> list[str]:
        """Add and remove tags on articles, in one transaction; returns the ids changed (each once).
        QueryError for a malformed tag (one word of letters, digits, `-`, `_`, `.`), ArchiveError
        for an id the index lacks: then nothing changes. Tags are lower-cased."""
        added, removed = workflow.check_tags(add), workflow.check_tags(remove)
        if not added and not removed:
            raise QueryError("nothing to do: give a tag to add or to remove")
        ids = workflow.existing_ids(self, article_ids)
        self._userdata.tag(ids, added, removed)
        return ids

    def tag_query(self, query: str, *, add: Iterable[str] = (), remove: Iterable[str] = (),
                  date_from: str | date | None = None, date_to: str | date | None = None,
                  filters: dict[str, list[str] | str] | None = None, confirm: bool = False) -> int:
        """Tag every article matching a search; returns how many. More than
        `workflow.BULK_CONFIRM` articles need `confirm=True` (else QueryError saying how many)."""
        added, removed = workflow.check_tags(add), workflow.check_tags(remove)
        if not added and not removed:
            raise QueryError("nothing to do: give a tag to add or to remove")
        total = self.search(query, date_from=date_from, date_to=date_to, filters=filters, limit=0,
                            snippets=False).total
        if total > workflow.BULK_CONFIRM and not confirm:
            raise QueryError(f"the query matches {total:,} articles (more than {workflow.BULK_CONFIRM}): "
                             f"confirm to tag them all (the CLI's --yes)")
        ids = [a.id for a in self.export(query, date_from=date_from, date_to=date_to, filters=filters)]
        self._userdata.tag(ids, added, removed)
        return len(ids)

    def tags_of(self, article_id: str) -> list[str]:
        """The article's tags, sorted."""
        return self._userdata.tags_of([article_id]).get(article_id, [])

    def tags(self) -> list[FacetValue]:
        """Every tag in use with its number of articles, most used first."""
        return [FacetValue(tag, n) for tag, n in self._userdata.tag_counts()]

    def note(self, article_id: str, text: str | None) -> None:
        """Set the article's note (one per article; empty or None removes it). QueryError above
        `userdata.MAX_NOTE_CHARS` characters; ArchiveError for an id the index lacks."""
        text = check_note(text or "")
        workflow.existing_ids(self, [article_id])
        self._userdata.set_note(article_id, text)

    def note_of(self, article_id: str) -> str:
        return self._userdata.notes_of([article_id]).get(article_id, "")

    def notes(self) -> list[Note]:
        """Every note, most recently edited first."""
        return self._userdata.notes()

    def annotations(self, article_id: str) -> dict[str, Any]:
        """`{"tags": [...], "notes": "..."}` of an article (for `show` and `export`)."""
        if not self._userdata.available:
            return {"tags": [], "notes": ""}
        return {"tags": self.tags_of(article_id), "notes": self.note_of(article_id)}

    def save_search(self, name: str, query: str, *, date_from: str | None = None,
                    date_to: str | None = None,
                    filters: dict[str, list[str] | str] | None = None, sort: str = "newest",
                    replace: bool = False) -> SavedSearch:
        """Save a search under a name (QueryError if the name is taken, unless `replace`). The
        query and options are checked by running it once."""
        name = check_name(name)
        self.search(query, date_from=date_from, date_to=date_to, filters=filters, sort=sort, limit=0,
                    snippets=False)
        options: dict[str, Any] = {"sort": sort}
        if date_from:
            options["date_from"] = str(date_from)
        if date_to:
            options["date_to"] = str(date_to)
        if filters:
            options["filters"] = {k: [v] if isinstance(v, str) else list(v) for k, v in filters.items()}
        saved = SavedSearch(name, query, options, created=time.time())
        self._userdata.save_search(saved, replace)
        return saved

    def saved_searches(self) -> list[SavedSearch]:
        return self._userdata.saved_searches()

    def unsave(self, name: str) -> None:
        """Forget a saved search (QueryError if there is none by that name)."""
        self._userdata.unsave(name)

    def watch(self, names: Iterable[str] | None = None, *, since: str | date | datetime | None = None,
              limit: int = 20, mark: bool = True, until: float | None = None) -> list[workflow.WatchResult]:
        """For each saved search (or those named): the matches first indexed since it was last
        watched (else since it was saved), or since `since` (a date or time, UTC); each result's
        `new` counts them, its hits are the first `limit` in the search's sort. `mark` records this
        run as each search's last watch. `until` (epoch seconds, as a result's `until`) leaves out
        articles indexed after it: marking what a page showed marks nothing indexed since."""
        return workflow.watch(self, self._userdata, names, since, limit, mark, until)
