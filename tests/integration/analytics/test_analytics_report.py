"""The weekly report (Markdown sections, a real PNG chart) and row-level security on every analytics table."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from PIL import Image

from psn_core.crypto import load_keyring
from psn_core.errors import WeekInvalid
from psn_core.services.analytics.report import draw_trend, parse_week, weekly_review, write_report
from psn_core.services.analytics.sweep import AnalyticsSweeper, request_refresh
from tests.support.hubs import new_member
from tests.support.publishing_env import PubEnv, parts

pytestmark = pytest.mark.pg

TABLES = (
    "metric_snapshots",
    "post_metrics",
    "metric_rollups",
    "account_followers",
    "metric_collection",
    "analytics_sweeps",
    "analytics_requests",
)


def publish(pub: PubEnv, platform: str, *texts: str, language: str = "en", idea: str = "") -> None:
    done = pub.publish(pub.schedule(pub.create({platform: parts(*texts)}, language=language, idea=idea)))
    assert done[platform].status == "published", done[platform].error_message


def to_next_monday_morning(pub: PubEnv) -> None:
    """Move the test's clock to 09:00 next Monday in the user's zone, so the week's posts share one week on any date."""
    local = pub.clock().astimezone(pub.settings.zone)
    monday = datetime.combine(local.date() + timedelta(days=7 - local.weekday()), time(9), tzinfo=pub.settings.zone)
    pub.clock.advance((monday - local).total_seconds())


def a_measured_week(pub: PubEnv) -> None:
    to_next_monday_morning(pub)
    for n in range(3):
        publish(pub, "x", f"steady English post {n}", idea="product updates")
    publish(pub, "x", "primera parte del hilo", "segunda parte", language="es", idea="hiring")
    publish(pub, "linkedin", "a longer LinkedIn note", idea="product updates")
    pub.clock.advance(days=2)
    publish(pub, "x", "the quiet one", idea="hiring")
    pub.clock.advance(days=1, hours=2)
    AnalyticsSweeper(pub.env.hub, pub.settings, load_keyring(pub.settings), clock=pub.clock, sleep=pub.sleep).sweep(
        pub.member
    )


@pytest.mark.dates
def test_weekly_report_has_every_section_and_a_readable_png_chart(pub: PubEnv) -> None:
    a_measured_week(pub)
    label, _ = parse_week(None, pub.settings.zone, pub.clock() + timedelta(days=7))  # the week just measured

    with pub.env.hub.transaction(pub.member) as conn:
        review = weekly_review(conn, pub.member, zone=pub.settings.zone, now=pub.clock(), week=label)
    files = write_report(review, pub.settings.workspace)

    assert files.markdown == pub.settings.workspace / "reports" / f"review-{label}.md"
    text = files.markdown.read_text()
    for section in (
        f"# Weekly review {label}",
        "## What worked",
        "## What did not",
        "### Per platform",
        "### Per language",
        "### Per format",
        "## Flagged posts",
        "## Suggestions",
        f"![12-week trend](review-{label}.png)",
    ):
        assert section in text, section
    assert "metrics as of" in text and "(Europe/Madrid)" in text
    assert review.totals.posts == 6 and len(review.worked) == 3 and len(review.did_not) == 3
    assert all(p.why for p in review.worked + review.did_not)
    assert {r.key for r in review.platforms} == {"x", "linkedin"} and {r.key for r in review.languages} == {"en", "es"}
    assert {r.key for r in review.formats} == {"text", "thread"}
    assert "the quiet one" in [p.text for p in review.flagged]  # a day younger: far below the average reach
    assert any("Post on x around" in s for s in review.suggestions)
    assert "| x |" in text and "| es |" in text
    with Image.open(files.chart) as image:
        assert image.format == "PNG" and image.size == (1000, 520)
        colours = image.convert("RGB").getcolors(maxcolors=100_000) or []
    assert len(colours) > 20  # bars, line, text: a drawn chart, not a blank canvas
    assert 5_000 < files.chart.stat().st_size < 500_000
    # The values drawn are the review's: the same chart drawn again returns what its figure plotted.
    again = pub.settings.workspace / "again.png"
    plotted = draw_trend(review, again)
    assert again.read_bytes() == files.chart.read_bytes()
    assert plotted.mondays[-1] == review.starts and len(plotted.mondays) == 12
    measured = {w.period_start: w for w in review.trend}
    assert measured and set(measured) <= {m.isoformat() for m in plotted.mondays}
    for monday, exposure, rate, posts in zip(
        plotted.mondays, plotted.exposure, plotted.engagement_rate_pct, plotted.posts, strict=True
    ):
        week = measured.get(monday.isoformat())
        assert posts == (week.posts if week else 0)
        assert exposure == (week.exposure if week else 0)
        if week is None or week.engagement_rate is None:
            assert rate is None  # a gap, not a point
        else:
            assert rate == pytest.approx(week.engagement_rate * 100)
    assert plotted.posts[-1] == review.totals.posts == 6


@pytest.mark.dates
def test_a_bad_week_is_refused_with_the_format_to_use(pub: PubEnv) -> None:
    with pytest.raises(WeekInvalid) as caught:
        parse_week("2026-13", pub.settings.zone, pub.clock())
    assert "YYYY-Www" in caught.value.action
    with pytest.raises(WeekInvalid):
        parse_week("2026-W54", pub.settings.zone, pub.clock())


@pytest.mark.dates
def test_an_empty_week_still_writes_a_report_that_says_so(pub: PubEnv) -> None:
    with pub.env.hub.transaction(pub.member) as conn:
        review = weekly_review(conn, pub.member, zone=pub.settings.zone, now=pub.clock())
    files = write_report(review, pub.settings.workspace)
    text = files.markdown.read_text()
    assert "no metrics yet" in text and "Nothing measured this week yet." in text
    with Image.open(files.chart) as image:
        assert image.format == "PNG"


def test_analytics_tables_are_forced_rls_and_show_one_member_only(pub: PubEnv) -> None:
    a_measured_week(pub)
    request_refresh(pub.env.hub, pub.member, pub.clock())
    other = new_member(pub.env.hub, "Someone else")
    with pub.env.hub.owner() as conn:
        flags = conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
        ).fetchall()
    assert {r["relname"] for r in flags} == set(TABLES)
    assert all(r["relrowsecurity"] and r["relforcerowsecurity"] for r in flags)
    for table in TABLES:
        with pub.env.hub.transaction(pub.member) as conn:
            mine = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()  # noqa: S608 - fixed names
        with pub.env.hub.transaction(other) as conn:
            theirs = conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()  # noqa: S608
        assert mine is not None and theirs is not None
        assert theirs["n"] == 0, table
        if table != "account_followers":  # the emulator serves no follower counts
            assert mine["n"] > 0, table
    with pub.env.hub.transaction(other) as conn, pytest.raises(Exception, match="row-level security"):
        conn.execute("INSERT INTO analytics_requests (member_id, requested_at) VALUES (%s, now())", [pub.member])
