"""`psn worker --all`: one command that serves your own hub and every connected company hub.

Each hub gets its own `psn worker` child process (one process never serves two hubs). A child that
dies is restarted after a pause that doubles up to a minute (and resets once it has run for a minute),
so a company hub that is down does not spin. SIGINT or SIGTERM stops every child cleanly: each finishes
its running tasks, as a single `psn worker` does.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

FIRST_PAUSE = 2.0
LONGEST_PAUSE = 60.0
HEALTHY_AFTER = 60.0
STOP_GRACE = 30.0


@dataclass
class Child:
    label: str
    command: list[str]
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    pause: float = FIRST_PAUSE
    restart_at: float | None = None
    restarts: int = 0


def worker_commands(workspace: Path, companies: list[str], threads: int, flags: tuple[str, ...] = ()) -> list[Child]:
    """The `psn worker` command of the personal hub and of each company hub (``flags``: output options)."""
    base = [sys.executable, "-m", "psn_core.cli", "-w", str(workspace), "worker", "--workers", str(threads), *flags]
    children = [Child("your hub", base)]
    children += [Child(f"company {slug}", [*base, "--company", slug]) for slug in companies]
    return children


class Supervisor:
    def __init__(self, children: list[Child], say: Callable[[str], None]) -> None:
        self.children = children
        self.say = say
        self.stopping = False

    def _start(self, child: Child) -> None:
        # its own session: a Ctrl-C reaches the supervisor only, which stops each child exactly once
        child.proc = subprocess.Popen(child.command, start_new_session=True)
        child.started = time.monotonic()
        child.restart_at = None
        self.say(f"{child.label}: worker started (pid {child.proc.pid})")

    def run(self, poll: float = 0.5) -> int:
        """Supervise until SIGINT/SIGTERM; returns the exit code (0 after a clean stop)."""
        previous = {s: signal.signal(s, self._handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children:
                self._start(child)
            while not self.stopping:
                self._check(time.monotonic())
                time.sleep(poll)
            return self._shutdown()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _check(self, now: float) -> None:
        for child in self.children:
            if child.proc is None:
                if child.restart_at is not None and now >= child.restart_at:
                    child.restarts += 1
                    self._start(child)
                continue
            code = child.proc.poll()
            if code is None:
                if now - child.started >= HEALTHY_AFTER:
                    child.pause = FIRST_PAUSE
                continue
            child.proc = None
            child.restart_at = now + child.pause
            self.say(f"{child.label}: worker exited with code {code}; restarting in {child.pause:.0f} s")
            child.pause = min(child.pause * 2, LONGEST_PAUSE)

    def _shutdown(self) -> int:
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        for child in running:
            assert child.proc is not None
            child.proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE
        for child in running:
            assert child.proc is not None
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"{child.label}: worker did not stop within {STOP_GRACE:.0f} s; killed")
                child.proc.kill()
                child.proc.wait()
        self.say("all workers stopped")
        return 0
