"""Which series episodes are due in a window, on a real hub, from fixed instants: wall times kept across
DST (Europe/Madrid, America/New_York), numbers counted in order after the published and scheduled
episodes, labels, already-scheduled occurrences, and only the member's active series."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from psn_core.services.series import DueEpisode, due_episodes, store
from tests.support.hubs import HubEnv, new_member
from tests.support.series_world import account, make_series, post, publish

pytestmark = pytest.mark.pg

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # fixed: these tests name their own dates
MADRID = ZoneInfo("Europe/Madrid")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def ana(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


def _due(env: HubEnv, member: uuid.UUID, start: datetime, end: datetime, zone: ZoneInfo = MADRID) -> list[DueEpisode]:
    with env.hub.transaction(member) as conn:
        return due_episodes(conn, start=start, end=end, zone=zone)


def test_a_weekly_series_keeps_its_wall_time_across_the_spring_dst_change_in_madrid(
    hub_env: HubEnv, ana: uuid.UUID
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW)  # Tuesdays 09:00 Europe/Madrid from 2026-03-03
    due = _due(hub_env, ana, datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 4, tzinfo=UTC))
    # 09:00 CET is 08:00 UTC; after 29 March, 09:00 CEST is 07:00 UTC
    assert [e.due_at for e in due] == [
        datetime(2026, 3, 24, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 7, 0, tzinfo=UTC),
    ]
    assert [e.due_at.astimezone(MADRID).time() for e in due] == [time(9, 0), time(9, 0)]
    assert [(e.episode_number, e.label) for e in due] == [(1, "#1"), (2, "#2")]
    first = due[0]
    assert (first.series_id, first.slug, first.platforms, first.already_scheduled) == (
        series.id,
        "tuesday-tips",
        ["x"],
        False,
    )
    assert first.template.intro == "Tip {label}:" and first.local_time == "Tue 2026-03-24 09:00 (Europe/Madrid)"


def test_an_rrule_in_new_york_keeps_its_wall_time_through_both_dst_changes(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        make_series(
            conn,
            ana,
            NOW,
            cadence="rrule",
            rrule="FREQ=WEEKLY;BYDAY=SU",
            starts_on=date(2026, 1, 4),
            at=time(1, 30),
            zone="America/New_York",
        )
    spring = _due(hub_env, ana, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC), NEW_YORK)
    fall = _due(hub_env, ana, datetime(2026, 10, 25, tzinfo=UTC), datetime(2026, 11, 9, tzinfo=UTC), NEW_YORK)
    # 01:30 EST is 06:30 UTC, 01:30 EDT is 05:30 UTC; on 1 November 01:30 happens twice: the first (EDT)
    assert [e.due_at for e in spring] == [
        datetime(2026, 3, 1, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # 01:30 still EST: the clocks jump at 02:00
        datetime(2026, 3, 15, 5, 30, tzinfo=UTC),
    ]
    assert [e.due_at for e in fall] == [
        datetime(2026, 10, 25, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 8, 6, 30, tzinfo=UTC),
    ]
    assert all(e.due_at.astimezone(NEW_YORK).time() == time(1, 30) for e in spring + fall)


def test_a_wall_time_the_clocks_skip_moves_forward_by_the_gap(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        make_series(conn, ana, NOW, cadence="rrule", rrule="FREQ=DAILY", starts_on=date(2026, 3, 28), at=time(2, 30))
    due = _due(hub_env, ana, datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    assert [e.due_at.astimezone(MADRID).strftime("%d %H:%M %Z") for e in due] == [
        "28 02:30 CET",
        "29 03:30 CEST",  # 02:30 does not exist that night
        "30 02:30 CEST",
    ]


def test_numbers_follow_published_and_scheduled_episodes_and_scheduled_occurrences_are_marked(
    hub_env: HubEnv, ana: uuid.UUID
) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW, first_episode=12)
        acc = account(conn, ana)
        # episode 12 went out on 10 March; a post is scheduled for 24 March (15 min late is still its occurrence)
        done, done_targets = post(conn, ana, acc, due=datetime(2026, 3, 10, 8, 0, tzinfo=UTC))
        store.link_post(conn, series.id, done)
        publish(conn, done_targets[0], datetime(2026, 3, 10, 8, 1, tzinfo=UTC))
        waiting, _ = post(conn, ana, acc, due=datetime(2026, 3, 24, 8, 15, tzinfo=UTC))
        store.link_post(conn, series.slug, waiting)
        draft, _ = post(conn, ana, acc)
        store.link_post(conn, series.slug, draft, occurrence_at=datetime(2026, 3, 31, 7, 0, tzinfo=UTC))
    due = _due(hub_env, ana, datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 4, 8, tzinfo=UTC))
    assert [(e.due_at.day, e.episode_number, e.label, e.already_scheduled, e.post_id) for e in due] == [
        (10, 12, "#12", True, done),
        (17, 13, "#13", False, None),  # missed or still to write: the next number in order
        (24, 14, "#14", True, waiting),
        (31, 15, "#15", False, draft),  # a draft only: not scheduled yet
        (7, 16, "#16", False, None),
    ]
    with hub_env.hub.transaction(ana) as conn:
        assert store.get_series(conn, series.id).episodes_published == 1


def test_season_labels_count_episodes_within_seasons(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        make_series(
            conn,
            ana,
            NOW,
            cadence="biweekly",
            label_pattern="Season {season}, Ep {episode}",
            season_length=10,
            first_episode=12,
        )
    due = _due(hub_env, ana, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert [(e.due_at.day, e.label) for e in due] == [
        (3, "Season 2, Ep 2"),
        (17, "Season 2, Ep 3"),
        (31, "Season 2, Ep 4"),
    ]


def test_only_the_members_active_series_are_due(hub_env: HubEnv, ana: uuid.UUID) -> None:
    bo = new_member(hub_env.hub, "Bo")
    with hub_env.hub.transaction(ana) as conn:
        kept = make_series(conn, ana, NOW, name="Kept")
        paused = make_series(conn, ana, NOW, name="Paused")
        retired = make_series(conn, ana, NOW, name="Retired")
        store.move(conn, paused.slug, "pause", NOW)
        store.move(conn, retired.slug, "retire", NOW)
    with hub_env.hub.transaction(bo) as conn:
        make_series(conn, bo, NOW, name="Kept")  # the same slug is Bo's own
    window = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))
    assert [e.series_id for e in _due(hub_env, ana, *window)] == [kept.id]
    assert [e.slug for e in _due(hub_env, bo, *window)] == ["kept"]


def test_the_window_is_half_open_and_must_be_aware(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        make_series(conn, ana, NOW)
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    assert [e.due_at for e in _due(hub_env, ana, at, at.replace(hour=9))] == [at]
    assert _due(hub_env, ana, at.replace(hour=7), at) == []
    with hub_env.hub.transaction(ana) as conn, pytest.raises(ValueError, match="aware"):
        due_episodes(conn, start=at.replace(tzinfo=None), end=at, zone=MADRID)


def test_a_yearly_series_does_not_take_last_years_post_for_this_years_episode(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(
            conn, ana, NOW, cadence="rrule", rrule="FREQ=YEARLY", starts_on=date(2025, 3, 10), name="Anniversary"
        )
        acc = account(conn, ana)
        last_year, targets = post(conn, ana, acc, due=datetime(2025, 3, 10, 8, 0, tzinfo=UTC))
        store.link_post(conn, series.id, last_year)
        publish(conn, targets[0], datetime(2025, 3, 10, 8, 0, tzinfo=UTC))
        # a draft made for this year's occurrence, saved with an instant a few minutes off it
        draft, _ = post(conn, ana, acc)
        store.link_post(conn, series.id, draft, occurrence_at=datetime(2026, 3, 10, 8, 5, tzinfo=UTC))
    (due,) = _due(hub_env, ana, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert (due.due_at, due.already_scheduled, due.post_id, due.label) == (
        datetime(2026, 3, 10, 8, 0, tzinfo=UTC),
        False,
        draft,
        "#2",
    )
