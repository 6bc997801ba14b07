"""The plugin and its marketplace pass the official Claude Code CLI's offline validation
(`claude plugin validate --strict`).

`claude plugin validate .` on the checkout validates .claude-plugin/marketplace.json when there is one
(the repository is its own marketplace: `/plugin marketplace add <owner>/<repo>`, then
`/plugin install psn@post-shit-now`), so the plugin manifest is validated by its own path too. Adding the
checkout as a local marketplace, installing psn from it and running a command from the installed plugin
is tests/claude_code/test_marketplace.py.

Needs ./node_modules (`npm ci`, then the CLI's install.cjs, as .ci/run does). Skips on a laptop without
it; fails under CI=true."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLAUDE = REPO / "node_modules" / ".bin" / "claude"


def validate(target: Path) -> str:
    if not CLAUDE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node_modules/.bin/claude is missing under CI=true (.ci/run installs it)")
        pytest.skip("Claude Code CLI not installed (npm ci)")
    done = subprocess.run(
        [str(CLAUDE), "plugin", "validate", "--strict", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation passed" in done.stdout
    return done.stdout


def test_claude_code_validates_the_checkout_as_a_marketplace() -> None:
    assert "marketplace manifest" in validate(REPO)


def test_claude_code_validates_the_plugin_manifest() -> None:
    assert "plugin manifest" in validate(REPO / ".claude-plugin" / "plugin.json")


def test_the_marketplace_offers_this_checkout_as_psn() -> None:
    plugin = json.loads((REPO / ".claude-plugin" / "plugin.json").read_text())
    marketplace = json.loads((REPO / ".claude-plugin" / "marketplace.json").read_text())
    (entry,) = marketplace["plugins"]
    assert (entry["name"], entry["source"]) == (plugin["name"], "./")
    assert entry["version"] == plugin["version"] and entry["description"] == plugin["description"]
