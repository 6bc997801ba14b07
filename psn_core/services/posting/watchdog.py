"""The publish watchdog, run every minute: no scheduled post is ever silently missed.

* A target still ``scheduled`` more than a minute past its time (its queue entry was lost: dequeued and
  never run, a crash between commit and enqueue) is enqueued again; the claim makes duplicates harmless.
* A target ``publishing`` whose lease is free lost its publisher (killed worker): it is resumed from its
  ledger, never restarted from scratch.
* A target ``publishing`` past the hard timeout (5 minutes, 15 with video) while its lease is held is
  stuck: it becomes ``needs_attention`` and the user is told. A media upload still within its own hard
  timeout (counted from its first step, so later than the claim when an earlier item took a while) is
  left to fail on its own, with its precise reason: one failure, one notification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub import sql
from psn_core.hub.database import Hub, check_runtime_role, connect
from psn_core.hub.sql import Queries
from psn_core.notifications import Tier, notify
from psn_core.platforms.models import MediaKind
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.posts import Enqueue, Rendering, set_run_id
from psn_core.services.posting.publishing import lease_key

Q = Queries.load(__package__)
GRACE = timedelta(seconds=60)
HARD_TIMEOUT = timedelta(minutes=5)
VIDEO_HARD_TIMEOUT = timedelta(minutes=15)


class WatchdogReport(BaseModel):
    requeued: list[UUID] = []
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
class _Id:
    id: UUID


def lease_is_free(hub: Hub, target_id: UUID) -> bool:
    """Whether no live publisher holds the target's lease (tries the lock and gives it straight back)."""
    with connect(hub.target.app_conninfo, timeout=hub.settings.connect_timeout, label=hub.label) as conn:
        check_runtime_role(conn, hub.target.app_role)
        if sql.value(conn, Q.try_lease, {"key": lease_key(target_id)}):
            sql.value(conn, Q.release_lease, {"key": lease_key(target_id)})
            return True
    return False


def run_watchdog(hub: Hub, member_id: UUID, enqueue: Enqueue, now: datetime) -> WatchdogReport:
    """One sweep over the member's scheduled and publishing targets."""
    report = WatchdogReport()
    with hub.transaction(member_id) as conn:
        overdue = sql.many(conn, Q.overdue_targets, {"member_id": member_id, "before": now - GRACE}, _Id)
        publishing = sql.many(conn, Q.publishing_targets, {"member_id": member_id}, _Publishing)
    for row in overdue:
        _requeue(hub, member_id, row.id, enqueue, now)
        report.requeued.append(row.id)
    for target in publishing:
        if lease_is_free(hub, target.id):
            with hub.transaction(member_id) as conn:
                moved = sql.run(conn, Q.resume_target, {"now": now, "target_id": target.id})
            if moved:
                _requeue(hub, member_id, target.id, enqueue, now)
                report.resumed.append(target.id)
            continue
        video = any(m.kind == MediaKind.VIDEO for p in target.rendering.parts for m in p.media)
        limit = VIDEO_HARD_TIMEOUT if video else HARD_TIMEOUT
        waiting = target.upload_deadline is not None and now <= target.upload_deadline + GRACE
        if target.publishing_started_at is not None and now - target.publishing_started_at > limit and not waiting:
            _stuck(hub, member_id, target, limit, now)
            report.stuck.append(target.id)
    return report


def _requeue(hub: Hub, member_id: UUID, target_id: UUID, enqueue: Enqueue, now: datetime) -> None:
    run_id = enqueue(member_id, target_id, now)
    with hub.transaction(member_id) as conn:
        set_run_id(conn, target_id, run_id)


def _stuck(hub: Hub, member_id: UUID, target: _Publishing, limit: timedelta, now: datetime) -> None:
    cls = PLATFORMS[target.platform]
    minutes = int(limit.total_seconds() // 60)
    message = (
        f"Your {cls.display_name} post for @{target.handle} has been publishing for more than {minutes} minutes "
        "and psn stopped waiting."
    )
    action = f"Check @{target.handle} on {cls.display_name}; if the post is missing, run `psn retry {target.id}`."
    with hub.transaction(member_id) as conn:
        sql.run(conn, Q.mark_stuck, {"message": message, "action": action, "target_id": target.id})
        notify(conn, member_id, Tier.CRITICAL, "post_stuck", message, action, f"target:{target.id}:stuck", now=now)
