"""psn_core.cli.output: tables that fit the terminal (wrapping, an ellipsis where a cell is cut), colour only
on a terminal and never with NO_COLOR, JSON alone on stdout, waits that say how long."""

from __future__ import annotations

import io
import json
import re
import sys
from datetime import UTC, datetime
from uuid import UUID

import pytest

from psn_core.cli import output

COLOUR = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|38;[0-9;]+|9[0-7])m")
SENTENCE = "the quick brown fox jumps over the lazy dog while psn keeps every single word of it"
WORDS = SENTENCE.split()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """stdout is a 40-column terminal (set in the test's body: pytest's capture resets sys.stdout after fixtures)."""
    stream = Terminal()
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "40")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return stream


def _rows() -> list[list[object]]:
    return [["1b2c3d4e5f6a7b8c9d0e", SENTENCE, output.status_cell("failed")]]


def test_a_table_wraps_to_the_terminal_and_keeps_every_word(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    output.print_table(["ID", "TEXT", "STATUS"], _rows())
    lines = COLOUR.sub("", terminal.getvalue()).splitlines()
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    assert plain and max(len(line) for line in plain) <= 40, plain
    assert len(plain) > 4  # it wrapped
    shown = " ".join(plain).split()
    assert all(word in shown for word in WORDS), plain


def test_a_cell_that_cannot_wrap_is_cut_with_an_ellipsis_never_silently(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    output.print_table(
        [("ID", {"no_wrap": True, "overflow": "ellipsis", "max_width": 10}), "TEXT"], [["1b2c3d4e5f6a7b8c", "ok"]]
    )
    plain = re.sub(r"\x1b\[[0-9;]*m", "", terminal.getvalue())
    assert "1b2c3d4e5…" in plain and "1b2c3d4e5f6" not in plain


def test_a_word_longer_than_its_column_folds_onto_the_next_line(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    address = "https://example.invalid/" + "a" * 60
    output.print_table(["ID", "TEXT"], [["x", address]])
    plain = re.sub(r"\x1b\[[0-9;]*m", "", terminal.getvalue()).splitlines()
    assert max(len(line) for line in plain) <= 40 and len(plain) > 3
    column = plain[0].index("TEXT")
    assert "".join(line[column:].strip() for line in plain[2:]) == address  # every character, in order


def test_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    output.print_table(["ID", "TEXT", "STATUS"], _rows())
    assert COLOUR.search(terminal.getvalue())


def test_no_colour_with_no_color_set(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    monkeypatch.setenv("NO_COLOR", "1")
    output.print_table(["ID", "TEXT", "STATUS"], _rows())
    assert "failed" in terminal.getvalue() and not COLOUR.search(terminal.getvalue())


def test_no_colour_and_no_wrapping_into_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    output.print_table(["ID", "TEXT", "STATUS"], _rows())
    assert "\x1b[" not in stream.getvalue()
    assert SENTENCE in stream.getvalue()  # one line, whole: a pipe has no width to fit


def test_member_text_is_printed_as_it_is_never_as_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    output.echo("[bold red]not markup[/] [link=https://x.invalid]x[/link]")
    output.print_table(["TEXT"], [["[red]still text[/red]"]])
    assert "[bold red]not markup[/]" in terminal.getvalue() and "[red]still text[/red]" in terminal.getvalue()


def test_json_is_alone_on_stdout_in_the_models_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    from pydantic import BaseModel

    class Item(BaseModel):
        id: UUID
        at: datetime

    item = Item(id=UUID(int=1), at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    output.notice("a notice")
    output.print_json([item])
    out, err = capsys.readouterr()
    assert json.loads(out) == [{"id": str(UUID(int=1)), "at": "2026-03-02T09:00:00Z"}]
    assert "a notice" in err and "a notice" not in out


def test_a_wait_off_a_terminal_is_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with output.countdown("posting in 60 s", 60) as shown:
        shown.update("posting in 59 s")
    with output.status("Waiting for the sign-in"):
        pass
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == ["posting in 60 s (about 60 s)", "Waiting for the sign-in"]


@pytest.mark.parametrize("args", [["--help"], ["queue", "--help"], ["worker", "--help"], ["calendar", "--help"]])
def test_help_never_loads_rich(args: list[str]) -> None:
    import subprocess

    code = (
        "import sys\nfrom psn_core.cli.main import cli\n"
        f"try:\n    cli({args!r}, prog_name='psn')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
