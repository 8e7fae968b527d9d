"""How long work tells the one who waits: a library function that loops over organisations,
sheets or messages calls `progress(done, total)`; the CLI decides whether and how to show it
(a bar on a terminal, nothing for `--json` or a redirected output)."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


def silent(done: int, total: int) -> None:
    """The default: a library call made by a script or a test shows nothing."""


class Steps:
    """A fixed number of steps, reported one by one."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress, self.total, self.done = progress, max(total, 1), 0

    def advance(self, by: int = 1) -> None:
        self.done = min(self.done + by, self.total)
        self.progress(self.done, self.total)

    def part(self, start: int) -> Progress:
        """A sub-task's own progress (done of its total) mapped onto these steps from `start`."""

        def report(done: int, total: int) -> None:
            self.done = min(start + done, self.total)
            self.progress(self.done, self.total)

        return report
