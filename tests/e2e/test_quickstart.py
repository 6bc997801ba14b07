"""The README's main-job command on a fresh folder: `psn quickstart` publishes one post on all four
platforms through the emulator, a real worker and the embedded hub, and exits 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def test_quickstart_publishes_on_four_platforms(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSN_")}
    workspace = tmp_path / "fresh"
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "psn_core.cli",
                "-w",
                str(workspace),
                "quickstart",
                "--name",
                "Ana",
                "--timezone",
                "Europe/Madrid",
                "--delay",
                "5",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        subprocess.run(
            [sys.executable, "-m", "psn_core.cli", "-w", str(workspace), "hub", "stop"],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    table = [
        line for line in done.stdout.splitlines() if line.split(" ", 1)[0] in {"x", "linkedin", "instagram", "tiktok"}
    ]
    assert len(table) == 4 and all(" published " in line for line in table), done.stdout
    assert "(private: sandbox)" in next(line for line in table if line.startswith("tiktok"))
    passed = re.search(r"doctor: (\d+) of (\d+) checks pass", done.stdout)
    assert passed is not None and passed.group(1) == passed.group(2), done.stdout
    assert (workspace / "voices" / "personal.yaml").exists()
    settings = [line for line in (workspace / "hub.env").read_text().splitlines() if not line.startswith("#")]
    assert not any(line.startswith("PSN_X_API_BASE_URL") for line in settings)  # the emulator is never persisted
