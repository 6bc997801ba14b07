"""Rollups kept up to date incrementally equal the sums of the raw data; suppression signals are flagged
and reach the summary, the voice report and the drafting context."""

from __future__ import annotations

import pytest

from psn_core.crypto import load_keyring
from psn_core.platforms.models import PostMetrics
from psn_core.services.analytics.store import DueTarget, rebuild_rollups, record_metrics, refresh_flags
from psn_core.services.analytics.summary import summary
from psn_core.services.analytics.sweep import AnalyticsSweeper
from psn_core.services.voice.context import PlatformRules, draft_context
from psn_core.services.voice.report import voice_report
from tests.support.publishing_env import PubEnv, parts

pytestmark = pytest.mark.pg


def sweep(pub: PubEnv) -> None:
    AnalyticsSweeper(pub.env.hub, pub.settings, load_keyring(pub.settings), clock=pub.clock, sleep=pub.sleep).sweep(
        pub.member
    )


def publish(pub: PubEnv, platform: str, *texts: str, language: str = "en", idea: str = "") -> None:
    done = pub.publish(pub.schedule(pub.create({platform: parts(*texts)}, language=language, idea=idea)))
    assert done[platform].status == "published", done[platform].error_message


def rollups(pub: PubEnv, query: str) -> set[tuple[object, ...]]:
    with pub.env.hub.transaction(pub.member) as conn:
        return {tuple(r.values()) for r in conn.execute(query, {"zone": "Europe/Madrid"}).fetchall()}


def age_by_database_now(pub: PubEnv) -> None:
    """The voice report and the drafting context read "the last 30 days" by the database's now(), not
    by a clock: move the measured posts so their age by that now is their age by the test's clock."""
    with pub.env.hub.owner() as conn:
        conn.execute("UPDATE post_metrics SET published_at = published_at + (now() - %s)", [pub.clock()])


RAW = """
SELECT p.period, date_trunc(p.period, published_at AT TIME ZONE %(zone)s)::date AS start, platform, language, format,
       count(*) AS posts, sum(COALESCE(impressions, 0)) AS i, sum(COALESCE(reach, 0)) AS r,
       sum(COALESCE(views, 0)) AS v, sum(COALESCE(likes, 0)) AS l, sum(COALESCE(comments, 0)) AS c,
       sum(COALESCE(shares, 0)) AS sh, sum(COALESCE(saves, 0)) AS sa, sum(exposure) AS e, sum(engagements) AS en,
       sum(weighted) AS w
  FROM (SELECT DISTINCT ON (s.target_id) s.*, m.published_at, m.platform, m.language, m.format, m.exposure,
               m.engagements, m.weighted
          FROM metric_snapshots s JOIN post_metrics m USING (target_id)
         ORDER BY s.target_id, s.collected_at DESC) latest
  CROSS JOIN (VALUES ('week'), ('month')) AS p (period)
 GROUP BY 1, 2, 3, 4, 5
"""
ROLLED = (
    "SELECT period, period_start, platform, language, format, posts, impressions, reach, views, likes, comments,"
    " shares, saves, exposure, engagements, weighted FROM metric_rollups"
)


@pytest.mark.dates
def test_rollups_kept_incrementally_equal_the_sums_of_the_latest_snapshots(pub: PubEnv) -> None:
    publish(pub, "x", "an English post")
    publish(pub, "x", "a thread, part one", "part two")
    publish(pub, "linkedin", "un post en español", language="es")
    for _ in range(3):  # several collections: each adds only its difference to the rollups
        pub.clock.advance(hours=1)
        sweep(pub)
    pub.clock.advance(days=8)  # a week later, into another week (and maybe month)
    publish(pub, "linkedin", "a later post")
    for _ in range(2):
        pub.clock.advance(hours=7)
        sweep(pub)

    kept = rollups(pub, ROLLED)
    assert kept == rollups(pub, RAW)
    assert {r[0] for r in kept} == {"week", "month"} and len({r[1] for r in kept if r[0] == "week"}) == 2
    assert {(r[2], r[3], r[4]) for r in kept} == {
        ("x", "en", "text"),
        ("x", "en", "thread"),
        ("linkedin", "es", "text"),
        ("linkedin", "en", "text"),
    }
    with pub.env.hub.transaction(pub.member) as conn:
        rebuild_rollups(conn, pub.member, "Europe/Madrid", pub.clock())
    assert rollups(pub, ROLLED) == kept  # a full rebuild agrees with the incremental upkeep


