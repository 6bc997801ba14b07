"""Token lifecycle against the emulator: refreshes never race, failures end in needs_reauth with one
critical notification, the refresher renews ahead of expiry, and alerts fire once per threshold."""

from __future__ import annotations

import json
import multiprocessing
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator, ManualClock
from psn_core.errors import AuthRevoked
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.accounts import AccountView, get_account
from psn_core.services.accounts.tokens import TokenService, refresh_window
from tests.support.hubs import TEST_APP_PASSWORD, HubEnv, make_settings, new_member
from tests.support.platform_env import connect_account, emulator_overrides
from tests.support.token_workers import hammer

pytestmark = pytest.mark.pg


@pytest.fixture
def overrides(hub_env: HubEnv, emu: Emulator) -> dict[str, object]:
    return {
        "database_url": hub_env.server.conninfo(hub_env.database),
        "app_password": TEST_APP_PASSWORD,
        "connect_timeout": 5,
        **emulator_overrides(emu),
    }


@pytest.fixture
def settings(hub_env: HubEnv, overrides: dict[str, object]) -> Settings:
    return make_settings(hub_env.settings.workspace, str(overrides["database_url"]), **overrides)


def service(env: HubEnv, settings: Settings, clock: ManualClock, **kwargs: object) -> TokenService:
    ring = load_keyring(settings)
    return TokenService(env.hub, settings, ring, clock=clock, sleep=lambda _s: None, **kwargs)  # type: ignore[arg-type]


def refresh_requests(emu: Emulator, platform: str) -> list[dict[str, str]]:
    """Refresh-grant token requests the emulator received (form bodies recorded as JSON, secrets masked)."""
    bodies = [json.loads(r.body) for r in emu.requests if r.platform == platform and r.endpoint == "token"]
    return [b for b in bodies if b.get("grant_type") == "refresh_token"]


def expire(env: HubEnv, account: AccountView, at: datetime) -> None:
    with env.hub.owner() as conn:
        conn.execute("UPDATE oauth_tokens SET expires_at = %s WHERE account_id = %s", [at, account.id])


def notifications(env: HubEnv, member: uuid.UUID, kind: str) -> list[dict[str, object]]:
    with env.hub.transaction(member) as conn:
        return conn.execute("SELECT * FROM notifications WHERE kind = %s", [kind]).fetchall()


@pytest.mark.slow
def test_twenty_callers_in_two_processes_cause_exactly_one_refresh(
    hub_env: HubEnv, settings: Settings, overrides: dict[str, object], emu: Emulator, clock: ManualClock
) -> None:
    member = new_member(hub_env.hub)
    account = connect_account(hub_env.hub, settings, member, "x", clock)
    expire(hub_env, account, datetime.now(UTC) - timedelta(minutes=1))  # the child processes' clock is the real one
    emu.clear_requests()

    ctx = multiprocessing.get_context("spawn")
    go, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=hammer, args=(str(settings.workspace), overrides, str(member), str(account.id), 10, go, out))
        for _ in range(2)
    ]
    for proc in procs:
        proc.start()
    go.set()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(30)

    tokens = [t for ok, _ in results for t in ok]
    errors = [e for _, errs in results for e in errs]
    assert errors == []
    assert len(tokens) == 20 and len(set(tokens)) == 1
    sent = refresh_requests(emu, "x")
    assert len(sent) == 1
    with hub_env.hub.transaction(member) as conn:
        row = conn.execute("SELECT version, expires_at FROM oauth_tokens WHERE account_id=%s", [account.id]).fetchone()
    assert row is not None and row["version"] == 2 and row["expires_at"] > datetime.now(UTC)


def test_refresh_rotates_the_single_use_refresh_token(
    hub_env: HubEnv, settings: Settings, emu: Emulator, clock: ManualClock
) -> None:
    member = new_member(hub_env.hub)
    account = connect_account(hub_env.hub, settings, member, "x", clock)
    tokens = service(hub_env, settings, clock)
    first = tokens.refresh(member, account.id, force=True)
    second = tokens.refresh(member, account.id, force=True)
    assert first.access_token != second.access_token and second.version == first.version + 1
    sent = [r["refresh_token"] for r in refresh_requests(emu, "x")]
    assert len(sent) == 2 and sent[0] != sent[1]


@pytest.mark.dates
def test_refresher_renews_a_short_lived_token_before_it_expires(
    hub_env: HubEnv, settings: Settings, emu: Emulator, clock: ManualClock
) -> None:
    member = new_member(hub_env.hub)
    x = connect_account(hub_env.hub, settings, member, "x", clock)
    linkedin = connect_account(hub_env.hub, settings, member, "linkedin", clock)
    soon = clock() + refresh_window(PLATFORMS["x"]) - timedelta(minutes=5)
    expire(hub_env, x, soon)  # still valid, but inside X's refresh window

    report = service(hub_env, settings, clock).refresh_due(member)

    assert report.refreshed == [x.id] and linkedin.id in report.skipped
    with hub_env.hub.transaction(member) as conn:
        renewed = get_account(conn, member, x.id)
    assert renewed.expires_at is not None and renewed.expires_at > soon + timedelta(hours=1)


