"""Progress displays for ``dagabaaz run``: a live table on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, TextIO

from dagabaaz.cli._reasons import one_line, short_reason
from dagabaaz.loading import CLI_EXTRA_HINT
from dagabaaz.runner import (
    NodeFinished,
    NodeStarted,
    NodeStatus,
    RunEvent,
    RunFinished,
    TaskFinished,
)

__all__ = ["Display", "LiveDisplay", "PlainDisplay", "choose_display"]


class Display:
    """Receives run events; a context manager around the run."""

    def __call__(self, event: RunEvent) -> None:
        """Show one event."""

    def __enter__(self) -> Display:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        return None


class PlainDisplay(Display):
    """One line per node start, task failure and node end; fit for logs and CI."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: RunEvent) -> None:
        """Print the line for ``event``, if it has one."""
        line = _plain_line(event)
        if line is not None:
            print(line, file=self.stream, flush=True)


def _plain_line(event: RunEvent) -> str | None:
    if isinstance(event, NodeStarted):
        return f"{event.slug}: started ({event.plugin}, {_tasks(event.task_total)})"
    if isinstance(event, TaskFinished) and not event.ok:
        return f"{event.slug}: task {event.task_id} failed: {event.error}"
    if isinstance(event, NodeFinished):
        line = (
            f"{event.slug}: {event.status.value} "
            f"({_tasks(event.task_count)}, {event.elapsed_seconds:.2f} s)"
        )
        # A failure's error was on its task's line just before: no need to repeat it.
        failure = event.status in (NodeStatus.FAILED, NodeStatus.CRASHED)
        reason = None if failure else short_reason(event.status.value, event.reason)
        return line if reason is None else f"{line} {reason}"
    return None


def _tasks(count: int) -> str:
    return f"{count} task{'' if count == 1 else 's'}"


_STATUS_STYLE = {
    "completed": "green",
    "mixed": "yellow",
    "failed": "red",
    "crashed": "red",
    "cancelled": "yellow",
    "skipped": "dim",
    "filtered": "dim",
    "not_run": "dim",
}


class LiveDisplay(Display):
    """A live rich table: one row per node with its tasks done of total and its status."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[status]}"),
            console=Console(file=stream),
        )
        self.rows: dict[str, Any] = {}
        self.escape = escape  # slugs and reasons are shown as text, never read as markup

    def __call__(self, event: RunEvent) -> None:
        """Update the table for ``event``."""
        if isinstance(event, NodeStarted):
            self.rows[event.slug] = self.progress.add_task(
                self.escape(one_line(event.slug, 40)), total=event.task_total, status="running"
            )
        elif isinstance(event, TaskFinished) and event.slug in self.rows:
            self.progress.update(self.rows[event.slug], completed=event.done)
        elif isinstance(event, NodeFinished) and event.slug in self.rows:
            style = _STATUS_STYLE.get(event.status.value, "")
            status = f"[{style}]{event.status.value}[/]" if style else event.status.value
            reason = short_reason(event.status.value, event.reason)
            if reason is not None:
                status += f" [dim]{self.escape(reason)}[/]"
            self.progress.update(self.rows[event.slug], completed=event.task_count, status=status)
        elif isinstance(event, RunFinished):
            self.progress.refresh()

    def __enter__(self) -> LiveDisplay:
        self.progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.progress.stop()


def choose_display(*, quiet: bool, stream: TextIO | None = None) -> Display:
    """Pick the display: none when ``quiet``, live on a terminal with rich, else plain lines."""
    stream = stream or sys.stdout
    if quiet:
        return Display()
    if not stream.isatty():
        return PlainDisplay(stream)
    try:
        return LiveDisplay(stream)
    except ImportError:
        print(
            f"note: the live progress display needs rich ({CLI_EXTRA_HINT}); showing plain lines",
            file=sys.stderr,
        )
        return PlainDisplay(stream)
