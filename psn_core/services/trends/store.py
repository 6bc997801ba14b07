"""Trends in the hub: listing (best first), the best few for the weekly plan, one by id, a trend made an
idea spark, and every source's fetch state (for `psn trends status` and `psn doctor`). Every function
takes a transaction acting as the member (``Hub.transaction``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.ideas import bank
from psn_core.services.ideas.models import Idea
from psn_core.services.ideas.tags import ParsedIdea, guess_language, infer_urgency
from psn_core.services.trends.errors import TrendNotFound
from psn_core.services.trends.models import SourceStatus, Trend
from psn_core.services.trends.sources import sources_of
from psn_core.strategy.model import Strategy

Q = Queries.load(__package__)


def list_trends(
    conn: Conn,
    *,
    now: datetime,
    limit: int = 30,
    pillar: str | None = None,
    min_score: float = 0.0,
    unsparked: bool = False,
) -> list[Trend]:
    """The member's live trends (first seen in the last 30 days), best score first, then newest.
    ``unsparked``: only those not made an idea yet."""
    params = {"now": now, "limit": limit, "pillar": pillar, "min_score": min_score, "unsparked": unsparked}
    return sql.many(conn, Q.list_trends, params, Trend)


def top_trends(conn: Conn, *, now: datetime, limit: int = 5) -> list[Trend]:
    """The best trends to offer when planning the week: live, fitting a pillar (score > 0), not made an
    idea yet, best first. What `/psn:plan` shows."""
    return list_trends(conn, now=now, limit=limit, min_score=1e-9, unsparked=True)


def resolve_id(conn: Conn, ref: str | UUID) -> UUID:
    """A trend's id from its id or a prefix of it (at least 6 characters, as the CLI shows 8).

    Raises:
        TrendNotFound: no trend of the member matches, or several do.
    """
    return sql.id_by_prefix(
        conn, ref, Q.trend_ids_like, TrendNotFound, noun="a trend", several="Several trends", none="No trend of yours"
    )


def get_trend(conn: Conn, ref: str | UUID) -> Trend:
    """One trend by id or id prefix.

    Raises:
        TrendNotFound: see :func:`resolve_id` (also: expired and removed).
    """
    trend = sql.one(conn, Q.get_trend, {"id": resolve_id(conn, ref)}, Trend)
    if trend is None:
        raise TrendNotFound(f"No trend {ref} of yours (trends leave the hub 30 days after psn first saw them).")
    return trend


def spark(
    conn: Conn, member_id: UUID, ref: str | UUID, now: datetime, *, pillars: Collection[str] | None = None
) -> tuple[Trend, Idea]:
    """Capture a trend as an idea spark (source "trend") in the ideas bank; a trend already made an idea
    returns that idea. The idea keeps the trend's pillar when the strategy has it, and is timely when
    its words say so (breaking, today ...), else seasonal (it expires with the trend's relevance).

    Raises:
        TrendNotFound: see :func:`get_trend`.
    """
    trend = get_trend(conn, ref)
    if trend.idea_id is not None:
        return trend, bank.get_idea(conn, trend.idea_id)
    text = f"{trend.title} ({trend.url})"
    pillar = trend.pillar if trend.pillar and (pillars is None or trend.pillar in pillars) else None
    parsed = ParsedIdea(
        text=text if len(text) <= 2000 else trend.title,
        pillar=pillar,
        urgency="timely" if infer_urgency(trend.title) == "timely" else "seasonal",
        urgency_inferred=True,
        language=guess_language(trend.title, "en"),
        language_guessed=True,
    )
    idea = bank.capture(conn, member_id, parsed, now, source="trend", pillars=pillars)
    sql.run(conn, Q.link_idea, {"id": trend.id, "idea_id": idea.id})
    return get_trend(conn, trend.id), idea


class _State(BaseModel):
    source: str
    kind: str
    url: str
    etag: str | None
    last_modified: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    last_outcome: str | None
    last_items: int


def source_statuses(conn: Conn, strategy: Strategy | None) -> list[SourceStatus]:
    """Every source strategy.yaml lists (in its order) with its last fetch, then any the hub still has
    state for that the file no longer lists."""
    states = {s.source: s for s in sql.many(conn, Q.source_states, None, _State)}
    out: list[SourceStatus] = []
    for source in sources_of(strategy.trends if strategy else None):
        state = states.pop(source.key, None)
        known = state.model_dump(exclude={"source", "kind", "url"}) if state else {}
        out.append(
            SourceStatus(
                source=source.key, kind=source.kind, name=source.name, url=source.url, configured=True, **known
            )
        )
    for state in states.values():
        out.append(SourceStatus.model_validate({**state.model_dump(), "name": state.source, "configured": False}))
    return out


def health(statuses: list[SourceStatus]) -> tuple[Literal["ok", "warn", "skip"], str, str | None]:
    """What `psn doctor` says about the trend sources: (ok|warn|skip, detail, fix)."""
    listed = [s for s in statuses if s.configured]
    if not listed:
        return "skip", "no trend sources (add a `trends:` section to strategy.yaml)", None
    failing = [s for s in listed if s.failing]
    never = sum(s.last_attempt_at is None for s in listed)
    waiting = f", {never} not fetched yet (the worker reads them daily)" if never else ""
    if failing:
        detail = "; ".join(f"{s.last_error} (failing {s.consecutive_failures}x)" for s in failing)
        fix = "Check those addresses under `trends:` in strategy.yaml; `psn trends status` has each one's history."
        return "warn", f"{len(failing)} of {len(listed)} failing: {detail}", fix
    return "ok", f"{len(listed)} source(s) answering{waiting}", None
