"""Per-series analytics from the analytics tables, and detection (the same pillar and format 3+ times in
30 days suggests a series), on a real hub at fixed instants."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from psn_core.services.ideas import bank
from psn_core.services.ideas.tags import parse_idea
from psn_core.services.series import store, topics
from psn_core.services.series.analytics import series_analytics
from psn_core.services.series.topics import detect
from tests.support.hubs import HubEnv, new_member
from tests.support.series_world import account, make_series, post, publish

pytestmark = pytest.mark.pg

NOW = datetime(2026, 4, 30, 12, 0, tzinfo=UTC)  # fixed: these tests name their own dates


@pytest.fixture
def ana(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


def _metrics(conn: object, member: uuid.UUID, target: uuid.UUID, post_id: uuid.UUID, acc: uuid.UUID, exp: int) -> None:
    conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO post_metrics (target_id, member_id, post_id, account_id, platform, language, format,"
        " published_at, collected_at, impressions, likes, comments, shares, exposure, engagements)"
        " VALUES (%s, %s, %s, %s, 'x', 'en', 'text', %s, %s, %s, 3, 1, 1, %s, 5)",
        [target, member, post_id, acc, NOW, NOW, exp, exp],
    )


def test_series_analytics_sum_posts_episodes_and_engagement(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        series = make_series(conn, ana, NOW - timedelta(days=60), first_episode=3)
        acc = account(conn, ana)
        for week, exposure in ((1, 100), (2, 300)):
            at = NOW - timedelta(days=30 - 7 * week)
            made, targets = post(conn, ana, acc, due=at)
            store.link_post(conn, series.id, made)
            publish(conn, targets[0], at)
            _metrics(conn, ana, targets[0], made, acc, exposure)
        waiting, _ = post(conn, ana, acc, due=NOW + timedelta(days=1))
        store.link_post(conn, series.id, waiting)
        stats = series_analytics(conn, series.slug)
    assert (stats.posts, stats.episodes, stats.scheduled) == (3, 2, 1)
    assert (stats.exposure, stats.engagements, stats.likes, stats.comments, stats.shares) == (400, 10, 6, 2, 2)
    assert stats.engagement_rate == pytest.approx(10 / 400)
    assert [(e.label, e.exposure) for e in stats.per_episode] == [("#3", 100), ("#4", 300)]
    assert stats.last_published_at == NOW - timedelta(days=16)


def test_the_same_pillar_and_format_three_times_in_30_days_suggests_a_series(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        acc = account(conn, ana)

        def made(days_ago: int, pillar: str | None, fmt: str, idea_pillar: str | None = None) -> uuid.UUID:
            post_id, _ = post(conn, ana, acc, due=NOW - timedelta(days=days_ago))
            if idea_pillar:
                idea = bank.capture(conn, ana, parse_idea(f"idea #pillar:{idea_pillar}"), NOW)
                bank.develop(conn, idea.id, post_id, NOW)
            topics.record(conn, post_id, pillar=pillar, format=fmt)
            return post_id

        # craft threads: 3 in 30 days, one of them pillar-less but made from a craft idea
        threads = [
            made(21, "craft", "thread"),
            made(14, None, "thread", idea_pillar="craft"),
            made(7, "craft", "thread"),
        ]
        made(40, "craft", "short_take")  # too old, and another format
        made(3, "craft", "short_take")
        made(2, "craft", "short_take")  # only two short takes inside 30 days
        for days in (20, 10, 1):  # three growth carousels, already a series' format: nothing to suggest
            made(days, "growth", "carousel")
        make_series(conn, ana, NOW, name="Growth", pillar="growth")
        conn.execute("UPDATE series SET format = 'carousel' WHERE slug = 'growth'")
        found = detect(conn, NOW)
    assert [(s.pillar, s.format, s.posts, s.post_ids) for s in found] == [("craft", "thread", 3, threads)]
    assert found[0].suggested_cadence == "weekly" and found[0].first_at == NOW - timedelta(days=21)


def test_posts_of_a_series_are_not_suggested_again(hub_env: HubEnv, ana: uuid.UUID) -> None:
    with hub_env.hub.transaction(ana) as conn:
        acc = account(conn, ana)
        series = make_series(conn, ana, NOW)
        for days in (12, 8, 4):
            post_id, _ = post(conn, ana, acc, due=NOW - timedelta(days=days))
            store.link_post(conn, series.id, post_id)
            topics.record(conn, post_id, pillar="craft", format="thread")
        assert detect(conn, NOW) == []
