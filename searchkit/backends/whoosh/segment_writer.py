"""Fast indexing: worker processes write whole Whoosh segments through Whoosh's own codec.

Whoosh's default writer spends most of an indexing run merging segments at each commit and sorting
postings through temporary run files. Here a batch of articles is cut into runs of `segment_size`
consecutive articles; run k goes to worker k % workers, which analyses each document with the
schema's own fields (`field.index`, as `SegmentWriter.add_document` does), keeps the postings in
memory and writes the run as one segment: the same bytes as Whoosh's own flush, with posting blocks
filled at once (`postings`). The parent holds the index's WRITELOCK for the whole
run, marks replaced articles as deleted in their old segments, and makes each batch visible at
once by writing the next table of contents (TOC) listing the old segments and the new ones in run
order. So documents are numbered in reading order, as with the default writer, and relevance ties
come out in the same order. At the end of a run, adjacent segments of about the same size are
merged ten at a time, in the workers (`merge_policy`, `merger`): a 200k-article run ends with 2
segments, not 20, and many small runs do not pile up segments.

Crash safety is Whoosh's: segment files are written first and the TOC last, so a killed or failed
batch or merge leaves the previous commit; its stray files are removed by the next commit
(`clean_files`). Workers are forked when indexing starts, before the WRITELOCK is taken (a forked
child would share the lock's open file and keep it after its parent's death), and end with the run
or when their parent dies.
"""
from __future__ import annotations

from typing import Any

from whoosh import index
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.util.filelock import try_for

from . import merge_policy
from .segment_builder import Document
from .segment_workers import SegmentWorkers

# Documents per message to a worker: fewer, larger pickles.
_CHUNK = 200


class SegmentBatchWriter:
    """Writes batches of documents as new segments in the workers' processes, holding the
    WRITELOCK until `close`. `commit` ends a batch without waiting: the batch becomes visible
    (its segments and the deletions of the documents it replaces, in one new TOC) as soon as every
    worker has finished it, while the next batch is being read; batches become visible in order.
    At most two batches are in progress, so memory stays bounded when reading outpaces indexing."""

    def __init__(self, ix: index.FileIndex, timeout: float, workers: SegmentWorkers, segment_size: int):
        self._storage, self._indexname = ix.storage, ix.indexname
        self._workers = workers
        self._segment_size = max(1, segment_size)
        self._lock = ix.lock("WRITELOCK")
        if not try_for(self._lock.acquire, timeout=timeout, delay=0.1):
            raise LockError
        self._closed = False
        try:
            toc = ix._read_toc()
        except BaseException:
            self._finish()
            raise
        self._schema, self._segments, self._generation = toc.schema, toc.segments, toc.generation
        self._replaced: list[str] = []
        self._added = 0  # documents of the current batch
        self._first_run = 0  # runs are numbered across batches: the TOC lists them in order
        self._pending: list[Document] = []  # of the current run, not sent yet
        self._batch = 0
        # batch -> [ids it replaces, {run: Segment}, workers that have answered]
        self._in_progress: dict[int, list] = {}

    def _run(self, n: int) -> int:
        return self._first_run + n // self._segment_size

    def add(self, doc: Document, replace: bool) -> None:
        if replace:
            self._replaced.append(doc["id"])
        run = self._run(self._added)
        self._pending.append(doc)
        self._added += 1
        if len(self._pending) >= _CHUNK or self._run(self._added) != run:
            self._send()

    def _send(self) -> None:
        if self._pending:
            run = self._run(self._added - 1)
            self._workers.send(run % len(self._workers), run, self._pending)
            self._pending = []
        self._collect(block=False)

    def commit(self) -> None:
        """Ends the current batch (it is committed in the background; see `close`)."""
        if not self._added:
            return
        self._send()
        self._workers.flush(self._batch)
        self._in_progress[self._batch] = [self._replaced, {}, 0]
        self._first_run = self._run(self._added - 1) + 1
        self._batch += 1
        self._replaced, self._added = [], 0
        while len(self._in_progress) > 2:
            self._collect(block=True)

    def close(self) -> None:
        """Commits the current batch, waits until every batch is visible, releases the lock."""
        self.commit()
        while self._in_progress:
            self._collect(block=True)
        self._merge()
        # Only now: `clean_files` deletes every segment file that the TOC does not list, such as
        # those of a batch still being written (and the leftovers of a killed run).
        index.clean_files(self._storage, self._indexname, self._generation, self._segments)
        self._finish()

    def _collect(self, block: bool) -> None:
        """Takes in finished segments; writes the TOC of each batch that is complete, in order."""
        while self._in_progress:
            answer = self._workers.receive(block)
            if answer is None:
                return
            batch, segments = answer
            entry = self._in_progress[batch]
            entry[1].update(segments)
            entry[2] += 1
            oldest = min(self._in_progress)
            while oldest in self._in_progress and self._in_progress[oldest][2] == len(self._workers):
                replaced, new, _ = self._in_progress.pop(oldest)
                self._write_toc(replaced, [new[k] for k in sorted(new)])
                oldest += 1
            if block:
                return

    def _merge(self) -> None:
        """Merges runs of adjacent small segments (`merge_policy.plan_merges`), in parallel in the workers,
        until none is left to merge; each round becomes visible in one new TOC."""
        while True:
            runs = merge_policy.plan_merges([segment.doc_count() for segment in self._segments])
            if not runs:
                return
            for job, (start, end) in enumerate(runs):
                self._workers.merge(job % len(self._workers), job, self._segments[start:end])
            merged: dict[int, Any] = {}
            while len(merged) < len(runs):
                answer = self._workers.receive(block=True)
                assert answer is not None  # (blocking: an answer or an error)
                job, segment = answer
                merged[job] = segment
            segments, kept = [], 0
            for job, (start, end) in enumerate(runs):
                segments += self._segments[kept:start] + [merged[job]]
                kept = end
            self._write_segments(segments + self._segments[kept:])

    def _write_toc(self, replaced: list[str], new: list) -> None:
        self._delete(replaced)
        self._write_segments(self._segments + new)

    def _write_segments(self, segments: list) -> None:
        generation = self._generation + 1
        index.TOC(self._schema, segments, generation).write(self._storage, self._indexname)
        self._segments, self._generation = segments, generation

    def _delete(self, replaced: list[str]) -> None:
        """Marks the earlier versions of replaced articles deleted in their segments (saved with
        the TOC, as Whoosh's own `delete_by_term` + commit do)."""
        if not replaced:
            return
        ids = sorted(replaced)
        for segment in self._segments:
            reader = SegmentReader(self._storage, self._schema, segment)
            try:
                for article_id in ids:
                    if ("id", article_id) in reader:
                        for docnum in reader.postings("id", article_id).all_ids():
                            segment.delete_document(docnum)
            finally:
                reader.close()

    def cancel(self) -> None:
        """Drops the batches not yet visible: the workers are killed (the caller starts new ones
        if it goes on); files already written are removed by the next commit."""
        if not self._closed:
            self._workers.kill()
            self._finish()

    def _finish(self) -> None:
        self._closed = True
        self._lock.release()
