"""Every /psn:* command, read as Claude Code reads it: the tools it names exist and it may call them.

The real tool list comes from the real CLI (the stream's init event, psn-mcp connected in plugin mode),
not from psn's own registry, so a tool renamed on one side fails here.

For each command in .claude/commands/psn/:

* every tool its body names (``mcp__plugin_psn_psn__<tool>``, or a backticked bare name of a psn tool) is
  a real psn tool, and the command's ``allowed-tools`` allows it, unless it is a write tool the command
  deliberately leaves to the user's permission prompt (``ASK_THE_USER``: Claude Code then asks the user,
  showing the call; headless in ``dontAsk`` mode it is denied);
* no ``allowed-tools`` entry pre-approves a tool of ``ASK_THE_USER``;
* ``allowed-tools`` holds only plugin-mode psn tools and ``Bash(uv run --project ${CLAUDE_PLUGIN_ROOT} psn ...)``;
* every ``uv run`` in the body is ``uv run --project ${CLAUDE_PLUGIN_ROOT} psn``: in the user's workspace psn
  is not on PATH and a bare ``uv run psn`` fails ("Failed to spawn: psn").

What Claude Code 2.1.197 does with ``${CLAUDE_PLUGIN_ROOT}`` in a plugin command (pinned with a probe plugin
in the real CLI by test_client_behaviour.py):

* in the body, it is replaced by the plugin's absolute folder before the model sees the text
  (``command_body`` in tests/support/claude_code.py expects exactly that);
* in ``allowed-tools``, ``Bash(uv run --project ${CLAUDE_PLUGIN_ROOT} psn:*)`` is expanded the same way: it
  allows ``uv run --project /abs/plugin psn ...`` (what the model copies from the body) and denies the
  literal ``uv run --project ${CLAUDE_PLUGIN_ROOT} psn ...``;
* the variable is NOT set in the environment of Bash tool calls (``printenv CLAUDE_PLUGIN_ROOT`` exits 1),
  so a command must never tell the model to type ``$CLAUDE_PLUGIN_ROOT`` itself: it relies on the body's
  expansion. (It is set for the MCP server that .mcp.json starts.)
* ``Bash(prefix:*)`` matches the prefix followed by a space or the end, not ``prefix/more``.

An unknown command (``/psn:nope``) makes no model request: the CLI answers "Unknown command: /psn:nope".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.claude_code import REPO, ClaudeRun, run_claude
from tests.support.fake_model import PLUGIN_TOOL_PREFIX

COMMANDS = REPO / ".claude" / "commands" / "psn"

# Write tools no command pre-approves: they move a post toward a platform or change who may post. A command
# names them in its steps and leaves them to Claude Code's permission prompt, where the user sees the call.
ASK_THE_USER = {
    "schedule_post",
    "publish_now",
    "reschedule_post",
    "retry_target",
    "approve_post",
    "reject_post",
    "cancel_post",
    "post_for_company",
    "remove_account",
    "update_idea_state",  # a kill ends an idea
    "import_voice_samples",  # fetches a URL or reads the user's X account: the user sees which first
    "claim_slot",  # holds a company slot in the name of the user, seen by every member
    "release_slot",  # gives up a claim, possibly another member's (editors)
    "rate_ideas",  # a kill ends an idea
    "update_series",  # retiring ends a series
    "send_reply",  # posts on the user's behalf
}

CLI_STEP = "uv run --project ${CLAUDE_PLUGIN_ROOT} psn"


@dataclass
class Command:
    name: str
    allowed: list[str]
    body: str


def read_command(path: Path) -> Command:
    source = path.read_text()
    assert source.startswith("---\n"), f"{path.name}: no frontmatter"
    front, body = source[4:].split("\n---\n", 1)
    # Claude Code reads the frontmatter leniently (a description may hold ": "), so not as strict YAML.
    meta = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line)
    allowed = [entry.strip() for entry in re.split(r",\s*(?![^()]*\))", meta.get("allowed-tools", ""))]
    return Command(path.stem, [entry for entry in allowed if entry], body)


ALL_COMMANDS = sorted(path.stem for path in COMMANDS.glob("*.md"))


@pytest.fixture(scope="module")
def unknown_command_run(tmp_path_factory: pytest.TempPathFactory) -> ClaudeRun:
    """One real run, in a folder that is no workspace: `/psn:nope`. Its init event lists psn's tools."""
    return run_claude(tmp_path_factory.mktemp("nowhere"), "/psn:nope", steps=[])


