"""The calendar on real hubs: a personal hub and a company hub side by side, by local day, with overlap
warnings; a week across the night Europe/Madrid moves its clocks forward; an unreachable company hub
reported, not fatal. Every instant comes from the test (a fixed clock), never from the real date."""

from __future__ import annotations

import time as timer
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from psn_core.services.company import approvals
from psn_core.services.company.hubs import CompanyConnection, CompanyHub, write_connection
from psn_core.services.posting import posts
from psn_core.services.posting.calendar import Calendar, day_start, period_window
from psn_core.services.posting.schedule_time import resolve
from tests.support.calendar_world import MADE, MADRID, NOW, ZONE, World, company_env, world

pytestmark = pytest.mark.pg
__all__ = ["company_env", "world"]  # fixtures


def _times(cal: Calendar) -> dict[date, list[tuple[str, str, str]]]:
    """Each day's (local HH:MM, hub, status) in order, days with posts only."""
    return {
        d.date: [(f"{e.at.astimezone(MADRID):%H:%M}", e.hub, e.status) for e in d.entries]
        for d in cal.days
        if d.entries
    }


def test_a_week_across_the_dst_change_shows_both_hubs_by_local_day_with_overlaps(world: World) -> None:
    morning = world.post(world.x, "Coffee thoughts\nsecond line", "2027-03-23 09:00")
    company = world.company_post("Acme launches today", "2027-03-23 10:00")
    failed = world.post(world.linkedin, "A long LinkedIn post", "2027-03-24 08:00")
    world.set_status(failed, "failed", "LinkedIn said the token was revoked.")
    cancelled = world.post(world.x, "Never mind", "2027-03-25 12:00")
    world.set_status(cancelled, "cancelled")
    published = world.post(world.x, "Early Sunday", "2027-03-28 00:30")  # UTC+1, before the change
    world.set_status(published, "published")
    late = world.post(world.x, "Late Sunday", "2027-03-28 23:30")  # UTC+2, after it
    next_week = world.post(world.x, "Monday", "2027-03-29 00:10")  # 40 minutes after "Late Sunday"

    cal = world.calendar()

    assert (cal.period, cal.first_day, cal.last_day) == ("week", date(2027, 3, 22), date(2027, 3, 28))
    assert cal.timezone == ZONE and cal.days[0].label == "Mon 22 Mar 2027" and len(cal.days) == 7
    assert _times(cal) == {
        date(2027, 3, 23): [("09:00", "personal", "scheduled"), ("10:00", "acme", "pending_approval")],
        date(2027, 3, 24): [("08:00", "personal", "failed")],
        date(2027, 3, 28): [("00:30", "personal", "published"), ("23:30", "personal", "scheduled")],
    }
    tuesday = cal.days[1].entries
    assert tuesday[0].text == "Coffee thoughts" and tuesday[0].local_time == "Tue 23 Mar 09:00 (Europe/Madrid)"
    assert (tuesday[1].hub_name, tuesday[1].author, tuesday[1].idea) == ("Acme", "Ann", "launch")
    assert str(tuesday[1].post_id) == company
    assert cal.days[2].entries[0].error == "LinkedIn said the token was revoked."
    assert [(h.hub, h.reachable, h.entries) for h in cal.hubs] == [("personal", True, 4), ("acme", True, 1)]
    overlaps = [(o.kind, o.platform, o.minutes_apart, o.target_ids) for o in cal.overlaps]
    assert overlaps == [
        ("across_hubs", "x", 60, [morning.targets[0].id, tuesday[1].target_id]),
        ("same_account", "x", 40, [late.targets[0].id, next_week.targets[0].id]),
    ]
    assert cal.overlaps[0].message == (
        "Two posts 60 minutes apart on X: Personal @ana and Acme @acme "
        "(Tue 23 Mar 09:00 (Europe/Madrid) and Tue 23 Mar 10:00 (Europe/Madrid))."
    )


def test_a_day_and_a_month_hold_the_date_given_and_nothing_else(world: World) -> None:
    world.post(world.x, "Last of February", "2027-02-28 23:59")
    world.post(world.x, "First of March", "2027-03-01 00:00")
    world.post(world.linkedin, "Second of March", "2027-03-02 12:00")
    world.post(world.x, "First of April", "2027-04-01 00:00")
    march = world.calendar("month", date(2027, 3, 17))
    day = world.calendar("day", date(2027, 3, 2))
    assert (march.first_day, march.last_day, len(march.days)) == (date(2027, 3, 1), date(2027, 3, 31), 31)
    assert [e.text for d in march.days for e in d.entries] == ["First of March", "Second of March"]
    assert [e.text for d in day.days for e in d.entries] == ["Second of March"]
    # 23:59 on the last day of February and 00:00 on 1 March: one minute apart on the same account
    assert [o.minutes_apart for o in march.overlaps] == [1]


def test_a_company_hub_that_cannot_be_reached_is_reported_and_the_rest_still_shown(world: World) -> None:
    world.post(world.x, "Still here", "2027-03-23 09:00")
    dead = CompanyConnection(
        slug="globex", name="Globex", database="gone", member_id=uuid.uuid4(),
        app_conninfo=SecretStr("host=127.0.0.1 port=9 user=nobody dbname=gone"),
    )  # fmt: skip
    write_connection(world.settings.workspace, dead)
    started = timer.monotonic()
    cal = world.calendar()
    assert timer.monotonic() - started < 8
    globex = cal.hubs[2]
    assert (globex.hub, globex.reachable, globex.entries) == ("globex", False, 0)
    assert globex.problem and "globex" in globex.problem and globex.what_to_do
    assert [(h.hub, h.reachable) for h in cal.hubs[:2]] == [("personal", True), ("acme", True)]
    assert [e.text for d in cal.days for e in d.entries] == ["Still here"]


def test_a_contributor_sees_only_the_company_posts_they_wrote(world: World) -> None:
    world.company_post("Ann's post", "2027-03-23 10:00")
    with CompanyHub(world.acme.env.settings, world.acme.connection_as(world.acme.bob)) as bob:
        approvals.post_for_company(
            bob, ["x"], [posts.PartInput(text="Bob's post")], resolve("2027-03-24 10:00", ZONE, MADE),
            lambda *_: "unused", media_dir=world.settings.workspace / "media", media_host=None,
        )  # fmt: skip
    write_connection(world.settings.workspace, world.acme.connection_as(world.acme.ann))
    cal = world.calendar()
    assert [e.text for d in cal.days for e in d.entries] == ["Ann's post"]


def test_day_boundaries_follow_the_zone_not_a_fixed_24_hours() -> None:
    week = period_window("week", date(2027, 3, 24), MADRID, NOW)
    assert week.end - week.start == timedelta(days=7) - timedelta(hours=1)  # Sunday has 23 hours
    autumn = period_window("week", date(2027, 10, 31), MADRID, NOW)
    assert autumn.end - autumn.start == timedelta(days=7) + timedelta(hours=1)
    # Santiago skips its midnight when summer time starts: that day begins at 01:00
    santiago = ZoneInfo("America/Santiago")
    start = day_start(date(2026, 9, 6), santiago)
    assert start.astimezone(santiago).replace(tzinfo=None) == datetime(2026, 9, 6, 1, 0)
    assert day_start(date(2026, 9, 7), santiago) - start == timedelta(hours=23)
    today = period_window("day", None, MADRID, datetime(2027, 3, 27, 23, 30, tzinfo=UTC))
    assert today.first == date(2027, 3, 28)  # already Sunday in Madrid