@pytest.mark.dates
def test_a_post_far_below_the_accounts_average_reach_is_flagged_everywhere(pub: PubEnv) -> None:
    for n in range(3):
        publish(pub, "x", f"an ordinary post {n}")
    pub.clock.advance(days=3)
    publish(pub, "x", "the post that went nowhere")
    pub.clock.advance(days=2)  # it is 2 days old, the others 5: its reach is 40% of theirs
    sweep(pub)

    with pub.env.hub.transaction(pub.member) as conn:
        result = summary(conn, pub.member, zone=pub.settings.zone, now=pub.clock())
    age_by_database_now(pub)
    with pub.env.hub.transaction(pub.member) as conn:
        report = voice_report(conn, pub.member, timezone="Europe/Madrid")
        rules = PlatformRules(platform="x", capabilities=["text", "threads"], max_text_length=280)
        context = draft_context(
            conn, pub.settings.workspace / "voices", pub.member, language="en", platform_rules=rules
        )

    (flagged,) = result.flagged
    assert flagged.text == "the post that went nowhere"
    assert "60% below the account's 30-day average" in flagged.flags[0]
    assert [p.text for p in result.posts if p.flags] == ["the post that went nowhere"]
    assert len(report.flagged) == 1 and "went nowhere" in report.flagged[0]
    assert any("went nowhere" in line for line in context.performance)
    assert any(line.startswith("Last 30 days on x: text posts scored") for line in context.performance)


def test_high_reach_with_near_zero_engagement_is_flagged(pub: PubEnv) -> None:
    for n in range(4):
        publish(pub, "x", f"post {n}")
    pub.clock.advance(days=2)
    now = pub.clock()
    with pub.env.hub.transaction(pub.member) as conn:
        targets = [
            DueTarget(r["id"], r["post_id"], r["account_id"], "x", "en", "text", r["remote_ids"][0], r["published_at"])
            for r in conn.execute("SELECT * FROM post_targets ORDER BY created_at").fetchall()
        ]
        readings = [
            PostMetrics(post_id=t.remote_id, impressions=6000, likes=240, comments=5, fetched_at=now)
            for t in targets[:3]
        ]
        readings.append(PostMetrics(post_id=targets[3].remote_id, impressions=9000, likes=2, fetched_at=now))
        assert record_metrics(conn, pub.member, targets, readings, now, "Europe/Madrid") == 4
        refresh_flags(conn, pub.member, pub.accounts["x"].id, now)
        rows = conn.execute(
            "SELECT target_id, flag_low_engagement, flag_low_impressions FROM post_metrics ORDER BY exposure"
        ).fetchall()
    assert [(r["flag_low_engagement"], r["flag_low_impressions"]) for r in rows] == [(False, False)] * 3 + [
        (True, False)
    ]
    assert rows[-1]["target_id"] == targets[3].target_id


@pytest.mark.dates
def test_a_zone_change_rebuilds_the_rollups_in_the_new_zone(pub: PubEnv) -> None:
    publish(pub, "x", "one")
    pub.clock.advance(hours=1)
    sweep(pub)
    pub.settings = pub.settings.model_copy(update={"timezone": "America/New_York"})
    pub.clock.advance(hours=1)
    sweep(pub)
    zones = rollups(pub, "SELECT DISTINCT zone FROM metric_rollups")
    assert zones == {("America/New_York",)}
    with pub.env.hub.transaction(pub.member) as conn:
        kept = conn.execute("SELECT sum(exposure) AS e FROM metric_rollups WHERE period = 'week'").fetchone()
        raw = conn.execute("SELECT sum(exposure) AS e FROM post_metrics").fetchone()
    assert kept == raw
