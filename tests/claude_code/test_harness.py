"""The harness itself can fail: a denied tool shows as a denial, a script that runs out or breaks fails
the run, and a run that stops before the script's end fails it too. Folders here are no workspace:
these runs never need the hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.claude_code import run_claude, text, tool_use

QUEUE = "mcp__plugin_psn_psn__list_queue"


def test_a_tool_outside_the_command_is_denied_until_the_user_allows_it(tmp_path: Path) -> None:
    steps = [[tool_use("list_queue")], [text("Done.")]]
    denied = run_claude(tmp_path, "/psn:config show", steps=steps)
    assert [d["tool_name"] for d in denied.permission_denials] == [QUEUE]
    ((name, is_error, content),) = denied.tool_results
    assert (name, is_error) == ("list_queue", True) and "denied" in content

    allowed = run_claude(tmp_path, "/psn:config show", steps=steps, allowed_tools=[QUEUE])
    assert allowed.permission_denials == []
    ((name, is_error, content),) = allowed.tool_results
    assert name == "list_queue" and "denied" not in str(content)  # psn answered (no workspace here)
    assert "What to do:" in str(content)


def test_a_script_that_runs_out_fails_the_run(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="asked for step 2 but the script has 1 steps"):
        run_claude(tmp_path, "/psn:config show", steps=[[tool_use("show_config")]])


def test_a_step_that_breaks_fails_the_run(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="step 2 raised AssertionError: no successful save_draft result"):
        run_claude(
            tmp_path,
            "/psn:config show",
            steps=[[tool_use("show_config")], lambda convo: [text(convo.tool_result("save_draft")["id"])]],
        )


def test_a_run_that_stops_early_fails(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"never asked for steps \[2\]"):
        run_claude(tmp_path, "/psn:config show", steps=[[text("Done.")], [text("Never asked.")]])
