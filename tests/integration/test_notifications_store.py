"""The notification record: stored first, deduplicated, acknowledged, private to its member."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from psn_core.errors import InvalidNotification, NotificationNotFound
from psn_core.hub.audit import member_tables
from psn_core.masking import registry
from psn_core.notifications import acknowledge, notify, pending_critical
from psn_core.notifications.models import Tier
from psn_core.notifications.store import get_prefs, list_unacknowledged, mark_delivered, record_attempt
from psn_core.services.notifications import (
    PrefsUpdate,
    list_notifications,
    pending_critical_footer,
    update_prefs,
)
from tests.fakes.notifications import member_in
from tests.support.hubs import HubEnv

pytestmark = pytest.mark.pg

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
NOTIFICATION_TABLES = ("notifications", "delivery_attempts", "notification_prefs", "transport_health")


def _token_expiry(env: HubEnv, member: uuid.UUID, now: datetime = T0, key: str = "token:linkedin:3d") -> int:
    with env.hub.transaction(member) as conn:
        return notify(
            conn,
            member,
            Tier.CRITICAL,
            "token_expiry",
            "Your LinkedIn token expires in 3 days.",
            "Run `psn auth linkedin` to reconnect.",
            key,
            now=now,
        ).id


def test_notification_is_stored_before_any_transport_exists(hub_env: HubEnv) -> None:
    member = member_in(hub_env)
    nid = _token_expiry(hub_env, member)
    with hub_env.hub.transaction(member) as conn:
        [stored] = list_unacknowledged(conn, member)
        assert get_prefs(conn, member).transport == "cli"
    assert stored.id == nid and stored.state == "queued" and stored.delivered_at is None
    assert stored.text().endswith("Your LinkedIn token expires in 3 days.\nRun `psn auth linkedin` to reconnect.")


def test_engagement_waits_for_the_digest_instead_of_the_queue(hub_env: HubEnv) -> None:
    member = member_in(hub_env)
    with hub_env.hub.transaction(member) as conn:
        like = notify(conn, member, Tier.ENGAGEMENT, "like", "Bo liked your post.", "Nothing to do.", "like:1", now=T0)
    assert like.state == "digest"


def test_repeat_within_the_window_is_counted_not_stored_twice(hub_env: HubEnv) -> None:
    member = member_in(hub_env)
    first = _token_expiry(hub_env, member, T0)
    again = _token_expiry(hub_env, member, T0 + timedelta(hours=3))
    with hub_env.hub.transaction(member) as conn:
        rows = list_unacknowledged(conn, member)
    assert again == first and len(rows) == 1
    assert rows[0].repeat_count == 2 and rows[0].last_seen_at == T0 + timedelta(hours=3)
    assert "(seen 2 times)" in rows[0].text()


def test_repeat_after_the_window_or_after_ack_is_a_new_notification(hub_env: HubEnv) -> None:
    member = member_in(hub_env)
    first = _token_expiry(hub_env, member, T0)
    later = _token_expiry(hub_env, member, T0 + timedelta(hours=25))
    with hub_env.hub.transaction(member) as conn:
        acknowledge(conn, member, [later], now=T0 + timedelta(hours=26))
    after_ack = _token_expiry(hub_env, member, T0 + timedelta(hours=27))
    assert len({first, later, after_ack}) == 3


def test_notification_without_an_action_is_refused(hub_env: HubEnv) -> None:
    member = member_in(hub_env)
    with pytest.raises(InvalidNotification), hub_env.hub.transaction(member) as conn:
        notify(conn, member, Tier.STANDARD, "post_failed", "Your post failed.", "  ", "post:1", now=T0)


def test_secrets_are_masked_before_the_message_is_stored(hub_env: HubEnv) -> None:
    member = member_in(hub_env)
    registry.add("sk-live-registered-secret-9876")
    with hub_env.hub.transaction(member) as conn:
        stored = notify(
            conn,
            member,
            Tier.CRITICAL,
            "post_failed",
            "X said: invalid access_token=abcdefghijklmnop1234 for key sk-live-registered-secret-9876.",
            "Run `psn auth x` to reconnect.",
            "post:9",
            now=T0,
        )
    assert "abcdefghijklmnop1234" not in stored.body and "sk-live-registered-secret-9876" not in stored.body
    assert "••••1234" in stored.body and "••••9876" in stored.body


def test_ack_by_id_all_and_unknown_id(hub_env: HubEnv) -> None:
    member = member_in(hub_env)
    a = _token_expiry(hub_env, member, key="a")
    _token_expiry(hub_env, member, key="b")
    _token_expiry(hub_env, member, key="c")
    with hub_env.hub.transaction(member) as conn:
        assert acknowledge(conn, member, [a], now=T0) == 1
        assert acknowledge(conn, member, [a], now=T0) == 0
        with pytest.raises(NotificationNotFound, match="999"):
            acknowledge(conn, member, [a, 999], now=T0)
    with hub_env.hub.transaction(member) as conn:
        assert acknowledge(conn, member, None, now=T0) == 2
        assert list_unacknowledged(conn, member) == []


def test_pending_critical_is_what_no_transport_delivered_and_nobody_acknowledged(hub_env: HubEnv) -> None:
    member = member_in(hub_env, "Europe/Madrid")
    delivered, acked, waiting = (_token_expiry(hub_env, member, key=k) for k in ("d", "a", "w"))
    with hub_env.hub.transaction(member) as conn:
        notify(conn, member, Tier.STANDARD, "post_published", "Your post is live.", "Nothing to do.", "p", now=T0)
        record_attempt(conn, member, delivered, "waha", T0, provider_message_id="true_1@c.us_X")
        mark_delivered(conn, delivered, T0)
        acknowledge(conn, member, [acked], now=T0)
        assert [n.id for n in pending_critical(conn, member)] == [waiting]
    footer = pending_critical_footer(hub_env.hub, member)
    assert footer[0] == "! 1 critical notification needs you:"
    assert f"#{waiting} 2025-03-10 10:00 (Europe/Madrid): Your LinkedIn token expires in 3 days." in footer[1]
    assert "psn auth linkedin" in footer[2]


def test_listing_names_the_members_zone(hub_env: HubEnv) -> None:
    member = member_in(hub_env, "America/New_York")
    _token_expiry(hub_env, member)
    listing = list_notifications(hub_env.hub, member)
    assert listing.local(listing.items[0].created_at) == "2025-03-10 05:00 (America/New_York)"


def test_member_cannot_see_or_touch_anothers_notifications(hub_env: HubEnv) -> None:
    a, b = member_in(hub_env, name="Ana"), member_in(hub_env, name="Bo")
    theirs = _token_expiry(hub_env, b)
    update_prefs(hub_env.hub, b, PrefsUpdate(quiet_hours="22:00-07:00"))
    with hub_env.hub.transaction(b) as conn:
        record_attempt(conn, b, theirs, "waha", T0, error="down")
    with hub_env.hub.transaction(a) as conn:
        for table in NOTIFICATION_TABLES:
            assert conn.execute(f"SELECT * FROM {table}").fetchall() == []  # noqa: S608 - fixed names
        assert conn.execute("UPDATE notifications SET acknowledged_at = now() WHERE id = %s", [theirs]).rowcount == 0
        with pytest.raises(NotificationNotFound):
            acknowledge(conn, a, [theirs], now=T0)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), hub_env.hub.transaction(a) as conn:
        notify(conn, b, Tier.CRITICAL, "approval", "Approve Bo's post?", "Run `psn approve 1`.", "x", now=T0)
    with hub_env.hub.transaction(b) as conn:
        assert [n.id for n in list_unacknowledged(conn, b)] == [theirs]


def test_notification_tables_have_forced_rls_and_an_app_policy(hub_env: HubEnv) -> None:
    with hub_env.hub.owner() as conn:
        tables = {t.table: t for t in member_tables(conn)}
    for name in NOTIFICATION_TABLES:
        assert tables[name].protected, name
        assert set(tables[name].app_policies) == {"member_rows", "active_member"}
