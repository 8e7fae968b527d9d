"""Reading many files on all cores: workers read and check chunks, one writer keeps the ledger."""

from __future__ import annotations

import faulthandler
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from loguru import logger

from pipeline.core.messages import render
from pipeline.files.safety import Limits
from pipeline.intake.batch import BatchContext, read_and_check
from pipeline.intake.inbox import Item
from pipeline.intake.parse import ParsedFile
from pipeline.specs.problems import Problem
from pipeline.specs.workspace import Workspace

_STATE: dict = {}
SMALL_BATCH = 1
"""Even one file is read in a worker process: a file that kills its reader (a compiled
reader aborting on a hostile workbook) must not take the ingest with it. Starting the
workers costs ~50 ms."""
CHUNKS_PER_WORKER = 3
"""Fewer chunks mean fewer validation calls (each costs a few ms per return and period); more
chunks let the ledger be written sooner, while the other chunks are still being read."""


START = None
"""How worker processes start (a `multiprocessing` context); None: the platform's default.
Tests that inherit a patched function into the workers ask for "fork" here."""


def use_start_method(method: str) -> None:
    """Start the reader processes this way from now on: a server answering in threads asks
    for "spawn", since forking a process that has threads can copy a lock another thread
    holds into the child, which then waits on it forever."""
    global START
    START = multiprocessing.get_context(method)


def _init(context: BatchContext) -> None:
    """A worker reads hostile files: if one kills it, the ingest answers that file. The
    fault handler a test runner may have enabled would only print a crash dump over that
    answer, so a worker goes without it."""
    _STATE["context"] = context
    faulthandler.disable()


def _chunk(items: list[Item]) -> list[ParsedFile]:
    return read_and_check(items, _STATE["context"])


def parallel_reader(
    workspace: Workspace,
    jobs: int | None,
    limits: Limits | None = None,
    *,
    min_batch: int = SMALL_BATCH,
    chunk: int | None = None,
) -> Callable[[list[Item]], Iterator[list[ParsedFile]]]:
    """A reader for `ingest`: in-process for small batches (starting processes would cost
    more), a process pool otherwise, handing over chunks of `chunk` files as they are done."""
    context = BatchContext.of(workspace, limits)
    workers = max(jobs or os.cpu_count() or 1, 1)  # one core still reads in a process of its own

    def read(items: list[Item]) -> Iterator[list[ParsedFile]]:
        if not items or len(items) < min_batch:
            yield read_and_check(items, context)
            return
        size = chunk or max(8, math.ceil(len(items) / (workers * CHUNKS_PER_WORKER)))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        done = 0
        try:
            with ProcessPoolExecutor(
                workers, mp_context=START, initializer=_init, initargs=(context,)
            ) as pool:
                for parsed in pool.map(_chunk, chunks):
                    yield parsed
                    done += 1
        except BrokenProcessPool:
            logger.error("a reader process died; the rest is read one file per process")
            for rest in chunks[done:]:
                yield [_alone(item, context) for item in rest]

    return read


def _alone(item: Item, context: BatchContext) -> ParsedFile:
    """One file in a process of its own, after a reader process died (killed, or crashed in
    compiled code): the file that kills it is answered and archived, the others go on."""
    try:
        with ProcessPoolExecutor(
            1, mp_context=START, initializer=_init, initargs=(context,)
        ) as pool:
            return pool.submit(_chunk, [item]).result()[0]
    except BrokenProcessPool:
        logger.error("reading {} stopped its process", item.name)
        parsed = ParsedFile(item)
        message = render("internal_error", detail="reader stopped")
        parsed.problems.append(Problem.of(message))
        return parsed
