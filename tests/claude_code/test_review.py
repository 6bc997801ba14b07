"""`/psn:review` in the real Claude Code: save_weekly_review on a hub holding a measured week (posts
published on the emulator, metrics swept), the report and its chart written under reports/; and a strategy
proposal the user names approved through decide_strategy_proposal, strategy.yaml changed.

The emulator runs on the test's manual clock here (metrics mature as it moves), so the week is the
test's own, never the real date's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.hub.database import Hub
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.analytics.report import parse_week
from psn_core.services.learning.loop import run_weekly
from psn_core.services.strategy import init_strategy, load_strategy
from psn_core.strategy.defaults import StrategySeed
from tests.integration.analytics.test_analytics_report import a_measured_week
from tests.support.claude_code import run_claude, text, tool_use
from tests.support.clock import start_clock, start_instant
from tests.support.hubs import HubEnv, PgServer
from tests.support.learning_world import ZONE, World, at, monday_of
from tests.support.platform_env import connect_account
from tests.support.publishing_env import PubEnv

pytestmark = pytest.mark.dates


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=5, hold_seconds=3)) as emulator:
        yield emulator


def test_review_saves_the_weekly_report_of_a_measured_week(
    workspace: Path, hub: Hub, settings: Settings, member: uuid.UUID, emu: Emulator, clock: ManualClock
) -> None:
    settings = settings.model_copy(update={"platform_read_timeout": 1.0})
    accounts = {name: connect_account(hub, settings, member, name, clock) for name in PLATFORMS}
    pub = PubEnv(HubEnv(settings, hub, "embedded", PgServer("", "embedded")), settings, emu, clock, member, accounts)
    a_measured_week(pub)
    week, _ = parse_week(None, settings.zone, clock() + timedelta(days=7))  # the week just measured

    run = run_claude(
        workspace,
        f"/psn:review {week}",
        steps=[
            [tool_use("save_weekly_review", week=week)],
            lambda convo: [text(f"6 posts. Report: {convo.tool_result('save_weekly_review')['markdown']}")],
        ],
    )
    run.assert_command("review", week)
    assert run.permission_denials == []
    ((name, is_error, files),) = run.tool_results
    assert (name, is_error) == ("save_weekly_review", False), files
    assert files["review"]["week"] == week and files["review"]["totals"]["posts"] == 6, files["review"]["totals"]
    report = workspace / "reports" / f"review-{week}.md"
    assert Path(files["markdown"]) == report.resolve() and "## What worked" in report.read_text()
    assert (workspace / "reports" / f"review-{week}.png").stat().st_size > 1000


def test_review_approves_the_proposal_the_user_named_and_the_strategy_changes(
    workspace: Path, hub: Hub, member: uuid.UUID
) -> None:
    init_strategy(workspace, StrategySeed(talks_like="between", platforms=["x", "linkedin"]))
    world = World(hub, member)
    monday = monday_of(start_instant()) + timedelta(weeks=1)
    for n in range(3):
        world.week_of(monday + timedelta(weeks=n))
    with hub.transaction(member) as conn:
        learned = run_weekly(
            conn, member, workspace=workspace, zone=ZONE, now=at(monday + timedelta(weeks=3, days=1), 7)
        )
    proposal = next(p for p in learned.proposals if p.path == "frequency.x")

    run = run_claude(
        workspace,
        f"/psn:review approve {proposal.id}",
        steps=[
            [tool_use("decide_strategy_proposal", proposal_id=proposal.id, decision="approve")],
            lambda convo: [text(f"Approved: {convo.tool_result('decide_strategy_proposal')['summary']}")],
        ],
    )
    run.assert_command("review", f"approve {proposal.id}")
    assert run.permission_denials == []
    ((name, is_error, decided),) = run.tool_results
    assert (name, is_error) == ("decide_strategy_proposal", False), decided
    assert decided["status"] == "approved" and decided["value"] == 6
    strategy = load_strategy(workspace)
    assert strategy is not None and strategy.frequency["x"] == 6
