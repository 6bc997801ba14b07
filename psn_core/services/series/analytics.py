"""Per-series analytics: how many posts were made for a series, how many became episodes, how many wait,
and the engagement its episodes collected (the analytics wing's post_metrics, every platform summed)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.series.due import post_times
from psn_core.services.series.labels import label
from psn_core.services.series.models import EpisodeStats, SeriesAnalytics
from psn_core.services.series.store import get_series

Q = Queries.load(__package__)


class _Episode(BaseModel):
    episode_number: int
    post_id: UUID
    published_at: datetime
    exposure: int
    engagements: int
    likes: int
    comments: int
    shares: int


def series_analytics(conn: Conn, ref: str | UUID) -> SeriesAnalytics:
    """A series' posts, episodes and engagement.

    Raises:
        SeriesNotFound: no such series visible.
    """
    series = get_series(conn, ref)
    made = post_times(conn, [series.id])[series.id]
    episodes = sql.many(conn, Q.episode_metrics, {"series_id": series.id}, _Episode)
    exposure = sum(e.exposure for e in episodes)
    engagements = sum(e.engagements for e in episodes)
    return SeriesAnalytics(
        series_id=series.id,
        slug=series.slug,
        name=series.name,
        posts=sum(1 for p in made if p.stage != "dropped"),
        episodes=len(episodes),
        scheduled=sum(1 for p in made if p.stage == "scheduled"),
        last_published_at=max((e.published_at for e in episodes), default=None),
        exposure=exposure,
        engagements=engagements,
        likes=sum(e.likes for e in episodes),
        comments=sum(e.comments for e in episodes),
        shares=sum(e.shares for e in episodes),
        engagement_rate=engagements / exposure if exposure else None,
        per_episode=[
            EpisodeStats(
                episode_number=e.episode_number,
                label=label(series.label_pattern, e.episode_number, series.season_length),
                post_id=e.post_id,
                published_at=e.published_at,
                exposure=e.exposure,
                engagements=e.engagements,
            )
            for e in episodes
        ],
    )
