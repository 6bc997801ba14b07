"""The README's main-job command on a fresh folder: `psn quickstart` makes its own demo workspace
(./psn-demo), publishes one post on all four platforms through the emulator, a real worker and the demo's
embedded hub (a PSN_DATABASE_URL in the environment never reaches it), disconnects the sandbox accounts,
and exits 0. It refuses a workspace it did not make."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def _psn(cwd: Path, *args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "psn_core.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_quickstart_publishes_on_four_platforms_in_its_own_demo_workspace(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSN_")}
    # a real hub named in the environment: the demo must not use it (it points nowhere, so it would fail)
    env["PSN_DATABASE_URL"] = "postgresql://nobody@127.0.0.1:9/real_hub"
    demo = tmp_path / "psn-demo"
    try:
        done = _psn(tmp_path, "quickstart", "--name", "Ana", "--timezone", "Europe/Madrid", "--delay", "5", env=env)
        status = _psn(tmp_path, "-w", str(demo), "auth", "status", env={**env, "PSN_DATABASE_URL": ""})
    finally:
        _psn(tmp_path, "-w", str(demo), "hub", "stop", env={**env, "PSN_DATABASE_URL": ""}, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Demo workspace: {demo}" in done.stdout
    table = [
        line for line in done.stdout.splitlines() if line.split(" ", 1)[0] in {"x", "linkedin", "instagram", "tiktok"}
    ]
    assert len(table) == 4 and all(" published " in line for line in table), done.stdout
    assert "(private: sandbox)" in next(line for line in table if line.startswith("tiktok"))
    passed = re.search(r"doctor: (\d+) of (\d+) checks pass", done.stdout)
    assert passed is not None and passed.group(1) == passed.group(2), done.stdout
    assert (demo / "voices" / "personal.yaml").exists() and (demo / ".psn" / "demo").exists()
    assert not (tmp_path / "hub.env").exists()
    settings = [line for line in (demo / "hub.env").read_text().splitlines() if not line.startswith("#")]
    assert not any(line.startswith("PSN_X_API_BASE_URL") for line in settings)  # the emulator is never persisted
    assert not any(line.startswith("PSN_DATABASE_URL") for line in settings)
    accounts = [line for line in status.stdout.splitlines() if " @" in line and not line.startswith(" ")]
    assert "reconnect (quickstart demo account: the emulator stopped with the run)" in status.stdout
    assert len(accounts) == 4 and all("disconnected" in line.split() for line in accounts), status.stdout
