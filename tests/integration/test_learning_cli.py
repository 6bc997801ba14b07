"""`psn prefs show|refresh` and `psn review --approve/--reject/--lock` as the user runs them: JSON shapes,
the decisions written to strategy.yaml (or not), a refused lock, and an unknown proposal's error."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from psn_core.services.learning.loop import run_weekly
from psn_core.services.strategy import init_strategy, load_strategy
from psn_core.strategy.defaults import StrategySeed
from tests.support.cli_runner import invoke_psn as psn
from tests.support.cli_runner import member_workspace
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv, new_member
from tests.support.learning_world import ZONE, World, at, monday_of

pytestmark = [pytest.mark.pg, pytest.mark.dates]

MONDAY = monday_of(start_instant()) + timedelta(weeks=1)
NOW = at(MONDAY + timedelta(weeks=3, days=1), 7)


@pytest.fixture
def workspace(hub_env: HubEnv) -> tuple[Path, World]:
    member = new_member(hub_env.hub, "Ana")
    ws = member_workspace(hub_env, member, ZONE.key)
    init_strategy(ws, StrategySeed(talks_like="between", platforms=["x", "linkedin"]))
    return ws, World(hub_env.hub, member)


def test_prefs_show_before_and_after_a_refresh(workspace: tuple[Path, World]) -> None:
    ws, _ = workspace
    assert json.loads(psn(ws, "prefs", "show", "--json").stdout) is None
    plain = psn(ws, "prefs", "show")
    assert plain.exit_code == 0 and "psn prefs refresh" in plain.stdout

    refreshed = psn(ws, "prefs", "refresh", "--json")
    assert refreshed.exit_code == 0, refreshed.output
    model = json.loads(refreshed.stdout)
    assert (model["scope"], model["timezone"], model["weeks"]) == ("member", ZONE.key, 12)
    shown = json.loads(psn(ws, "prefs", "show", "--json").stdout)
    assert shown == model
    assert "Learned from" in psn(ws, "prefs", "show").stdout
    brand = psn(ws, "prefs", "refresh", "--brand")
    assert brand.exit_code == 1 and "lives in a company hub" in brand.stderr and "--company" in brand.stderr


def test_review_approve_reject_and_lock(workspace: tuple[Path, World]) -> None:
    ws, world = workspace
    for n in range(3):
        world.week_of(MONDAY + timedelta(weeks=n))
    with world.hub.transaction(world.member) as conn:
        made = {p.path: p.id for p in run_weekly(conn, world.member, workspace=ws, zone=ZONE, now=NOW).proposals}

    approved = psn(ws, "review", "--approve", str(made["frequency.x"]))
    assert approved.exit_code == 0, approved.output
    assert f"Approved #{made['frequency.x']} [approved] Plan 6 posts a week on x" in approved.stdout
    rejected = json.loads(psn(ws, "review", "--reject", str(made["pillars.ai-tooling"]), "--json").stdout)
    assert [p["status"] for p in rejected["proposals"]] == ["rejected"]
    strategy = load_strategy(ws)
    assert strategy is not None and strategy.frequency["x"] == 6 and "ai-tooling" not in strategy.shares()

    again = psn(ws, "review", "--approve", str(made["frequency.x"]))
    assert again.exit_code == 1 and f"No pending strategy proposal #{made['frequency.x']}" in again.stderr
    assert "psn review" in again.stderr

    locked = psn(ws, "review", "--lock", "pillars")
    assert locked.exit_code == 0 and "Locked: pillars" in locked.stdout
    strategy = load_strategy(ws)
    assert strategy is not None and strategy.locked == ["pillars"]
    bad = psn(ws, "review", "--lock", "colour")
    assert bad.exit_code == 1 and "not a strategy field" in bad.stderr

    review = psn(ws, "review", "--json")
    assert review.exit_code == 0, review.output
    learning = json.loads(review.stdout)["review"]["learning"]
    assert learning["proposals"] == []
    assert {c["path"] for c in learning["changes"]} >= {"locked"}
    assert any(c["path"] == "frequency.x" and c["actor"] == "user" for c in learning["changes"])


def test_a_failed_second_decision_leaves_the_first_decided_and_its_file_change_in_step(
    workspace: tuple[Path, World],
) -> None:
    """`--approve 5 --reject 99`: #5 is decided in its own transaction (approved in the hub and written to
    strategy.yaml together); #99's error does not roll #5 back while its change stays in the file."""
    ws, world = workspace
    for n in range(3):
        world.week_of(MONDAY + timedelta(weeks=n))
    with world.hub.transaction(world.member) as conn:
        made = {p.path: p.id for p in run_weekly(conn, world.member, workspace=ws, zone=ZONE, now=NOW).proposals}
    pid = made["frequency.x"]
    both = psn(ws, "review", "--approve", str(pid), "--reject", "99999")
    assert both.exit_code == 1 and "No pending strategy proposal #99999" in both.stderr
    strategy = load_strategy(ws)
    assert strategy is not None and strategy.frequency["x"] == 6
    listed = {
        p["id"]: p["status"] for p in json.loads(psn(ws, "review", "--json").stdout)["review"]["learning"]["proposals"]
    }
    assert pid not in listed  # no longer pending: approved, as the file says
    with world.hub.transaction(world.member) as conn:
        from psn_core.services.learning.proposals import list_proposals

        assert [p.id for p in list_proposals(conn, world.member, status="approved")] == [pid]

    same = psn(ws, "review", "--approve", str(made["pillars.ai-tooling"]), "--reject", str(made["pillars.ai-tooling"]))
    assert same.exit_code == 2 and "both" in same.output
