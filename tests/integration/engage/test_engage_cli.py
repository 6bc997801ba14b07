"""`psn engage` as a user runs it (click's runner, a real hub, the emulator): status says what each of the
four accounts can and cannot do and why, sweep fills the inbox, triage answers in one pass, reply shows what
goes out, asks, and posts it once; capture takes an idea into the ideas bank."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import cast

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.emulator.x import XEmulator
from psn_core.platforms.registry import PLATFORMS
from tests.security.crash_env import worker_settings
from tests.support.cli_runner import invoke_psn as psn
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = pytest.mark.pg


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(config=EmulatorConfig(processing_seconds=0.2, hold_seconds=3)) as emulator:
        yield emulator


@pytest.fixture
def settings(hub_env: HubEnv, emu: Emulator) -> Settings:
    made = worker_settings(hub_env, emu)
    assert made.member_id is not None
    for platform in PLATFORMS:
        connect_account(hub_env.hub, made, made.member_id, platform)
    (made.workspace / "strategy.yaml").write_text(
        "version: 1\npillars:\n- name: databases\n  weight: 1\nengagement:\n  keywords: [postgres]\n", encoding="utf-8"
    )
    return made


def test_status_sweep_triage_reply_and_capture(settings: Settings, emu: Emulator) -> None:
    ws = settings.workspace
    x = cast(XEmulator, emu.platform("x"))
    fan = emu.create_user("x", username="pg_fan")
    mention = x.conversations.post_as(fan, f"@{emu.default_user('x').username} postgres or mysql for a side project?")

    swept = psn(ws, "engage", "sweep")
    assert swept.exit_code == 0, swept.output
    assert "x @" in swept.stdout and "1 new of 2 read" in swept.stdout  # by mentions and by search: stored once

    shown = psn(ws, "engage", "status")
    assert shown.exit_code == 0, shown.output
    out = shown.stdout
    assert "replies: yes, 0 of 10 today" in out
    assert "mentions and replies to your posts, last read" in out
    assert "recent posts with your keywords, last read" in out
    assert "needs a paid X API access level" in out  # said even where it works: it depends on the plan
    assert "Community Management API" in out  # LinkedIn: why not
    assert "no comment endpoints" in out  # TikTok: why not
    assert "comments on your newest posts" in out  # Instagram

    [found] = json.loads(psn(ws, "engage", "list", "--json").stdout)
    assert found["remote_id"] == mention.id and found["can_reply"]
    short = found["id"][:8]
    triaged = psn(ws, "engage", "triage", "--yes", short)
    assert triaged.exit_code == 0 and f"{short} yes: yes" in triaged.stdout

    declined = psn(ws, "engage", "reply", short, "Postgres, and sleep well.", stdin="n\n")
    assert "Post this reply?" in declined.stdout and "Nothing was posted." in declined.stdout
    assert not any(r.endpoint == "create_tweet" for r in emu.requests)

    too_long = psn(ws, "engage", "reply", short, "p" * 281, stdin="y\n")
    assert too_long.exit_code == 1 and "the limit is 280" in too_long.stderr

    posted = psn(ws, "engage", "reply", short, "Postgres, and sleep well.", stdin="y\n")
    assert posted.exit_code == 0, posted.output
    assert "Reply sent as " in posted.stdout
    sent = [json.loads(r.body) for r in emu.requests if r.endpoint == "create_tweet"]
    assert sent == [{"text": "Postgres, and sleep well.", "reply": {"in_reply_to_tweet_id": mention.id}}]

    again = psn(ws, "engage", "reply", short, "Postgres!", stdin="y\n")
    assert again.exit_code == 1 and "psn replies once" in again.stderr

    captured = psn(ws, "engage", "capture", short, "Why I pick Postgres for side projects")
    assert captured.exit_code == 0 and "source engage" in captured.stdout


def test_on_the_free_x_level_status_says_what_x_refused(settings: Settings, emu: Emulator) -> None:
    emu.world.config = emu.world.config.model_copy(update={"x_access_level": "free"})
    swept = psn(settings.workspace, "engage", "sweep")
    assert swept.exit_code == 0, swept.output
    out = psn(settings.workspace, "engage", "status").stdout
    assert "unavailable mentions and replies to your posts: not available on your access level (X refused" in out
    assert "unavailable recent posts with your keywords: not available on your access level (X refused" in out
    assert "psn asks again" in out
    assert "different access level" in out  # X's own words, kept
