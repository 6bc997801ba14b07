"""Series cadences and labels without a hub, from fixed instants: rules that never fire are refused,
UNTIL in UTC is read right, weekly / biweekly / monthly become rules, wall times stay put across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from psn_core.services.series import cadence
from psn_core.services.series.errors import SeriesInputInvalid
from psn_core.services.series.labels import check_pattern, label

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # fixed: these tests name their own dates
MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;UNTIL=20260101T000000Z",  # UNTIL passed
        "FREQ=WEEKLY;UNTIL=20260101",
        "FREQ=DAILY;COUNT=0",
        "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2",  # 31 February
        "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
        "FREQ=WEEKLY;COUNT=3",  # three weeks from January: all in the past now
    ],
)
def test_a_cadence_that_never_fires_is_refused(rule: str) -> None:
    with pytest.raises(SeriesInputInvalid, match="never fires"):
        cadence.check_fires(cadence.normalise(rule), date(2026, 1, 6), time(9, 0), MADRID, NOW)


def test_a_rule_that_fires_gives_its_next_instant() -> None:
    rule = cadence.normalise("rrule:freq=weekly;byday=tu;until=20260701T000000Z")
    assert cadence.check_fires(rule, date(2026, 1, 6), time(9, 0), MADRID, NOW) == datetime(
        2026, 6, 2, 7, 0, tzinfo=UTC
    )
    # a leap day fires, if years later
    leap = cadence.check_fires("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", date(2026, 1, 1), time(9, 0), MADRID, NOW)
    assert leap.date() == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        ("FREQ=HOURLY", "at most daily"),
        ("FREQ=WEEKLY;BYHOUR=9", "psn sets itself"),
        ("BYDAY=TU", "not an RRULE"),
        ("FREQ=WEEKLY;BYDAY", "not an RRULE"),
        ("FREQ=WEEKLY\nDTSTART:20260101T000000", "not an RRULE"),
    ],
)
def test_rules_psn_cannot_take_are_refused_with_a_reason(rule: str, why: str) -> None:
    with pytest.raises(SeriesInputInvalid, match=why):
        cadence.normalise(rule)


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;BYDAY=XX", "FREQ=WEEKLY;UNTIL=20301231Z", "FREQ=DAILY;UNTIL=Z"])
def test_a_rule_dateutil_cannot_read_is_refused(rule: str) -> None:
    with pytest.raises(SeriesInputInvalid, match="cannot be read"):
        list(cadence.occurrences(rule, date(2026, 1, 6), time(9, 0), MADRID, NOW, NOW))


def test_named_cadences_are_rules_on_the_first_days_weekday_or_day() -> None:
    tuesday = date(2026, 3, 3)
    assert cadence.rule_text("weekly", tuesday, None) == "FREQ=WEEKLY;BYDAY=TU"
    assert cadence.rule_text("biweekly", tuesday, None) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert cadence.rule_text("monthly", tuesday, None) == "FREQ=MONTHLY;BYMONTHDAY=3"
    assert cadence.rule_text("monthly", date(2026, 1, 31), None) == "FREQ=MONTHLY;BYMONTHDAY=-1"
    with pytest.raises(SeriesInputInvalid):
        cadence.rule_text("daily", tuesday, None)
    with pytest.raises(SeriesInputInvalid):
        cadence.rule_text("rrule", tuesday, None)


def test_a_monthly_series_from_the_31st_fires_on_the_last_day_of_each_month() -> None:
    rule = cadence.rule_text("monthly", date(2026, 1, 31), None)
    got = cadence.occurrences(
        rule, date(2026, 1, 31), time(9, 0), MADRID, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    )
    assert [m.astimezone(MADRID).date().day for m in got] == [31, 28, 31, 30]


def test_wall_times_stay_put_across_dst_in_madrid() -> None:
    got = list(
        cadence.occurrences(
            "FREQ=WEEKLY;BYDAY=SU",
            date(2026, 10, 18),
            time(2, 30),
            MADRID,
            datetime(2026, 10, 18, tzinfo=UTC),
            datetime(2026, 11, 2, tzinfo=UTC),
        )
    )
    # 25 October: 02:30 happens twice (CEST then CET); the first is taken
    assert got == [
        datetime(2026, 10, 18, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 1, 30, tzinfo=UTC),
    ]


def test_labels_and_their_patterns() -> None:
    assert label("#{n}", 12, None) == "#12"
    assert label("Season {season}, Ep {episode}", 13, 10) == "Season 2, Ep 3"
    assert label("Season {season}, Ep {episode}", 10, 10) == "Season 1, Ep 10"
    assert check_pattern(" Ep {n} ", None) == "Ep {n}"
    for bad in ("{x}", "{n:>3}", "{n", "", "S{season}"):
        with pytest.raises(SeriesInputInvalid):
            check_pattern(bad, None)
