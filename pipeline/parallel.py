"""Reading many files on all cores: workers read and check chunks, one writer keeps the ledger."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

from .batch import BatchContext, read_and_check
from .inbox import Item
from .parse import ParsedFile
from .safety import Limits
from .workspace import Workspace

_STATE: dict = {}
SMALL_BATCH = 40
CHUNKS_PER_WORKER = 3
"""Fewer chunks mean fewer pandera calls (each costs ~5 ms per return and period); more
chunks let the ledger be written sooner, while the other chunks are still being read."""


def _init(context: BatchContext) -> None:
    _STATE["context"] = context


def _chunk(items: list[Item]) -> list[ParsedFile]:
    return read_and_check(items, _STATE["context"])


def parallel_reader(
    ws: Workspace,
    jobs: int | None,
    limits: Limits | None = None,
    *,
    min_batch: int = SMALL_BATCH,
    chunk: int | None = None,
) -> Callable[[list[Item]], Iterator[list[ParsedFile]]]:
    """A reader for `ingest`: in-process for small batches (starting processes would cost
    more), a process pool otherwise, handing over chunks of `chunk` files as they are done."""
    context = BatchContext.of(ws, limits)
    workers = jobs or os.cpu_count() or 1

    def read(items: list[Item]) -> Iterator[list[ParsedFile]]:
        if workers <= 1 or len(items) < min_batch:
            yield read_and_check(items, context)
            return
        size = chunk or max(8, math.ceil(len(items) / (workers * CHUNKS_PER_WORKER)))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(context,)) as pool:
            yield from pool.map(_chunk, chunks)

    return read
