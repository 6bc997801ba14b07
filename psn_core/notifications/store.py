"""The notification record in the hub: stored first, deduplicated, listed, acknowledged.

Every function takes a connection inside ``hub.transaction(member_id)``, so row-level security keeps
each member to their own notifications.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from psn_core.errors import InvalidNotification, NotificationNotFound
from psn_core.hub.database import Conn
from psn_core.masking import registry
from psn_core.notifications.models import DEDUP_WINDOW, DeliveryAttempt, Health, Notification, Prefs, Tier
from psn_core.notifications.policy import local_day_start

_COLUMNS = (
    "id, member_id, tier, kind, dedup_key, title, body, action, state, held_reason, repeat_count, created_at, "
    "last_seen_at, delivered_at, acknowledged_at, digest_id, digest_local_date"
)


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
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{member_id}:{dedup_key}"])
    repeat = conn.execute(
        f"""
        UPDATE notifications SET repeat_count = repeat_count + 1, last_seen_at = %(now)s
         WHERE id = (SELECT id FROM notifications
                      WHERE member_id = %(m)s AND dedup_key = %(k)s AND acknowledged_at IS NULL
                        AND created_at > %(since)s
                      ORDER BY id DESC LIMIT 1)
        RETURNING {_COLUMNS}
        """,  # noqa: S608 - fixed column list
        {"now": now, "m": member_id, "k": dedup_key, "since": now - window},
    ).fetchone()
    if repeat is not None:
        return Notification.model_validate(repeat)
    state = "digest" if tier is Tier.ENGAGEMENT else "queued"
    row = conn.execute(
        f"""
        INSERT INTO notifications (member_id, tier, kind, dedup_key, title, body, action, state,
                                   created_at, last_seen_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        RETURNING {_COLUMNS}
        """,  # noqa: S608 - fixed column list
        [member_id, tier.value, kind, dedup_key, title, message, action, state, now, now],
    ).fetchone()
    assert row is not None
    return Notification.model_validate(row)


def get_notification(conn: Conn, member_id: UUID, notification_id: int) -> Notification:
    """One notification of the member.

    Raises:
        NotificationNotFound: no such id for this member.
    """
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM notifications WHERE member_id = %s AND id = %s",  # noqa: S608
        [member_id, notification_id],
    ).fetchone()
    if row is None:
        raise NotificationNotFound(f"There is no notification {notification_id}.")
    return Notification.model_validate(row)


def queued_ids(conn: Conn, member_id: UUID) -> list[int]:
    """Ids waiting for a transport, oldest first (delivery keeps this order)."""
    rows = conn.execute(
        "SELECT id FROM notifications WHERE member_id = %s AND state = 'queued' ORDER BY id", [member_id]
    ).fetchall()
    return [int(r["id"]) for r in rows]


def lock_queued(conn: Conn, member_id: UUID, notification_id: int) -> Notification | None:
    """The notification if it is still queued, locked so no other worker sends it too."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM notifications WHERE member_id = %s AND id = %s AND state = 'queued'"  # noqa: S608
        " FOR UPDATE SKIP LOCKED",
        [member_id, notification_id],
    ).fetchone()
    return None if row is None else Notification.model_validate(row)


def list_unacknowledged(conn: Conn, member_id: UUID, *, include_acknowledged: bool = False) -> list[Notification]:
    """The member's notifications not yet acknowledged (or all), oldest first."""
    where = "" if include_acknowledged else " AND acknowledged_at IS NULL"
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM notifications WHERE member_id = %s{where} ORDER BY id",  # noqa: S608
        [member_id],
    ).fetchall()
    return [Notification.model_validate(r) for r in rows]


def pending_critical(conn: Conn, member_id: UUID) -> list[Notification]:
    """CRITICAL notifications the member has not acknowledged and no transport delivered: what the CLI
    prints at the end of every command (the fallback when WhatsApp is down or not set up)."""
    rows = conn.execute(
        f"""SELECT {_COLUMNS} FROM notifications
             WHERE member_id = %s AND tier = 'critical' AND acknowledged_at IS NULL AND delivered_at IS NULL
             ORDER BY id""",  # noqa: S608
        [member_id],
    ).fetchall()
    return [Notification.model_validate(r) for r in rows]


def acknowledge(conn: Conn, member_id: UUID, ids: Sequence[int] | None, *, now: datetime | None = None) -> int:
    """Mark notifications as seen (``ids=None``: all of them); returns how many changed.

    Raises:
        NotificationNotFound: one of ``ids`` is not the member's.
    """
    now = now or datetime.now(UTC)
    if ids is None:
        return conn.execute(
            "UPDATE notifications SET acknowledged_at = %s WHERE member_id = %s AND acknowledged_at IS NULL",
            [now, member_id],
        ).rowcount
    found = conn.execute(
        "SELECT id FROM notifications WHERE member_id = %s AND id = ANY(%s)", [member_id, list(ids)]
    ).fetchall()
    missing = sorted(set(ids) - {int(r["id"]) for r in found})
    if missing:
        raise NotificationNotFound(f"There is no notification {', '.join(map(str, missing))}.")
    return conn.execute(
        "UPDATE notifications SET acknowledged_at = %s WHERE member_id = %s AND id = ANY(%s)"
        " AND acknowledged_at IS NULL",
        [now, member_id, list(ids)],
    ).rowcount


