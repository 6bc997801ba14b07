"""Delivery over real HTTP to fake WAHA and Twilio servers: in order, every attempt recorded, nothing
lost when the transport is down, policy (quiet hours, threshold, daily cap) in the member's zone."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest

from psn_core.config import Settings
from psn_core.notifications import notify
from psn_core.notifications.errors import TransportRejected, TransportUnavailable
from psn_core.notifications.models import Tier
from psn_core.notifications.store import attempts, get_health, list_unacknowledged
from psn_core.services.notifications import run_delivery, run_health_ping, send_test
from tests.fakes.notifications import member_in, use_twilio, use_waha
from tests.fakes.twilio import FakeTwilio
from tests.fakes.waha import FakeWaha
from tests.support.clock import last_local, next_local, start_instant
from tests.support.hubs import HubEnv

pytestmark = pytest.mark.pg

T0 = start_instant()


@pytest.fixture
def waha() -> Iterator[FakeWaha]:
    with FakeWaha() as fake:
        yield fake


def _notify(env: HubEnv, member: uuid.UUID, tier: Tier, text: str, now: datetime, key: str | None = None) -> int:
    with env.hub.transaction(member) as conn:
        return notify(conn, member, tier, "post_failed", text, "Run `psn posts` to retry.", key or text, now=now).id


def _states(env: HubEnv, member: uuid.UUID) -> dict[int, str]:
    with env.hub.transaction(member) as conn:
        return {n.id: n.state for n in list_unacknowledged(conn, member)}


def test_waha_down_for_20_minutes_loses_nothing_and_delivers_the_backlog_in_order(
    hub_env: HubEnv, waha: FakeWaha, caplog: pytest.LogCaptureFixture
) -> None:
    member = member_in(hub_env, "Europe/Madrid")
    settings = use_waha(hub_env, member, waha)
    waha.down()
    ids = [_notify(hub_env, member, Tier.CRITICAL, "Post 0 failed.", T0)]
    first_run = run_delivery(settings, hub_env.hub, member, T0)
    assert first_run is not None and first_run.failed == ids and "did not answer" in (first_run.error or "")

    caplog.set_level(logging.WARNING, logger="psn_core.notifications")
    pings = []
    for step in range(1, 4):  # pings at +5, +10, +15 minutes fail; a new notification each time
        now = T0 + timedelta(minutes=5 * step)
        ids.append(_notify(hub_env, member, Tier.STANDARD if step % 2 else Tier.CRITICAL, f"Post {step} failed.", now))
        pings.append(run_health_ping(settings, hub_env.hub, member, now))
        run_delivery(settings, hub_env.hub, member, now)
    assert [p.consecutive_failures for p in pings if p] == [1, 2, 3]
    assert [p.entered_backlog for p in pings if p] == [False, False, True]
    assert "backlog mode" in caplog.text
    in_backlog = run_delivery(settings, hub_env.hub, member, T0 + timedelta(minutes=16))
    assert in_backlog is not None and in_backlog.backlog and in_backlog.waiting == ids
    assert set(_states(hub_env, member).values()) == {"queued"}

    waha.up()
    recovery = run_health_ping(settings, hub_env.hub, member, T0 + timedelta(minutes=20))
    assert recovery is not None and recovery.ok and recovery.recovered and not recovery.backlog
    assert recovery.delivered is not None and recovery.delivered.delivered == ids
    assert [s.text.splitlines()[0] for s in waha.sent] == [f"Post {i} failed." for i in range(4)]
    assert all(s.chat_id == "34600111222@c.us" for s in waha.sent)
    assert set(_states(hub_env, member).values()) == {"delivered"}
    with hub_env.hub.transaction(member) as conn:
        history = attempts(conn, member)
        assert get_health(conn, member, "waha").consecutive_failures == 0
    failed = [a for a in history if a.status == "failed"]
    sent = [a for a in history if a.status == "sent"]
    assert [a.notification_id for a in sent] == ids
    assert [a.provider_message_id for a in sent] == [s.message_id for s in waha.sent]
    # before backlog mode each delivery run tried the oldest record once and stopped there
    assert {a.notification_id for a in failed} == {ids[0]} and all(a.error for a in failed)


@pytest.mark.dates
def test_critical_bypasses_quiet_hours_and_standard_waits_until_they_end(hub_env: HubEnv, waha: FakeWaha) -> None:
    member = member_in(hub_env, "Europe/Madrid")
    settings = use_waha(hub_env, member, waha, quiet=(time(22, 0), time(7, 0)))
    late = last_local(T0, "Europe/Madrid", time(22, 30))  # the night around the start: it may change clocks
    standard = _notify(hub_env, member, Tier.STANDARD, "Your post is live.", late)
    critical = _notify(hub_env, member, Tier.CRITICAL, "Approval needed for Bo's post.", late)
    night = run_delivery(settings, hub_env.hub, member, late)
    assert night is not None and night.delivered == [critical] and night.waiting == [standard]
    still_quiet = run_delivery(settings, hub_env.hub, member, next_local(late, "Europe/Madrid", time(6, 59)))
    assert still_quiet is not None and still_quiet.waiting == [standard]
    morning = run_delivery(settings, hub_env.hub, member, next_local(late, "Europe/Madrid", time(7, 0)))
    assert morning is not None and morning.delivered == [standard]
    assert [s.text.splitlines()[0] for s in waha.sent] == ["Approval needed for Bo's post.", "Your post is live."]


@pytest.mark.dates
def test_daily_cap_holds_extra_non_critical_but_never_critical(hub_env: HubEnv, waha: FakeWaha) -> None:
    member = member_in(hub_env, "America/New_York")
    settings = use_waha(hub_env, member, waha, daily_cap=2)
    ids = [_notify(hub_env, member, Tier.STANDARD, f"Post {i} is live.", T0) for i in range(3)]
    critical = _notify(hub_env, member, Tier.CRITICAL, "Your X token was revoked.", T0)
    report = run_delivery(settings, hub_env.hub, member, T0)
    assert report is not None and report.delivered == [ids[0], ids[1], critical] and report.held == [ids[2]]
    with hub_env.hub.transaction(member) as conn:
        held = {n.id: n for n in list_unacknowledged(conn, member)}[ids[2]]
    assert held.state == "held" and held.held_reason == "daily_cap"
    # the cap counts per local day: 00:30 in New York on the next day is a fresh day
    next_day = next_local(T0, "America/New_York", time(0, 30))
    tomorrow = _notify(hub_env, member, Tier.STANDARD, "Another post is live.", next_day)
    later = run_delivery(settings, hub_env.hub, member, next_day)
    assert later is not None and later.delivered == [tomorrow]


def test_threshold_keeps_lower_tiers_off_the_phone(hub_env: HubEnv, waha: FakeWaha) -> None:
    member = member_in(hub_env)
    settings = use_waha(hub_env, member, waha, threshold=Tier.CRITICAL)
    standard = _notify(hub_env, member, Tier.STANDARD, "Your post is live.", T0)
    critical = _notify(hub_env, member, Tier.CRITICAL, "Your post failed.", T0)
    report = run_delivery(settings, hub_env.hub, member, T0)
    assert report is not None and report.delivered == [critical] and report.held == [standard]
    assert len(waha.sent) == 1


def test_session_waiting_for_a_qr_scan_keeps_records_queued(hub_env: HubEnv, waha: FakeWaha) -> None:
    member = member_in(hub_env)
    settings = use_waha(hub_env, member, waha)
    waha.status = "SCAN_QR_CODE"
    nid = _notify(hub_env, member, Tier.CRITICAL, "Your post failed.", T0)
    ping = run_health_ping(settings, hub_env.hub, member, T0)
    assert ping is not None and not ping.ok and "SCAN_QR_CODE" in (ping.error or "")
    report = run_delivery(settings, hub_env.hub, member, T0)
    assert report is not None and report.failed == [nid] and "422" in (report.error or "")
    assert _states(hub_env, member) == {nid: "queued"}


def test_the_api_key_never_appears_in_attempts_or_logs(
    hub_env: HubEnv, waha: FakeWaha, caplog: pytest.LogCaptureFixture
) -> None:
    member = member_in(hub_env)
    real_key = waha.api_key = f"waha-key-{uuid.uuid4().hex}"
    settings = use_waha(hub_env, member, waha)
    waha.api_key = "a-different-key-the-server-wants"
    caplog.set_level(logging.DEBUG)
    _notify(hub_env, member, Tier.CRITICAL, "Your post failed.", T0)
    report = run_delivery(settings, hub_env.hub, member, T0)
    assert report is not None and report.failed and "401" in (report.error or "")
    with hub_env.hub.transaction(member) as conn:
        rows = conn.execute("SELECT body FROM notifications UNION ALL SELECT error FROM delivery_attempts").fetchall()
    stored = " ".join(str(r["body"]) for r in rows)
    assert real_key not in stored and real_key not in caplog.text
    assert real_key not in (report.error or "")
    assert waha.requests[-1].headers["X-Api-Key"] == real_key  # it did travel, in the header only


def test_twilio_delivers_in_order_with_whatsapp_addresses(hub_env: HubEnv) -> None:
    with FakeTwilio() as twilio:
        member = member_in(hub_env)
        settings = use_twilio(hub_env, member, twilio)
        ids = [_notify(hub_env, member, Tier.CRITICAL, f"Post {i} failed.", T0) for i in range(2)]
        report = run_delivery(settings, hub_env.hub, member, T0)
        ping = run_health_ping(settings, hub_env.hub, member, T0)
    assert report is not None and report.delivered == ids
    assert ping is not None and ping.ok
    assert [(m.to, m.from_) for m in twilio.sent] == [("whatsapp:+34600111222", "whatsapp:+14155238886")] * 2
    with hub_env.hub.transaction(member) as conn:
        assert [a.provider_message_id for a in attempts(conn, member)] == [m.sid for m in twilio.sent]


def test_twilio_wrong_token_is_a_recorded_rejection(hub_env: HubEnv) -> None:
    with FakeTwilio() as twilio:
        member = member_in(hub_env)
        settings: Settings = use_twilio(hub_env, member, twilio)
        twilio.auth_token = "rotated-token-the-server-wants"
        with pytest.raises(TransportRejected, match=r"20003|401"):
            send_test(settings, hub_env.hub, member, T0)
    with hub_env.hub.transaction(member) as conn:
        [attempt] = attempts(conn, member)
        [test] = list_unacknowledged(conn, member, include_acknowledged=True)
    assert attempt.status == "failed" and attempt.transport == "twilio"
    assert test.state == "held" and test.held_reason == "test_failed"


def test_send_test_goes_out_even_in_quiet_hours(hub_env: HubEnv, waha: FakeWaha) -> None:
    member = member_in(hub_env)
    settings = use_waha(hub_env, member, waha, quiet=(time(0, 0), time(23, 59)))
    attempt = send_test(settings, hub_env.hub, member, T0)
    assert attempt.status == "sent" and attempt.provider_message_id == waha.sent[0].message_id
    waha.down()
    with pytest.raises(TransportUnavailable):
        send_test(settings, hub_env.hub, member, T0 + timedelta(minutes=1))
