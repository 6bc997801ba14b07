"""The inbox itself: storing finds (deduplicated, scored, expiring after 48 h), listing, triage, the
ENGAGEMENT notifications, and the content bridge into the ideas bank.

Every function takes a connection acting for the member (RLS shows their own rows only).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.notifications import Tier, notify
from psn_core.platforms.engagement import ENGAGEMENT, Inbound
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.engage.errors import OpportunityExpired, OpportunityNotFound
from psn_core.services.engage.models import EXPIRY_HOURS, OPEN_STATES, Opportunity, Triaged, Verdict
from psn_core.services.engage.scoring import score, terms_of
from psn_core.services.ideas import bank
from psn_core.services.ideas.models import Idea
from psn_core.services.ideas.tags import parse_idea
from psn_core.strategy.engagement import Engagement

Q = Queries.load(__package__)
LIFETIME = timedelta(hours=EXPIRY_HOURS)
STATES: dict[Verdict, str] = {"yes": "yes", "no": "no", "skip": "skipped"}


def record(
    conn: Conn,
    member_id: UUID,
    account_id: UUID,
    platform: str,
    items: Sequence[Inbound],
    config: Engagement,
    pillars: Sequence[str],
    now: datetime,
) -> list[UUID]:
    """Store new finds, scored; one already in the inbox (same platform and remote id), one older than 48 h,
    and one by a blocked author are left out. Returns the ids of the new ones."""
    terms = terms_of(config.keywords, pillars)
    new: list[UUID] = []
    for item in items:
        said = item.created_at or now
        if now - said >= LIFETIME or config.blocked(item.author_handle):
            continue
        value, parts = score(
            item.text, terms=terms, addressed=item.addressed, said_at=said, followers=item.author_followers, now=now
        )
        found = sql.value(
            conn,
            Q.insert_opportunity,
            {
                **item.model_dump(exclude={"created_at"}),
                "member": member_id,
                "account": account_id,
                "platform": platform,
                "score": value,
                "score_parts": json.dumps(parts),
                "said_at": said,
                "now": now,
                "expires_at": said + LIFETIME,
            },
        )
        if found is not None:
            new.append(found)
    return new


def _with_rules(row: Opportunity) -> Opportunity:
    spec = ENGAGEMENT.get(row.platform)
    if spec is None or not spec.can_reply:
        note = spec.cannot if spec else "psn does not know this platform."
        return row.model_copy(update={"can_reply": False, "reply_note": note})
    if not row.addressed:
        return row.model_copy(update={"can_reply": False, "reply_note": spec.reply_rule})
    return row


def expire(conn: Conn, now: datetime) -> int:
    """Open opportunities past their 48 hours become expired."""
    return sql.run(conn, Q.expire_opportunities, {"now": now})


def list_opportunities(
    conn: Conn,
    member_id: UUID,
    now: datetime,
    *,
    states: Sequence[str] = OPEN_STATES,
    platform: str | None = None,
    limit: int = 50,
) -> list[Opportunity]:
    """The inbox, best first (open ones unless ``states`` says otherwise)."""
    expire(conn, now)
    params = {"member": member_id, "states": list(states), "platform": platform, "limit": limit}
    return [_with_rules(o) for o in sql.many(conn, Q.opportunities, params, Opportunity)]


def get_opportunity(conn: Conn, ref: str) -> Opportunity:
    """One opportunity by id or unique id prefix (at least 4 characters).

    Raises:
        OpportunityNotFound.
    """
    text = ref.strip().lower()
    ids: list[UUID] = []
    if len(text) >= 4 and all(c in "0123456789abcdef-" for c in text):
        ids = [row["id"] for row in conn.execute(Q.opportunity_ids_like, {"prefix": text + "%"}).fetchall()]
        if len(ids) > 1:
            raise OpportunityNotFound(f"{ref!r} names more than one opportunity; give more of its id.")
    if not ids:
        raise OpportunityNotFound(f"No engagement opportunity {ref!r}.")
    found = sql.one(conn, Q.opportunity, {"id": ids[0]}, Opportunity)
    if found is None:
        raise OpportunityNotFound(f"No engagement opportunity {ref!r}.")
    return _with_rules(found)


def triage(conn: Conn, decisions: Sequence[tuple[str, Verdict]], now: datetime) -> list[Triaged]:
    """Answer several opportunities at once (yes / no / skip); an expired or answered one says so and the
    rest go on.

    Raises:
        OpportunityNotFound: an id that names none of the member's opportunities (nothing is changed).
    """
    chosen = [(get_opportunity(conn, ref), verdict) for ref, verdict in decisions]
    out = []
    for opportunity, verdict in chosen:
        done = sql.value(conn, Q.triage, {"id": opportunity.id, "state": STATES[verdict], "now": now})
        if done is None:
            state = "expired" if opportunity.expires_at <= now else opportunity.state
            out.append(Triaged(id=opportunity.id, verdict=verdict, state=state, note=f"left as it was ({state})"))
        else:
            out.append(Triaged(id=opportunity.id, verdict=verdict, state=STATES[verdict]))
    return out


def open_for_reply(opportunity: Opportunity, now: datetime) -> None:
    """Raises: OpportunityExpired when it is past its 48 hours, answered, or triaged no."""
    if (opportunity.reply_id is not None and opportunity.reply_state != "failed") or opportunity.state == "replied":
        raise OpportunityExpired("You already replied to this one; psn replies once.")
    if opportunity.expires_at <= now or opportunity.state in ("expired", "no"):
        why = "it is older than 48 hours" if opportunity.expires_at <= now else f"it is {opportunity.state}"
        raise OpportunityExpired(f"This conversation is closed for replies: {why}.")


def notify_high_scores(conn: Conn, member_id: UUID, threshold: float, now: datetime) -> int:
    """One ENGAGEMENT notification per new opportunity at or above ``threshold`` (for the daily digest)."""
    rows = conn.execute(Q.to_notify, {"member": member_id, "threshold": threshold}).fetchall()
    for row in rows:
        name = PLATFORMS[row["platform"]].display_name
        notify(
            conn,
            member_id,
            Tier.ENGAGEMENT,
            "engage_opportunity",
            f"{name} @{row['author_handle']} to @{row['handle']} (score {row['score']:.2f}): {row['text'][:140]}",
            "Run /psn:engage (or `psn engage`) to answer it within 48 hours.",
            f"engage:{row['id']}",
            title="A conversation worth joining",
            now=now,
        )
    if rows:
        sql.run(conn, Q.mark_notified, {"ids": [r["id"] for r in rows], "now": now})
    return len(rows)


def notify_answered(conn: Conn, member_id: UUID, platform: str, item: Inbound, now: datetime) -> None:
    """Someone answered the user's reply: one ENGAGEMENT notification."""
    name = PLATFORMS[platform].display_name
    notify(
        conn,
        member_id,
        Tier.ENGAGEMENT,
        "engage_answered",
        f"{name} @{item.author_handle} answered your reply: {item.text[:140]}",
        "Run /psn:engage to see the conversation.",
        f"engage-answer:{platform}:{item.remote_id}",
        title="A reply to your reply",
        now=now,
    )


def capture_idea(conn: Conn, member_id: UUID, ref: str, text: str, now: datetime, pillars: Sequence[str]) -> Idea:
    """The content bridge: an idea from a conversation, into the ideas bank with source ``engage``.

    Raises:
        OpportunityNotFound; IdeaInputInvalid (an unknown pillar tag, no text).
    """
    opportunity = get_opportunity(conn, ref)
    parsed = parse_idea(f"{text.strip()} (from @{opportunity.author_handle} on {opportunity.platform})")
    return bank.capture(conn, member_id, parsed, now, source="engage", pillars=pillars or None)
