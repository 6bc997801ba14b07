"""The plugin layout passes the official Claude Code CLI's offline validation (`claude plugin validate`).

Needs ./node_modules (`npm ci`, then the CLI's install.cjs, as .ci/run does). Skips on a laptop without
it; fails under CI=true."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLAUDE = REPO / "node_modules" / ".bin" / "claude"


def test_claude_code_validates_the_plugin() -> None:
    if not CLAUDE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node_modules/.bin/claude is missing under CI=true (.ci/run installs it)")
        pytest.skip("Claude Code CLI not installed (npm ci)")
    done = subprocess.run(
        [str(CLAUDE), "plugin", "validate", "--strict", str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation passed" in done.stdout
