"""The notification record in the hub: stored first, deduplicated, listed, acknowledged.

Every function takes a connection inside ``hub.transaction(member_id)``, so row-level security keeps
each member to their own notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg.errors import LockNotAvailable

from psn_core.errors import InvalidNotification, NotificationNotFound
from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.masking import registry
from psn_core.notifications.models import DEDUP_WINDOW, DeliveryAttempt, Health, Notification, Prefs, Tier
from psn_core.notifications.policy import local_day_start

Q = Queries.load(__package__)


LOCK_WAIT = "2s"  # the longest a notify waits for another session working on the same key


@dataclass(frozen=True)
class RowId:
    id: int


def serialise(conn: Conn, key: str) -> None:
    """Serialise work on ``key`` for the rest of the transaction, waiting at most LOCK_WAIT.

    Any session of the hub can take any advisory lock (another member's too), so a key held longer than
    that is not waited for: the work goes ahead unserialised (at worst a repeat is stored twice) rather
    than stalling a publish or the worker behind a lock someone keeps.
    """
    previous = str(sql.value(conn, Q.lock_timeout))
    try:
        with conn.transaction():  # a savepoint: a refused lock leaves the caller's transaction usable
            sql.run(conn, Q.set_lock_timeout, {"wait": LOCK_WAIT})
            conn.execute(Q.lock_key, {"key": key})
    except LockNotAvailable:
        pass
    sql.run(conn, Q.set_lock_timeout, {"wait": previous})


def notify(
    conn: Conn,
    member_id: UUID,
    tier: Tier,
    kind: str,
    message: str,
    action: str,
    dedup_key: str,
    *,
    title: str | None = None,
    now: datetime | None = None,
    window: timedelta = DEDUP_WINDOW,
) -> Notification:
    """Store a notification (the truth; delivery comes later) and return it.

    A repeat (same ``dedup_key``, not acknowledged, created within ``window``) is not stored twice: the
    existing record's ``repeat_count`` grows and it is returned. Known secrets and token-shaped text
    are masked before anything is stored, so no transport or printer can ever show them.

    Raises:
        InvalidNotification: an empty message, action or dedup key.
    """
    now = now or datetime.now(UTC)
    message, action = registry.redact(message.strip()), registry.redact(action.strip())
    title = registry.redact(title.strip()) if title else None
    if not message or not action or not dedup_key:
        raise InvalidNotification(f"Notification {kind!r} needs a message, an action and a dedup key.")
    # Serialise notifies of the same key, so two workers cannot both miss the other's row.
    serialise(conn, f"{member_id}:{dedup_key}")
    found = {"now": now, "member": member_id, "key": dedup_key, "since": now - window}
    repeat = sql.one(conn, Q.repeat, found, Notification)
    if repeat is not None:
        return repeat
    state = "digest" if tier is Tier.ENGAGEMENT else "queued"
    new = {
        "member": member_id,
        "tier": tier.value,
        "kind": kind,
        "key": dedup_key,
        "title": title,
        "body": message,
        "action": action,
        "state": state,
        "now": now,
    }
    stored = sql.one(conn, Q.insert, new, Notification)
    assert stored is not None
    return stored


def get_notification(conn: Conn, member_id: UUID, notification_id: int) -> Notification:
    """One notification of the member.

    Raises:
        NotificationNotFound: no such id for this member.
    """
    found = sql.one(conn, Q.get, {"member": member_id, "id": notification_id}, Notification)
    if found is None:
        raise NotificationNotFound(f"There is no notification {notification_id}.")
    return found


def queued_ids(conn: Conn, member_id: UUID) -> list[int]:
    """Ids waiting for a transport, oldest first (delivery keeps this order)."""
    return [r.id for r in sql.many(conn, Q.queued_ids, {"member": member_id}, RowId)]


def lock_queued(conn: Conn, member_id: UUID, notification_id: int) -> Notification | None:
    """The notification if it is still queued, locked so no other worker sends it too."""
    return sql.one(conn, Q.lock_queued, {"member": member_id, "id": notification_id}, Notification)


def list_unacknowledged(conn: Conn, member_id: UUID, *, include_acknowledged: bool = False) -> list[Notification]:
    """The member's notifications not yet acknowledged (or all), oldest first."""
    return sql.many(conn, Q.listed, {"member": member_id, "all": include_acknowledged}, Notification)


def pending_critical(conn: Conn, member_id: UUID) -> list[Notification]:
    """CRITICAL notifications the member has not acknowledged and no transport delivered: what the CLI
    prints at the end of every command (the fallback when WhatsApp is down or not set up)."""
    return sql.many(conn, Q.pending_critical, {"member": member_id}, Notification)


def acknowledge(conn: Conn, member_id: UUID, ids: Sequence[int] | None, *, now: datetime | None = None) -> int:
    """Mark notifications as seen (``ids=None``: all of them); returns how many changed.

    Raises:
        NotificationNotFound: one of ``ids`` is not the member's.
    """
    now = now or datetime.now(UTC)
    if ids is None:
        return sql.run(conn, Q.acknowledge_all, {"now": now, "member": member_id})
    found = sql.many(conn, Q.existing_ids, {"member": member_id, "ids": list(ids)}, RowId)
    missing = sorted(set(ids) - {r.id for r in found})
    if missing:
        raise NotificationNotFound(f"There is no notification {', '.join(map(str, missing))}.")
    return sql.run(conn, Q.acknowledge, {"now": now, "member": member_id, "ids": list(ids)})


def mark_delivered(conn: Conn, notification_id: int, now: datetime) -> None:
    sql.run(conn, Q.mark_delivered, {"now": now, "id": notification_id})


def mark_held(conn: Conn, notification_id: int, reason: str) -> None:
    sql.run(conn, Q.mark_held, {"reason": reason, "id": notification_id})


def record_attempt(
    conn: Conn,
    member_id: UUID,
    notification_id: int,
    transport: str,
    now: datetime,
    *,
    provider_message_id: str | None = None,
    error: str | None = None,
) -> DeliveryAttempt:
    """Record one push attempt: sent with the provider's message id, or failed with the (redacted) error."""
    status = "sent" if provider_message_id is not None else "failed"
    attempt = {
        "notification": notification_id,
        "member": member_id,
        "transport": transport,
        "status": status,
        "provider_message_id": provider_message_id,
        "error": registry.redact(error or "") or None,
        "now": now,
    }
    recorded = sql.one(conn, Q.record_attempt, attempt, DeliveryAttempt)
    assert recorded is not None
    return recorded


def attempts(conn: Conn, member_id: UUID, notification_id: int | None = None) -> list[DeliveryAttempt]:
    """Delivery attempts of the member (of one notification when given), oldest first."""
    return sql.many(conn, Q.attempts, {"member": member_id, "notification": notification_id}, DeliveryAttempt)


def sent_today(conn: Conn, member_id: UUID, now: datetime, zone: ZoneInfo) -> int:
    """Non-critical notifications delivered since the member's local midnight (for the daily cap)."""
    params = {"member": member_id, "since": local_day_start(now, zone), "now": now}
    return int(sql.value(conn, Q.sent_today, params))


# --- preferences, zone, health -------------------------------------------------------------------


def member_zone(conn: Conn, member_id: UUID) -> ZoneInfo:
    """The member's IANA zone (members.timezone; UTC when the member row is missing)."""
    timezone = sql.value(conn, Q.member_zone, {"member": member_id})
    return ZoneInfo(timezone if timezone else "UTC")


def get_prefs(conn: Conn, member_id: UUID) -> Prefs:
    """The member's preferences, or the defaults (CLI only, no quiet hours) when never set."""
    prefs = sql.one(conn, Q.get_prefs, {"member": member_id}, Prefs)
    return Prefs() if prefs is None else prefs


def save_prefs(conn: Conn, member_id: UUID, prefs: Prefs) -> None:
    sql.run(conn, Q.save_prefs, {"member": member_id, **prefs.model_dump(), "threshold": prefs.threshold.value})


def get_health(conn: Conn, member_id: UUID, transport: str, *, lock: bool = False) -> Health:
    """The transport's health; a row for another transport counts as fresh health for this one."""
    health = sql.one(conn, Q.lock_health if lock else Q.get_health, {"member": member_id}, Health)
    if health is None or health.transport != transport:
        return Health(transport=transport)
    return health


def save_health(conn: Conn, member_id: UUID, health: Health) -> None:
    sql.run(conn, Q.save_health, {"member": member_id, **health.model_dump()})
