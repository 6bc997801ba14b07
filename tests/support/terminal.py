"""Running a command in a real terminal (tmux) of a given size and reading its screen, as a person sees it.

tmux draws the program's output (colours, wrapped lines, a progress bar redrawn in place) on its own
screen; ``capture-pane`` reads that screen back as text. Each run has a tmux server of its own (``-L``),
stopped at the end, so nothing is left behind and nothing touches a tmux the user runs.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

DONE = "__psn_screen_done__"


@dataclass
class Screen:
    """The final screen (and scrollback) of a command, its exit code, and snapshots taken while it ran."""

    text: str
    exit_code: int
    snapshots: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


def run_in_terminal(
    args: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    width: int = 80,
    height: int = 50,
    timeout: float = 240,
    snapshot_when: str | None = None,
) -> Screen:
    """Run ``args`` in a ``width`` x ``height`` tmux terminal; return its screen once it exits.

    Lines the terminal had to wrap come back joined (``capture-pane -J``), so a line the program printed
    wider than the terminal shows as a line longer than ``width``.

    ``snapshot_when``: a regular expression; while the command runs, the screen is read every 0.3 s and
    each screen matching it is kept (to see a countdown that is gone when the command ends).
    """
    server = f"psn-screen-{uuid.uuid4().hex[:10]}"
    tmux = ["tmux", "-L", server, "-f", "/dev/null"]
    assignments = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
    script = (
        f"cd {shlex.quote(str(cwd))} && env -i {assignments} {shlex.join(args)}; "
        f"printf '\\n{DONE} %d\\n' $?; sleep 3600"
    )
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", str(width), "-y", str(height), "-s", "psn", "bash", "-c", script],
        check=True,
    )
    snapshots: list[str] = []
    pattern = re.compile(snapshot_when) if snapshot_when else None
    try:
        deadline = time.monotonic() + timeout
        while True:
            text = _capture(tmux)
            done = re.search(rf"^{DONE} (\d+)$", text, re.MULTILINE)
            if done is not None:
                body = text[: done.start()].rstrip("\n")
                return Screen(text=body.rstrip() + "\n", exit_code=int(done.group(1)), snapshots=snapshots)
            if pattern is not None and pattern.search(text) and (not snapshots or snapshots[-1] != text):
                snapshots.append(text)
            if time.monotonic() > deadline:
                raise AssertionError(f"{shlex.join(args)} did not finish within {timeout} s; screen:\n{text}")
            time.sleep(0.3)
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)


def _capture(tmux: list[str]) -> str:
    done = subprocess.run(
        [*tmux, "capture-pane", "-p", "-J", "-t", "psn", "-S", "-", "-E", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return "\n".join(line.rstrip() for line in done.stdout.splitlines())
