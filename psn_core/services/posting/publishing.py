"""Publishing one target, exactly once.

1. **Claim**: ``scheduled -> publishing`` in one locked transaction; a duplicate or stale queue entry
   finds nothing to claim and stops. Never early: a task that fires early waits (briefly) or leaves it
   to the entry for the new time. A target past its due time plus the post's TTL expires instead of
   going out hours late.
2. **Lease**: a lock on the target's row in ``publish_leases`` held while publishing (leases.py), taken
   before the claim, so a target seen ``publishing`` with a free lease has lost its publisher. The claim
   waits at most CLAIM_LOCK_WAIT for the target's row (its author and approvers can lock it); a target
   held past the watchdog's grace is reported.
3. **Parts**: each remote part (a tweet of a thread, a post) has an idempotency key and a ledger row
   committed *before* the request leaves (ledger.py). A row left ``sending`` or ``unknown`` is reconciled
   by reading the account's recent posts before anything is sent again; a thread resumes at its first
   unpublished part. Each part's media go through the upload state machine (media_uploads.py) first.
4. **Outcome**: published, or a retry at the right time (rate limit reset, backoff), or failed with the
   platform's sentence, the fix, and one notification.

Once claimed, every transaction of a publish waits at most PUBLISH_LOCK_WAIT for a row another session
holds (leases.publish_transaction): a member who locks the target's row mid-publish makes it stop, never
hang. The target then needs attention (a part may be live: the ledger has it ``sending`` or ``unknown``)
or is retried (the ledger says nothing was sent), and the owner is told once, critically (:meth:`_held`).
If the row is still held, the target stays ``publishing`` with its lease free, so the watchdog resumes it
once the hold ends, reconciling from the ledger before anything is sent again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg import errors as pg_errors
from pydantic import BaseModel

from psn_core.config import Settings
from psn_core.crypto import Keyring
from psn_core.errors import (
    AuthRevoked,
    OutcomeUnknown,
    OutcomeUnverifiable,
    PlatformError,
    PlatformUnavailable,
    PostLocked,
    PSNError,
    RateLimited,
)
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.notifications import Tier, notify
from psn_core.platforms.base import Platform
from psn_core.platforms.models import Feature, PublishResult
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.budgets import Priority, check_publishing_quota
from psn_core.services.accounts.callers import budgeted_client
from psn_core.services.accounts.features import granted_scopes
from psn_core.services.accounts.tokens import TokenService
from psn_core.services.posting.leases import add_lease, lease_session, publish_transaction, take_lease
from psn_core.services.posting.ledger import Ledger, reconcile
from psn_core.services.posting.media_uploads import MediaUploader
from psn_core.services.posting.posts import Enqueue, TargetView, get_target, set_run_id
from psn_core.services.posting.renderings import Rendering
from psn_core.services.posting.unverifiable import unverifiable
from psn_core.timefmt import local, utcnow

Q = Queries.load(__package__)
MAX_ATTEMPTS = 5  # retries of transient failures before a target fails
MAX_CLAIMS = 12  # claims of one target, whatever the reason (rate limits, resumes): then a person looks
EARLY_WAIT = timedelta(seconds=5)
CLAIM_LOCK_WAIT = "5s"  # the longest a claim waits for a target row someone else has locked


class Claim(BaseModel):
    """A claimed target with its post's TTL and zone and its account's handle."""

    id: UUID
    account_id: UUID
    platform: str
    status: str
    due_at: datetime | None
    next_attempt_at: datetime | None
    attempts: int
    remote_ids: list[str]
    rendering: Rendering
    ttl_seconds: int
    timezone: str
    handle: str


class Publisher:
    """Publishes targets for one hub. Safe to run in many worker processes at once."""

    def __init__(
        self,
        hub: Hub,
        settings: Settings,
        ring: Keyring,
        *,
        enqueue: Enqueue,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.hub, self.settings, self.ring = hub, settings, ring
        self.enqueue, self.clock, self.sleep, self.jitter = enqueue, clock, sleep, jitter
        self.tokens = TokenService(hub, settings, ring, clock=clock, sleep=sleep)
        self.media_dir = settings.workspace / "media"

    # --- claim -------------------------------------------------------------------------------------

    def _claim(self, member_id: UUID, target_id: UUID) -> Claim | None:
        """Move the target to publishing, or return None when there is nothing (yet) to do."""
        while True:
            now = self.clock()
            with self.hub.transaction(member_id) as conn:
                # A target row its author or an approver keeps locked must not stall this worker: give up
                # after a while (LockNotAvailable); the watchdog queues it again and reports a long hold.
                sql.run(conn, Q.lock_wait, {"wait": CLAIM_LOCK_WAIT})
                row = sql.one(conn, Q.claim_target, {"target_id": target_id}, Claim)
                sql.run(conn, Q.lock_wait, {"wait": "0"})
                if row is None or row.status != "scheduled":
                    return None
                due = row.next_attempt_at
                assert due is not None and row.due_at is not None
                if due > now + EARLY_WAIT:
                    return None  # rescheduled later: the queue entry for the new time will do it
                if due <= now:
                    if row.attempts >= MAX_CLAIMS:
                        self._give_up(conn, member_id, row, now)
                        return None
                    expires = row.due_at + timedelta(seconds=row.ttl_seconds)
                    if not row.remote_ids and now > expires:
                        self._expire(conn, member_id, row, now)
                        return None
                    sql.run(conn, Q.start_publishing, {"now": now, "target_id": target_id})
                    return row.model_copy(update={"attempts": row.attempts + 1})
            self.sleep((due - now).total_seconds())  # a few seconds early: wait, never publish early

    def _expire(self, conn: Conn, member_id: UUID, row: Claim, now: datetime) -> None:
        cls = PLATFORMS[row.platform]
        assert row.due_at is not None
        late = now - row.due_at
        minutes = int(late.total_seconds() // 60)
        message = (
            f"Your {cls.display_name} post for @{row.handle} was not published: it could only have gone out "
            f"{minutes} minutes late, past its {row.ttl_seconds // 60}-minute window."
        )
        action = f"Run `psn retry {row.id}` to publish it now, or reschedule it."
        sql.run(conn, Q.expire_target, {"message": message, "action": action, "target_id": row.id})
        notify(conn, member_id, Tier.CRITICAL, "post_expired", message, action, f"target:{row.id}:expired", now=now)

    def _give_up(self, conn: Conn, member_id: UUID, row: Claim, now: datetime) -> None:
        cls = PLATFORMS[row.platform]
        message = f"psn tried your {cls.display_name} post for @{row.handle} {row.attempts} times and stopped."
        action = f"Run `psn explain {row.id}` to see each attempt, then `psn retry {row.id}`."
        self._needs_attention(conn, member_id, row.id, "TooManyAttempts", message, action, now)

    def _needs_attention(
        self, conn: Conn, member_id: UUID, target_id: UUID, error: str, message: str, action: str, now: datetime
    ) -> None:
        params = {"error_class": error, "message": message, "action": action, "target_id": target_id}
        sql.run(conn, Q.needs_attention, params)
        notify(
            conn,
            member_id,
            Tier.CRITICAL,
            "post_needs_attention",
            message,
            action,
            f"target:{target_id}:{error}",
            now=now,
        )

    def unexpected_failure(self, member_id: UUID, target_id: UUID, exc: BaseException) -> None:
        """A bug, not a platform's answer: stop retrying this target and tell the user (worker edge)."""
        message = f"psn hit an internal error while publishing ({type(exc).__name__}); the post was not retried."
        action = (
            f"Run `psn explain {target_id}`; if the post is not live, `psn retry {target_id}` (and report the bug)."
        )
        with publish_transaction(self.hub, member_id) as conn:
            self._needs_attention(conn, member_id, target_id, "InternalError", message, action, self.clock())

    # --- lease -------------------------------------------------------------------------------------

    @contextmanager
    def _lease(self, member_id: UUID, target_id: UUID) -> Iterator[bool]:
        """Hold the target's lease for the block (False: not one of the member's targets).

        Raises:
            PostLocked: another worker holds it.
        """
        add_lease(self.hub, member_id, target_id)
        with lease_session(self.hub, member_id) as conn, conn.transaction():
            yield take_lease(conn, target_id)  # the lock goes with the transaction or the session

    # --- publish -----------------------------------------------------------------------------------

    def publish(self, member_id: UUID, target_id: UUID) -> TargetView:
        """Publish one target if it is due (the queue's publish task).

        Raises:
            PostNotFound: the target does not exist for this member.
        """
        try:
            # The lease comes first: a target seen "publishing" with a free lease has lost its publisher.
            with self._lease(member_id, target_id) as held:
                claim = self._claim(member_id, target_id) if held else None
                if claim is not None:
                    try:
                        try:
                            result = self._run(member_id, claim)
                        except PSNError as exc:
                            self._failed(member_id, claim, exc)
                        else:
                            self._published(member_id, claim, result)
                    except pg_errors.LockNotAvailable:
                        self._held(member_id, claim)
        except PostLocked:
            pass  # another worker holds the lease and does this target
        except pg_errors.LockNotAvailable:
            pass  # someone holds the target's row: the watchdog queues it again and reports a long hold
        with self.hub.transaction(member_id) as conn:
            return get_target(conn, member_id, target_id)

    def _run(self, member_id: UUID, claim: Claim) -> PublishResult:
        account_id = claim.account_id
        rendering = claim.rendering
        client = budgeted_client(
            self.hub, self.settings, member_id, account_id, claim.platform, Priority.CRITICAL, self.clock, self.sleep
        )
        with client:
            return self.tokens.call(
                member_id, account_id, lambda token: self._parts(member_id, claim, client, token, rendering)
            )

    def _parts(
        self, member_id: UUID, claim: Claim, client: Platform, token: str, rendering: Rendering
    ) -> PublishResult:
        target_id = claim.id
        with publish_transaction(self.hub, member_id) as conn:
            stored = sql.value(conn, Q.remote_ids_of_target, {"target_id": target_id})
            # Scopes listing the account's posts needs and its token lacks: reconciling is impossible.
            blind = client.oauth.missing_scopes(Feature.RECONCILE, granted_scopes(conn, claim.account_id))
        remote_ids: list[str] = list(stored) if stored is not None else []
        uploader = MediaUploader(
            self.hub, member_id, target_id, client, token, self.media_dir, clock=self.clock, sleep=self.sleep
        )
        last: PublishResult | None = None
        for index, part in enumerate(rendering.parts):
            if index < len(remote_ids):
                continue
            previous = remote_ids[-1] if remote_ids else None
            found = reconcile(
                self.hub, member_id, target_id, index, client, token, part, remote_ids, blind, clock=self.clock
            )
            if found is not None:
                remote_ids.append(found)
                continue
            if index == 0:
                check_publishing_quota(client, token, claim.handle, self.clock())
            request = rendering.publish_request(index, previous=previous)
            ledger = Ledger(self.hub, member_id, target_id, index, clock=self.clock)
            media = tuple(
                uploader.prepare(index, i, item, post=request, before_write=ledger.sending)
                for i, item in enumerate(part.media)
            )
            request = rendering.publish_request(index, media, previous)
            ledger.sending()
            try:
                last = client.publish(token, request)
            except OutcomeUnknown as exc:
                if blind:  # handed to the user: never re-sent unless they run `psn retry`
                    ledger.finish("abandoned", error=exc)
                    raise unverifiable(type(client), target_id, index, part.text, blind) from exc
                ledger.finish("unknown", error=exc)
                raise
            except PlatformError as exc:
                ledger.finish("failed", error=exc)
                raise
            ledger.finish("ok", remote_id=last.post_id)
            remote_ids.append(last.post_id)
        uploader.mark_published()
        if last is None:
            return PublishResult(post_id=remote_ids[0] if remote_ids else "", part_ids=tuple(remote_ids))
        return last.model_copy(update={"post_id": remote_ids[0], "part_ids": tuple(remote_ids)})

    # --- outcomes ----------------------------------------------------------------------------------

    def _published(self, member_id: UUID, claim: Claim, result: PublishResult) -> None:
        params = {"now": self.clock(), "url": result.url, "private_only": result.private_only, "target_id": claim.id}
        with publish_transaction(self.hub, member_id) as conn:
            sql.run(conn, Q.mark_published, params)

    def _failed(self, member_id: UUID, claim: Claim, exc: PSNError) -> None:
        cls = PLATFORMS[claim.platform]
        now = self.clock()
        zone = claim.timezone
        attempts = claim.attempts
        retry_at: datetime | None = None
        if isinstance(exc, RateLimited):
            retry_at = now + timedelta(seconds=exc.retry_after + 1)
        elif (
            isinstance(exc, PlatformUnavailable | OutcomeUnknown)
            and not isinstance(exc, OutcomeUnverifiable)
            and attempts < MAX_ATTEMPTS
        ):
            retry_at = now + timedelta(seconds=min(30 * 2 ** (attempts - 1), 900) * (1 + self.jitter() / 4))
        raw = exc.raw if isinstance(exc, PlatformError) else ""
        with publish_transaction(self.hub, member_id) as conn:
            if sql.value(conn, Q.lock_target_status, {"target_id": claim.id}) != "publishing":
                return  # the watchdog gave up on it meanwhile and told the user: one failure, one notification
            done = sql.value(conn, Q.remote_ids_of_target, {"target_id": claim.id})
            live = len(done) if done is not None else 0
            error = {"error_class": type(exc).__name__, "message": exc.message, "raw": raw, "target_id": claim.id}
            if retry_at is not None:
                action = f"psn retries at {local(retry_at, ZoneInfo(zone))}; nothing to do."
                sql.run(conn, Q.retry_later, {**error, "retry_at": retry_at, "action": action})
                if isinstance(exc, RateLimited):
                    notify(
                        conn,
                        member_id,
                        Tier.STANDARD,
                        "post_rate_limited",
                        f"{exc.message} Your {cls.display_name} post is queued.",
                        action,
                        f"target:{claim.id}:rate_limited",
                        now=now,
                    )
            else:
                status = "needs_attention" if isinstance(exc, OutcomeUnknown | AuthRevoked) else "failed"
                partial = f" Parts 1-{live} are live; `psn retry` continues from part {live + 1}." if live else ""
                action = exc.action + partial
                sql.run(conn, Q.mark_failed, {**error, "status": status, "action": action})
                notify(
                    conn,
                    member_id,
                    Tier.CRITICAL,
                    "post_failed",
                    f"Your {cls.display_name} post for @{claim.handle} "
                    f"{'may have gone out' if isinstance(exc, OutcomeUnverifiable) else 'was not published'}: "
                    f"{exc.message}",
                    action,
                    f"target:{claim.id}:failed",
                    now=now,
                )
        if retry_at is not None:
            self._requeue(member_id, claim.id, retry_at)

    def _requeue(self, member_id: UUID, target_id: UUID, at: datetime) -> None:
        run_id = self.enqueue(member_id, target_id, at)
        with publish_transaction(self.hub, member_id) as conn:
            set_run_id(conn, target_id, run_id)

    def _held(self, member_id: UUID, claim: Claim) -> None:
        """Another session (a member who may see the post: its author, an approver) held a row this publish
        needed past PUBLISH_LOCK_WAIT, after the claim. Never send anything more now; tell the owner once.

        A part whose latest ledger attempt is ``sending`` or ``unknown`` may be live: the target needs
        attention. Otherwise nothing was sent for the unfinished parts and it is retried shortly. If the
        row is still held, the target stays ``publishing`` with a free lease: the watchdog resumes it once
        the hold ends, and the resumed publish reconciles from the ledger before sending anything.
        """
        cls = PLATFORMS[claim.platform]
        now = self.clock()
        target_id = claim.id
        with self.hub.transaction(member_id) as conn:  # the ledger only: rows nobody else may lock
            in_flight = list(sql.value(conn, Q.parts_in_flight, {"target_id": target_id}) or [])
        what = f"your {cls.display_name} post for @{claim.handle}"
        held = (
            "Another session of the hub (a member who can see the post: its author or an approver) kept "
            f"{what} locked while psn was publishing it, so psn stopped."
        )
        maybe = f" Part {in_flight[0] + 1} may have gone out." if in_flight else " Nothing more was sent."
        key = f"target:{target_id}:PostHeld"
        retry_at = now + timedelta(minutes=1)
        try:
            with publish_transaction(self.hub, member_id) as conn:
                if sql.value(conn, Q.lock_target_status, {"target_id": target_id}) != "publishing":
                    return  # the watchdog gave up on it meanwhile and told the user
                error = {"error_class": "PostHeld", "message": held + maybe, "target_id": target_id}
                if in_flight:
                    action = (
                        f"Check @{claim.handle} on {cls.display_name}; run `psn explain {target_id}`, then "
                        f"`psn retry {target_id}` (psn looks for the part on the account before sending it again). "
                        "Ask the hub's members to end sessions that keep the post open."
                    )
                    sql.run(conn, Q.needs_attention, {**error, "action": action})
                else:
                    action = (
                        f"psn retries at {local(retry_at, ZoneInfo(claim.timezone))}. If it is held again, ask "
                        f"the hub's members to end sessions that keep the post open, then `psn retry {target_id}`."
                    )
                    sql.run(conn, Q.retry_later, {**error, "raw": "", "retry_at": retry_at, "action": action})
                notify(conn, member_id, Tier.CRITICAL, "post_held", held + maybe, action, key, now=now)
            if in_flight:
                return
        except pg_errors.LockNotAvailable:
            # Still held: the target cannot change now. Its lease is free once this returns, so the watchdog
            # resumes it when the hold ends (reconciling from the ledger first); the owner is told now.
            action = (
                "psn finishes it once the hold ends, checking the account before sending anything again. Ask "
                f"the hub's members to end sessions that keep the post open; if it is not live within a few "
                f"minutes, run `psn explain {target_id}`."
            )
            with publish_transaction(self.hub, member_id) as conn:
                notify(conn, member_id, Tier.CRITICAL, "post_held", held + maybe, action, key, now=now)
            return
        self._requeue(member_id, target_id, retry_at)
