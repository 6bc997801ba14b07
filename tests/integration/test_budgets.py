"""Request budgets: the ledger in a real Postgres, and the real platform clients over HTTP to the emulator.

The emulator and the budget gates share one ManualClock, so an hour of traffic runs in seconds.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx2
import psycopg
import pytest
from click.testing import CliRunner

from psn_core.cli.main import cli
from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.errors import RateLimited
from psn_core.hub.audit import member_tables
from psn_core.hub.database import Hub
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.models import MediaKind, MediaRef, PlatformConfig, PostPart, PublishRequest
from psn_core.platforms.x import XPlatform
from psn_core.services.accounts.budget_rules import ACCOUNT_BUCKET, rule_for
from psn_core.services.accounts.budgets import BudgetGate, Priority, Reservation, budget_status, observe, reserve
from psn_core.timefmt import local, utcnow
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv, new_member

pg = pytest.mark.pg
T0 = start_instant()
MADRID = ZoneInfo("Europe/Madrid")
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048 + b"\xff\xd9"


def add_account(hub: Hub, member: UUID, platform: str, handle: str = "ana") -> UUID:
    with hub.transaction(member) as conn:
        row = conn.execute(
            "INSERT INTO accounts (member_id, platform, handle, remote_user_id) VALUES (%s, %s, %s, %s) RETURNING id",
            [member, platform, handle, f"remote-{uuid4().hex[:12]}"],
        ).fetchone()
    assert row is not None
    return UUID(str(row["id"]))


def take(
    hub: Hub, member: UUID, account: UUID, priority: Priority, now: datetime, bucket: str = ACCOUNT_BUCKET
) -> Reservation:
    with hub.transaction(member) as conn:
        return reserve(conn, member, account, "instagram", bucket, priority, now, zone=MADRID)


def ledger(hub: Hub, member: UUID, bucket: str) -> dict[str, object]:
    with hub.transaction(member) as conn:
        row = conn.execute("SELECT * FROM budget_ledger WHERE bucket = %s", [bucket]).fetchone()
    assert row is not None
    return dict(row)


class StatusLog:
    """Wraps a BudgetGate and remembers every status code the platform answered with."""

    def __init__(self, inner: BudgetGate) -> None:
        self.inner = inner
        self.statuses: list[int] = []

    def before(self, platform: str, method: str, url: str, *, write: bool) -> None:
        self.inner.before(platform, method, url, write=write)

    def after(self, platform: str, method: str, url: str, response: httpx2.Response | None) -> None:
        if response is not None:
            self.statuses.append(response.status_code)
        self.inner.after(platform, method, url, response)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def emulator(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=5.0, x_rate_limits={"users_me": 5})) as emu:
        yield emu


def platform_config(emu: Emulator, name: str) -> PlatformConfig:
    app = emu.default_app(name)
    return PlatformConfig(
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=app.redirect_uri,
        base_url=emu.url_for(name),
        poll_interval=5.0,
        poll_timeout=120.0,
        read_timeout=5.0,
    )


# --- buckets and limits ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "method", "url", "bucket"),
    [
        ("x", "POST", "https://api.x.com/2/tweets", "POST /2/tweets"),
        ("x", "GET", "http://127.0.0.1:8700/x/2/tweets/1870000000000000001?tweet.fields=x", "GET /2/tweets/:id"),
        ("x", "GET", "https://api.x.com/2/users/2244994945/tweets", "GET /2/users/:id/tweets"),
        ("instagram", "POST", "https://graph.instagram.com/v23.0/17841400000000/media_publish", ACCOUNT_BUCKET),
        ("linkedin", "GET", "https://api.linkedin.com/rest/posts/urn%3Ali%3Ashare%3A7012345", "GET /rest/posts/:urn"),
        ("linkedin", "PUT", "https://www.linkedin.com/dms-uploads/sp/v2/D4D10AQH/uploaded-image/0", None),
        (
            "tiktok",
            "POST",
            "https://open.tiktokapis.com/v2/post/publish/video/init/",
            "POST /v2/post/publish/video/init/",
        ),
    ],
)
def test_requests_map_to_endpoint_buckets_with_ids_replaced(
    platform: str, method: str, url: str, bucket: str | None
) -> None:
    assert rule_for(platform).bucket_for(method, url) == bucket


@pytest.mark.dates
def test_limits_come_from_declarations_and_documented_endpoint_limits() -> None:
    assert rule_for("instagram").limit_for(ACCOUNT_BUCKET).limit == 200
    assert rule_for("instagram").limit_for(ACCOUNT_BUCKET).window_seconds == 3600
    assert rule_for("x").limit_for("POST /2/tweets").limit == 100
    assert rule_for("x").limit_for("GET /2/users/me").limit == 75
    assert rule_for("tiktok").limit_for("POST /v2/post/publish/video/init/").limit == 6
    assert rule_for("tiktok").limit_for("POST /v2/post/publish/status/fetch/").limit == 30
    linkedin = rule_for("linkedin")
    assert linkedin.limit_for("POST /rest/posts").limit == 150
    next_midnight = datetime.combine(T0.date() + timedelta(days=1), time(0), tzinfo=UTC)
    assert linkedin.window_end("POST /rest/posts", T0) == next_midnight  # midnight UTC


# --- the ledger --------------------------------------------------------------------------------------


@pg
@pytest.mark.parametrize(("priority", "cap"), [(Priority.CRITICAL, 200), (Priority.BACKGROUND, 160)])
def test_concurrent_reservations_take_exactly_the_cap_and_never_more(
    hub_env: HubEnv, priority: Priority, cap: int
) -> None:
    member = new_member(hub_env.hub)
    account = add_account(hub_env.hub, member, "instagram")
    threads, attempts = 12, 25
    hub = Hub(hub_env.settings.model_copy(update={"pool_max_size": threads}), hub_env.hub.target)
    assert hub.pool is not None  # open the pool before the threads: Hub.pool's lazy start is not thread-safe
    start = threading.Barrier(threads)

    def worker(_: int) -> tuple[list[int], int]:
        start.wait()
        granted, refused = [], 0
        for _attempt in range(attempts):
            try:
                granted.append(take(hub, member, account, priority, T0).used)
            except RateLimited:
                refused += 1
        return granted, refused

    try:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(worker, range(threads)))
    finally:
        hub.close()
    used_values = sorted(u for granted, _ in results for u in granted)
    assert used_values == list(range(1, cap + 1))  # every request counted once, none lost, none over
    assert sum(refused for _, refused in results) == threads * attempts - cap
    assert ledger(hub_env.hub, member, ACCOUNT_BUCKET)["used"] == cap


@pytest.mark.dates
@pg
def test_background_yields_when_20_percent_remains_while_critical_proceeds(hub_env: HubEnv) -> None:
    hub = hub_env.hub
    member = new_member(hub)
    account = add_account(hub, member, "instagram")
    later = T0 + timedelta(minutes=15)
    for _ in range(160):
        take(hub, member, account, Priority.BACKGROUND, T0)

    with pytest.raises(RateLimited) as refused:
        take(hub, member, account, Priority.BACKGROUND, later)
    assert refused.value.status_code is None  # psn's own budget said no; nothing was sent
    assert refused.value.retry_after == pytest.approx(45 * 60)  # until the window opened at 09:00 resets
    assert "40 of 200" in refused.value.message and "kept for publishing" in refused.value.message
    assert "(Europe/Madrid)" in refused.value.action

    for _ in range(40):
        last = take(hub, member, account, Priority.CRITICAL, later)
    assert (last.used, last.remaining) == (200, 0)
    with pytest.raises(RateLimited) as spent:
        take(hub, member, account, Priority.CRITICAL, later)
    assert "used up (200 of 200)" in spent.value.message

    reopened = take(hub, member, account, Priority.BACKGROUND, T0 + timedelta(hours=1))
    assert (reopened.used, reopened.window_start) == (1, T0 + timedelta(hours=1))


@pg
def test_instagram_usage_headers_raise_the_count_and_a_throttle_spends_it_until_access_returns(
    hub_env: HubEnv,
) -> None:
    hub = hub_env.hub
    member = new_member(hub)
    account = add_account(hub, member, "instagram")
    take(hub, member, account, Priority.BACKGROUND, T0)

    def usage(call_count: int, regain_minutes: int) -> dict[str, str]:
        entry = {"type": "instagram", "call_count": call_count, "total_cputime": 10, "total_time": 10}
        entry["estimated_time_to_regain_access"] = regain_minutes
        return {"X-Business-Use-Case-Usage": json.dumps({"17841400000000": [entry]})}

    with hub.transaction(member) as conn:
        observe(conn, member, account, "instagram", ACCOUNT_BUCKET, 200, usage(85, 0), T0)
    assert ledger(hub, member, ACCOUNT_BUCKET)["used"] == 170  # other apps' calls count too
    with pytest.raises(RateLimited):
        take(hub, member, account, Priority.BACKGROUND, T0)

    with hub.transaction(member) as conn:
        observe(conn, member, account, "instagram", ACCOUNT_BUCKET, 429, usage(100, 12), T0)
    with pytest.raises(RateLimited) as spent:
        take(hub, member, account, Priority.CRITICAL, T0)
    assert spent.value.retry_after == pytest.approx(12 * 60)
    assert take(hub, member, account, Priority.CRITICAL, T0 + timedelta(minutes=12)).used == 1


@pg
def test_x_rate_limit_headers_correct_the_ledger(hub_env: HubEnv, emulator: Emulator, clock: ManualClock) -> None:
    hub = hub_env.hub
    member = new_member(hub)
    account = add_account(hub, member, "x")
    token = emulator.grant_tokens("x").access_token
    config = platform_config(emulator, "x")
    with XPlatform(config) as elsewhere:  # calls psn did not count (another device, another app)
        elsewhere.get_current_user(token)
        elsewhere.get_current_user(token)
    gate = BudgetGate(hub, member, account, Priority.BACKGROUND, clock, zone=MADRID)
    with XPlatform(config, gate=gate) as client:
        client.get_current_user(token)
        row = ledger(hub, member, "GET /2/users/me")
        assert (row["request_limit"], row["used"]) == (5, 3)  # declared 75; X says 5, 3 spent
        assert row["reset_at"] == T0 + timedelta(minutes=15)
        client.get_current_user(token)  # 4 of 5: 20% left
        sent = len(emulator.requests)
        with pytest.raises(RateLimited) as refused:
            client.get_current_user(token)
    assert refused.value.status_code is None
    assert refused.value.retry_after == pytest.approx(15 * 60)
    assert len(emulator.requests) == sent  # the refused request never left


@pytest.mark.dates
@pg
def test_x_429_spends_the_bucket_until_the_reset_then_work_resumes(
    hub_env: HubEnv, emulator: Emulator, clock: ManualClock
) -> None:
    hub = hub_env.hub
    member = new_member(hub)
    account = add_account(hub, member, "x")
    token = emulator.grant_tokens("x").access_token
    emulator.faults.add("x:429*1")
    gate = BudgetGate(hub, member, account, Priority.CRITICAL, clock, zone=MADRID)
    with XPlatform(platform_config(emulator, "x"), gate=gate) as client:
        with pytest.raises(RateLimited) as platform_said:
            client.get_current_user(token)
        assert platform_said.value.status_code == 429
        sent = len(emulator.requests)
        clock.advance(minutes=5)
        with pytest.raises(RateLimited) as ledger_said:
            client.get_current_user(token)
        assert ledger_said.value.status_code is None and len(emulator.requests) == sent
        assert ledger_said.value.retry_after == pytest.approx(10 * 60)  # rescheduled to X's reset
        clock.advance(minutes=10)
        assert client.get_current_user(token).handle
    assert ledger(hub, member, "GET /2/users/me")["request_limit"] == 5  # the real limit again


@pg
def test_a_member_never_sees_or_spends_another_members_budget(hub_env: HubEnv) -> None:
    hub = hub_env.hub
    ana, bob = new_member(hub, "Ana"), new_member(hub, "Bob")
    anas = add_account(hub, ana, "instagram")
    take(hub, ana, anas, Priority.CRITICAL, T0)
    with hub.transaction(bob) as conn:
        assert conn.execute("SELECT count(*) AS n FROM budget_ledger").fetchone() == {"n": 0}
        assert budget_status(conn, ana, T0) == []
    with pytest.raises(psycopg.errors.InsufficientPrivilege), hub.transaction(bob) as conn:
        reserve(conn, ana, anas, "instagram", ACCOUNT_BUCKET, Priority.CRITICAL, T0)  # row security refuses
    with pytest.raises(psycopg.errors.ForeignKeyViolation), hub.transaction(bob) as conn:
        reserve(conn, bob, anas, "instagram", ACCOUNT_BUCKET, Priority.CRITICAL, T0)  # not Bob's account
    with hub.owner() as conn:
        table = next(t for t in member_tables(conn) if t.table == "budget_ledger")
    assert table.protected
    assert ledger(hub, ana, ACCOUNT_BUCKET)["used"] == 1


@pg
def test_psn_budget_shows_what_is_left_and_the_reset_in_the_users_zone(hub_env: HubEnv) -> None:
    hub, settings = hub_env.hub, hub_env.settings
    member = new_member(hub)
    account = add_account(hub, member, "instagram", handle="ana.cooks")
    now = utcnow()
    for _ in range(3):
        last = take(hub, member, account, Priority.CRITICAL, now)
    assert settings.database_url is not None and settings.app_password is not None
    (settings.workspace / "hub.env").write_text(
        f"PSN_DATABASE_URL='{settings.database_url.get_secret_value()}'\n"
        f"PSN_APP_PASSWORD={settings.app_password.get_secret_value()}\n"
        f"PSN_MEMBER_ID={member}\nPSN_TIMEZONE=Europe/Madrid\n"
    )
    result = CliRunner().invoke(cli, ["--workspace", str(settings.workspace), "budget"])
    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.output.splitlines() if line.startswith("Instagram @ana.cooks")]
    assert row.split()[2:5] == ["all", "3/200", "98%"] and f"{local(last.reset_at, MADRID)} (in " in row, row
    as_json = CliRunner().invoke(cli, ["--workspace", str(settings.workspace), "budget", "--json"])
    (line,) = json.loads(as_json.stdout)
    assert (line["platform"], line["handle"], line["bucket"], line["used"], line["limit"]) == (
        "instagram",
        "ana.cooks",
        "all",
        3,
        200,
    )


# --- an hour of Instagram ------------------------------------------------------------------------------


@pg
def test_instagram_hour_of_posts_analytics_and_hashtags_stays_within_200_requests(
    hub_env: HubEnv, emulator: Emulator, clock: ManualClock
) -> None:
    hub = hub_env.hub
    member = new_member(hub)
    account = add_account(hub, member, "instagram")
    token = emulator.grant_tokens("instagram").access_token
    image = emulator.host_media("hour.jpg", JPEG)
    config = platform_config(emulator, "instagram")

    def client(priority: Priority) -> tuple[InstagramPlatform, StatusLog]:
        log = StatusLog(BudgetGate(hub, member, account, priority, clock, zone=MADRID))
        platform = InstagramPlatform(
            config, gate=log, sleep=lambda s: clock.advance(seconds=s), clock=lambda: clock().timestamp()
        )
        return platform, log

    publisher, critical_log = client(Priority.CRITICAL)
    worker, background_log = client(Priority.BACKGROUND)
    user_id = emulator.default_user("instagram").user_id
    published: list[str] = []
    yields: list[RateLimited] = []
    background_resumes = T0

    def hashtag_lookup(tag: str) -> None:
        # ig_hashtag_search: the emulator has no hashtag search, so it answers 400 after counting the call,
        # which is all the budget cares about.
        worker.sender.request(
            "GET",
            worker.graph("ig_hashtag_search"),
            token=token,
            ok=(400,),
            params={"user_id": user_id, "q": tag, "access_token": token},
        )

    with publisher, worker:
        for minute in range(60):
            tick = T0 + timedelta(minutes=minute)
            if clock() < tick:
                clock.advance(seconds=(tick - clock()).total_seconds())
            if minute % 10 == 0:  # a post every 10 minutes: critical, must always go out
                post = PublishRequest(
                    parts=(PostPart(text=f"post {minute}", media=(MediaRef(kind=MediaKind.IMAGE, url=image),)),)
                )
                published.append(publisher.publish(token, post).post_id)
            if clock() < background_resumes:
                continue  # the scheduler honours retry_after
            try:
                worker.fetch_metrics(token, published[-3:])
                hashtag_lookup("coffee")
                hashtag_lookup("sourdough")
                worker.list_recent_posts(token, limit=10)  # engagement check
            except RateLimited as exc:
                yields.append(exc)
                background_resumes = clock() + timedelta(seconds=exc.retry_after)

    assert len(published) == 6  # every publish succeeded
    assert [y.status_code for y in yields] == [None]  # psn yielded once; Instagram never had to say no
    assert background_resumes == T0 + timedelta(hours=1)  # yielded once, until the reset
    assert 429 not in critical_log.statuses + background_log.statuses
    instagram_calls = [r for r in emulator.requests if r.platform == "instagram"]
    assert len(instagram_calls) <= 200  # the emulator's sliding hour (limit 200) was never exceeded
    row = ledger(hub, member, ACCOUNT_BUCKET)
    assert row["used"] == len(instagram_calls)  # the ledger counted every call, exactly
    assert len(critical_log.statuses) + len(background_log.statuses) == row["used"]
    assert 160 <= row["used"] <= 200  # background used the first 80%; publishing the rest it needed
