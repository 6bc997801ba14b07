"""The daily ENGAGEMENT digest: one message a day at the digest hour of the member's own zone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from psn_core.notifications import build_digest, notify
from psn_core.notifications.models import Tier
from psn_core.notifications.store import list_unacknowledged
from psn_core.services.notifications import PrefsUpdate, run_delivery, run_digest, update_prefs
from tests.fakes.notifications import member_in, use_waha
from tests.fakes.waha import FakeWaha
from tests.support.clock import last_local, next_local, start_instant
from tests.support.hubs import HubEnv

pytestmark = pytest.mark.pg

TOKYO = "Asia/Tokyo"


@pytest.fixture
def waha() -> Iterator[FakeWaha]:
    with FakeWaha() as fake:
        yield fake


def _engage(env: HubEnv, member: uuid.UUID, kind: str, text: str, now: datetime) -> int:
    with env.hub.transaction(member) as conn:
        return notify(conn, member, Tier.ENGAGEMENT, kind, text, "Nothing to do.", f"{kind}:{text}", now=now).id


@pytest.mark.dates
def test_digest_is_built_at_the_digest_hour_in_the_members_zone(hub_env: HubEnv, waha: FakeWaha) -> None:
    member = member_in(hub_env, "Asia/Tokyo")
    settings = use_waha(hub_env, member, waha, digest_hour=9)
    evening = last_local(start_instant(), TOKYO, time(21, 0))
    nine = next_local(evening, TOKYO, time(9, 0))
    day = nine.astimezone(ZoneInfo(TOKYO)).date()
    title = f"Your engagement for {day:%A %d %B %Y}"  # (the day is zero-padded: "Friday 01 January 2027")
    like_ids = [_engage(hub_env, member, "like", f"Fan {i} liked your post.", evening) for i in range(4)]
    comment = _engage(hub_env, member, "comment", "Bo commented: great thread!", evening)
    # engagement never goes out on its own
    alone = run_delivery(settings, hub_env.hub, member, evening)
    assert alone is not None and alone.delivered == [] and waha.sent == []

    assert run_digest(settings, hub_env.hub, member, nine - timedelta(minutes=1)) is None
    digest = run_digest(settings, hub_env.hub, member, nine)
    assert digest is not None and digest.items == 5 and digest.local_date == day
    assert digest.text.startswith(f"{title} (Asia/Tokyo): 5 updates.")
    assert "- like: 4" in digest.text and "- comment: 1" in digest.text and "and 1 more" in digest.text
    [sent] = waha.sent
    assert sent.text.startswith(f"psn: daily digest\n{title}")
    assert sent.text.endswith("Run `psn notifications` to see every item, then `psn notifications ack --all`.")
    with hub_env.hub.transaction(member) as conn:
        items = {n.id: n for n in list_unacknowledged(conn, member)}
    assert all(items[i].state == "digested" and items[i].digest_id == digest.digest_id for i in [*like_ids, comment])
    # one digest a day, even with new items later that day
    _engage(hub_env, member, "like", "Late fan liked your post.", nine + timedelta(hours=5))
    assert run_digest(settings, hub_env.hub, member, nine + timedelta(hours=6)) is None
    tomorrow = run_digest(settings, hub_env.hub, member, next_local(nine + timedelta(hours=6), TOKYO, time(9, 5)))
    assert tomorrow is not None and tomorrow.items == 1


def test_digest_follows_the_wall_clock_across_the_spring_dst_change(hub_env: HubEnv) -> None:
    member = member_in(hub_env, "Europe/Madrid")
    update_prefs(hub_env.hub, member, PrefsUpdate(digest_hour=9))
    _engage(hub_env, member, "like", "Ana liked your post.", datetime(2025, 3, 28, 18, 0, tzinfo=UTC))
    # Saturday 29 March, CET (UTC+1): 09:00 local is 08:00 UTC
    assert build_digest(hub_env.hub, member, datetime(2025, 3, 29, 7, 59, tzinfo=UTC)) is None
    saturday = build_digest(hub_env.hub, member, datetime(2025, 3, 29, 8, 0, tzinfo=UTC))
    assert saturday is not None and str(saturday.local_date) == "2025-03-29"
    _engage(hub_env, member, "comment", "Bo commented.", datetime(2025, 3, 29, 20, 0, tzinfo=UTC))
    # Sunday 30 March clocks jump 02:00 -> 03:00; CEST (UTC+2): 09:00 local is 07:00 UTC, an hour earlier
    assert build_digest(hub_env.hub, member, datetime(2025, 3, 30, 6, 59, tzinfo=UTC)) is None
    sunday = build_digest(hub_env.hub, member, datetime(2025, 3, 30, 7, 0, tzinfo=UTC))
    assert sunday is not None and str(sunday.local_date) == "2025-03-30" and sunday.items == 1
    assert "Sunday 30 March 2025 (Europe/Madrid)" in sunday.text


def test_digest_hour_inside_the_dst_gap_still_fires_that_day(hub_env: HubEnv) -> None:
    member = member_in(hub_env, "Europe/Madrid")
    update_prefs(hub_env.hub, member, PrefsUpdate(digest_hour=2))  # 02:00-03:00 does not exist on 30 March
    _engage(hub_env, member, "like", "Ana liked your post.", datetime(2025, 3, 29, 20, 0, tzinfo=UTC))
    assert build_digest(hub_env.hub, member, datetime(2025, 3, 30, 0, 59, tzinfo=UTC)) is None  # 01:59 CET
    digest = build_digest(hub_env.hub, member, datetime(2025, 3, 30, 1, 0, tzinfo=UTC))  # 03:00 CEST
    assert digest is not None and str(digest.local_date) == "2025-03-30"


def test_nothing_to_say_means_no_digest(hub_env: HubEnv) -> None:
    member = member_in(hub_env)
    assert build_digest(hub_env.hub, member, datetime(2025, 3, 10, 12, 0, tzinfo=UTC)) is None


def test_digest_respects_quiet_hours(hub_env: HubEnv, waha: FakeWaha) -> None:
    member = member_in(hub_env, "UTC")
    settings = use_waha(hub_env, member, waha, digest_hour=7, quiet=(time(22, 0), time(8, 0)))
    _engage(hub_env, member, "like", "Ana liked your post.", datetime(2025, 3, 9, 20, 0, tzinfo=UTC))
    digest = run_digest(settings, hub_env.hub, member, datetime(2025, 3, 10, 7, 0, tzinfo=UTC))
    assert digest is not None and waha.sent == []
    later = run_delivery(settings, hub_env.hub, member, datetime(2025, 3, 10, 8, 0, tzinfo=UTC))
    assert later is not None and later.delivered == [digest.digest_id]