def mark_delivered(conn: Conn, notification_id: int, now: datetime) -> None:
    conn.execute(
        "UPDATE notifications SET state = 'delivered', delivered_at = %s, held_reason = NULL WHERE id = %s",
        [now, notification_id],
    )


def mark_held(conn: Conn, notification_id: int, reason: str) -> None:
    conn.execute("UPDATE notifications SET state = 'held', held_reason = %s WHERE id = %s", [reason, notification_id])


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
    row = conn.execute(
        """
        INSERT INTO delivery_attempts (notification_id, member_id, transport, status, provider_message_id,
                                       error, attempted_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        RETURNING id, notification_id, transport, status, provider_message_id, error, attempted_at
        """,
        [notification_id, member_id, transport, status, provider_message_id, registry.redact(error or "") or None, now],
    ).fetchone()
    assert row is not None
    return DeliveryAttempt.model_validate(row)


def attempts(conn: Conn, member_id: UUID, notification_id: int | None = None) -> list[DeliveryAttempt]:
    """Delivery attempts of the member (of one notification when given), oldest first."""
    rows = conn.execute(
        """SELECT id, notification_id, transport, status, provider_message_id, error, attempted_at
             FROM delivery_attempts WHERE member_id = %s AND (%s::bigint IS NULL OR notification_id = %s)
            ORDER BY id""",
        [member_id, notification_id, notification_id],
    ).fetchall()
    return [DeliveryAttempt.model_validate(r) for r in rows]


def sent_today(conn: Conn, member_id: UUID, now: datetime, zone: ZoneInfo) -> int:
    """Non-critical notifications delivered since the member's local midnight (for the daily cap)."""
    row = conn.execute(
        """SELECT count(*) AS n FROM notifications
            WHERE member_id = %s AND tier <> 'critical' AND delivered_at >= %s AND delivered_at <= %s""",
        [member_id, local_day_start(now, zone), now],
    ).fetchone()
    assert row is not None
    return int(row["n"])


# --- preferences, zone, health -------------------------------------------------------------------


def member_zone(conn: Conn, member_id: UUID) -> ZoneInfo:
    """The member's IANA zone (members.timezone; UTC when the member row is missing)."""
    row = conn.execute("SELECT timezone FROM members WHERE id = %s", [member_id]).fetchone()
    return ZoneInfo(row["timezone"] if row else "UTC")


def get_prefs(conn: Conn, member_id: UUID) -> Prefs:
    """The member's preferences, or the defaults (CLI only, no quiet hours) when never set."""
    row = conn.execute(
        """SELECT transport, recipient, quiet_start, quiet_end, threshold, daily_cap, digest_hour
             FROM notification_prefs WHERE member_id = %s""",
        [member_id],
    ).fetchone()
    return Prefs() if row is None else Prefs.model_validate(row)


def save_prefs(conn: Conn, member_id: UUID, prefs: Prefs) -> None:
    conn.execute(
        """
        INSERT INTO notification_prefs (member_id, transport, recipient, quiet_start, quiet_end, threshold,
                                        daily_cap, digest_hour)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (member_id) DO UPDATE SET
            transport = EXCLUDED.transport, recipient = EXCLUDED.recipient, quiet_start = EXCLUDED.quiet_start,
            quiet_end = EXCLUDED.quiet_end, threshold = EXCLUDED.threshold, daily_cap = EXCLUDED.daily_cap,
            digest_hour = EXCLUDED.digest_hour, updated_at = now()
        """,
        [
            member_id,
            prefs.transport,
            prefs.recipient,
            prefs.quiet_start,
            prefs.quiet_end,
            prefs.threshold.value,
            prefs.daily_cap,
            prefs.digest_hour,
        ],
    )


_HEALTH = (
    "SELECT transport, consecutive_failures, backlog_since, last_ping_at, last_ok_at, last_error"
    " FROM transport_health WHERE member_id = %s"
)
_HEALTH_FOR_UPDATE = _HEALTH + " FOR UPDATE"


def get_health(conn: Conn, member_id: UUID, transport: str, *, lock: bool = False) -> Health:
    """The transport's health; a row for another transport counts as fresh health for this one."""
    query = _HEALTH_FOR_UPDATE if lock else _HEALTH
    row = conn.execute(query, [member_id]).fetchone()
    if row is None or row["transport"] != transport:
        return Health(transport=transport)
    return Health.model_validate(row)


def save_health(conn: Conn, member_id: UUID, health: Health) -> None:
    conn.execute(
        """
        INSERT INTO transport_health (member_id, transport, consecutive_failures, backlog_since, last_ping_at,
                                      last_ok_at, last_error)
        VALUES (%s, %s, %s, %s, %s, %s, %s)
        ON CONFLICT (member_id) DO UPDATE SET
            transport = EXCLUDED.transport, consecutive_failures = EXCLUDED.consecutive_failures,
            backlog_since = EXCLUDED.backlog_since, last_ping_at = EXCLUDED.last_ping_at,
            last_ok_at = EXCLUDED.last_ok_at, last_error = EXCLUDED.last_error
        """,
        [
            member_id,
            health.transport,
            health.consecutive_failures,
            health.backlog_since,
            health.last_ping_at,
            health.last_ok_at,
            health.last_error,
        ],
    )
