"""Reading many files on all cores: workers return plain results, one writer keeps the ledger."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from .inbox import Item
from .parse import ParsedFile, parse_file
from .safety import Limits
from .workspace import Workspace

_STATE: dict = {}
SMALL_BATCH = 40


def _init(specs, registry, labels, limits) -> None:
    _STATE.update(specs=specs, registry=registry, labels=labels, limits=limits)


def _parse_chunk(items: list[Item]) -> list[ParsedFile]:
    return [
        parse_file(i, _STATE["specs"], _STATE["registry"], _STATE["labels"], _STATE["limits"])
        for i in items
    ]


def parallel_parser(
    ws: Workspace, jobs: int | None, limits: Limits | None = None
) -> Callable[[list[Item]], list[ParsedFile]]:
    """A parse function for `ingest`: in-process for small batches, a process pool otherwise."""
    limits = limits or Limits()
    registry = ws.by_bin
    labels = {k: v.both for k, v in ws.campaign.org_types.items()}
    workers = jobs or os.cpu_count() or 1

    def parse(items: list[Item]) -> list[ParsedFile]:
        if workers <= 1 or len(items) < SMALL_BATCH:
            return [parse_file(i, ws.specs, registry, labels, limits) for i in items]
        size = max(8, len(items) // (workers * 4))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        with ProcessPoolExecutor(
            workers, initializer=_init, initargs=(ws.specs, registry, labels, limits)
        ) as pool:
            return [pf for chunk in pool.map(_parse_chunk, chunks) for pf in chunk]

    return parse
