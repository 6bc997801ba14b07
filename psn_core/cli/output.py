"""How `psn` prints: rich tables, status lines, progress and countdowns, and --json.

rich is imported inside the functions, never at module level, so `psn --help` does not load it.

- stdout carries the result (a table, lines, or JSON with --json); stderr carries status and notices,
  so ``psn queue --json | jq`` always reads JSON alone.
- Colour only on a terminal, never with ``NO_COLOR`` set (rich's own rules: https://no-color.org).
- Tables fit the terminal: cells wrap; a word longer than its column is cut with an ellipsis (…),
  never silently. When stdout is not a terminal there is no width to fit: lines are not wrapped
  (``COLUMNS`` still sets one, as rich reads it).
- Live displays (spinners, progress bars, countdowns) only draw on a terminal; elsewhere each wait
  prints one plain line on stderr, so logs stay readable.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console
    from rich.table import Table

# A pipe has no width; this keeps rich from wrapping at its default of 80 there.
UNBOUNDED = 100_000


def _width(stream: Any) -> int | None:
    if os.environ.get("COLUMNS", "").isdigit():
        return None  # rich reads COLUMNS itself
    isatty = getattr(stream, "isatty", None)
    return None if isatty is not None and isatty() else UNBOUNDED


_consoles: dict[bool, tuple[Any, Console]] = {}


def console(err: bool = False) -> Console:
    """The Console on stdout (results) or stderr (status, notices); one per stream (click's test runner
    swaps the streams: a new stream gets a new console)."""
    from rich.console import Console

    stream = sys.stderr if err else sys.stdout
    known = _consoles.get(err)
    if known is None or known[0] is not stream:
        made = Console(file=stream, stderr=err, width=_width(stream), highlight=False, soft_wrap=False)
        _consoles[err] = known = (stream, made)
    return known[1]


def is_live(err: bool = True) -> bool:
    """True when the stream is a terminal that can show spinners and countdowns."""
    return console(err).is_terminal and not console(err).is_dumb_terminal


def echo(text: str = "", *, err: bool = False, style: str | None = None) -> None:
    """One line of text (never parsed as markup: member-written text prints as it is)."""
    console(err).print(text, style=style, markup=False, highlight=False)


def notice(text: str) -> None:
    """A status or notice line on stderr (stdout stays clean for --json)."""
    echo(text, err=True, style="dim")


def table(
    columns: Sequence[str | tuple[str, dict[str, Any]]], rows: Sequence[Sequence[object]], *, title: str | None = None
) -> Table:
    """A table whose columns wrap to fit; ``columns`` are names or (name, rich Column options).

    Cells are plain text (no markup). Options often used: ``no_wrap=True`` for ids and times (cut with an
    ellipsis if even they do not fit), ``style``, ``justify``.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False, show_edge=False)
    for column in columns:
        name, options = (column, {}) if isinstance(column, str) else column
        t.add_column(name, **{"overflow": "fold", **options})
    for row in rows:
        t.add_row(*(cell if not isinstance(cell, str) else Text(cell) for cell in row))  # type: ignore[arg-type]
    return t


def print_table(
    columns: Sequence[str | tuple[str, dict[str, Any]]], rows: Sequence[Sequence[object]], *, title: str | None = None
) -> None:
    out = console()
    shown = table(columns, rows, title=title)
    fit(shown, out.width)
    # crop=False: should a table still be wider than the terminal (too many columns), the terminal wraps
    # it rather than rich cutting it off silently.
    out.print(shown, crop=False)


def fit(shown: Table, width: int) -> None:
    """Give each wrapping column a width so the table fits ``width`` columns.

    rich shrinks columns by itself, but gives up when its columns reach equal widths and then lets
    the table run wider than the terminal. Here the widest column gives a character at a time: first
    down to its longest word, then (folding words, or cutting them with an ellipsis) to 4 characters.
    """
    if width >= UNBOUNDED or not shown.columns:
        return
    from rich.console import Console
    from rich.measure import Measurement

    measuring = Console(width=UNBOUNDED, file=None, color_system=None)
    options = measuring.options
    columns = shown.columns
    avail = width - 3 * (len(columns) - 1)  # a space of padding each side and the divider between columns
    lows: list[int] = []
    widths: list[int] = []
    for column in columns:
        cells = [column.header, *column.cells]
        sizes = [Measurement.get(measuring, options, cell) for cell in cells]
        low, high = max(m.minimum for m in sizes), max(m.maximum for m in sizes)
        high = min(max(high, column.min_width or 0), column.max_width or high)
        lows.append(high if column.no_wrap else min(max(low, column.min_width or 0), high))
        widths.append(high)
    for floor in (lows, [w if c.no_wrap else min(w, 4) for w, c in zip(lows, columns, strict=True)]):
        while sum(widths) > avail:
            shrinkable = [i for i, w in enumerate(widths) if w > floor[i]]
            if not shrinkable:
                break
            widths[max(shrinkable, key=lambda i: widths[i])] -= 1
    for column, size in zip(columns, widths, strict=True):
        if not column.no_wrap:
            column.width = size


def styled(text: str, style: str) -> object:
    """A cell in a style (colour shows only where colour is allowed)."""
    from rich.text import Text

    return Text(text, style=style)


STATUS_STYLES = {
    "published": "green",
    "scheduled": "cyan",
    "publishing": "yellow",
    "pending_approval": "yellow",
    "failed": "bold red",
    "expired": "red",
    "needs_attention": "bold red",
    "cancelled": "dim",
    "ok": "green",
    "warn": "yellow",
    "fail": "bold red",
    "skip": "dim",
    "active": "green",
}


def status_cell(status: str) -> object:
    return styled(status, STATUS_STYLES.get(status, ""))


# --- JSON ----------------------------------------------------------------------------------------


def to_jsonable(value: object) -> object:
    """A pydantic model (or a list/dict of them) as JSON-ready data: ``model_dump(mode="json")``."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: BaseModel | object) -> None:
    """JSON on stdout, alone (no colour, no wrapping: it is for programs)."""
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


# --- waits ---------------------------------------------------------------------------------------


@contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner with ``message`` on stderr while the block runs (a plain line when not a terminal)."""
    if not is_live():
        notice(message)
        yield
        return
    with console(err=True).status(message, spinner="dots"):
        yield


class Countdown:
    """A countdown bar on stderr for a wait of ``seconds``: "message  ━━━━━━━━╸          ".

    ``update(description)`` refreshes it (the bar tracks the time itself); ``stop()`` ends it. Not a
    terminal: one line at the start saying how long, nothing else (logs stay readable).
    """

    def __init__(self, message: str, seconds: float) -> None:
        self.seconds = max(seconds, 0.1)
        self.started = time.monotonic()
        self._bar: Any = None
        if not is_live():
            notice(f"{message} (about {round(seconds)} s)")
            return
        from rich.progress import BarColumn, Progress, TextColumn

        columns = (TextColumn("{task.description}"), BarColumn(bar_width=None))
        self._bar = Progress(*columns, console=console(err=True), transient=True, expand=True)
        self._task = self._bar.add_task(message, total=self.seconds)
        self._bar.start()

    def update(self, description: str | None = None) -> None:
        if self._bar is None:
            return
        done = min(time.monotonic() - self.started, self.seconds)
        self._bar.update(self._task, completed=done, **({"description": description} if description else {}))

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@contextmanager
def countdown(message: str, seconds: float) -> Iterator[Countdown]:
    """:class:`Countdown` as a block."""
    shown = Countdown(message, seconds)
    try:
        yield shown
    finally:
        shown.stop()
