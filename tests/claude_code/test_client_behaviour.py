"""What the real Claude Code CLI does, pinned with a probe plugin (tests/claude_code/probe_plugin), so a
CLI upgrade that changes it fails here first rather than in a journey:

* ``${CLAUDE_PLUGIN_ROOT}`` in a command's body reaches the model as the plugin's absolute folder;
* in ``allowed-tools``, ``Bash(echo ${CLAUDE_PLUGIN_ROOT} psn:*)`` is expanded too: it allows the
  command with the folder written out and denies the literal ``${CLAUDE_PLUGIN_ROOT}``;
* the variable is not in the environment of Bash tool calls (``printenv`` exits 1);
* MCP elicitation: the client declares ``elicitation`` in its capabilities; headless (``-p``) it answers
  every elicitation ``cancel`` by itself, in ``dontAsk`` and ``default`` mode alike; an ``Elicitation``
  hook (``run_claude(user_answers=...)``) answers instead and sees the message and schema the server sent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.claude_code import run_claude, text, tool_use

PROBE = Path(__file__).parent / "probe_plugin"
ASK = "mcp__plugin_probe_ask__ask"


def test_the_plugin_root_is_expanded_in_the_body_and_allowed_tools_not_in_bash(tmp_path: Path) -> None:
    root = str(PROBE.resolve())
    run = run_claude(
        tmp_path,
        "/probe:root hello",
        steps=[
            [tool_use("Bash", command=f"echo {root} psn written out")],
            [tool_use("Bash", command="echo ${CLAUDE_PLUGIN_ROOT} psn literal")],
            [tool_use("Bash", command="printenv CLAUDE_PLUGIN_ROOT")],
            [text("Done.")],
        ],
        plugin_dir=PROBE,
    )
    assert f"Root: {root}. Arguments: hello." in run.first_user_text
    written, literal, printenv = run.tool_results
    assert (written.is_error, written.content) == (False, f"{root} psn written out")
    assert literal.is_error and "denied" in literal.content
    assert [d["tool_input"]["command"] for d in run.permission_denials] == ["echo ${CLAUDE_PLUGIN_ROOT} psn literal"]
    assert printenv.is_error and printenv.content == "Exit code 1"


@pytest.mark.parametrize("mode", ["dontAsk", "default"])
def test_headless_claude_code_cancels_an_elicitation(tmp_path: Path, mode: str) -> None:
    log = tmp_path / "initialize.jsonl"
    run = run_claude(
        tmp_path,
        "/probe:root",
        steps=[[tool_use(ASK)], [text("Cancelled.")]],
        plugin_dir=PROBE,
        permission_mode=mode,
        env={"PROBE_LOG": str(log)},
    )
    capabilities = json.loads(log.read_text().splitlines()[0])["params"]["capabilities"]
    assert "elicitation" in capabilities
    assert run.tool_results == [(ASK, False, {"action": "cancel"})]
    assert run.elicitations == []  # no hook: nobody was asked


def test_an_elicitation_hook_plays_the_users_answer(tmp_path: Path) -> None:
    steps = [[tool_use(ASK)], [tool_use(ASK)], [tool_use(ASK)], [text("Done.")]]
    answers = [{"action": "accept", "content": {"confirm": True}}, {"action": "decline"}]
    run = run_claude(tmp_path, "/probe:root", steps=steps, plugin_dir=PROBE, user_answers=answers)
    assert [r.content for r in run.tool_results] == [*answers, {"action": "cancel"}]
    assert [e["message"] for e in run.elicitations] == ["Publish this post now?"] * 3
    first = run.elicitations[0]
    assert first["mcp_server_name"] == "plugin:probe:ask" and first["requested_schema"]["required"] == ["confirm"]
