"""One trend intake: every source strategy.yaml lists, each on its own (a source that fails is recorded
with its error and the others go on), conditional requests, dedup by canonical URL, scoring, the
breaking-news notification (once per trend, ever) and, daily, the 30-day expiry.

Network requests never run inside a hub transaction: a slow source holds no locks. The worker runs
``collect`` daily (mode "daily": every source at full depth, then expiry) and every four hours (mode
"poll": the same sources, fewer items from Hacker News and Reddit, conditional requests everywhere).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from uuid import UUID

import httpx2
from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.notifications.models import Tier
from psn_core.notifications.store import notify
from psn_core.services.trends.errors import TrendNotFound, TrendSourceFailed
from psn_core.services.trends.fetch import make_client
from psn_core.services.trends.models import IntakeReport, Mode, Outcome, SourceResult
from psn_core.services.trends.scoring import Terms, breaking_floors, score, terms_of
from psn_core.services.trends.sources import Answer, Source, Validators, sources_of
from psn_core.services.trends.store import get_trend
from psn_core.services.trends.urls import canonical_url
from psn_core.strategy.model import Strategy

Q = Queries.load(__package__)
log = logging.getLogger(__name__)

BREAKING_WITHIN = timedelta(hours=24)  # only a story this fresh is announced as breaking


class _State(BaseModel):
    source: str
    etag: str | None
    last_modified: str | None


class _Upserted(BaseModel):
    id: UUID
    inserted: bool


class _Id(BaseModel):
    id: UUID


class _Key(BaseModel):
    source: str


def collect(
    hub: Hub,
    member_id: UUID,
    strategy: Strategy | None,
    now: datetime,
    *,
    mode: Mode = "daily",
    only: str | None = None,
    client: httpx2.Client | None = None,
) -> IntakeReport:
    """Read every listed source (or ``only`` the one with that key or name) and store what fits.

    Raises:
        TrendNotFound: ``only`` names no listed source.
    """
    report = IntakeReport(mode=mode)
    config = strategy.trends if strategy is not None else None
    sources = sources_of(config)
    if only is not None:
        sources = [s for s in sources if only in (s.key, s.name)]
        if not sources:
            raise TrendNotFound(f"No trend source {only!r} in strategy.yaml.", "`psn trends status` lists them.")
    if sources and strategy is not None and config is not None:
        with hub.transaction(member_id) as conn:
            states = {s.source: s for s in sql.many(conn, Q.source_states, None, _State)}
        terms = terms_of(strategy)
        http = client or make_client(config.timeout)
        try:
            for source in sources:
                state = states.get(source.key)
                validators = Validators(state.etag, state.last_modified) if state else Validators()
                result = _one(hub, member_id, source, validators, terms, mode, now, http, config.timeout)
                report.sources.append(result)
                report.new += result.new
        finally:
            if client is None:
                http.close()
        with hub.transaction(member_id) as conn:
            report.notified = _announce(conn, member_id, sources, config.breaking_score, now)
    with hub.transaction(member_id) as conn:
        if only is None:
            keep = [s.key for s in sources_of(config)]
            dropped = sql.many(conn, Q.prune_sources, {"keep": keep}, _Key)
            if dropped:
                log.info("trend sources no longer listed, state dropped: %s", ", ".join(d.source for d in dropped))
        if mode == "daily":
            report.expired = expire(conn, now)
    return report


def _one(
    hub: Hub,
    member_id: UUID,
    source: Source,
    validators: Validators,
    terms: Terms,
    mode: Mode,
    now: datetime,
    client: httpx2.Client,
    timeout: float,
) -> SourceResult:
    row = {"member_id": member_id, "source": source.key, "kind": source.kind, "url": source.url, "now": now}
    try:
        answer = source.read(client, validators, mode, timeout)
        with hub.transaction(member_id) as conn:
            new = _store(conn, member_id, source, answer, terms, now)
            outcome: Outcome = "not_modified" if answer.not_modified else "fetched"
            params = {
                **row,
                "etag": _fits(answer.validators.etag, 500),
                "last_modified": _fits(answer.validators.last_modified, 100),
                "outcome": outcome,
                "items": len(answer.items),
                "note": f"{answer.skipped} of {answer.asked} stories could not be read and were skipped"
                if answer.skipped
                else None,
            }
            sql.run(conn, Q.save_source_success, params)
    except TrendSourceFailed as exc:
        error = f"{source.name} {exc.message}"
        return _failed(hub, member_id, row, error)
    except Exception as exc:  # isolation: whatever one source sends, the other sources still run
        log.exception("trend source %s: unreadable answer", source.key)
        return _failed(hub, member_id, row, f"{source.name}: psn could not read its answer ({type(exc).__name__})")
    return SourceResult(source=source.key, outcome=outcome, items=len(answer.items), new=new, skipped=answer.skipped)


def _fits(validator: str | None, limit: int) -> str | None:
    """A validator too long to keep is dropped (the next read is unconditional): a cut one would not match."""
    return validator if validator is not None and len(validator) <= limit else None


def _failed(hub: Hub, member_id: UUID, row: dict[str, object], error: str) -> SourceResult:
    log.warning("trend source failed: %s", error)
    with hub.transaction(member_id) as conn:
        sql.run(conn, Q.save_source_failure, {**row, "error": error[:1000]})
    return SourceResult(source=str(row["source"]), outcome="failed", error=error)


def _store(conn: Conn, member_id: UUID, source: Source, answer: Answer, terms: Terms, now: datetime) -> int:
    new = 0
    for item in answer.items:
        url = canonical_url(item.url)
        if url is None or len(url) > 2000 or not item.title.strip():
            continue
        fit = score(
            terms,
            title=item.title,
            summary=item.summary,
            kind=source.kind,
            signal=item.signal,
            published_at=item.published_at,
            now=now,
        )
        params = {
            "member_id": member_id,
            "url": url,
            "title": item.title[:500],
            "summary": item.summary[:2000],
            "source": source.key,
            "kind": source.kind,
            "signal": max(0.0, item.signal),
            "score": fit.score,
            "pillar": fit.pillar,
            "matched": fit.matched,
            "published_at": item.published_at,
            "now": now,
        }
        stored = sql.one(conn, Q.upsert_trend, params, _Upserted)
        new += bool(stored and stored.inserted)
    return new


def _announce(conn: Conn, member_id: UUID, sources: list[Source], threshold: float, now: datetime) -> int:
    """Raise one STANDARD notification per fresh trend at or above the threshold, never twice."""
    names = {s.key: s.name for s in sources}
    announced = 0
    floors = json.dumps(breaking_floors())
    fresh = {"threshold": threshold, "since": now - BREAKING_WITHIN, "floors": floors}
    for candidate in sql.many(conn, Q.breaking_candidates, fresh, _Id):
        if (
            sql.one(
                conn, Q.claim_breaking, {"id": candidate.id, "now": now, "threshold": threshold, "floors": floors}, _Id
            )
            is None
        ):
            continue  # another intake announced it first
        trend = get_trend(conn, candidate.id)
        where = names.get(trend.source, trend.source)
        fits = f" ({trend.pillar})" if trend.pillar else ""
        message = f'Breaking in your field{fits}: "{trend.title}" on {where}, score {trend.score:.2f}. {trend.url}'
        action = f"Run `psn trends spark {trend.short_id}` to keep it as an idea, or `psn trends list` to see it."
        key = f"trend:{trend.id}:breaking"
        notify(conn, member_id, Tier.STANDARD, "trend_breaking", message, action, key, title="Trend", now=now)
        announced += 1
    return announced


def expire(conn: Conn, now: datetime) -> int:
    """Remove trends first seen 30 days ago or more; returns how many."""
    return len(sql.many(conn, Q.expire_trends, {"now": now}, _Id))