def test_revoked_grant_means_needs_reauth_and_one_critical_notification(
    hub_env: HubEnv, settings: Settings, emu: Emulator, clock: ManualClock
) -> None:
    member = new_member(hub_env.hub)
    account = connect_account(hub_env.hub, settings, member, "tiktok", clock)
    emu.faults.add("tiktok:revoke_token")
    tokens = service(hub_env, settings, clock)
    with pytest.raises(AuthRevoked) as caught:
        tokens.refresh(member, account.id, force=True)
    assert caught.value.action == "Run `psn auth tiktok` to reconnect."
    with pytest.raises(AuthRevoked):
        tokens.access_token(member, account.id)
    with hub_env.hub.transaction(member) as conn:
        after = get_account(conn, member, account.id)
    assert after.status == "needs_reauth" and after.last_failure_class == "revoked"
    sent = notifications(hub_env, member, "token_needs_reauth")
    assert len(sent) == 1 and sent[0]["tier"] == "critical" and "psn auth tiktok" in str(sent[0]["action"])
    assert len(refresh_requests(emu, "tiktok")) == 1


def test_three_transient_failures_mean_needs_reauth(
    hub_env: HubEnv, settings: Settings, emu: Emulator, clock: ManualClock
) -> None:
    member = new_member(hub_env.hub)
    account = connect_account(hub_env.hub, settings, member, "x", clock)
    emu.faults.add("x/token:503*3")
    delays: list[float] = []
    ring = load_keyring(settings)
    tokens = TokenService(hub_env.hub, settings, ring, clock=clock, sleep=delays.append, jitter=lambda: 0.0)
    with pytest.raises(AuthRevoked, match="3 refresh attempts"):
        tokens.refresh(member, account.id, force=True)
    assert delays == [1.0, 2.0]  # exponential backoff between the three attempts
    with hub_env.hub.transaction(member) as conn:
        after = get_account(conn, member, account.id)
    assert after.status == "needs_reauth" and after.last_failure_class == "exhausted"
    assert len(notifications(hub_env, member, "token_needs_reauth")) == 1


def test_a_transient_failure_then_success_recovers(
    hub_env: HubEnv, settings: Settings, emu: Emulator, clock: ManualClock
) -> None:
    member = new_member(hub_env.hub)
    account = connect_account(hub_env.hub, settings, member, "x", clock)
    emu.faults.add("x/token:500*1")
    record = service(hub_env, settings, clock).refresh(member, account.id, force=True)
    assert record.version == 2
    with hub_env.hub.transaction(member) as conn:
        after = get_account(conn, member, account.id)
    assert after.status == "active" and after.last_failure_class is None


def test_a_401_refreshes_once_and_retries(
    hub_env: HubEnv, settings: Settings, emu: Emulator, clock: ManualClock
) -> None:
    from psn_core.platforms.x import XPlatform
    from psn_core.services.accounts.accounts import platform_config

    member = new_member(hub_env.hub)
    account = connect_account(hub_env.hub, settings, member, "x", clock)
    emu.faults.add("x/users_me:401*1")
    with XPlatform(platform_config(settings, "x")) as client:
        user = service(hub_env, settings, clock).call(member, account.id, client.get_current_user)
    assert user.handle == account.handle
    assert len(refresh_requests(emu, "x")) == 1


@pytest.mark.dates
def test_expiry_alerts_fire_once_per_threshold(
    hub_env: HubEnv, settings: Settings, emu: Emulator, clock: ManualClock
) -> None:
    member = new_member(hub_env.hub)
    account = connect_account(hub_env.hub, settings, member, "linkedin", clock)
    with hub_env.hub.owner() as conn:  # an app without programmatic refresh: no refresh token
        conn.execute("UPDATE oauth_tokens SET refresh_token_enc = NULL WHERE account_id = %s", [account.id])
    now = clock()
    tokens = service(hub_env, settings, clock)
    for days_left, expected in ((20, []), (13, [14]), (12, []), (6, [7]), (6, []), (2, [3]), (1, [])):
        expire(hub_env, account, now + timedelta(days=days_left, hours=1))
        assert [a.threshold_days for a in tokens.check_expiry(member)] == expected, days_left
    sent = notifications(hub_env, member, "token_expiring")
    assert len(sent) == 3
    assert sorted(str(n["body"]) for n in sent) == [  # the deadline said as a person would (humanize)
        f"Your LinkedIn token for @{account.handle} expires in {d} days." for d in (13, 2, 6)
    ]
    assert all("psn auth linkedin" in str(n["action"]) for n in sent)


def test_a_refresh_spends_from_the_request_budget(
    hub_env: HubEnv, settings: Settings, emu: Emulator, clock: ManualClock
) -> None:
    member = new_member(hub_env.hub)
    account = connect_account(hub_env.hub, settings, member, "x", clock)
    service(hub_env, settings, clock).refresh(member, account.id, force=True)
    with hub_env.hub.transaction(member) as conn:
        rows = conn.execute("SELECT bucket, used FROM budget_ledger WHERE account_id = %s", [account.id]).fetchall()
    assert [(r["bucket"], r["used"]) for r in rows if "oauth2/token" in r["bucket"]] == [("POST /2/oauth2/token", 1)]
