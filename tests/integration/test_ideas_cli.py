"""`psn idea` and `psn ideas ...` as a user runs them (click's runner, a real hub), and the worker's daily
expiry task at fixed instants."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from psn_core.cli.main import cli
from psn_core.config import Settings
from psn_core.services.ideas import bank
from psn_core.services.ideas.tags import parse_idea
from psn_core.worker.app import Worker
from tests.support.cli_runner import invoke_psn as psn
from tests.support.cli_runner import member_workspace
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv, make_settings, new_member

pytestmark = pytest.mark.pg


@pytest.fixture
def workspace(hub_env: HubEnv) -> tuple[Path, uuid.UUID]:
    member = new_member(hub_env.hub, "Ana")
    ws = member_workspace(hub_env, member)
    return ws, member


def test_capture_list_search_promote_kill_and_stats(workspace: tuple[Path, uuid.UUID]) -> None:
    ws, _ = workspace
    done = psn(ws, "idea", "Black Friday teardown of our pricing #pillar:pricing #platform:x")
    assert done.exit_code == 0, done.output
    assert "Captured idea" in done.stdout and "seasonal (inferred), expires " in done.stdout
    assert "(Europe/Madrid) unless claimed" in done.stdout
    made = json.loads(psn(ws, "idea", "Hoy lanzamos la app #lang:es", "--json").stdout)
    assert (made["urgency"], made["language"], made["state"]) == ("timely", "es", "spark")

    listed = json.loads(psn(ws, "ideas", "list", "--json").stdout)
    assert {i["text"] for i in listed} == {"Black Friday teardown of our pricing", "Hoy lanzamos la app"}
    first = next(i for i in listed if i["pillar"] == "pricing")
    found = json.loads(psn(ws, "ideas", "search", "pricing", "teardown", "--json").stdout)
    assert [i["id"] for i in found] == [first["id"]]

    short = first["id"][:8]
    assert "spark -> seed" in psn(ws, "ideas", "promote", short).stdout
    assert "seed -> ready" in psn(ws, "ideas", "promote", short).stdout
    ready = json.loads(psn(ws, "ideas", "ready", "--json").stdout)
    assert [i["id"] for i in ready] == [first["id"]]
    assert "touched, still ready" in psn(ws, "ideas", "touch", short).stdout

    no_reason = psn(ws, "ideas", "kill", made["id"])
    assert no_reason.exit_code == 2 and "--reason" in no_reason.output
    killed = json.loads(psn(ws, "ideas", "kill", made["id"], "--reason", "launch moved", "--json").stdout)
    assert (killed["state"], killed["kill_reason"]) == ("killed", "launch moved")
    again = psn(ws, "ideas", "promote", made["id"])
    assert again.exit_code == 1 and "killed" in again.stderr and "What to do" in again.stderr

    stats = json.loads(psn(ws, "ideas", "stats", "--json").stdout)
    assert stats["by_state"] == {"killed": 1, "ready": 1} and stats["live"] == 1
    assert stats["by_source"] == {"capture": 2}
    assert "No stale ideas." in psn(ws, "ideas", "stale").stdout


def test_bad_input_is_refused_and_changes_nothing(workspace: tuple[Path, uuid.UUID]) -> None:
    ws, _ = workspace
    for args in (("idea", "#pillar:x"), ("idea", "hi #platform:myspace"), ("idea", "hi #urgency:soon")):
        done = psn(ws, *args)
        assert done.exit_code == 1 and "nothing was captured" in done.stderr, done.output
    missing = psn(ws, "ideas", "touch", "deadbeef")
    assert missing.exit_code == 1 and "No idea you can see" in missing.stderr
    assert json.loads(psn(ws, "ideas", "list", "--state", "all", "--json").stdout) == []


def test_the_workers_daily_task_expires_ideas_at_fixed_instants(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub, "Ana")
    t0 = start_instant()
    with hub_env.hub.transaction(member) as conn:
        timely = bank.capture(conn, member, parse_idea("Breaking: new oven"), t0)
    settings: Settings = make_settings(
        hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), member_id=member
    )
    worker = Worker(settings)
    try:
        assert "expire_ideas" in worker.tasks
        assert worker.expire_ideas(t0 + timedelta(hours=47)) == 0
        assert worker.expire_ideas(t0 + timedelta(hours=48, seconds=1)) == 1
        assert worker.expire_ideas(t0 + timedelta(hours=72)) == 0
    finally:
        worker.close()
    with hub_env.hub.transaction(member) as conn:
        assert bank.get_idea(conn, timely.id).state == "killed"


def test_with_a_strategy_only_its_pillars_are_accepted(workspace: tuple[Path, uuid.UUID]) -> None:
    """No strategy.yaml: any pillar. With one (`psn strategy init`): an unknown pillar is refused and
    nothing is stored; one of the strategy's pillars is taken."""
    ws, _ = workspace
    assert psn(ws, "idea", "Anything goes #pillar:whatever").exit_code == 0
    made = psn(ws, "strategy", "init", "--json")
    assert made.exit_code == 0, made.output
    pillars = [p["name"] for p in json.loads(psn(ws, "strategy", "show", "--json").stdout)["strategy"]["pillars"]]
    assert pillars and "nope" not in pillars
    refused = CliRunner().invoke(cli, ["--workspace", str(ws), "idea", "Off topic #pillar:nope"])
    assert refused.exit_code != 0 and "nope" in refused.output, refused.output
    taken = psn(ws, "idea", f"On topic #pillar:{pillars[0]}", "--json")
    assert taken.exit_code == 0, taken.output
    texts = {i["text"] for i in json.loads(psn(ws, "ideas", "list", "--json").stdout)}
    assert texts == {"Anything goes", "On topic"}
