"""Running the real `psn` command in a subprocess, as a user would (no PSN_* from the test environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSN_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_psn(
    workspace: Path, *args: str, check: bool = True, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``psn ARGS`` with ``workspace`` as the current folder; with ``check``, a non-zero exit fails the test."""
    done = subprocess.run(
        [sys.executable, "-m", "psn_core.cli", *args],
        cwd=workspace,
        env=clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"psn {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done
