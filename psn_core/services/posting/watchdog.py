"""The publish watchdog, run every minute: no scheduled post is ever silently missed.

* A target still ``scheduled`` more than a minute past its time (its queue entry was lost: dequeued and
  never run, a crash between commit and enqueue) is enqueued again; the claim makes duplicates harmless.
* A scheduled target with no queue entry (``run_id`` NULL: scheduled or approved by another member of a
  company hub, who cannot write into this member's queue) is queued for its time.
* A scheduled target more than HELD_GRACE past its time whose lease or row another session holds (so no
  publisher can take it) is reported, once, to its owner and its author (critical); psn keeps trying.
* A target ``publishing`` whose lease is free lost its publisher (killed worker): it is resumed from its
  ledger, never restarted from scratch.
* A target ``publishing`` past the hard timeout (5 minutes, 15 with video) while its lease is held is
  stuck: it becomes ``needs_attention`` and the user is told. A media upload still within its own hard
  timeout (counted from its first step, so later than the claim when an earlier item took a while) is
  left to fail on its own, with its precise reason: one failure, one notification.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from psycopg import errors as pg_errors
from pydantic import BaseModel

from psn_core.errors import PostLocked
from psn_core.hub import sql
from psn_core.hub.database import Conn, Hub
from psn_core.hub.sql import Queries
from psn_core.notifications import Tier, notify
from psn_core.platforms.models import MediaKind
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.leases import lease_session, take_lease
from psn_core.services.posting.posts import Enqueue, set_run_id
from psn_core.services.posting.publishing import CLAIM_LOCK_WAIT
from psn_core.services.posting.renderings import Rendering

Q = Queries.load(__package__)
GRACE = timedelta(seconds=60)
HELD_GRACE = timedelta(minutes=3)  # a due target nobody can take this long is reported
HARD_TIMEOUT = timedelta(minutes=5)
VIDEO_HARD_TIMEOUT = timedelta(minutes=15)


class WatchdogReport(BaseModel):
    requeued: list[UUID] = []
    queued: list[UUID] = []
    held: list[UUID] = []
    resumed: list[UUID] = []
    stuck: list[UUID] = []


class _Publishing(BaseModel):
    """A target publishing now, as the watchdog sees it."""

    id: UUID
    platform: str
    publishing_started_at: datetime | None
    rendering: Rendering
    handle: str
    upload_deadline: datetime | None


@dataclass(frozen=True)
class _Due:
    id: UUID
    next_attempt_at: datetime


def lease_is_free(hub: Hub, member_id: UUID, target_id: UUID) -> bool:
    """Whether no live publisher holds the target's lease (takes it and gives it straight back)."""
    with lease_session(hub, member_id) as conn, conn.transaction():
        try:
            take_lease(conn, target_id)
        except PostLocked:
            return False
    return True


def is_held(hub: Hub, member_id: UUID, target_id: UUID) -> bool:
    """Whether another session keeps a scheduled target from being claimed: its lease held, or its row
    locked past the claim's own wait. False once the target is no longer scheduled."""
    held = not lease_is_free(hub, member_id, target_id)
    if not held:
        try:
            with hub.transaction(member_id) as conn:
                sql.run(conn, Q.lock_wait, {"wait": CLAIM_LOCK_WAIT})
                sql.run(conn, Q.lock_target, {"target_id": target_id})
        except pg_errors.LockNotAvailable:
            held = True
    if not held:
        return False
    with hub.transaction(member_id) as conn:  # a publisher that was just claiming it has moved it on
        return bool(sql.value(conn, Q.target_status, {"target_id": target_id}) == "scheduled")


def run_watchdog(hub: Hub, member_id: UUID, enqueue: Enqueue, now: datetime) -> WatchdogReport:
    """One sweep over the member's scheduled and publishing targets."""
    report = WatchdogReport()
    with hub.transaction(member_id) as conn:
        overdue = sql.many(conn, Q.overdue_targets, {"member_id": member_id, "before": now - GRACE}, _Due)
        unqueued = sql.many(conn, Q.unqueued_targets, {"member_id": member_id, "before": now - GRACE}, _Due)
        publishing = sql.many(conn, Q.publishing_targets, {"member_id": member_id}, _Publishing)
    for row in overdue:
        try:
            if now - row.next_attempt_at > HELD_GRACE and is_held(hub, member_id, row.id):
                with hub.transaction(member_id) as conn:
                    sql.value(conn, Q.notify_blocked, {"target_id": row.id})
                report.held.append(row.id)
                continue  # a new queue entry could not take it either; the next sweep looks again
            _requeue(hub, member_id, row.id, enqueue, now)
            report.requeued.append(row.id)
        except pg_errors.LockNotAvailable:
            continue  # its row is held: reported once it is held past HELD_GRACE
    for row in unqueued:
        try:
            _requeue(hub, member_id, row.id, enqueue, max(now, row.next_attempt_at))
            report.queued.append(row.id)
        except pg_errors.LockNotAvailable:
            continue
    for target in publishing:
        try:
            _publishing(hub, member_id, target, enqueue, now, report)
        except pg_errors.LockNotAvailable:
            continue
    return report


def _publishing(
    hub: Hub, member_id: UUID, target: _Publishing, enqueue: Enqueue, now: datetime, report: WatchdogReport
) -> None:
    if lease_is_free(hub, member_id, target.id):
        with _bounded(hub, member_id) as conn:
            moved = sql.run(conn, Q.resume_target, {"now": now, "target_id": target.id})
        if moved:
            _requeue(hub, member_id, target.id, enqueue, now)
            report.resumed.append(target.id)
        return
    video = any(m.kind == MediaKind.VIDEO for p in target.rendering.parts for m in p.media)
    limit = VIDEO_HARD_TIMEOUT if video else HARD_TIMEOUT
    # a publisher whose upload is still within its own deadline is not stuck (its timeout will say so)
    waiting = target.upload_deadline is not None and now <= target.upload_deadline + GRACE
    if target.publishing_started_at is not None and now - target.publishing_started_at > limit and not waiting:
        _stuck(hub, member_id, target, limit, now)
        report.stuck.append(target.id)


@contextmanager
def _bounded(hub: Hub, member_id: UUID) -> Iterator[Conn]:
    """A transaction that waits at most CLAIM_LOCK_WAIT for a row someone else holds (LockNotAvailable):
    one held target must not stall the sweep of all the others."""
    with hub.transaction(member_id) as conn:
        sql.run(conn, Q.lock_wait, {"wait": CLAIM_LOCK_WAIT})
        yield conn


def _requeue(hub: Hub, member_id: UUID, target_id: UUID, enqueue: Enqueue, at: datetime) -> None:
    run_id = enqueue(member_id, target_id, at)
    with _bounded(hub, member_id) as conn:
        set_run_id(conn, target_id, run_id)


def _stuck(hub: Hub, member_id: UUID, target: _Publishing, limit: timedelta, now: datetime) -> None:
    cls = PLATFORMS[target.platform]
    minutes = int(limit.total_seconds() // 60)
    message = (
        f"Your {cls.display_name} post for @{target.handle} has been publishing for more than {minutes} minutes "
        "and psn stopped waiting."
    )
    action = f"Check @{target.handle} on {cls.display_name}; if the post is missing, run `psn retry {target.id}`."
    with _bounded(hub, member_id) as conn:
        sql.run(conn, Q.mark_stuck, {"message": message, "action": action, "target_id": target.id})
        notify(conn, member_id, Tier.CRITICAL, "post_stuck", message, action, f"target:{target.id}:stuck", now=now)