@pytest.fixture(scope="module")
def psn_tools(unknown_command_run: ClaudeRun) -> set[str]:
    init = unknown_command_run.init
    assert {"name": "plugin:psn:psn", "status": "connected"} in init["mcp_servers"], init["mcp_servers"]
    tools = {t.removeprefix(PLUGIN_TOOL_PREFIX) for t in init["tools"] if t.startswith(PLUGIN_TOOL_PREFIX)}
    assert {"get_draft_context", "check_draft", "save_draft", "schedule_post"} <= tools, tools
    return tools


def test_an_unknown_command_reaches_no_model(unknown_command_run: ClaudeRun) -> None:
    assert unknown_command_run.result_text == "Unknown command: /psn:nope"
    assert unknown_command_run.requests == []


def test_every_command_is_offered_in_plugin_mode(unknown_command_run: ClaudeRun) -> None:
    offered = {c for c in unknown_command_run.init["slash_commands"] if c.startswith("psn:")}
    assert offered == {f"psn:{name}" for name in ALL_COMMANDS}
    assert len(ALL_COMMANDS) >= 11


def named_tools(command: Command, psn_tools: set[str]) -> set[str]:
    full = set(re.findall(r"mcp__plugin_psn_psn__(\w+)", command.body))
    bare = {word for word in re.findall(r"`(\w+)`", command.body) if word in psn_tools or word in ASK_THE_USER}
    return full | bare


@pytest.mark.parametrize("name", ALL_COMMANDS)
def test_a_command_names_real_tools_it_may_call(name: str, psn_tools: set[str]) -> None:
    command = read_command(COMMANDS / f"{name}.md")
    assert "mcp__psn__" not in command.body + " ".join(command.allowed), "project-mode tool names in a plugin command"
    named = named_tools(command, psn_tools)
    allowed = {e.removeprefix(PLUGIN_TOOL_PREFIX) for e in command.allowed if e.startswith(PLUGIN_TOOL_PREFIX)}
    assert named - psn_tools == set(), f"{name}.md names tools psn does not have"
    assert allowed - psn_tools == set(), f"{name}.md allows tools psn does not have"
    assert named - allowed - ASK_THE_USER == set(), f"{name}.md names tools its allowed-tools does not allow"
    assert allowed & ASK_THE_USER == set(), f"{name}.md pre-approves a tool the user must be asked about"


@pytest.mark.parametrize("name", ALL_COMMANDS)
def test_a_command_reaches_psn_only_through_mcp_or_its_own_checkout(name: str) -> None:
    command = read_command(COMMANDS / f"{name}.md")
    for entry in command.allowed:
        if entry.startswith(PLUGIN_TOOL_PREFIX):
            continue
        assert entry.startswith(f"Bash({CLI_STEP} ") and entry.endswith(":*)"), f"{name}.md allows {entry}"
    _check_cli_steps(command)
    assert "$CLAUDE_PLUGIN_ROOT" not in command.body, "unset in Bash calls: write ${CLAUDE_PLUGIN_ROOT} (expanded)"


def test_the_rules_catch_a_command_that_breaks_them(psn_tools: set[str]) -> None:
    """The checks above, on commands written wrong (a check that cannot fail proves nothing)."""
    sneaky = Command("x", [f"{PLUGIN_TOOL_PREFIX}publish_now"], "call `publish_now` then `list_queue`")
    named = named_tools(sneaky, psn_tools)
    allowed = {e.removeprefix(PLUGIN_TOOL_PREFIX) for e in sneaky.allowed}
    assert named == {"publish_now", "list_queue"}
    assert named - allowed - ASK_THE_USER == {"list_queue"}
    assert allowed & ASK_THE_USER == {"publish_now"}
    bare_run = read_command(COMMANDS / "config.md")
    bare_run.body += "\nRun `uv run psn doctor` in a terminal."
    with pytest.raises(AssertionError, match="not on PATH"):
        _check_cli_steps(bare_run)


def _check_cli_steps(command: Command) -> None:
    runs = re.findall(r"uv run[^`\n]*", command.body)
    stray = [found for found in runs if not found.startswith(CLI_STEP)]
    assert stray == [], f"{command.name}.md runs psn where it is not on PATH: {stray}"
