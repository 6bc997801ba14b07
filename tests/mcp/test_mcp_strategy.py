"""Strategy tools over the real MCP protocol (in-process client session): read, init from the onboarding
answers, the user's explicit changes, locks refused until the user unlocks, a broken file's fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.types import ElicitRequestParams, ElicitResult

from psn_core.services.strategy import load_strategy
from psn_core.strategy.model import pillar_names
from tests.mcp.conftest import error_of, structured

pytestmark = pytest.mark.anyio

PERSONAL = """\
name: Ana
persona: personal
traits: {formality: 2, humor: 6, assertiveness: 5, technical_depth: 3, controversy_budget: 2}
languages:
  es: {}
  en: {}
"""


async def test_init_from_the_voice_profile_then_read_it(bare_server: MCPServer, bare_workspace: Path) -> None:
    (bare_workspace / "voices" / "personal.yaml").write_text(PERSONAL)
    async with Client(bare_server) as client:
        missing = structured(await client.call_tool("get_strategy", {}))
        written = structured(await client.call_tool("init_strategy", {}))
        again = await client.call_tool("init_strategy", {"talks_like": "work"})
        shown = structured(await client.call_tool("get_strategy", {}))
        replaced = structured(
            await client.call_tool("init_strategy", {"talks_like": "work", "platforms": ["linkedin"], "replace": True})
        )
    assert missing["source"] == "none" and missing["strategy"] is None and missing["warning"] is None
    assert written["replaced"] is False and written["seeded_from"] == "voices/personal.yaml"
    # formality 2 talks like to friends; Spanish first in the profile is the main language
    assert [p["name"] for p in written["strategy"]["pillars"]] == ["stories", "opinions", "behind-the-scenes"]
    assert written["strategy"]["languages"] == {"es": 0.6, "en": 0.4}
    message, action = error_of(again)
    assert "will not overwrite" in message and "--force" in action
    assert shown["source"] == "file" and shown["shares"]["stories"] == 0.5
    assert shown["recent_changes"][-1]["action"] == "init"
    assert replaced["replaced"] is True and replaced["strategy"]["frequency"] == {"linkedin": 3}


async def test_the_users_change_is_written_and_a_lock_refused_until_unlocked(
    bare_server: MCPServer, bare_workspace: Path
) -> None:
    async with Client(bare_server) as client:
        structured(await client.call_tool("init_strategy", {"talks_like": "between", "languages": ["en"]}))
        updated = structured(
            await client.call_tool(
                "update_strategy",
                {
                    "changes": [
                        {"path": "pillars.expertise", "value": None},
                        {"path": "pillars.baking", "value": {"weight": 3, "description": "Bread, mostly"}},
                        {"path": "frequency.x", "value": 5},
                    ],
                    "reason": "I bake, I don't do 'expertise'. And more X please.",
                    "lock": ["frequency.x"],
                },
            )
        )
        before = (bare_workspace / "strategy.yaml").read_text()
        refused = await client.call_tool(
            "update_strategy", {"changes": [{"path": "frequency", "value": {"x": 1}}], "reason": "less"}
        )
        after_refusal = (bare_workspace / "strategy.yaml").read_text()
        bad = await client.call_tool(
            "update_strategy", {"changes": [{"path": "frequency.myspace", "value": 2}], "reason": "why not"}
        )
    assert [c["changed"] for c in updated["changes"]] == [True, True, True]
    assert updated["strategy"]["strategy"]["locked"] == ["frequency.x"]
    strategy = load_strategy(bare_workspace)
    assert strategy is not None and pillar_names(strategy) == ["stories", "behind-the-scenes", "baking"]
    message, action = error_of(refused)
    assert "locked" in message and "frequency.x" in message and "unlock" in action
    assert after_refusal == before
    message, _ = error_of(bad)
    assert "not a strategy field" in message


async def test_a_broken_file_is_reported_and_the_last_valid_one_used(
    bare_server: MCPServer, bare_workspace: Path
) -> None:
    async with Client(bare_server) as client:
        structured(await client.call_tool("init_strategy", {"talks_like": "work", "languages": ["en"]}))
        path = bare_workspace / "strategy.yaml"
        path.write_text(path.read_text().replace("x: 2", "x: many"))
        shown = structured(await client.call_tool("get_strategy", {}))
        change = {"changes": [{"path": "avoid_topics", "value": []}], "reason": "r"}
        refused = await client.call_tool("update_strategy", change)
    assert shown["source"] == "last-valid" and shown["strategy"]["frequency"]["x"] == 2
    (problem,) = shown["problems"]
    assert problem["field"] == "frequency.x" and problem["line"] is not None
    assert f"line {problem['line']}" in shown["warning"] and "last valid" in shown["warning"]
    message, action = error_of(refused)
    assert "frequency.x" in message and "strategy.yaml" in action


UNLOCK = {"changes": [{"path": "frequency.x", "value": 2}], "reason": "fine, 2 on X", "unlock": ["frequency.x"]}


def user_says(action: str, asked: list[str]) -> Any:
    """The user at a client that can ask them (MCP elicitation): records each question and answers it."""

    async def respond(_context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return (
            ElicitResult(action="accept", content={"confirm": True})
            if action == "yes"
            else ElicitResult(
                action=action  # type: ignore[arg-type]
            )
        )

    return respond


async def test_only_the_users_own_answer_unlocks(bare_server: MCPServer, bare_workspace: Path) -> None:
    """The model cannot unlock alone: psn asks the user; no, no answer, or a client that cannot ask: refused."""
    async with Client(bare_server) as client:
        structured(await client.call_tool("init_strategy", {"talks_like": "between", "languages": ["en"]}))
        structured(
            await client.call_tool("update_strategy", {"changes": [], "reason": "lock it", "lock": ["frequency"]})
        )
        not_locked = await client.call_tool("update_strategy", UNLOCK)
        cannot_ask = await client.call_tool("update_strategy", {**UNLOCK, "unlock": ["frequency"]})
    before = (bare_workspace / "strategy.yaml").read_text()
    message, action = error_of(cannot_ask)
    assert "cannot ask" in message and "remove frequency from `locked:` in strategy.yaml" in action
    assert "frequency.x is not locked" in error_of(not_locked)[0]
    asked: list[str] = []
    for answer in ("decline", "cancel"):
        async with Client(bare_server, mode="legacy", elicitation_callback=user_says(answer, asked)) as client:
            refused = await client.call_tool("update_strategy", {**UNLOCK, "unlock": ["frequency"]})
        message, action = error_of(refused)
        assert ("said no" if answer == "decline" else "did not answer") in message
        assert "strategy.yaml" in action
    assert (bare_workspace / "strategy.yaml").read_text() == before
    async with Client(bare_server, mode="legacy", elicitation_callback=user_says("yes", asked)) as client:
        unlocked = structured(await client.call_tool("update_strategy", {**UNLOCK, "unlock": ["frequency"]}))
    assert len(asked) == 3 and asked[-1] == (
        "Unlock frequency in strategy.yaml (psn's automatic tuning leaves locked fields alone) and set: "
        "frequency.x = 2?"
    )
    assert unlocked["changes"][0]["unlocked"] == ["frequency"]
    assert unlocked["strategy"]["strategy"]["frequency"]["x"] == 2 and unlocked["strategy"]["strategy"]["locked"] == []
