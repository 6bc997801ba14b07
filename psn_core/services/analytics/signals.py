"""Analytics fed back into writing: what performed recently and which posts were flagged (for
``draft_context``), and how voice-matched posts perform against the rest (for the voice report).
Reads the hub only, with cheap indexed queries over the last 30 or 90 days.

**Voice-matched**, honestly defined: a published post whose first part's text is exactly the
``final_text`` of an approval psn recorded for edit learning (``draft_edits``) on the same platform,
i.e. a post drafted with psn's voice context and reviewed through it. Every other measured post is
"other". No text similarity guesses; a post edited after approval counts as "other".
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.analytics.models import engagement_rate, engagement_score
from psn_core.services.analytics.summary import Flags, flag_sentences

Q = Queries.load(__package__)


@dataclass(frozen=True)
class Group:
    """Posts, engagements and exposure of one group (voice-matched or not, or one format)."""

    posts: int
    engagements: int = 0
    exposure: int = 0
    weighted: int = 0
    matched: bool = False
    format: str = ""


@dataclass(frozen=True)
class FlaggedPost(Flags):
    platform: str
    text: str | None


class MatchedPerformance(BaseModel):
    matched_posts: int
    other_posts: int
    matched_engagement_rate: float
    other_engagement_rate: float


def voice_matched_performance(conn: Conn, member_id: UUID, days: int = 90) -> MatchedPerformance | None:
    """Engagement rate of voice-matched posts against the rest over ``days``; None unless both groups
    have measured posts (never an estimate)."""
    rows = sql.many(conn, Q.matched_performance, {"member": member_id, "days": days}, Group)
    groups = {r.matched: r for r in rows}
    mine, other = groups.get(True), groups.get(False)
    if mine is None or other is None:
        return None
    rate_mine = engagement_rate(int(mine.engagements), int(mine.exposure))
    rate_other = engagement_rate(int(other.engagements), int(other.exposure))
    if rate_mine is None or rate_other is None:
        return None
    return MatchedPerformance(
        matched_posts=int(mine.posts),
        other_posts=int(other.posts),
        matched_engagement_rate=rate_mine,
        other_engagement_rate=rate_other,
    )


def flagged_notes(conn: Conn, member_id: UUID, platform: str | None = None, limit: int = 5) -> list[str]:
    """Suppression signals of the last 30 days (optionally one platform's), newest first, as sentences."""
    params = {"member": member_id, "platform": platform, "limit": limit}
    rows = sql.many(conn, Q.flagged_notes, params, FlaggedPost)
    return [f"{r.platform} \u201c{r.text}\u201d: {'; '.join(flag_sentences(r))}" for r in rows]


def recent_performance(conn: Conn, member_id: UUID, platform: str) -> list[str]:
    """What performed on ``platform`` in the last 30 days, by format, plus flagged posts: for the writer."""
    rows = sql.many(conn, Q.recent_formats, {"member": member_id, "platform": platform}, Group)
    scored = [(r.format, int(r.posts), engagement_score(int(r.weighted), int(r.exposure))) for r in rows]
    ranked = sorted((s for s in scored if s[2] is not None), key=lambda s: -(s[2] or 0))
    notes = [
        f"Last 30 days on {platform}: {fmt} posts scored {score:.1f} (weighted engagements per 1,000; {n} posts)."
        for fmt, n, score in ranked
    ]
    flagged = flagged_notes(conn, member_id, platform, limit=3)
    if flagged:
        notes.append("Flagged recently (avoid repeating what these did): " + " | ".join(flagged))
    return notes
