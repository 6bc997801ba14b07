"""`/plugin marketplace add <repo>` then `/plugin install psn`, offline, in the real CLI with a fresh HOME:
the checkout (its files, without .git, .venv or node_modules, as a clone has them) is added as a local
marketplace, psn is installed from it into Claude Code's plugin cache, and a command then runs from the
installed plugin, with no --plugin-dir: its psn-mcp starts with `uv run --project <plugin root>` (a venv
made offline from uv's cache) and `${CLAUDE_PLUGIN_ROOT}` in the command's body names that root, not the
checkout.

What Claude Code 2.1.197 does with a local (directory) marketplace: `install` copies the plugin to
~/.claude/plugins/cache/<marketplace>/psn/<version>, but the session serves it from the marketplace folder
itself (`${CLAUDE_PLUGIN_ROOT}` = that folder plus the entry's "./", so with a trailing slash). A GitHub
marketplace (`/plugin marketplace add owner/repo`) clones into ~/.claude/plugins/marketplaces/; that needs
the network and is not tested here (nor is a `git` source: the CLI takes owner/repo or https URLs only)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

from psn_core.hub.database import Hub
from psn_core.notifications.models import Tier
from psn_core.notifications.store import notify
from tests.support.claude_code import CLAUDE, REPO, claude_env, run_claude, text, tool_use

MARKETPLACE = json.loads((REPO / ".claude-plugin" / "marketplace.json").read_text())["name"]
NOT_IN_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "*.egg-info"
)


def claude_plugin(home: Path, *args: str) -> str:
    done = subprocess.run(
        [str(CLAUDE), "plugin", *args],
        env=claude_env(home, "http://127.0.0.1:9"),  # no model is needed: anything it sends fails fast
        cwd=home,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"claude plugin {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_psn_installs_from_its_marketplace_and_runs_from_the_installed_copy(
    tmp_path: Path, workspace: Path, hub: Hub, member: uuid.UUID
) -> None:
    clone = tmp_path / "psn-clone"
    shutil.copytree(REPO, clone, ignore=NOT_IN_A_CLONE)
    home = tmp_path / "home"
    home.mkdir()
    assert MARKETPLACE in claude_plugin(home, "marketplace", "add", str(clone))
    assert f"psn@{MARKETPLACE}" in claude_plugin(home, "install", f"psn@{MARKETPLACE}")
    installed = json.loads((home / ".claude" / "plugins" / "installed_plugins.json").read_text())
    ((entry,),) = [v for k, v in installed["plugins"].items() if k == f"psn@{MARKETPLACE}"]
    copy = Path(entry["installPath"])
    assert copy.is_dir() and home in copy.parents and (copy / ".mcp.json").exists()

    with hub.transaction(member) as conn:
        raised = datetime(2026, 3, 2, 13, 5, tzinfo=UTC)
        note = notify(conn, member, Tier.CRITICAL, "token_expiring", "A token expires.", "Reconnect.", "k", now=raised)
    run = run_claude(
        workspace,
        "/psn:notifications",
        steps=[[tool_use("list_notifications")], [text("One critical notification.")]],
        plugin_dir=None,
        home=home,
    )
    assert any(p.get("name") == "psn" for p in run.init["plugins"]), run.init["plugins"]
    assert {"name": "plugin:psn:psn", "status": "connected"} in run.init["mcp_servers"]
    received = run.first_user_text
    assert "<command-name>/psn:notifications</command-name>" in received
    roots = re.findall(r"`uv run --project (\S+) psn notifications setup", received)
    assert len(roots) == 1 and Path(roots[0]).resolve() in {clone.resolve(), copy.resolve()}, received
    assert "${CLAUDE_PLUGIN_ROOT}" not in received
    assert run.permission_denials == []
    ((name, is_error, listing),) = run.tool_results
    assert (name, is_error) == ("list_notifications", False)
    assert [i["notification"]["id"] for i in listing["items"]] == [note.id]
