"""Notification use cases for the edges: `psn notifications ...`, the CLI fallback printed after every
command, and the worker's periodic tasks (plain functions a huey periodic task calls):

* :func:`run_health_ping` every 5 minutes -- 3 failed pings switch to backlog mode; recovery delivers it;
* :func:`run_delivery` every minute -- pushes queued notifications policy allows now;
* :func:`run_digest` every 15 minutes -- builds the daily ENGAGEMENT digest once the digest hour is reached.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import TypeVar
from uuid import UUID

from pydantic import BaseModel, SecretStr

from psn_core.config import HUB_ENV, Settings
from psn_core.crypto import load_keyring
from psn_core.errors import InvalidSetting
from psn_core.hub.database import Hub
from psn_core.hub.vault import get_secret, set_secret
from psn_core.masking import registry
from psn_core.notifications import store
from psn_core.notifications.delivery import deliver_pending, ping_transport, send_now
from psn_core.notifications.digest import build_digest
from psn_core.notifications.errors import TransportNotConfigured
from psn_core.notifications.models import (
    DeliveryAttempt,
    DeliveryReport,
    DigestReport,
    NotificationList,
    PingReport,
    Prefs,
    Tier,
    TransportName,
    format_local,
)
from psn_core.notifications.transports import TWILIO_TOKEN_SECRET, WAHA_KEY_SECRET, Transport, build_transport
from psn_core.workspace import set_env_values

R = TypeVar("R")

_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_SECRET_NAMES = {"waha": WAHA_KEY_SECRET, "twilio": TWILIO_TOKEN_SECRET}


def require_member(settings: Settings) -> UUID:
    """The member this workspace acts for.

    Raises:
        InvalidSetting: PSN_MEMBER_ID is not set.
    """
    if settings.member_id is None:
        raise InvalidSetting(
            "PSN_MEMBER_ID is not set, so psn does not know whose notifications to use.",
            "Run `psn init` in this workspace.",
        )
    return settings.member_id


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# --- listing and acknowledging ------------------------------------------------------------------


def list_notifications(hub: Hub, member_id: UUID, *, include_acknowledged: bool = False) -> NotificationList:
    """The member's notifications (pending ones unless ``include_acknowledged``) with their zone."""
    with hub.transaction(member_id) as conn:
        items = store.list_unacknowledged(conn, member_id, include_acknowledged=include_acknowledged)
        zone = store.member_zone(conn, member_id)
    return NotificationList(timezone=zone.key, items=items)


def acknowledge_notifications(hub: Hub, member_id: UUID, ids: list[int] | None, now: datetime | None = None) -> int:
    """Acknowledge the given notifications (None: all pending ones); returns how many changed.

    Raises:
        NotificationNotFound: an id is not one of the member's notifications.
    """
    with hub.transaction(member_id) as conn:
        return store.acknowledge(conn, member_id, ids, now=_now(now))


def pending_critical_footer(hub: Hub, member_id: UUID, company: str | None = None) -> list[str]:
    """Lines the CLI prints after every command while critical notifications wait (the fallback that
    works when WhatsApp does not); ``company`` names the company hub they are in. Empty when there is
    nothing to say."""
    with hub.transaction(member_id) as conn:
        items = store.pending_critical(conn, member_id)
        zone = store.member_zone(conn, member_id)
    if not items:
        return []
    where = f" in {company}" if company else ""
    lines = [
        f"! {len(items)} critical notification{'s' if len(items) > 1 else ''}{where}"
        f" need{'' if len(items) > 1 else 's'} you:"
    ]
    for item in items:
        lines.append(f"  #{item.id} {format_local(item.created_at, zone.key)}: {item.body}")
        lines.append(f"      {item.action}")
    flag = f" --company {company}" if company else ""
    lines.append(f"  Mark them handled with `psn notifications ack ID{flag}` (or --all{flag}).")
    return lines


# --- setup ---------------------------------------------------------------------------------------


class TransportSetup(BaseModel):
    """``psn notifications setup``: where notifications go, and the key or token to store (encrypted)."""

    transport: TransportName
    recipient: str | None = None
    secret: SecretStr | None = None
    twilio_account_sid: str | None = None
    twilio_from_number: str | None = None


def configure_transport(settings: Settings, hub: Hub, member_id: UUID, setup: TransportSetup) -> Prefs:
    """Choose the member's transport; store its key/token encrypted; keep the other preferences.

    The Twilio Account SID and sender number are not secret: given here, they are written to hub.env.

    Raises:
        TransportNotConfigured: no secret given and none stored yet.
        KeyMissing: no encryption key.
    """
    ring = load_keyring(settings)
    with hub.transaction(member_id) as conn:
        current = store.get_prefs(conn, member_id)
        prefs = current.model_copy(update={"transport": setup.transport, "recipient": setup.recipient})
        prefs = Prefs.model_validate(prefs.model_dump())
        name = _SECRET_NAMES.get(setup.transport)
        if name is not None:
            if setup.secret is not None and setup.secret.get_secret_value().strip():
                registry.add(setup.secret.get_secret_value().strip())
                set_secret(conn, ring, member_id, name, setup.secret.get_secret_value().strip())
            elif get_secret(conn, ring, member_id, name) is None:
                raise TransportNotConfigured(f"No {name.replace('_', ' ')} was given and none is stored.")
        store.save_prefs(conn, member_id, prefs)
    env = {
        key: value
        for key, value in (
            ("PSN_TWILIO_ACCOUNT_SID", setup.twilio_account_sid),
            ("PSN_TWILIO_FROM_NUMBER", setup.twilio_from_number),
        )
        if value
    }
    if env:
        set_env_values(settings.workspace / HUB_ENV, env)
    return prefs


