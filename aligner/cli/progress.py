"""Progress of the long commands on stderr (stdout stays the command's output).

On a terminal: a rich spinner with the current step (reading, loading the model and encoding,
aligning), and a bar with a count once the number of items is known. Without a terminal (CI, a
pipe, a log file): one plain line per step and at most one count line every ``PLAIN_EVERY``
seconds, so a log shows what is happening without drowning in redraws; nothing in the first
``PLAIN_AFTER`` seconds, so a command that fails at once prints its one ``error:`` line alone.
``--quiet``: nothing.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

import typer

PLAIN_EVERY = 5.0
PLAIN_AFTER = 1.0

QuietOpt = typer.Option(False, "--quiet", "-q", help="No progress and no summary on stderr (errors and warnings stay).")


class Progress:
    """``with Progress(quiet) as show: show.step("aligning"); show.count(2, 5, "pairs")``."""

    def __init__(self, quiet: bool = False, *, live: bool | None = None, console: Any = None) -> None:
        self.quiet = quiet
        self.console = console  # a rich Console for the live display (default: one on stderr)
        self.live = sys.stderr.isatty() if live is None else live
        self._rich: Any = None
        self._task: Any = None
        self._last_step = ""
        self._last_plain = 0.0
        self._start = time.monotonic()

    def __enter__(self) -> Progress:
        if self.live and not self.quiet:
            from rich.console import Console
            from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._rich = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                      TextColumn("{task.fields[n]}"), TimeElapsedColumn(),
                                      console=self.console or Console(stderr=True), transient=True)
            self._rich.start()
            self._task = self._rich.add_task("starting", total=None, n="")
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None

    def step(self, what: str) -> None:
        """A step whose length is unknown (spinner)."""
        if self.quiet or what == self._last_step:
            return
        self._last_step = what
        if self._rich is not None:
            self._rich.update(self._task, description=what, total=None, completed=0, n="")
        else:
            self._plain(f"{what}...")

    def count(self, done: int, total: int, what: str, detail: str = "") -> None:
        """``done`` of ``total`` items (a bar); ``detail`` (a rate, an ETA) follows the count."""
        if self.quiet:
            return
        if self._rich is not None:
            self._rich.update(self._task, description=what, total=total, completed=done,
                              n=f"{done}/{total} {detail}".rstrip())
            return
        now = time.monotonic()
        if what != self._last_step or done == total or now - self._last_plain >= PLAIN_EVERY:
            self._last_step = what
            self._plain(f"{what}: {done}/{total}" + (f", {detail}" if detail else ""))

    def info(self, line: str) -> None:
        """A summary line on stderr (left out with ``--quiet``)."""
        if not self.quiet:
            if self._rich is not None:
                self._rich.console.print(line, highlight=False, markup=False, soft_wrap=True)
            else:
                typer.echo(line, err=True)

    def _plain(self, line: str) -> None:
        now = time.monotonic()
        if now - self._start >= PLAIN_AFTER:
            self._last_plain = now
            typer.echo(line, err=True)
