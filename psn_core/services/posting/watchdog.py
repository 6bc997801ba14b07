"""The publish watchdog, run every minute: no scheduled post is ever silently missed.

* A target still ``scheduled`` more than a minute past its time (its queue entry was lost: dequeued and
  never run, a crash between commit and enqueue) is enqueued again; the claim makes duplicates harmless.
* A target ``publishing`` whose lease is free lost its publisher (killed worker): it is resumed from its
  ledger, never restarted from scratch.
* A target ``publishing`` past the hard timeout (5 minutes, 15 with video) while its lease is held is
  stuck: it becomes ``needs_attention`` and the user is told.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from pydantic import BaseModel

from psn_core.hub.database import Hub, check_runtime_role, connect
from psn_core.notifications import Tier, notify
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.posting.posts import Enqueue
from psn_core.services.posting.publishing import lease_key

GRACE = timedelta(seconds=60)
HARD_TIMEOUT = timedelta(minutes=5)
VIDEO_HARD_TIMEOUT = timedelta(minutes=15)


class WatchdogReport(BaseModel):
    requeued: list[UUID] = []
    resumed: list[UUID] = []
    stuck: list[UUID] = []


def lease_is_free(hub: Hub, target_id: UUID) -> bool:
    """Whether no live publisher holds the target's lease (tries the lock and gives it straight back)."""
    with connect(hub.target.app_conninfo, timeout=hub.settings.connect_timeout, label=hub.label) as conn:
        check_runtime_role(conn)
        row = conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0)) AS ok", [lease_key(target_id)])
        got = row.fetchone()
        if got and got["ok"]:
            conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [lease_key(target_id)])
            return True
    return False


def run_watchdog(hub: Hub, member_id: UUID, enqueue: Enqueue, now: datetime) -> WatchdogReport:
    """One sweep over the member's scheduled and publishing targets."""
    report = WatchdogReport()
    with hub.transaction(member_id) as conn:
        overdue = conn.execute(
            "SELECT id FROM post_targets WHERE member_id = %s AND status = 'scheduled' AND next_attempt_at < %s",
            [member_id, now - GRACE],
        ).fetchall()
        publishing = conn.execute(
            "SELECT t.id, t.platform, t.publishing_started_at, t.rendering, a.handle FROM post_targets t"
            " JOIN accounts a ON a.id = t.account_id WHERE t.member_id = %s AND t.status = 'publishing'",
            [member_id],
        ).fetchall()
    for row in overdue:
        _requeue(hub, member_id, row["id"], enqueue, now)
        report.requeued.append(row["id"])
    for row in publishing:
        if lease_is_free(hub, row["id"]):
            with hub.transaction(member_id) as conn:
                moved = conn.execute(
                    "UPDATE post_targets SET status = 'scheduled', next_attempt_at = %s, updated_at = now()"
                    " WHERE id = %s AND status = 'publishing' RETURNING id",
                    [now, row["id"]],
                ).fetchone()
            if moved:
                _requeue(hub, member_id, row["id"], enqueue, now)
                report.resumed.append(row["id"])
            continue
        video = any(m.get("kind") == "video" for p in row["rendering"]["parts"] for m in p.get("media", []))
        limit = VIDEO_HARD_TIMEOUT if video else HARD_TIMEOUT
        if row["publishing_started_at"] is not None and now - row["publishing_started_at"] > limit:
            _stuck(hub, member_id, row, limit, now)
            report.stuck.append(row["id"])
    return report


def _requeue(hub: Hub, member_id: UUID, target_id: UUID, enqueue: Enqueue, now: datetime) -> None:
    run_id = enqueue(member_id, target_id, now)
    with hub.transaction(member_id) as conn:
        conn.execute("UPDATE post_targets SET run_id = %s WHERE id = %s", [run_id, target_id])


def _stuck(hub: Hub, member_id: UUID, row: dict[str, object], limit: timedelta, now: datetime) -> None:
    cls = PLATFORMS[str(row["platform"])]
    minutes = int(limit.total_seconds() // 60)
    message = (
        f"Your {cls.display_name} post for @{row['handle']} has been publishing for more than {minutes} minutes "
        "and psn stopped waiting."
    )
    action = f"Check @{row['handle']} on {cls.display_name}; if the post is missing, run `psn retry {row['id']}`."
    with hub.transaction(member_id) as conn:
        conn.execute(
            "UPDATE post_targets SET status = 'needs_attention', error_class = 'Stuck', error_message = %s,"
            " error_action = %s, updated_at = now() WHERE id = %s AND status = 'publishing'",
            [message, action, row["id"]],
        )
        notify(conn, member_id, Tier.CRITICAL, "post_stuck", message, action, f"target:{row['id']}:stuck", now=now)
