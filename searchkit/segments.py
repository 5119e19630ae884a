"""Fast indexing: worker processes write whole Whoosh segments through Whoosh's own codec.

Whoosh's default writer spends most of an indexing run merging segments at each commit and sorting
postings through temporary run files. Here a batch of articles is cut into runs of `segment_size`
consecutive articles; run k goes to worker k % workers, which analyses each document with the
schema's own fields (`field.index`, as `SegmentWriter.add_document` does), keeps the postings in
memory and writes the run as one segment with `codec.field_writer(...).add_postings`, the very code
that encodes blocks in Whoosh's own flush. The parent holds the index's WRITELOCK for the whole
batch, marks replaced articles as deleted in their old segments, and makes everything visible at
once by writing the next table of contents (TOC) listing the old segments and the new ones in run
order. So documents are numbered in reading order, as with the default writer, and relevance ties
come out in the same order.

Crash safety is Whoosh's: segment files are written first and the TOC last, so a killed or failed
batch leaves the previous commit; its stray files are removed by the next commit (`clean_files`).
Workers are forked when indexing starts, before the WRITELOCK is taken (a forked child would share
the lock's open file and keep it after its parent's death), and end with the run or when their
parent dies.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import queue
from collections import defaultdict
from typing import Any, Iterator

from whoosh import index
from whoosh.codec import default_codec
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.util.filelock import try_for

# Documents per message to a worker: fewer, larger pickles.
_CHUNK = 200
# How often an idle worker checks that its caller is still alive (seconds).
_POLL = 1.0

Document = dict[str, Any]


class WorkerError(Exception):
    """A worker failed; `cause` is its exception (an OSError for a full disk)."""

    def __init__(self, cause: BaseException):
        super().__init__(repr(cause))
        self.cause = cause


class _SegmentBuilder:
    """One segment being built in a worker: stored fields and columns written as documents come,
    postings kept in memory (field -> term bytes -> [(docnum, weight, value bytes)]) until `finish`."""

    def __init__(self, storage: FileStorage, schema: Schema, indexname: str):
        self._storage, self._schema = storage, schema
        self._codec = default_codec()
        self.segment = self._codec.new_segment(storage, indexname)
        self._perdoc = self._codec.per_document_writer(storage, self.segment)
        self._postings: dict[str, dict[bytes, list]] = defaultdict(lambda: defaultdict(list))
        self._docnum = 0

    def add(self, doc: Document) -> None:
        # As SegmentWriter.add_document, for what this schema uses (no boosts, vectors or spelling
        # fields: checked by `_check_schema`).
        docnum, schema, perdoc = self._docnum, self._schema, self._perdoc
        perdoc.start_doc(docnum)
        for name in sorted(doc):
            value = doc[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                terms = self._postings[name]
                scorable = field.scorable
                for tbytes, freq, weight, vbytes in field.index(value):
                    if scorable:
                        length += freq
                    # `* 1.0`: the default writer multiplies by the (unit) field boost.
                    terms[tbytes].append((docnum, weight * 1.0, vbytes))
            perdoc.add_field(name, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._docnum += 1

    def _items(self) -> Iterator[tuple]:
        """Postings in the order the codec requires: field, term bytes, document number."""
        for name in sorted(self._postings):
            terms = self._postings[name]
            for tbytes in sorted(terms):
                for docnum, weight, vbytes in terms[tbytes]:
                    yield name, tbytes, docnum, weight, vbytes

    def finish(self):
        """Write the postings and close the segment's files; returns the Segment."""
        self._perdoc.close()
        # Before any reader opens the segment (the BM25 block statistics read the lengths back).
        self.segment.set_doc_count(self._docnum)
        lengths = self._codec.per_document_reader(self._storage, self.segment) \
            if self._codec.length_stats else None
        fields = self._codec.field_writer(self._storage, self.segment)
        fields.add_postings(self._schema, lengths, self._items())
        fields.close()
        if lengths is not None:
            lengths.close()
        self._postings.clear()
        return self.segment


def _check_schema(schema: Schema) -> None:
    for name, field in schema.items():
        if field.vector or field.separate_spelling():
            raise ValueError(f"field {name!r}: term vectors and spelling fields are not supported "
                             f"by the segment writer")


