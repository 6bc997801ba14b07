"""Replies: checked, proposed, confirmed by the user, then posted exactly once, and their outcome collected.

1. **Check** (every time, again at the commit): the opportunity is open (under 48 h, not answered, not
   triaged no), the platform lets apps reply there (``EngagementSpec``, the item addressed the user), the
   text fits the platform's limit as it counts text, the author is not blocked, it is not quiet hours, the
   platform's daily cap and the author's cooldown leave room. Each refusal is its own error; nothing is sent.
2. **Proposal** (confirmations.Proposal, action ``reply``): who replies where, to what, and the exact text.
   The MCP gate asks the user (or issues a token); :func:`confirm_reply` commits exactly what was confirmed.
3. **Send** (:class:`ReplySender`, in the worker): the reply's row is its ledger. A lease (a row lock held by
   the sender's own session) keeps two workers off one reply. The row goes ``sending`` in a committed
   transaction *before* the request leaves, then ``sent`` with the remote id. A row found ``sending`` or
   ``unknown`` (the sender died, or no answer came back) is reconciled by reading the platform
   (``Conversations.find_reply``) before anything is sent again: 0 lost, 0 duplicated.
4. **Outcome** (:func:`collect_outcomes`, in the sweep): likes, replies, impressions where the platform has
   them; an answer to the user's reply is an ENGAGEMENT notification.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg import errors as pg_errors

from psn_core.config import Settings
from psn_core.errors import OutcomeUnknown, PlatformError, PlatformUnavailable, PSNError, RateLimited
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.notifications import Tier, notify
from psn_core.platforms.base import count_text
from psn_core.platforms.engagement import ENGAGEMENT, Conversations, ReplyOutcome, conversations_for
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.budgets import Priority
from psn_core.services.accounts.callers import PlatformCaller, budgeted_client
from psn_core.services.accounts.tokens import TokenService
from psn_core.services.engage.errors import (
    AuthorBlocked,
    OpportunityExpired,
    OpportunityNotFound,
    QuietHoursNow,
    RepliesNotAllowed,
    ReplyCapReached,
    ReplyInvalid,
)
from psn_core.services.engage.inbox import get_opportunity, open_for_reply
from psn_core.services.engage.models import Opportunity, Reply
from psn_core.services.posting.confirmations import QUESTIONS, Proposal, digest_of, poster_name, still_matches
from psn_core.services.posting.leases import lease_session
from psn_core.strategy.engagement import Engagement
from psn_core.timefmt import local

Q = Queries.load(__package__)
RECONCILE_SKEW = timedelta(minutes=10)
_LINK = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
OUTCOME_EVERY = timedelta(hours=1)
OUTCOME_FOR = timedelta(days=7)


def check_reply(
    conn: Conn, member_id: UUID, opportunity: Opportunity, text: str, config: Engagement, now: datetime, zone: ZoneInfo
) -> None:
    """Refuse a reply psn must not send now (nothing is sent either way).

    Raises:
        OpportunityExpired, RepliesNotAllowed, ReplyInvalid, AuthorBlocked, QuietHoursNow, ReplyCapReached.
    """
    open_for_reply(opportunity, now)
    name = PLATFORMS[opportunity.platform].display_name
    if not opportunity.can_reply:
        raise RepliesNotAllowed(f"psn cannot reply to this {name} post: {opportunity.reply_note}")
    if not config.enabled(opportunity.platform):
        raise RepliesNotAllowed(f"Engagement is off for {name} in strategy.yaml (engagement.platforms).")
    spec = ENGAGEMENT[opportunity.platform]
    if not text.strip():
        raise ReplyInvalid("The reply is empty.")
    length = count_text(text, spec.counting)
    if length > spec.reply_max_length:
        raise ReplyInvalid(
            f"This {name} reply is {length} characters as {name} counts them; the limit is {spec.reply_max_length}."
        )
    hashtags, links = text.count("#"), len(_LINK.findall(text))
    if spec.reply_max_hashtags is not None and hashtags > spec.reply_max_hashtags:
        raise ReplyInvalid(
            f"This {name} reply has {hashtags} hashtags; {name} takes at most {spec.reply_max_hashtags}."
        )
    if spec.reply_max_links is not None and links > spec.reply_max_links:
        raise ReplyInvalid(f"This {name} reply has {links} links; {name} takes at most {spec.reply_max_links}.")
    if config.blocked(opportunity.author_handle):
        raise AuthorBlocked(f"@{opportunity.author_handle} is on your engagement blocklist; psn does not answer them.")
    if config.quiet_hours is not None and config.quiet_hours.contains(now, zone):
        span = f"{config.quiet_hours.start}-{config.quiet_hours.end}"
        raise QuietHoursNow(f"It is quiet hours ({span}, {zone.key}): psn sends no replies now.")
    day_start = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    params = {"member": member_id, "platform": opportunity.platform, "since": day_start}
    sent_today = int(sql.value(conn, Q.replies_today, params) or 0)
    if sent_today >= config.cap(opportunity.platform):
        raise ReplyCapReached(
            f"You have sent {sent_today} {name} replies today; your cap is {config.cap(opportunity.platform)}."
        )
    author = sql.value(conn, Q.author_of, {"id": opportunity.id})
    last = sql.value(conn, Q.last_reply_to_author, {**params, "author_id": author})
    cooldown = timedelta(hours=config.author_cooldown_hours)
    if last is not None and now - last < cooldown:
        raise ReplyCapReached(
            f"You answered @{opportunity.author_handle} at {local(last, zone)}; the cooldown between replies "
            f"to one author is {config.author_cooldown_hours} hours (until {local(last + cooldown, zone)})."
        )


def reply_proposal(conn: Conn, member_id: UUID, opportunity: Opportunity, text: str) -> Proposal:
    """What the user confirms: who replies where, to what, and the exact text."""
    name = PLATFORMS[opportunity.platform].display_name
    return Proposal(
        action="reply",
        question=QUESTIONS["reply"],
        posting_as=[f"Posting as: {poster_name(conn, member_id)} on {name} (@{opportunity.handle})"],
        when="now",
        parts=[
            f"Replying to @{opportunity.author_handle}: {opportunity.text[:280]}",
            f"{name} @{opportunity.handle}, reply: {text}",
        ],
        digest=digest_of("reply", str(opportunity.id), "now", [opportunity.state, opportunity.reply_id, text]),
    )


def propose_reply(
    conn: Conn, member_id: UUID, ref: str, text: str, config: Engagement, now: datetime, zone: ZoneInfo
) -> tuple[Opportunity, Proposal]:
    """Check a reply and make its proposal.

    Raises:
        OpportunityNotFound and every refusal of :func:`check_reply`.
    """
    opportunity = get_opportunity(conn, ref)
    check_reply(conn, member_id, opportunity, text, config, now, zone)
    return opportunity, reply_proposal(conn, member_id, opportunity, text)


def confirm_reply(
    hub: Hub,
    member_id: UUID,
    proposal: Proposal,
    ref: str,
    text: str,
    config: Engagement,
    now: datetime,
    zone: ZoneInfo,
) -> Reply:
    """Commit the reply the user confirmed (checked again, in the same transaction); the worker sends it.

    Raises:
        ConfirmationInvalid: it changed since it was confirmed; and every refusal of :func:`check_reply`.
    """
    with hub.transaction(member_id) as conn:
        platform = get_opportunity(conn, ref).platform
        sql.run(conn, Q.lock_member_platform, {"member": member_id, "platform": platform})  # cap and cooldown hold
        opportunity, current = propose_reply(conn, member_id, ref, text, config, now, zone)
        still_matches(proposal, current)
        reply_id = sql.value(
            conn,
            Q.insert_reply,
            {
                "member": member_id,
                "opportunity": opportunity.id,
                "account": opportunity.account_id,
                "platform": opportunity.platform,
                "in_reply_to": opportunity.remote_id,
                "author_id": sql.value(conn, Q.author_of, {"id": opportunity.id}),
                "text": text,
                "key": f"reply:{opportunity.id}",
                "now": now,
            },
        )
        if reply_id is None:  # a live reply arrived in between (the lock makes this rare)
            raise OpportunityExpired("You already replied to this one; psn replies once.")
        sql.run(conn, Q.add_reply_lease, {"reply": reply_id, "member": member_id})
        return get_reply(conn, reply_id)


def get_reply(conn: Conn, reply_id: UUID) -> Reply:
    """Raises: OpportunityNotFound when the member has no such reply."""
    found = sql.one(conn, Q.reply, {"id": reply_id}, Reply)
    if found is None:
        raise OpportunityNotFound(f"No reply {reply_id}.")
    return found


def open_replies(conn: Conn, member_id: UUID) -> list[UUID]:
    """Replies confirmed and not settled (what the worker sends or reconciles)."""
    return [r["id"] for r in conn.execute(Q.open_replies, {"member": member_id}).fetchall()]


class ReplySender(PlatformCaller):
    """Sends confirmed replies exactly once. Safe in many worker processes at once."""

    def send_open(self, member_id: UUID) -> list[Reply]:
        """Send (or reconcile) every open reply nobody else is on (the worker, every minute)."""
        with self.hub.transaction(member_id) as conn:
            ids = open_replies(conn, member_id)
        return [r for r in (self.send(member_id, i) for i in ids) if r is not None]

    def send(self, member_id: UUID, reply_id: UUID) -> Reply | None:
        """Send one reply under its lease; None when another sender holds it.

        Raises:
            OpportunityNotFound: no such reply of the member. HubUnreachable.
        """
        with lease_session(self.hub, member_id) as lease, lease.transaction():
            sql.run(lease, Q.no_idle_timeout)
            try:
                with lease.transaction():
                    held = sql.value(lease, Q.take_reply_lease, {"reply": reply_id})
            except pg_errors.LockNotAvailable:
                return None
            if held is None:
                raise OpportunityNotFound(f"No reply {reply_id} to send.")
            return self._send_held(member_id, reply_id)

    def _set(self, member_id: UUID, query: str, params: dict[str, object]) -> None:
        with self.hub.transaction(member_id) as conn:
            sql.run(conn, query, params)

    def _send_held(self, member_id: UUID, reply_id: UUID) -> Reply:
        with self.hub.transaction(member_id) as conn:
            row = get_reply(conn, reply_id)
        if row.state in ("sent", "failed"):
            return row
        with self.client(member_id, row.account_id, row.platform, Priority.CRITICAL) as client:
            conversations = conversations_for(client)
            if row.state in ("sending", "unknown"):
                since = (row.sending_at or row.confirmed_at) - RECONCILE_SKEW
                try:
                    found = self.tokens.call(
                        member_id,
                        row.account_id,
                        lambda t: conversations.find_reply(
                            t, handle=row.handle, item_id=row.in_reply_to, text=row.text, since=since
                        ),
                    )
                except PSNError as exc:  # it may be live: never send blind; the next run checks again
                    detail = (
                        f"psn could not check whether this reply is already posted ({exc.message}); not sent again."
                    )
                    self._set(member_id, Q.reply_unsettled, {**_unsettled(row.id, "unknown", exc), "detail": detail})
                    return self._get(member_id, row.id)
                if found is not None:
                    return self._sent(member_id, row, found)
            stopped = self._hold_or_expire(member_id, row)
            if stopped is not None:
                return stopped
            try:
                self._set(member_id, Q.reply_sending, {"id": row.id, "now": self.clock()})
                remote = self.tokens.call(
                    member_id, row.account_id, lambda t: conversations.reply(t, row.in_reply_to, row.text)
                )
            except OutcomeUnknown as exc:
                self._unsettled(member_id, row.id, "unknown", exc)
            except (RateLimited, PlatformUnavailable) as exc:  # nothing went out: the next run sends it
                self._unsettled(member_id, row.id, "confirmed", exc)
            except PlatformError as exc:
                self._unsettled(member_id, row.id, "failed", exc)
                self._tell_failed(member_id, row, exc)
            else:
                return self._sent(member_id, row, remote)
        return self._get(member_id, row.id)

    def _hold_or_expire(self, member_id: UUID, row: Reply) -> Reply | None:
        """Checked again right before it goes out (a reply held by a rate limit may wait): past its 48 hours it
        fails with a message; in quiet hours it waits (None: send it now)."""
        from psn_core.services.strategy import load_strategy

        now, zone = self.clock(), self.settings.zone
        with self.hub.transaction(member_id) as conn:
            expires_at = get_opportunity(conn, str(row.opportunity_id)).expires_at
        if expires_at <= now:
            error: PSNError = OpportunityExpired(
                f"The conversation passed its 48 hours ({local(expires_at, zone)}) before psn could send your reply."
            )
            self._unsettled(member_id, row.id, "failed", error)
            self._tell_failed(member_id, row, error, kind="engage_reply_expired")
            return self._get(member_id, row.id)
        strategy = load_strategy(self.settings.workspace)
        quiet = strategy.engagement.quiet_hours if strategy else None
        if quiet is None or not quiet.contains(now, zone):
            return None
        error = QuietHoursNow(f"Held: it is quiet hours ({quiet.start}-{quiet.end}, {zone.key}); sent after they end.")
        self._unsettled(member_id, row.id, row.state, error)
        return self._get(member_id, row.id)

    def _get(self, member_id: UUID, reply_id: UUID) -> Reply:
        with self.hub.transaction(member_id) as conn:
            return get_reply(conn, reply_id)

    def _sent(self, member_id: UUID, row: Reply, remote_id: str) -> Reply:
        with self.hub.transaction(member_id) as conn:
            sql.run(conn, Q.reply_sent, {"id": row.id, "remote_id": remote_id, "now": self.clock()})
            sql.run(conn, Q.reply_settled_opportunity, {"opportunity": row.opportunity_id})
            return get_reply(conn, row.id)

    def _unsettled(self, member_id: UUID, reply_id: UUID, state: str, error: PSNError) -> None:
        self._set(member_id, Q.reply_unsettled, _unsettled(reply_id, state, error))

    def _tell_failed(self, member_id: UUID, row: Reply, error: PSNError, kind: str = "engage_reply_failed") -> None:
        name = PLATFORMS[row.platform].display_name
        refused = kind == "engage_reply_failed"
        said = f"{name} refused your reply to {row.in_reply_to}" if refused else f"Your {name} reply was not sent"
        more = "or write a new reply in /psn:engage." if refused else "if it still matters there."
        with self.hub.transaction(member_id) as conn:
            notify(
                conn,
                member_id,
                Tier.STANDARD,
                kind,
                f"{said}: {error.message}",
                f"Nothing was posted. Answer in the app yourself, {more}",
                f"engage-failed:{row.id}",
                now=self.clock(),
            )


def _unsettled(reply_id: UUID, state: str, error: PSNError) -> dict[str, object]:
    return {"id": reply_id, "state": state, "error_class": type(error).__name__, "detail": error.message}


def _outcome_reader(conversations: Conversations, remote_id: str, item_id: str) -> Callable[[str], ReplyOutcome | None]:
    return lambda token: conversations.outcome(token, remote_id, item_id)


def collect_outcomes(
    hub: Hub, settings: Settings, tokens: TokenService, member_id: UUID, clock: Callable[[], datetime]
) -> int:
    """Read how each recent sent reply did (hourly, for 7 days) within the account's BACKGROUND budget; an
    answer to the user's reply is an ENGAGEMENT notification. Returns how many outcomes were stored."""
    now = clock()
    with hub.transaction(member_id) as conn:
        rows = conn.execute(
            Q.replies_for_outcome, {"member": member_id, "since": now - OUTCOME_FOR, "due": now - OUTCOME_EVERY}
        ).fetchall()
    stored = 0
    for row in rows:
        cls = PLATFORMS[row["platform"]]
        client = budgeted_client(hub, settings, member_id, row["account_id"], cls.name, Priority.BACKGROUND, clock)
        with client:
            conversations = conversations_for(client)
            try:
                reader = _outcome_reader(conversations, str(row["remote_id"]), str(row["in_reply_to"]))
                outcome = tokens.call(member_id, row["account_id"], reader)
            except PSNError:
                continue  # the budget or the platform said no: the next sweep asks again
        if outcome is None:
            continue
        answered = bool(outcome.replies)
        with hub.transaction(member_id) as conn:
            sql.run(
                conn,
                Q.save_outcome,
                {"id": row["id"], "outcome": json.dumps(outcome.model_dump()), "now": clock(), "answered": answered},
            )
            # where answers arrive as mentions (X), the sweep has told the user already, with their words
            if answered and row["answered_at"] is None and "mentions" not in ENGAGEMENT[row["platform"]].reads:
                notify(
                    conn,
                    member_id,
                    Tier.ENGAGEMENT,
                    "engage_answered",
                    f"Your {cls.display_name} reply (@{row['handle']}) got {outcome.replies} answer(s).",
                    "Run /psn:engage to see the conversation.",
                    f"engage-answered:{row['id']}",
                    title="A reply to your reply",
                    now=clock(),
                )
        stored += 1
    return stored
