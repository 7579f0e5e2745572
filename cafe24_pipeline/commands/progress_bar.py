"""A Rich progress bar for long CLI work, fed by `cafe24_pipeline.progress.report` from the cores."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from cafe24_pipeline import progress


@contextmanager
def progress_bar(console: Console, *, run_id: str | None = None, label: str = "") -> Iterator[None]:
    """Show a bar per reported task while the block runs (the run id first, so the UI can find it)."""
    if run_id:
        console.print(f"{label + ' ' if label else ''}run [bold]{run_id}[/] started", highlight=False)
    bar = Progress(
        TextColumn("  {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def listener(task: str, done: int, total: int | None) -> None:
        if task not in tasks:
            tasks[task] = bar.add_task(task, total=total)
        bar.update(tasks[task], completed=done, total=total)

    with bar, progress.listening(listener):
        yield
