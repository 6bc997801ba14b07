"""What a saved post is about (its pillar) and how it is built (its format), recorded where drafts are
saved, and what detection reads: the same pillar and format 3+ times in 30 days suggests a series.

The pillar is the one given with the draft, else its series', else the pillar of the idea it was made
from; the format is the one given (a name of the voice format catalog, as drafting recommends it), else a
target's, else its series', else its shape (psn_core.voice.formats.infer_format).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.series.models import SeriesSuggestion

Q = Queries.load(__package__)

MIN_POSTS = 3


def record(conn: Conn, post_id: UUID, *, pillar: str | None, format: str | None) -> None:
    """Record a saved post's pillar and format (once per post)."""
    with conn.transaction():
        sql.run(conn, Q.insert_post_topics, {"post_id": post_id, "pillar": pillar, "format": format})


def _cadence(first: datetime, last: datetime, posts: int) -> str:
    gap = (last - first) / max(posts - 1, 1)
    return "weekly" if gap <= timedelta(days=10) else "biweekly" if gap <= timedelta(days=20) else "monthly"


class _Group(SeriesSuggestion):
    suggested_cadence: str = ""


def detect(conn: Conn, now: datetime, *, min_posts: int = MIN_POSTS) -> list[SeriesSuggestion]:
    """Pillar and format pairs posted ``min_posts``+ times in the 30 days up to ``now`` by posts of no
    series, with no live series of that pair: each perhaps a series (most posts first)."""
    groups = sql.many(conn, Q.repeated_topics, {"now": now, "min_posts": min_posts}, _Group)
    return [
        SeriesSuggestion(
            **g.model_dump(exclude={"suggested_cadence"}), suggested_cadence=_cadence(g.first_at, g.last_at, g.posts)
        )
        for g in groups
    ]
