"""`/psn:strategy` in the real Claude Code: a strategy from the voice onboarding answers, the user's change
written, and a locked field refused (the model is told to ask the user, not to unlock it itself)."""

from __future__ import annotations

from pathlib import Path

from psn_core.services.strategy import load_strategy
from psn_core.strategy.model import pillar_names
from tests.support.claude_code import run_claude, text, tool_use


def test_strategy_init_change_and_a_lock(workspace: Path) -> None:
    made = run_claude(
        workspace,
        "/psn:strategy init",
        steps=[
            [tool_use("init_strategy", talks_like="work", languages=["en", "es"])],
            [text("Your strategy is in strategy.yaml.")],
        ],
    )
    made.assert_command("strategy", "init")
    assert made.permission_denials == []
    written = made.tool_result("init_strategy")
    assert written["replaced"] is False and written["strategy"]["languages"] == {"en": 0.6, "es": 0.4}

    asked = "change rename expertise to baking and lock linkedin at 3 a week"
    changed = run_claude(
        workspace,
        f"/psn:strategy {asked}",
        steps=[
            [
                tool_use(
                    "update_strategy",
                    changes=[
                        {"path": "pillars.expertise", "value": None},
                        {"path": "pillars.baking", "value": {"weight": 3}},
                    ],
                    reason="rename expertise to baking and lock linkedin at 3 a week",
                    lock=["frequency.linkedin"],
                )
            ],
            [tool_use("update_strategy", changes=[{"path": "frequency.linkedin", "value": 1}], reason="less")],
            [text("LinkedIn is locked: shall I unlock it?")],
        ],
    )
    changed.assert_command("strategy", asked)
    assert changed.permission_denials == []
    (first, second) = changed.tool_results
    assert first[:2] == ("update_strategy", False)
    assert second[:2] == ("update_strategy", True) and "locked" in str(second[2])
    strategy = load_strategy(workspace)
    assert strategy is not None and "baking" in pillar_names(strategy) and "expertise" not in pillar_names(strategy)
    assert strategy.frequency["linkedin"] == 3 and strategy.locked == ["frequency.linkedin"]

    # the user says yes to the model, and psn asks the user itself before lifting the lock
    asked = "change yes, unlock linkedin and make it 2"
    unlock = {
        "changes": [{"path": "frequency.linkedin", "value": 2}],
        "reason": asked,
        "unlock": ["frequency.linkedin"],
    }
    declined = run_claude(
        workspace,
        f"/psn:strategy {asked}",
        steps=[[tool_use("update_strategy", **unlock)], [text("You said no; nothing changed.")]],
        user_answers=[{"action": "decline"}],
    )
    ((_, is_error, _),) = declined.tool_results
    assert is_error and load_strategy(workspace).locked == ["frequency.linkedin"]  # type: ignore[union-attr]
    unlocked = run_claude(
        workspace,
        f"/psn:strategy {asked}",
        steps=[[tool_use("update_strategy", **unlock)], [text("Unlocked, 2 a week.")]],
        user_answers=[{"action": "accept", "content": {"confirm": True}}],
    )
    (question,) = unlocked.elicitations
    assert "Unlock frequency.linkedin" in str(question)
    assert unlocked.tool_result("update_strategy")["changes"][0]["unlocked"] == ["frequency.linkedin"]
    strategy = load_strategy(workspace)
    assert strategy is not None and strategy.frequency["linkedin"] == 2 and strategy.locked == []
