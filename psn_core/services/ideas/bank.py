"""The ideas bank in the hub: capture, list, search, move through the state machine, touch, stats, stale
and expiry (migration 0016 enforces the machine and who may move what; this module turns refusals into
sentences). Every function takes a transaction acting as the member (``Hub.transaction``).

States: spark -> seed -> ready -> claimed -> developed -> used; a claim released (claimed -> ready);
killed, with a reason, from any live state. ``promote`` moves one step forward (ready -> claimed is the
claim). Drafting a post from an idea (save_draft with idea_id) moves it to developed, stepping through
the states between, each recorded; publishing that post moves it to used, once (the hub's trigger).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Literal
from uuid import UUID

import psycopg
from pydantic import BaseModel

from psn_core.errors import NotPermitted
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.ideas.errors import IdeaInputInvalid, IdeaNotFound, IdeaTaken, IdeaTransitionRefused
from psn_core.services.ideas.models import (
    LIVE,
    NEXT,
    STATES,
    TRANSITIONS,
    Idea,
    IdeaState,
    IdeaStats,
    Source,
)
from psn_core.services.ideas.tags import ParsedIdea

Q = Queries.load(__package__)

Action = Literal["promote", "claim", "kill", "touch", "release"]


class _Id(BaseModel):
    id: UUID


class _Ranked(BaseModel):
    id: UUID
    rank: float


class _Count(BaseModel):
    dimension: str
    value: str
    n: int


def capture(
    conn: Conn,
    member_id: UUID,
    parsed: ParsedIdea,
    now: datetime,
    *,
    source: Source = "capture",
    pillars: Collection[str] | None = None,
) -> Idea:
    """Store a new idea (a spark). ``pillars``: the strategy's pillar names when there is a strategy.

    Raises:
        IdeaInputInvalid: a pillar the strategy does not have (only when there is a strategy).
    """
    if pillars is not None and parsed.pillar is not None and parsed.pillar not in pillars:
        known = ", ".join(sorted(pillars)) or "none"
        raise IdeaInputInvalid(
            f"{parsed.pillar!r} is not one of your strategy's pillars ({known}); nothing was captured.",
            "Use one of those pillars, or add it to strategy.yaml first (`psn strategy show`).",
        )
    params = {**parsed.model_dump(exclude={"language_guessed"}), "member_id": member_id, "source": source, "now": now}
    idea_id: UUID = sql.value(conn, Q.insert_idea, params)
    return get_idea(conn, str(idea_id))


def _load(conn: Conn, ids: list[UUID], ranks: dict[UUID, float] | None = None) -> list[Idea]:
    ideas = sql.many(conn, Q.ideas_by_id, {"ids": ids}, Idea)
    if ranks:
        ideas = [idea.model_copy(update={"rank": ranks.get(idea.id)}) for idea in ideas]
    return ideas


def resolve_id(conn: Conn, ref: str | UUID) -> UUID:
    """An idea's id from its id or a prefix of it (at least 6 characters, as the CLI shows 8).

    Raises:
        IdeaNotFound: no visible idea matches, or several do.
    """
    return sql.id_by_prefix(
        conn, ref, Q.idea_ids_like, IdeaNotFound, noun="an idea", several="Several ideas", none="No idea you can see"
    )


def get_idea(conn: Conn, ref: str | UUID) -> Idea:
    """One idea by id or id prefix.

    Raises:
        IdeaNotFound: see :func:`resolve_id`.
    """
    ideas = _load(conn, [resolve_id(conn, ref)])
    if not ideas:
        raise IdeaNotFound(f"No idea {ref} that you can see.")
    return ideas[0]


def _states(states: Collection[str] | None) -> list[str]:
    chosen: list[str] = list(states) if states else list(LIVE)
    unknown = [s for s in chosen if s not in STATES]
    if unknown:
        raise IdeaInputInvalid(f"{unknown[0]!r} is not an idea state.", f"Use one of: {', '.join(STATES)}.")
    return chosen


def list_ideas(
    conn: Conn,
    *,
    states: Collection[str] | None = None,
    pillar: str | None = None,
    platform: str | None = None,
    limit: int = 50,
) -> list[Idea]:
    """Ideas in ``states`` (default: every live state), most recently touched first. ``platform`` also
    keeps ideas meant for no platform in particular.

    Raises:
        IdeaInputInvalid: an unknown state.
    """
    params = {"states": _states(states), "pillar": pillar, "platform": platform, "limit": limit}
    return _load(conn, [r.id for r in sql.many(conn, Q.list_ideas, params, _Id)])


def search_ideas(
    conn: Conn,
    query: str,
    *,
    states: Collection[str] | None = None,
    pillar: str | None = None,
    platform: str | None = None,
    limit: int = 20,
) -> list[Idea]:
    """Full-text search (web-search syntax: words, "a phrase", -without, or), best match first.

    Raises:
        IdeaInputInvalid: an empty query or an unknown state.
    """
    if not query.strip():
        raise IdeaInputInvalid("The search has no words.", "Give a few words to look for.")
    params = {"query": query, "states": _states(states), "pillar": pillar, "platform": platform, "limit": limit}
    rows = sql.many(conn, Q.search_ideas, params, _Ranked)
    return _load(conn, [r.id for r in rows], {r.id: r.rank for r in rows})


def _target(idea: Idea, action: Action) -> IdeaState:
    if action == "kill":
        return "killed"
    if action == "claim":
        if idea.state == "claimed":
            raise IdeaTaken(f"Idea {idea.short_id} was claimed by {idea.claimer or 'another member'} first.")
        return "claimed"
    if action == "release":
        return "ready"
    nxt = NEXT.get(idea.state)
    if nxt is None:
        raise IdeaTransitionRefused(f"Idea {idea.short_id} is {idea.state}: there is no step after that.")
    return nxt


def move(
    conn: Conn, ref: str | UUID, action: Action, now: datetime, *, reason: str | None = None, note: str | None = None
) -> Idea:
    """Promote (one step), claim (a ready idea, for the caller: what to use when several may race for it,
    as a promote after someone else's claim would develop their claim), kill (``reason`` required),
    release a claim, or touch an idea.

    Raises:
        IdeaNotFound: no such idea visible. IdeaTransitionRefused: the state machine forbids it, or a kill
        without a reason. IdeaTaken: someone else claimed it first. NotPermitted: in a company hub, the
        idea is another member's to move (its claimer's, or its capturer's while unclaimed).
    """
    idea = get_idea(conn, ref)
    if action == "touch":
        if idea.state not in LIVE:
            raise IdeaTransitionRefused(f"Idea {idea.short_id} is {idea.state}: only live ideas are touched.")
        _write(conn, idea, Q.touch_idea, {"id": idea.id, "now": now})
        return get_idea(conn, idea.id)
    to_state = _target(idea, action)
    if (idea.state, to_state) not in TRANSITIONS:
        raise IdeaTransitionRefused(f"Idea {idea.short_id} is {idea.state}: it cannot go to {to_state}.")
    if to_state == "killed" and not (reason or "").strip():
        raise IdeaTransitionRefused(
            f"Killing idea {idea.short_id} needs a reason.", "Say why (e.g. --reason 'covered elsewhere')."
        )
    params = {
        "id": idea.id,
        "from_state": idea.state,
        "to_state": to_state,
        "kill_reason": reason.strip()[:500] if to_state == "killed" and reason else None,
        "note": (note or reason or "").strip()[:500] or None,
        "now": now,
    }
    if _write(conn, idea, Q.move_idea, params) == 0:
        current = get_idea(conn, idea.id)
        if current.state == "claimed" and to_state == "claimed":
            raise IdeaTaken(f"Idea {idea.short_id} was claimed by {current.claimer or 'another member'} first.")
        raise IdeaTransitionRefused(f"Idea {idea.short_id} changed meanwhile: it is {current.state} now.")
    return get_idea(conn, idea.id)


def _write(conn: Conn, idea: Idea, query: str, params: sql.Params) -> int:
    try:
        with conn.transaction():
            return sql.run(conn, query, params)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise NotPermitted(
            f"The hub refused to change idea {idea.short_id}: {_reason(exc)}.",
            "Ask its claimer (or whoever captured it) or an editor; `psn ideas ready` lists ideas free to claim.",
        ) from exc
    except psycopg.errors.CheckViolation as exc:
        raise IdeaTransitionRefused(f"The hub refused the change of idea {idea.short_id}: {_reason(exc)}.") from exc


def _reason(exc: psycopg.Error) -> str:
    return (exc.diag.message_primary or "not allowed").rstrip(".")


def develop(conn: Conn, ref: str | UUID, post_id: UUID, now: datetime) -> Idea:
    """A post was drafted from this idea: link them, and move the idea to developed (through the states
    in between, each recorded, as the machine allows no jumps). An idea already developed stays so.

    Raises:
        IdeaNotFound; IdeaTransitionRefused: the idea is used or killed; IdeaTaken, NotPermitted: see :func:`move`.
    """
    idea = get_idea(conn, ref)
    if idea.state not in LIVE:
        raise IdeaTransitionRefused(
            f"Idea {idea.short_id} is {idea.state}: a new post cannot be made from it.",
            "Capture a new idea (source remix or recycle) for a new angle on it.",
        )
    while idea.state != "developed":
        idea = move(conn, idea.id, "promote", now, note="a post was drafted from it")
    _write(conn, idea, Q.link_idea_post, {"idea_id": idea.id, "post_id": post_id})
    return get_idea(conn, idea.id)


def stats(conn: Conn, now: datetime) -> IdeaStats:
    """Counts by state (all), by pillar and urgency (live ideas), by source (all), and how many are stale."""
    result = IdeaStats()
    for row in sql.many(conn, Q.idea_counts, None, _Count):
        getattr(result, f"by_{row.dimension}")[row.value] = row.n
    result.live = sum(n for state, n in result.by_state.items() if state in LIVE)
    result.stale = len(stale(conn, now, limit=10_000))
    return result


def stale(conn: Conn, now: datetime, *, limit: int = 100) -> list[Idea]:
    """Sparks untouched for 14 days and seeds for 30 (touch them, promote them or kill them)."""
    return _load(conn, [r.id for r in sql.many(conn, Q.stale_ideas, {"now": now, "limit": limit}, _Id)])


def expire(conn: Conn, now: datetime) -> int:
    """Kill timely ideas 48 hours after capture and seasonal ones 30 days after (unclaimed only), as far
    as the caller may: the worker runs it daily for its member. Returns how many were killed."""
    return len(sql.many(conn, Q.expire_ideas, {"now": now}, _Id))
