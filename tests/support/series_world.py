"""Series tests' building blocks: a series from a few words, and posts of it at fixed instants, written
as raw SQL the way the posting service leaves them (a post, its targets, their status and due time)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from psn_core.hub.database import Conn
from psn_core.services.series import store
from psn_core.services.series.models import Series, SeriesTemplate
from psn_core.services.series.store import SeriesSpec


def make_series(
    conn: Conn,
    member: uuid.UUID,
    now: datetime,
    *,
    name: str = "Tuesday tips",
    cadence: str = "weekly",
    rrule: str | None = None,
    starts_on: date = date(2026, 3, 3),
    at: time = time(9, 0),
    zone: str = "Europe/Madrid",
    pillar: str | None = None,
    label_pattern: str = "#{n}",
    season_length: int | None = None,
    first_episode: int = 1,
    platforms: tuple[str, ...] = ("x",),
    format: str | None = None,
) -> Series:
    spec = SeriesSpec(
        name=name,
        cadence=cadence,
        rrule=rrule,
        starts_on=starts_on,
        time_of_day=at,
        timezone=zone,
        platforms=list(platforms),
        pillar=pillar,
        template=SeriesTemplate(structure=["hook", "tip", "example"], intro="Tip {label}:", hashtags=["#tips"]),
        label_pattern=label_pattern,
        season_length=season_length,
        first_episode=first_episode,
        format=format,
    )
    return store.create_series(conn, member, spec, now, pillars=None)


def account(conn: Conn, member: uuid.UUID, handle: str = "ana") -> uuid.UUID:
    row = conn.execute(
        "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, 'x', %s, %s) RETURNING id",
        [member, handle, f"r-{handle}"],
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row["id"]))


def post(
    conn: Conn, member: uuid.UUID, account_id: uuid.UUID, *, targets: int = 1, due: datetime | None = None
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A post with ``targets`` targets, scheduled at ``due`` (a draft without it)."""
    row = conn.execute(
        "INSERT INTO posts (member_id, idea, timezone, scheduled_at) VALUES (%s, 'x', 'UTC', %s) RETURNING id",
        [member, due],
    ).fetchone()
    assert row is not None
    post_id = uuid.UUID(str(row["id"]))
    ids = []
    for _ in range(targets):
        target = conn.execute(
            "INSERT INTO post_targets (post_id, member_id, account_id, platform, rendering, status, due_at)"
            ' VALUES (%s, %s, %s, \'x\', \'{"parts": [{"text": "hi"}]}\', %s, %s) RETURNING id',
            [post_id, member, account_id, "scheduled" if due else "draft", due],
        ).fetchone()
        assert target is not None
        ids.append(uuid.UUID(str(target["id"])))
    return post_id, ids


def publish(conn: Conn, target: uuid.UUID, at: datetime) -> None:
    """What the publisher does to a target: publishing, then published (at ``at``)."""
    conn.execute("UPDATE post_targets SET status = 'publishing' WHERE id = %s AND status <> 'published'", [target])
    conn.execute("UPDATE post_targets SET status = 'published', published_at = %s WHERE id = %s", [at, target])