def _worker(folder: str, indexname: str, schema: Schema, inbox, outbox) -> None:
    """Builds segments from ("docs", run, [documents]) messages. At ("flush", batch) it finishes
    its segment and answers ("flushed", batch, {run: Segment}); an error is answered ("error",
    exception) at the next flush. Runs until ("stop",) or until its caller has died."""
    # Indexing makes millions of small objects and almost no reference cycles (see Archive._write).
    gc.disable()
    parent = os.getppid()
    storage = FileStorage(folder)
    builder: _SegmentBuilder | None = None
    done: dict[int, Any] = {}
    run = -1
    error: Exception | None = None
    while True:
        try:
            message = inbox.get(timeout=_POLL)
        except queue.Empty:
            if os.getppid() != parent:  # the caller was killed
                return
            continue
        if message[0] == "stop":
            return
        try:
            if message[0] == "flush":
                if builder is not None and error is None:
                    done[run] = builder.finish()
                outbox.put(("error", error) if error is not None else ("flushed", message[1], done))
                builder, done, error = None, {}, None
            elif error is None:
                if builder is not None and message[1] != run:
                    done[run] = builder.finish()
                    builder = None
                if builder is None:
                    builder, run = _SegmentBuilder(storage, schema, indexname), message[1]
                for doc in message[2]:
                    builder.add(doc)
        except Exception as exc:  # the rest of the batch is skipped; the caller cancels it
            error = exc


class Workers:
    """Worker processes, forked once per `Archive.add` run (before the caller's memory grows, so
    they share little with it) and reused for each batch."""

    def __init__(self, folder: str, indexname: str, schema: Schema, count: int):
        _check_schema(schema)
        # fork, not spawn or forkserver: those re-run the caller's main module in each worker.
        ctx = multiprocessing.get_context("fork")
        self._outbox = ctx.Queue()
        self._inboxes = [ctx.Queue() for _ in range(count)]
        self._procs = [ctx.Process(target=_worker, daemon=True,
                                   args=(folder, indexname, schema, inbox, self._outbox))
                       for inbox in self._inboxes]
        for proc in self._procs:
            proc.start()
        self.closed = False

    def __len__(self) -> int:
        return len(self._procs)

    def send(self, worker: int, run: int, docs: list[Document]) -> None:
        self._inboxes[worker].put(("docs", run, docs))

    def flush(self, batch: int) -> None:
        """Asks every worker to finish its segments of `batch` (answers come through `receive`)."""
        for inbox in self._inboxes:
            inbox.put(("flush", batch))

    def receive(self, block: bool) -> tuple[int, dict[int, Any]] | None:
        """One worker's finished segments of a batch: (batch, {run: Segment}), or None if none
        is ready and not `block`."""
        while True:
            try:
                message = self._outbox.get(block, _POLL)
                break
            except queue.Empty:
                if not block:
                    return None
                if not all(proc.is_alive() for proc in self._procs):
                    raise WorkerError(ChildProcessError("an indexing process died"))
        if message[0] == "error":
            raise WorkerError(message[1])
        return message[1], message[2]

    def stop(self) -> None:
        for inbox in self._inboxes:
            inbox.put(("stop",))
        for proc in self._procs:
            proc.join()
        self._close_queues()

    def kill(self) -> None:
        for proc in self._procs:
            proc.kill()
            proc.join()
        self._close_queues()

    def _close_queues(self) -> None:
        self.closed = True
        for q in self._inboxes + [self._outbox]:
            q.close()
            q.cancel_join_thread()  # what a stopped worker did not read does not matter


class SegmentsWriter:
    """Writes batches of documents as new segments in the workers' processes, holding the
    WRITELOCK until `close`. `commit` ends a batch without waiting: the batch becomes visible
    (its segments and the deletions of the documents it replaces, in one new TOC) as soon as every
    worker has finished it, while the next batch is being read; batches become visible in order.
    At most two batches are in progress, so memory stays bounded when reading outpaces indexing."""

    def __init__(self, ix: index.FileIndex, timeout: float, workers: Workers, segment_size: int):
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

    def _write_toc(self, replaced: list[str], new: list) -> None:
        self._delete(replaced)
        segments = self._segments + new
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
