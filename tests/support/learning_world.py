"""Synthetic analytics for the learning tests: measured posts written straight into a real hub (posts,
published targets, their latest metrics, the ideas and pillars they came from), on a clock the test owns.

``week_of(monday)`` is the week the learning tests use: on X, two expertise posts that do clearly better
than the week's other posts, two stories posts that do clearly worse, one behind-the-scenes post that is
typical and one post about "AI tooling" in no pillar that does very well (six X posts); on LinkedIn one post
at 09:00 that does poorly and one at 12:00 that does well.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg.types.json import Jsonb

from psn_core.hub.database import Hub

ZONE = ZoneInfo("Europe/Madrid")


def monday_of(moment: datetime) -> date:
    day = moment.astimezone(ZONE).date()
    return day - timedelta(days=day.weekday())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the test zone (DST-safe: combined per day)."""
    return datetime.combine(day, time(hour, minute), ZONE)


@dataclass
class World:
    hub: Hub
    member: uuid.UUID
    accounts: dict[str, uuid.UUID] = field(default_factory=dict)
    post_ids: list[uuid.UUID] = field(default_factory=list)

    def account(self, platform: str) -> uuid.UUID:
        if platform not in self.accounts:
            with self.hub.transaction(self.member) as conn:
                row = conn.execute(
                    "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, %s, %s, %s)"
                    " RETURNING id",
                    [self.member, platform, f"ana_{platform}", f"r-{platform}"],
                ).fetchone()
            assert row is not None
            self.accounts[platform] = uuid.UUID(str(row["id"]))
        return self.accounts[platform]

    def post(
        self,
        when: datetime,
        *,
        platform: str = "x",
        exposure: int = 1000,
        weighted: int = 50,
        pillar: str | None = None,
        topic: str = "",
        text: str = "A plain statement about work.",
        fmt: str = "text",
        measured: bool = True,
    ) -> uuid.UUID:
        """One published post (one target), measured unless ``measured`` is False (no analytics)."""
        account = self.account(platform)
        with self.hub.transaction(self.member) as conn:
            post = conn.execute(
                "INSERT INTO posts (member_id, idea, timezone, created_at) VALUES (%s, %s, %s, %s) RETURNING id",
                [self.member, topic, ZONE.key, when],
            ).fetchone()
            assert post is not None
            target = conn.execute(
                "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering, status, published_at)"
                " VALUES (%s, %s, %s, %s, %s, 'published', %s) RETURNING id",
                [post["id"], self.member, account, platform, Jsonb({"parts": [{"text": text}]}), when],
            ).fetchone()
            assert target is not None
            conn.execute(
                "SELECT 1"
                if not measured
                else "INSERT INTO post_metrics (target_id, member_id, post_id, account_id, platform, language, format,"
                " published_at, collected_at, impressions, likes, exposure, engagements, weighted)"
                " VALUES (%s, %s, %s, %s, %s, 'en', %s, %s, %s, %s, %s, %s, %s, %s)",
                []
                if not measured
                else [
                    target["id"],
                    self.member,
                    post["id"],
                    account,
                    platform,
                    fmt,
                    when,
                    when + timedelta(days=1),
                    exposure,
                    weighted,
                    exposure,
                    weighted,
                    weighted,
                ],
            )
            if pillar is not None:
                idea = conn.execute(
                    "INSERT INTO ideas (member_id, text, pillar) VALUES (%s, %s, %s) RETURNING id",
                    [self.member, f"idea for {topic or pillar}", pillar],
                ).fetchone()
                assert idea is not None
                conn.execute(
                    "INSERT INTO idea_posts (idea_id, post_id, member_id) VALUES (%s, %s, %s)",
                    [idea["id"], post["id"], self.member],
                )
        post_id = uuid.UUID(str(post["id"]))
        self.post_ids.append(post_id)
        return post_id

    def week_of(self, monday: date) -> dict[str, list[uuid.UUID]]:
        """The standard week (module docstring); the post ids by group."""
        tuesday = monday + timedelta(days=1)
        made: dict[str, list[uuid.UUID]] = {}
        for n, (group, weighted) in enumerate(
            [("expertise", 60), ("expertise", 60), ("stories", 20), ("stories", 20), ("behind-the-scenes", 50)]
        ):
            made.setdefault(group, []).append(self.post(at(tuesday, 8, 10 + n), weighted=weighted, pillar=group))
        made["ai tooling"] = [self.post(at(tuesday, 8, 30), weighted=90, topic="AI tooling")]
        made["linkedin 09:00"] = [self.post(at(tuesday, 9), platform="linkedin", weighted=5)]
        made["linkedin 12:00"] = [self.post(at(tuesday, 12), platform="linkedin", weighted=40)]
        return made
