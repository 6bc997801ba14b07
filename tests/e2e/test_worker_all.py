"""`psn worker --all` runs one worker per hub (yours and each connected company), restarts one that
dies, and stops them all cleanly on Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.services.company import hubs as company
from tests.e2e.conftest import Databases, member_workspace
from tests.support.cli_runner import clean_env
from tests.support.hubs import PgServer

pytestmark = [pytest.mark.pg, pytest.mark.slow]


class Lines:
    """The supervisor's output, read on a thread so the test can wait for a line with a timeout."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stdout], daemon=True).start()

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r}; saw {seen}") from None
            seen.append(line)
            if found := re.search(pattern, line):
                return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0


def test_worker_all_serves_every_hub_restarts_a_dead_one_and_stops_cleanly(
    tmp_path: Path, pg_server: PgServer, migrated_template: str, databases: Databases
) -> None:
    with Emulator() as emu:
        ws = member_workspace(tmp_path, "Ada", databases, migrated_template, emu)
        company_db = databases.new()
        company.create_company(Settings.load(ws), "acme", admin_name="Ada",
                               owner_url=pg_server.conninfo(company_db))  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "-m", "psn_core.cli", "worker", "--all", "--workers", "1"],
            cwd=ws, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            out = Lines(proc)
            out.wait_for(r"psn worker --all: your hub, company acme")
            pids = {}
            for _ in range(2):
                started = out.wait_for(r"^(your hub|company acme): worker started \(pid (\d+)\)")
                pids[started[1]] = int(started[2])
            assert set(pids) == {"your hub", "company acme"}

            os.kill(pids["company acme"], signal.SIGKILL)
            out.wait_for(r"company acme: worker exited with code -9; restarting in 2 s")
            again = out.wait_for(r"company acme: worker started \(pid (\d+)\)")
            restarted = int(again[1])
            assert restarted != pids["company acme"] and _alive(pids["your hub"])

            proc.send_signal(signal.SIGINT)
            out.wait_for(r"all workers stopped")
            assert proc.wait(30) == 0
            assert not _alive(pids["your hub"]) and not _alive(restarted)
        finally:
            if proc.poll() is None:
                proc.kill()
