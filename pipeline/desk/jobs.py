"""Long steps of the desk (ingest, consolidate, report, letters) run in the background and
report their progress, which the page polls. One step that writes runs at a time per
desk: a second one asked for meanwhile is refused with a message, not queued behind a
spinner (the ledger's own lock keeps two desks or a desk and a command apart)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from pipeline.core.errors import AdalError
from pipeline.core.messages import render
from pipeline.core.text import Text

Work = Callable[[Callable[[int, int], None]], Any]


@dataclass
class Job:
    """One step asked for from the page: its progress, then its result or its error."""

    id: str
    kind: str
    state: str = "waiting"  # waiting | running | done | failed
    done: int = 0
    total: int = 0
    result: Any = None
    error: Text | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, done: int, total: int) -> None:
        with self.lock:
            self.done, self.total = done, total

    def as_json(self) -> dict:
        with self.lock:
            return {
                "id": self.id,
                "kind": self.kind,
                "state": self.state,
                "done": self.done,
                "total": self.total,
                "error": dict(self.error) if self.error else None,
            }


class Jobs:
    """The desk's background steps; `start` refuses a second writer while one runs."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._writing = threading.Lock()
        self._ids = itertools.count(1)

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def start(self, kind: str, work: Work) -> Job | None:
        """Run `work(progress)` in a thread; None when another step is writing."""
        if not self._writing.acquire(blocking=False):
            return None
        job = Job(f"{kind}-{next(self._ids)}", kind)
        self._jobs[job.id] = job
        thread = threading.Thread(target=self._run, args=(job, work), daemon=True)
        thread.start()
        return job

    def _run(self, job: Job, work: Work) -> None:
        job.state = "running"
        try:
            job.result = work(job.progress)
            job.state = "done"
        except AdalError as exc:  # a refusal the officer can act on, as the CLI says it
            job.error, job.state = Text(exc.kk, exc.ru), "failed"
        except Exception as exc:  # noqa: BLE001  the page answers; the log keeps the trace
            logger.exception("desk job {} failed", job.id)
            job.error = render("desk_job_failed", error=type(exc).__name__)
            job.state = "failed"
        finally:
            self._writing.release()
            job.finished.set()

    def wait(self, job: Job, timeout: float = 600.0) -> bool:
        """Block until the job ends (tests, and a script driving the desk)."""
        return job.finished.wait(timeout)