def parse_quiet_hours(text: str) -> tuple[time, time] | None:
    """``22:00-07:00`` as two wall-clock times; ``off`` as None.

    Raises:
        InvalidSetting: not HH:MM-HH:MM, or start equal to end.
    """
    if text.strip().lower() in ("off", "none", ""):
        return None
    match = _QUIET.match(text)
    try:
        if match is None:
            raise ValueError(text)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise InvalidSetting(
            f"Quiet hours {text!r} are not HH:MM-HH:MM.", "Use e.g. --quiet-hours 22:00-07:00, or off."
        ) from exc
    if start == end:
        raise InvalidSetting("Quiet hours must start and end at different times.", "Use e.g. 22:00-07:00, or off.")
    return start, end


class PrefsUpdate(BaseModel):
    quiet_hours: str | None = None
    threshold: Tier | None = None
    daily_cap: int | None = None
    digest_hour: int | None = None


def update_prefs(hub: Hub, member_id: UUID, update: PrefsUpdate) -> Prefs:
    """Change quiet hours (``off`` clears them), threshold, daily cap or digest hour; returns the result.

    Raises:
        InvalidSetting: a value out of range.
    """
    changes: dict[str, object] = {k: v for k, v in update.model_dump(exclude={"quiet_hours"}).items() if v is not None}
    if update.quiet_hours is not None:
        quiet = parse_quiet_hours(update.quiet_hours)
        changes["quiet_start"], changes["quiet_end"] = quiet if quiet else (None, None)
    with hub.transaction(member_id) as conn:
        current = store.get_prefs(conn, member_id)
        try:
            prefs = Prefs.model_validate({**current.model_dump(), **changes})
        except ValueError as exc:
            raise InvalidSetting(
                f"Invalid notification preference: {exc}", "See `psn notifications prefs --help`."
            ) from exc
        store.save_prefs(conn, member_id, prefs)
    return prefs


# --- sending -------------------------------------------------------------------------------------


def open_transport(settings: Settings, hub: Hub, member_id: UUID) -> Transport | None:
    """The member's transport, or None when notifications are CLI-only.

    Raises:
        TransportNotConfigured: a transport is chosen but its key/token or settings are missing.
    """
    with hub.transaction(member_id) as conn:
        prefs = store.get_prefs(conn, member_id)
        if prefs.transport == "cli":
            return None
        return build_transport(settings, conn, load_keyring(settings), member_id, prefs)


def send_test(settings: Settings, hub: Hub, member_id: UUID, now: datetime | None = None) -> DeliveryAttempt:
    """Store a test notification and send it at once, whatever quiet hours or caps say.

    Raises:
        TransportNotConfigured: CLI-only notifications, or the transport is missing a key or setting.
        TransportUnavailable, TransportRejected: the transport failed (the attempt is recorded).
    """
    now = _now(now)
    transport = open_transport(settings, hub, member_id)
    if transport is None:
        raise TransportNotConfigured("Notifications are set to the CLI only: there is nothing to test.")
    with hub.transaction(member_id) as conn:
        test = store.notify(
            conn,
            member_id,
            Tier.STANDARD,
            "test",
            "This is a test message from psn: WhatsApp notifications reach you.",
            "Nothing to do.",
            f"test:{now.isoformat()}",
            now=now,
        )
        # seen by definition, and never re-sent later by the delivery task if this send fails
        store.acknowledge(conn, member_id, [test.id], now=now)
    try:
        return send_now(hub, member_id, test, transport, now)
    finally:
        transport.close()
        with hub.transaction(member_id) as conn:
            if store.lock_queued(conn, member_id, test.id) is not None:
                store.mark_held(conn, test.id, "test_failed")


def _with_transport(settings: Settings, hub: Hub, member_id: UUID, work: Callable[[Transport], R]) -> R | None:
    """``work`` with the member's transport open (closed after); None when notifications are CLI-only."""
    transport = open_transport(settings, hub, member_id)
    if transport is None:
        return None
    try:
        return work(transport)
    finally:
        transport.close()


def run_delivery(settings: Settings, hub: Hub, member_id: UUID, now: datetime | None = None) -> DeliveryReport | None:
    """Periodic task: deliver what policy allows now. None when notifications are CLI-only.

    Raises:
        TransportNotConfigured: the chosen transport lacks its key or settings.
    """
    return _with_transport(settings, hub, member_id, lambda t: deliver_pending(hub, member_id, t, _now(now)))


def run_health_ping(settings: Settings, hub: Hub, member_id: UUID, now: datetime | None = None) -> PingReport | None:
    """Periodic task (every 5 minutes): ping the transport; backlog mode after 3 failures; on recovery
    the backlog is delivered in order. None when notifications are CLI-only.

    Raises:
        TransportNotConfigured: the chosen transport lacks its key or settings.
    """
    return _with_transport(settings, hub, member_id, lambda t: ping_transport(hub, member_id, t, _now(now)))


def run_digest(settings: Settings, hub: Hub, member_id: UUID, now: datetime | None = None) -> DigestReport | None:
    """Periodic task: build today's digest once the member's digest hour is reached, then try to deliver.

    Raises:
        TransportNotConfigured: the chosen transport lacks its key or settings.
    """
    now = _now(now)
    report = build_digest(hub, member_id, now)
    if report is not None:
        run_delivery(settings, hub, member_id, now)
    return report
