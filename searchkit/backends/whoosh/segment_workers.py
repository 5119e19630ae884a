"""The worker processes that build and merge segments (`SegmentBuilder`, `merger.merge`), forked once
per indexing run."""
from __future__ import annotations

import gc
import multiprocessing
from typing import Any

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage

from ...indexing.workers import answer_from, close_queues, messages_from, start_worker
from .merger import merge
from .segment_builder import Document, SegmentBuilder, check_schema


class WorkerError(Exception):
    """A worker failed; `cause` is its exception (an OSError for a full disk)."""

    def __init__(self, cause: BaseException):
        super().__init__(repr(cause))
        self.cause = cause


def _worker(folder: str, indexname: str, schema: Schema, inbox, outbox) -> None:
    """Builds segments from ("docs", run, [documents]) messages. At ("flush", batch) it finishes
    its segment and answers ("flushed", batch, {run: Segment}); an error is answered ("error",
    exception) at the next flush. ("merge", job, [Segment]) is answered ("merged", job, Segment)
    or ("error", exception). Runs until ("stop",) or until its caller has died."""
    start_worker()
    # Indexing makes millions of small objects and almost no reference cycles (see Archive._write).
    gc.disable()
    storage = FileStorage(folder)
    builder: SegmentBuilder | None = None
    done: dict[int, Any] = {}
    run = -1
    error: Exception | None = None
    for message in messages_from(inbox):
        if message[0] == "stop":
            return
        try:
            if message[0] == "merge":
                _, job, segments = message
                outbox.put(("merged", job, merge(storage, schema, indexname, segments)))
            elif message[0] == "flush":
                if builder is not None and error is None:
                    done[run] = builder.finish()
                outbox.put(("error", error) if error is not None else ("flushed", message[1], done))
                builder, done, error = None, {}, None
            elif error is None:
                if builder is not None and message[1] != run:
                    done[run] = builder.finish()
                    builder = None
                if builder is None:
                    builder, run = SegmentBuilder(storage, schema, indexname), message[1]
                for doc in message[2]:
                    builder.add(doc)
        except Exception as exc:  # the rest of the batch is skipped; the caller cancels it
            if message[0] == "merge":
                outbox.put(("error", exc))
            else:
                error = exc


class SegmentWorkers:
    """Worker processes, forked once per `Archive.add` run (before the caller's memory grows, so
    they share little with it) and reused for each batch."""

    def __init__(self, folder: str, indexname: str, schema: Schema, count: int):
        check_schema(schema)
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

    def merge(self, worker: int, job: int, segments: list) -> None:
        """Asks a worker to merge `segments` into one (the answer comes through `receive`)."""
        self._inboxes[worker].put(("merge", job, segments))

    def receive(self, block: bool) -> tuple[int, Any] | None:
        """One worker's answer: (batch, {run: Segment}) for a flush, (job, Segment) for a merge;
        None if none is ready and not `block`."""
        try:
            message = answer_from(self._outbox, self._procs, block)
        except ChildProcessError:
            raise WorkerError(ChildProcessError("an indexing process died")) from None
        if message is None:
            return None
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
        close_queues(self._inboxes + [self._outbox])
