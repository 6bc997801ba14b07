"""Ideas around the plan: rating ideas (love, maybe, kill) through the ideas bank's state machine, storing
the ideas Claude proposes as sparks (source ``plan``) so they can be rated by id, and answering "what
should I post?" (due series episodes first, then ready ideas, then other suggestions)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.ideas import bank
from psn_core.services.ideas.errors import IdeaTransitionRefused
from psn_core.services.ideas.models import LIVE, Idea
from psn_core.services.ideas.tags import parse_idea
from psn_core.services.plan import candidates, learned
from psn_core.services.plan.allocate import resting_on
from psn_core.services.plan.errors import PlanInputInvalid
from psn_core.services.plan.models import Candidate, PlanSlot, RatedIdea, Suggestion, WhatToPost
from psn_core.strategy.model import Platform, Strategy

Q = Queries.load(__package__)
RATINGS = ("love", "maybe", "kill")
LOOKAHEAD = timedelta(days=7)


class ProposedIdea(BaseModel):
    """An idea Claude proposes for the plan (stored as a spark, source plan, to be rated)."""

    text: str = Field(min_length=1, max_length=2000, description="The idea, in a sentence or two.")
    pillar: str | None = Field(default=None, description="Its content pillar (one of the strategy's).")
    platform: Platform | None = Field(
        default=None, description="The platform it suits best, if one: x, linkedin, instagram or tiktok."
    )
    language: str | None = Field(default=None, description="Its language code (en, es ...); omit to guess.")


def rate_idea(conn: Conn, ref: str | UUID, rating: str, now: datetime, *, reason: str | None = None) -> RatedIdea:
    """love: the idea becomes ready (the plan uses it next); maybe: a seed (kept, not planned yet);
    kill: killed, with its reason. Each step goes through the ideas bank's state machine and is recorded.

    Raises:
        PlanInputInvalid: an unknown rating. IdeaNotFound; IdeaTransitionRefused: a kill without a reason,
        or an idea that is used or killed already; NotPermitted: see the ideas bank.
    """
    if rating not in RATINGS:
        raise PlanInputInvalid(f"{rating!r} is not a rating; nothing changed.", "Rate love, maybe or kill.")
    idea = bank.get_idea(conn, ref)
    note = f"rated {rating} in the weekly plan"
    if rating == "kill":
        idea = bank.move(conn, idea.id, "kill", now, reason=reason)
    else:
        if idea.state not in LIVE:
            raise IdeaTransitionRefused(f"Idea {idea.short_id} is {idea.state}: it cannot be rated {rating}.")
        steps = ("spark", "seed") if rating == "love" else ("spark",)
        moved = False
        while idea.state in steps:
            idea = bank.move(conn, idea.id, "promote", now, note=(reason or note))
            moved = True
        if not moved:
            idea = bank.move(conn, idea.id, "touch", now)  # already that far: still wanted
    return RatedIdea(idea_id=idea.id, rating=rating, state=idea.state, text=idea.text)


def propose_ideas(
    conn: Conn,
    member_id: UUID,
    proposals: list[ProposedIdea],
    now: datetime,
    *,
    pillars: Collection[str] | None,
    avoid: Collection[str] = (),
) -> list[Idea]:
    """Store Claude's proposals as sparks of source plan (all or none), to be rated by id.

    Raises:
        IdeaInputInvalid: a bad tag, an unknown pillar (with a strategy) or no text; nothing is stored.
        PlanInputInvalid: a proposal about one of the strategy's avoid-topics; nothing is stored.
    """
    for proposal in proposals:
        hit = next((topic for topic in avoid if topic.lower() in proposal.text.lower()), None)
        if hit is not None:
            raise PlanInputInvalid(
                f"{proposal.text!r} is about {hit!r}, one of the strategy's avoid-topics; nothing was stored.",
                "Propose ideas on other topics (get_strategy lists avoid_topics).",
            )
    parsed = [parse_idea(p.text, pillar=p.pillar, platform=p.platform, language=p.language) for p in proposals]
    with conn.transaction():
        return [bank.capture(conn, member_id, one, now, source="plan", pillars=pillars) for one in parsed]


def what_to_post(
    conn: Conn, member_id: UUID, strategy: Strategy | None, zone: str, now: datetime, *, limit: int = 8
) -> WhatToPost:
    """Due series episodes of the next 7 days first, then ready ideas, then other suggestions (planned
    slots, remixes and recycles of top posts, ideas proposed for a plan), then the best trends (to make an
    idea first), at most ``limit``. Topics the preference model rests today are left out."""
    slots = sql.many(conn, Q.open_slots_ahead, {"now": now, "limit": 50}, PlanSlot)
    by_idea = {s.idea_id: s for s in slots if s.idea_id is not None}
    by_episode = {(s.series_id, s.occurrence_at): s for s in slots if s.series_id is not None}
    out: list[Suggestion] = []
    for episode in candidates.due_series(conn, now, now + LOOKAHEAD, zone, []):
        slot = by_episode.get((episode.series_id, episode.due_at))
        out.append(
            Suggestion(
                kind="series",
                topic=f"{episode.name} {episode.label}".strip(),
                pillar=episode.pillar,
                platform=episode.platforms[0] if episode.platforms else None,
                why=f"Episode {episode.label} of the series {episode.name!r} is due.",
                series_id=episode.series_id,
                episode_label=episode.label,
                due_at=episode.due_at,
                plan_slot_id=slot.id if slot else None,
            )
        )
    avoid = strategy.avoid_topics if strategy else []
    rests = learned.resting_today(learned.load(conn, member_id), zone, now, strategy)
    today = now.astimezone(ZoneInfo(zone)).date()

    def awake(c: Candidate) -> bool:  # a topic the preference model rests is not suggested until it ends
        return resting_on(rests, c.topic, c.pillar, today) is None

    ideas = [c for c in candidates.idea_candidates(conn, member_id, avoid) if awake(c)]
    for idea in (c for c in ideas if c.tier == 0):
        slot = by_idea.get(idea.idea_id) if idea.idea_id else None
        out.append(
            Suggestion(
                kind="idea",
                topic=idea.topic,
                pillar=idea.pillar,
                platform=slot.platform if slot else idea.platform,
                language=idea.language,
                why="A ready idea" + (f", planned for {slot.local_day:%a %d %b}." if slot else "."),
                idea_id=idea.idea_id,
                plan_slot_id=slot.id if slot else None,
                due_at=slot.at if slot else None,
            )
        )
    for slot in slots:
        if slot.kind in ("remix", "recycle", "open"):
            why = slot.reason or f"A planned {slot.kind} slot."
            out.append(
                Suggestion(
                    kind="slot",
                    topic=slot.topic,
                    pillar=slot.pillar,
                    platform=slot.platform,
                    language=slot.language,
                    why=why,
                    plan_slot_id=slot.id,
                    source_post_id=slot.source_post_id,
                    due_at=slot.at,
                )
            )
    for post in candidates.post_candidates(conn, member_id, avoid, now, None):
        if not awake(post) or any(s.source_post_id == post.source_post_id for s in out):
            continue
        where = (
            f", not yet on {', '.join(sorted({'x', 'linkedin', 'instagram', 'tiktok'} - set(post.avoid_platforms)))}"
        )
        out.append(
            Suggestion(
                kind=post.kind,
                topic=post.topic,
                pillar=post.pillar,
                language=post.language,
                why=(
                    f"One of your top posts of the last 90 days{where}."
                    if post.kind == "remix"
                    else "One of your top posts from over 60 days ago: tell it with a new angle."
                ),
                source_post_id=post.source_post_id,
            )
        )
    for idea in (c for c in ideas if c.tier == 3):
        out.append(
            Suggestion(
                kind="proposed",
                topic=idea.topic,
                pillar=idea.pillar,
                platform=idea.platform,
                language=idea.language,
                why="An idea proposed for your plan and not rated yet: rate it love, maybe or kill.",
                idea_id=idea.idea_id,
            )
        )
    for trend in learned.offered_trends(conn, rests, strategy, now):
        out.append(
            Suggestion(
                kind="trend",
                topic=trend.title,
                pillar=trend.pillar,
                why=f"A trend that fits your pillars (score {trend.score:.2f}): make it an idea first (trend_to_idea).",
                trend_id=trend.id,
            )
        )
    ready = any(s.kind in ("series", "idea") for s in out)
    return WhatToPost(suggestions=out[:limit], need_ideas=not ready)
