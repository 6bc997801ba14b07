"""Delivery: push queued notifications through a transport, in order, recording every attempt.

Nothing here can lose a notification. A record leaves the ``queued`` state only when the transport
returned a message id (``delivered``) or policy kept it off the phone (``held``, still listed by the
CLI). A transport failure records a failed attempt and stops the run, so later notifications never
overtake an earlier one.

Health: :func:`ping_transport` runs every 5 minutes. After 3 failed pings in a row the member's transport
is in *backlog mode*: a warning is logged, delivery runs send nothing and records stay queued. The first
good ping leaves backlog mode and delivers the backlog, oldest first.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from psn_core.hub.database import Hub
from psn_core.masking import registry
from psn_core.notifications import store
from psn_core.notifications.errors import TransportError, TransportNotConfigured
from psn_core.notifications.models import (
    BACKLOG_AFTER_FAILED_PINGS,
    DeliveryAttempt,
    DeliveryReport,
    Notification,
    PingReport,
)
from psn_core.notifications.policy import decide
from psn_core.notifications.transports import Transport

log = logging.getLogger(__name__)


def deliver_pending(hub: Hub, member_id: UUID, transport: Transport, now: datetime) -> DeliveryReport:
    """Send the member's queued notifications that policy allows now, oldest first.

    Each notification is sent inside its own transaction holding a row lock, so two workers never send
    the same one, and its attempt row commits with its new state. The run stops at the first transport
    failure (the record stays queued). In backlog mode nothing is sent.

    Raises:
        HubUnreachable: the hub is down (nothing was marked delivered that was not sent).
    """
    with hub.transaction(member_id) as conn:
        health = store.get_health(conn, member_id, transport.name)
        prefs = store.get_prefs(conn, member_id)
        zone = store.member_zone(conn, member_id)
        ids = store.queued_ids(conn, member_id)
    report = DeliveryReport()
    if health.in_backlog:
        report.backlog = True
        report.waiting = ids
        return report
    if not prefs.recipient:
        report.error = "No recipient is set for WhatsApp notifications."
        return report
    for notification_id in ids:
        with hub.transaction(member_id) as conn:
            notification = store.lock_queued(conn, member_id, notification_id)
            if notification is None:  # another worker has it, or it changed state meanwhile
                continue
            decision = decide(notification, prefs, zone, now, store.sent_today(conn, member_id, now, zone))
            if decision.verdict == "hold":
                store.mark_held(conn, notification.id, decision.reason)
                report.held.append(notification.id)
                continue
            if decision.verdict == "wait":
                report.waiting.append(notification.id)
                continue
            try:
                message_id = transport.send(prefs.recipient, notification.text())
            except TransportError as exc:
                store.record_attempt(conn, member_id, notification.id, transport.name, now, error=exc.message)
                report.failed.append(notification.id)
                report.error = registry.redact(exc.message)
                log.warning("notification %s not delivered by %s: %s", notification.id, transport.name, report.error)
                break
            store.record_attempt(conn, member_id, notification.id, transport.name, now, provider_message_id=message_id)
            store.mark_delivered(conn, notification.id, now)
            report.delivered.append(notification.id)
    return report


def send_now(
    hub: Hub, member_id: UUID, notification: Notification, transport: Transport, now: datetime
) -> DeliveryAttempt:
    """Send one notification whatever the policy says (``psn notifications test``), recording the attempt.

    Raises:
        TransportUnavailable, TransportRejected: after the failed attempt is recorded.
    """
    with hub.transaction(member_id) as conn:
        prefs = store.get_prefs(conn, member_id)
        locked = store.lock_queued(conn, member_id, notification.id)
        if locked is None or not prefs.recipient:
            raise TransportNotConfigured(f"Notification {notification.id} is not queued for a WhatsApp recipient.")
        try:
            message_id = transport.send(prefs.recipient, locked.text())
        except TransportError as exc:
            # the failure is recorded in a transaction of its own, below, so it commits before raising
            failure: TransportError = exc
        else:
            attempt = store.record_attempt(
                conn, member_id, locked.id, transport.name, now, provider_message_id=message_id
            )
            store.mark_delivered(conn, locked.id, now)
            return attempt
    with hub.transaction(member_id) as conn:
        store.record_attempt(conn, member_id, notification.id, transport.name, now, error=failure.message)
    raise failure


def ping_transport(hub: Hub, member_id: UUID, transport: Transport, now: datetime) -> PingReport:
    """Ping the transport and update its health; on recovery from backlog mode deliver the backlog.

    Raises:
        HubUnreachable: the hub is down.
    """
    error: str | None = None
    try:
        transport.ping()
    except TransportError as exc:
        error = registry.redact(exc.message)
    with hub.transaction(member_id) as conn:
        health = store.get_health(conn, member_id, transport.name, lock=True)
        was_backlog = health.in_backlog
        health.last_ping_at = now
        if error is None:
            health.consecutive_failures, health.backlog_since, health.last_ok_at = 0, None, now
            health.last_error = None
        else:
            health.consecutive_failures += 1
            health.last_error = error
            if health.consecutive_failures >= BACKLOG_AFTER_FAILED_PINGS and not was_backlog:
                health.backlog_since = now
        store.save_health(conn, member_id, health)
    report = PingReport(
        ok=error is None,
        consecutive_failures=health.consecutive_failures,
        backlog=health.in_backlog,
        entered_backlog=health.in_backlog and not was_backlog,
        recovered=was_backlog and error is None,
        error=error,
    )
    if report.entered_backlog:
        log.warning(
            "%s failed %d health pings in a row (%s): notification backlog mode; records stay queued and "
            "critical ones are printed by every psn command",
            transport.name,
            health.consecutive_failures,
            error,
        )
    if report.recovered:
        log.warning("%s is reachable again: delivering the notification backlog in order", transport.name)
        report.delivered = deliver_pending(hub, member_id, transport, now)
    return report
