"""`psn plan`, `psn plan show|rate|skip|abandon` as a user runs them (click's runner, a real hub). The CLI
reads the real clock (psn_core.timefmt.utcnow); the test reads that same clock first and derives every
expectation from it: the week planned is the one after it (next_week), so every slot is ahead of it."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from psn_core.timefmt import utcnow
from tests.support.cli_runner import invoke_psn as psn
from tests.support.cli_runner import member_workspace
from tests.support.hubs import HubEnv, new_member
from tests.support.plan_world import next_week

pytestmark = pytest.mark.pg

STRATEGY = """\
version: 1
pillars:
  - name: ai
    weight: 1
frequency:
  x: 2
times:
  x:
    - days: [tue, thu]
      at: "10:00"
"""


@pytest.fixture
def workspace(hub_env: HubEnv) -> Path:
    member = new_member(hub_env.hub, "Ana")
    ws = member_workspace(hub_env, member)
    assert isinstance(member, uuid.UUID)
    return ws


def test_plan_rate_show_and_skip(workspace: Path) -> None:
    ws = workspace
    now = utcnow()  # the clock the CLI reads: the expectations below derive from it
    week = next_week(now).isoformat()
    refused = psn(ws, "plan", "--week", week)
    assert refused.exit_code != 0 and "strategy" in refused.output.lower()
    (ws / "strategy.yaml").write_text(STRATEGY, "utf-8")
    idea = json.loads(psn(ws, "idea", "How to evaluate agents #pillar:ai", "--json").stdout)
    rated = psn(ws, "plan", "rate", idea["id"][:8], "love")
    assert rated.exit_code == 0 and f"Idea {idea['id'][:8]} rated love: it is ready now." in rated.stdout
    no_reason = psn(ws, "plan", "rate", idea["id"], "kill")
    assert no_reason.exit_code != 0 and "reason" in no_reason.output.lower()

    made = psn(ws, "plan", "--week", week, "--json")
    assert made.exit_code == 0, made.output
    plan = json.loads(made.stdout)
    assert plan["week_start"] == week and [s["kind"] for s in plan["slots"]] == ["idea", "open"]
    assert plan["slots"][0]["idea_id"] == idea["id"]
    assert all(datetime.fromisoformat(s["at"]) > now for s in plan["slots"])  # so none is done or over yet
    shown = psn(ws, "plan", "show", "--week", week)
    assert "0/2 slots done" in shown.stdout and "(Europe/Madrid)" in shown.stdout
    assert "1 open slot(s) want an idea for pillar ai in en." in shown.stdout

    open_slot = plan["slots"][1]["id"]
    skipped = psn(ws, "plan", "skip", open_slot[:8])
    assert skipped.exit_code == 0 and "is skipped" in skipped.stdout
    again = psn(ws, "plan", "skip", open_slot[:8])
    assert again.exit_code != 0 and "skipped" in again.output
    after = json.loads(psn(ws, "plan", "show", "--week", week, "--json").stdout)
    assert after["progress"] == {
        "planned": 1,
        "done": 0,
        "published": 0,
        "skipped": 1,
        "by_state": {"planned": 1, "skipped": 1},
    }
    (ws / "strategy.yaml").write_text(STRATEGY.replace("x: 2", "x: many"), "utf-8")  # broken: the last valid one
    kept = psn(ws, "plan", "--week", week, "--json")
    assert kept.exit_code == 0, kept.output
    replanned = json.loads(kept.stdout)
    assert "last valid version" in replanned["warnings"][0] and replanned["capacity"] == 2
    bad = psn(ws, "plan", "--week", "someday")
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    abandoned = psn(ws, "plan", "abandon", "--week", week, "--json")
    assert abandoned.exit_code == 0 and json.loads(abandoned.stdout)["state"] == "abandoned"
    again_abandoned = psn(ws, "plan", "abandon", "--week", week)
    assert again_abandoned.exit_code != 0 and "abandoned already" in again_abandoned.output
