"""Writing analytics into the hub: snapshots, the latest metrics of each target, the weekly/monthly
rollups (changed incrementally, by the difference each new collection makes), the recency bookkeeping
and the suppression flags. Only the sweep calls these; every function runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.platforms.models import PostMetrics
from psn_core.services.analytics.models import (
    BASELINE_MIN_POSTS,
    FLAG_MIN_AGE,
    HIGH_REACH_MIN,
    LOW_IMPRESSIONS_RATIO,
    MAX_AGE,
    NEAR_ZERO_RATE,
    WEIGHTS,
    Format,
    next_due,
)

Q = Queries.load(__package__)
MEASURES = ("impressions", "reach", "views", "likes", "comments", "shares", "saves")
ROLLED = (*MEASURES, "exposure", "engagements", "weighted")


@dataclass(frozen=True)
class DueTarget:
    """A published target whose metrics are due, as the sweep reads it."""

    target_id: UUID
    post_id: UUID
    account_id: UUID
    platform: str
    language: str
    format: Format
    remote_id: str
    published_at: datetime


@dataclass(frozen=True)
class Latest:
    """A target's latest stored metrics (locked while its rollup delta is computed)."""

    target_id: UUID
    impressions: int | None
    reach: int | None
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    exposure: int | None
    engagements: int | None
    weighted: int | None


@dataclass(frozen=True)
class RollupState:
    metrics: bool
    rolled: bool
    other: bool


def format_of(rendering: Mapping[str, Any]) -> Format:
    """The post's format from its stored rendering (thread, image, carousel, video, text, document, article)."""
    parts = rendering.get("parts") or []
    if rendering.get("article_url"):
        return "article"
    if len(parts) > 1:
        return "thread"
    kinds = [str(m.get("kind")) for m in (parts[0].get("media") or [])] if parts else []
    if "video" in kinds:
        return "video"
    if "document" in kinds:
        return "document"
    if len(kinds) > 1:
        return "carousel"
    return "image" if kinds else "text"


def derived(m: PostMetrics) -> dict[str, int]:
    """exposure, engagements and weighted engagements of one reading (see analytics_models)."""
    exposure = m.impressions if m.impressions is not None else m.views if m.views is not None else m.reach
    counts = {k: getattr(m, k) or 0 for k in WEIGHTS}
    return {
        "exposure": exposure or 0,
        "engagements": sum(counts.values()),
        "weighted": sum(WEIGHTS[k] * v for k, v in counts.items()),
    }


def record_metrics(
    conn: Conn, member_id: UUID, targets: Sequence[DueTarget], readings: Sequence[PostMetrics], now: datetime, zone: str
) -> int:
    """Store one batch of readings: a snapshot each, the latest row, rollup deltas, and when each target
    is next due (targets the platform returned nothing for are rescheduled too, so they never loop).
    Returns how many targets got a reading.
    """
    by_remote = {m.post_id: m for m in readings if m.post_id}
    ids = [t.target_id for t in targets]
    old = {r.target_id: r for r in sql.many(conn, Q.lock_latest, {"targets": ids}, Latest)}
    stored = 0
    deltas: list[dict[str, object]] = []
    for t in targets:
        reading = by_remote.get(t.remote_id)
        due = {"target": t.target_id, "member": member_id, "now": now, "next_due": next_due(t.published_at, now)}
        sql.run(conn, Q.collected, due)
        if reading is None:
            continue
        values: dict[str, Any] = {k: getattr(reading, k) for k in (*MEASURES, "link_clicks", "profile_clicks")}
        values.update(derived(reading))
        sql.run(conn, Q.insert_snapshot, {"member": member_id, "target": t.target_id, "now": now, **values})
        row = {
            "target": t.target_id,
            "member": member_id,
            "post": t.post_id,
            "account": t.account_id,
            "platform": t.platform,
            "language": t.language,
            "format": t.format,
            "published": t.published_at,
            "now": now,
            **values,
        }
        sql.run(conn, Q.upsert_latest, row)
        before = old.get(t.target_id)
        delta = {f"d_{c}": (values[c] or 0) - ((getattr(before, c) or 0) if before else 0) for c in ROLLED}
        for period in ("week", "month"):
            deltas.append({**row, **delta, "period": period, "zone": zone, "posts": 0 if before else 1})
        stored += 1
    if deltas:
        with conn.cursor() as cur:
            cur.executemany(Q.rollup_delta, deltas)
    return stored


def rebuild_rollups(conn: Conn, member_id: UUID, zone: str, now: datetime) -> None:
    """Recompute every rollup from post_metrics in ``zone`` (first run, or after the user's zone changed)."""
    sql.run(conn, Q.delete_rollups, {"member": member_id})
    sql.run(conn, Q.rebuild_rollups, {"member": member_id, "zone": zone, "now": now})


def ensure_rollups(conn: Conn, member_id: UUID, zone: str, now: datetime) -> bool:
    """Rebuild the rollups when there are metrics but none rolled up in ``zone``; returns whether it did."""
    state = sql.one(conn, Q.rollup_state, {"member": member_id, "zone": zone}, RollupState)
    assert state is not None
    if (state.metrics and not state.rolled) or state.other:
        rebuild_rollups(conn, member_id, zone, now)
        return True
    return False


def refresh_flags(conn: Conn, member_id: UUID, account_id: UUID, now: datetime) -> None:
    """Recompute the suppression flags of the account's posts of the last 30 days.

    Baseline: the mean exposure of the account's other posts of the last 30 days that are at least a
    day old (younger posts have not had their reach yet, so neither they nor the baseline use them).
    """
    sql.run(
        conn,
        Q.refresh_flags,
        {
            "member": member_id,
            "account": account_id,
            "since": now - MAX_AGE,
            "judged": now - FLAG_MIN_AGE,
            "min_posts": BASELINE_MIN_POSTS,
            "ratio": LOW_IMPRESSIONS_RATIO,
            "high_reach": HIGH_REACH_MIN,
            "near_zero": NEAR_ZERO_RATE,
        },
    )


def record_followers(conn: Conn, member_id: UUID, account_id: UUID, followers: int | None, now: datetime) -> None:
    """Store a follower count (when the platform gave one) and when psn last asked."""
    params = {"member": member_id, "account": account_id, "now": now}
    if followers is not None:
        sql.run(conn, Q.insert_followers, {**params, "followers": followers})
    sql.run(conn, Q.followers_checked, params)
