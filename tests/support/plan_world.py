"""Weekly plan tests' building blocks: a strategy in code, the week after the test clock's (so every
planned time is in the future whatever the start instant), ready ideas, and a top post with metrics."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from psn_core.hub.database import Conn
from psn_core.services.ideas import bank
from psn_core.services.ideas.models import Idea
from psn_core.services.ideas.tags import parse_idea
from psn_core.strategy.model import Strategy

ZONE = "Europe/Madrid"
# A strategy.yaml as the user writes it (the plan tool and command journeys): 3 X posts a week at 09:00 on
# weekdays, pillars bakery 2 : business 1, English.
STRATEGY_YAML = """\
version: 1
pillars:
  - name: bakery
    weight: 2
  - name: business
    weight: 1
frequency:
  x: 3
times:
  x:
    - days: weekdays
      at: ["09:00"]
languages:
  en: 1
"""


def strategy(**overrides: object) -> Strategy:
    """Two pillars 2:1, X 3 a week and LinkedIn 2, weekday times, English and Spanish 60/40."""
    data: dict[str, object] = {
        "pillars": [{"name": "ai", "weight": 2}, {"name": "product", "weight": 1}],
        "frequency": {"x": 3, "linkedin": 2},
        "times": {
            "x": [{"days": "weekdays", "at": ["09:00", "17:00"]}],
            "linkedin": [{"days": ["tue", "thu"], "at": "08:30"}],
        },
        "languages": {"en": 0.6, "es": 0.4},
        **overrides,
    }
    return Strategy.model_validate(data)


def next_week(now: datetime, zone: str = ZONE) -> date:
    """The Monday after the week holding ``now`` in ``zone``."""
    today = now.astimezone(ZoneInfo(zone)).date()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


def ready_idea(conn: Conn, member: uuid.UUID, text: str, now: datetime) -> Idea:
    """A captured idea moved to ready (spark -> seed -> ready)."""
    idea = bank.capture(conn, member, parse_idea(text), now)
    for _ in range(2):
        idea = bank.move(conn, idea.id, "promote", now)
    return idea


def x_account(conn: Conn, member: uuid.UUID, platform: str = "x", handle: str = "ana") -> uuid.UUID:
    row = conn.execute(
        "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, %s, %s, %s) RETURNING id",
        [member, platform, handle, f"r-{platform}-{handle}"],
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row["id"]))


def published_post(
    conn: Conn,
    member: uuid.UUID,
    account: uuid.UUID,
    idea: str,
    at: datetime,
    *,
    platform: str = "x",
    exposure: int = 1000,
    weighted: int = 50,
    language: str = "en",
) -> uuid.UUID:
    """A post published at ``at`` with its metrics row (what the analytics sweep leaves)."""
    post = conn.execute(
        "INSERT INTO posts (member_id, idea, language, timezone) VALUES (%s, %s, %s, 'UTC') RETURNING id",
        [member, idea, language],
    ).fetchone()
    assert post is not None
    target = conn.execute(
        "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering, status, due_at, published_at)"
        ' VALUES (%s, %s, %s, %s, \'{"parts": [{"text": "hi"}]}\', \'published\', %s, %s) RETURNING id',
        [post["id"], member, account, platform, at, at],
    ).fetchone()
    assert target is not None
    conn.execute(
        "INSERT INTO post_metrics (target_id, member_id, post_id, account_id, platform, language, format,"
        " published_at, collected_at, exposure, weighted) VALUES (%s, %s, %s, %s, %s, %s, 'text', %s, %s, %s, %s)",
        [target["id"], member, post["id"], account, platform, language, at, at, exposure, weighted],
    )
    return uuid.UUID(str(post["id"]))
