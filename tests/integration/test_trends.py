"""Trend intake against sources served on 127.0.0.1 from recorded fixtures (no internet): every kind of
source read and scored against the strategy's pillars, dedup across sources by canonical URL, polite
conditional requests (304), one failing source never stopping the others, the breaking notification
raised exactly once, and the 30-day expiry. A real hub throughout."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from psn_core.notifications import store as notifications
from psn_core.services.trends import intake, store, top_trends
from psn_core.services.trends.fetch import REDDIT_USER_AGENT, USER_AGENT
from psn_core.services.trends.models import Trend
from psn_core.services.trends.urls import canonical_url
from tests.support.clock import start_instant
from tests.support.feed_server import Route
from tests.support.hubs import HubEnv, new_member
from tests.support.trends_world import FEED, HN_TOP, REDDIT, baker_strategy, sources_at, trends_section

pytestmark = pytest.mark.pg

STARTER = "https://example.com/news/sourdough-starter"
MY_STARTER = "https://reddit.com/r/Sourdough/comments/bbb222/my_starter"


@pytest.fixture
def member(hub_env: HubEnv) -> uuid.UUID:
    return new_member(hub_env.hub, "Ana")


def _trends(hub_env: HubEnv, member: uuid.UUID, **kw: object) -> dict[str, Trend]:
    with hub_env.hub.transaction(member) as conn:
        found = store.list_trends(conn, now=kw.pop("now", start_instant()), limit=100, **kw)  # type: ignore[arg-type]
    return {t.url: t for t in found}


def test_every_source_is_read_scored_against_the_pillars_and_deduplicated(hub_env: HubEnv, member: uuid.UUID) -> None:
    now = start_instant()
    with sources_at(now) as server:
        report = intake.collect(hub_env.hub, member, baker_strategy(trends_section(server)), now)
        agents = {r.path: r.headers.get("user-agent") for r in server.requests}
    assert [s.outcome for s in report.sources] == ["fetched"] * 5, report
    trends = _trends(hub_env, member)

    # the same story from the feed (www., trailing slash, utm_*) and Hacker News is one trend, from both
    starter = trends[STARTER]
    assert starter.sources == [f"feed:{server.url(FEED)}", "hacker_news"]
    assert starter.pillar == "sourdough" and {"sourdough", "starter", "levain", "rye"} <= set(starter.matched)
    assert starter.signal == 420  # Hacker News' points
    flour = trends["https://example.com/news/flour-prices"]
    assert flour.sources == [f"feed:{server.url(FEED)}", "reddit:r/Sourdough"]
    assert flour.pillar == "small-business"
    # what fits no pillar and no keyword scores 0; the best fit comes first
    assert trends["https://example.com/sport/football"].score == 0
    assert trends["https://trends.google.com/trends/explore?geo=US&q=football+scores"].score == 0
    rye = trends["https://trends.google.com/trends/explore?geo=US&q=rye+bread"]
    assert (rye.kind, rye.signal, rye.pillar) == ("google_trends", 20000, "sourdough")
    assert rye.summary == "Why everyone is baking rye this week (Food Daily)"
    assert starter.score > rye.score > flour.score > 0
    # Hacker News: a job is no story; an Ask HN without a link is its discussion page
    assert "https://acme.example.com/jobs" not in trends
    assert "https://news.ycombinator.com/item?id=104" in trends
    # Reddit: the stickied thread and the over-18 post are skipped; a self post is its permalink
    assert trends[MY_STARTER].signal == 1500 and trends[MY_STARTER].pillar == "sourdough"
    assert not any("aaa111" in url or "x.jpg" in url for url in trends)
    # Atom too
    assert "https://grain.example.net/rye-revival" in trends
    assert report.new == len(trends) == 9
    # polite: psn names itself and where it lives; Reddit gets its descriptive agent
    assert agents[FEED] == USER_AGENT and "psn" in USER_AGENT and "https://" in USER_AGENT
    assert agents[REDDIT] == REDDIT_USER_AGENT and REDDIT_USER_AGENT.startswith("python:psn")
    assert canonical_url(server.url(FEED)) is not None


def test_a_second_intake_asks_conditionally_and_a_304_changes_nothing(hub_env: HubEnv, member: uuid.UUID) -> None:
    now = start_instant()
    with sources_at(now) as server:
        strategy = baker_strategy(trends_section(server))
        intake.collect(hub_env.hub, member, strategy, now)
        before = _trends(hub_env, member)
        later = now + timedelta(hours=4)
        second = intake.collect(hub_env.hub, member, strategy, later, mode="poll")
        feed_asks = server.seen(FEED)
        top_asks = server.seen(HN_TOP)
        item_asks = [r for r in server.requests if r.path.startswith("/v0/item/")]
    assert feed_asks[0].headers.get("if-none-match") is None
    assert feed_asks[1].headers["if-none-match"] == '"feed-v1"'
    assert feed_asks[1].headers["if-modified-since"] == "Wed, 17 Jun 2026 08:00:00 GMT"
    assert [r.status for r in feed_asks] == [304 if i else 200 for i in range(2)]
    assert top_asks[1].headers["if-none-match"] == '"top-v1"' and top_asks[1].status == 304
    outcomes = {s.source: s.outcome for s in second.sources}
    assert outcomes[f"feed:{server.url(FEED)}"] == outcomes["hacker_news"] == "not_modified"
    assert len(item_asks) == 4  # the first intake's; an unchanged top list reads no story again
    assert second.new == 0 and _trends(hub_env, member).keys() == before.keys()
    with hub_env.hub.transaction(member) as conn:
        status = {s.source: s for s in store.source_statuses(conn, strategy)}
    feed = status[f"feed:{server.url(FEED)}"]
    assert (feed.last_outcome, feed.last_success_at, feed.last_items) == ("not_modified", later, 3)
    assert feed.etag == '"feed-v1"' and feed.last_failure_at is None


def test_a_broken_source_is_recorded_and_the_others_go_on(hub_env: HubEnv, member: uuid.UUID) -> None:
    now = start_instant()
    with sources_at(now) as server:
        server.fixture("not_a_feed.html", "/moved.rss", content_type="text/html; charset=utf-8")
        server.routes["/down.rss"] = Route(status=500, body=b"Internal Server Error", content_type="text/plain")
        server.routes["/slow.rss"] = Route(hang=True)
        server.routes[REDDIT] = Route(body=b"<!doctype html><title>Blocked</title>", content_type="text/html")
        server.routes["/huge.rss"] = Route(body=b"<rss>" + b" " * (6 * 1024 * 1024))
        server.routes["/busy.rss"] = Route(status=429, body=b"slow down", content_type="text/plain")
        paths = ("/moved.rss", "/down.rss", "/slow.rss", "/huge.rss", "/busy.rss", FEED)
        feeds = [server.url(p) for p in paths]
        strategy = baker_strategy(trends_section(server, feeds=feeds, timeout=0.5))
        report = intake.collect(hub_env.hub, member, strategy, now)
    errors = {s.source: s.error for s in report.failed}
    assert errors == {
        f"feed:{feeds[0]}": f"{feeds[0]} answered with a web page (HTML), not an RSS or Atom feed",
        f"feed:{feeds[1]}": f"{feeds[1]} answered HTTP 500",
        f"feed:{feeds[2]}": f"{feeds[2]} did not answer within 0.5 s",
        f"feed:{feeds[3]}": f"{feeds[3]} sent more than 5 MB",
        f"feed:{feeds[4]}": f"{feeds[4]} answered HTTP 429",
        "reddit:r/Sourdough": "r/Sourdough answered with a web page (HTML), not r/Sourdough's listing",
    }
    assert {s.source for s in report.sources if s.outcome == "fetched"} == {
        f"feed:{feeds[5]}",
        "hacker_news",
        "google_trends:US",
    }
    assert STARTER in _trends(hub_env, member)  # the working feed, listed after five broken ones
    with hub_env.hub.transaction(member) as conn:
        status = {s.source: s for s in store.source_statuses(conn, strategy)}
    down = status[f"feed:{feeds[1]}"]
    assert down.failing and down.last_failure_at == now and down.last_success_at is None
    assert (down.consecutive_failures, down.last_error) == (1, f"{feeds[1]} answered HTTP 500")


def test_a_breaking_trend_is_announced_exactly_once(hub_env: HubEnv, member: uuid.UUID) -> None:
    now = start_instant()
    with sources_at(now) as server:
        strategy = baker_strategy(trends_section(server))
        first = intake.collect(hub_env.hub, member, strategy, now)
        server.routes[FEED].etag = server.routes[FEED].last_modified = None  # served in full again
        again = intake.collect(hub_env.hub, member, strategy, now + timedelta(hours=4), mode="poll")
        server.now = now + timedelta(hours=25)  # past the notifications' 24 h dedup window, still fresh
        late = intake.collect(hub_env.hub, member, strategy, server.now)
    # the feed's story (on Hacker News too) and the Reddit post reach the threshold; nothing else does
    assert (first.notified, again.notified, late.notified) == (2, 0, 0)
    with hub_env.hub.transaction(member) as conn:
        sent = [n for n in notifications.list_unacknowledged(conn, member) if n.kind == "trend_breaking"]
        starter = next(t for t in store.list_trends(conn, now=now) if t.url == STARTER)
    assert len(sent) == 2 and {n.tier.value for n in sent} == {"standard"} and {n.repeat_count for n in sent} == {1}
    (about_starter,) = [n for n in sent if "Sourdough starter science" in n.body]
    assert f"psn trends spark {starter.short_id}" in about_starter.action and STARTER in about_starter.body
    assert starter.notified_at == now and starter.score >= strategy.trends.breaking_score  # type: ignore[union-attr]
    announced = {t.url for t in _trends(hub_env, member).values() if t.notified_at is not None}
    assert announced == {STARTER, MY_STARTER}


def test_trends_expire_30_days_after_first_seen(hub_env: HubEnv, member: uuid.UUID) -> None:
    now = start_instant()
    with sources_at(now) as server:
        strategy = baker_strategy(trends_section(server, feeds=[server.url(FEED)]))
        strategy.trends.hacker_news = strategy.trends.google_trends = strategy.trends.reddit = None  # type: ignore[union-attr]
        intake.collect(hub_env.hub, member, strategy, now)
        server.routes.pop(FEED)  # gone: nothing is seen again
        almost = intake.collect(hub_env.hub, member, strategy, now + timedelta(days=29, hours=23))
        poll = intake.collect(hub_env.hub, member, strategy, now + timedelta(days=30), mode="poll")
        daily = intake.collect(hub_env.hub, member, strategy, now + timedelta(days=30))
    assert (almost.expired, poll.expired, daily.expired) == (0, 0, 3)
    with hub_env.hub.owner() as conn:
        assert conn.execute("SELECT count(*) AS n FROM trends").fetchone()["n"] == 0  # type: ignore[index]


def test_top_trends_offers_the_best_unsparked_fits(hub_env: HubEnv, member: uuid.UUID) -> None:
    now = start_instant()
    with sources_at(now) as server:
        intake.collect(hub_env.hub, member, baker_strategy(trends_section(server)), now)
    with hub_env.hub.transaction(member) as conn:
        best = top_trends(conn, now=now, limit=3)
        assert best[0].url == STARTER and len(best) == 3
        assert all(t.score > 0 for t in top_trends(conn, now=now, limit=100))
        _, idea = store.spark(conn, member, best[0].id, now, pillars={"sourdough", "small-business"})
        assert (idea.source, idea.state, idea.pillar) == ("trend", "spark", "sourdough")
        assert STARTER in idea.text
        again, same = store.spark(conn, member, str(best[0].id)[:8], now)
        assert same.id == idea.id and again.idea_id == idea.id  # once: the same idea
        assert STARTER not in [t.url for t in top_trends(conn, now=now, limit=3)]
        assert top_trends(conn, now=now + timedelta(days=31), limit=3) == []


def test_concurrent_intakes_announce_each_breaking_trend_once(hub_env: HubEnv, member: uuid.UUID) -> None:
    now = start_instant()
    with sources_at(now) as server:
        strategy = baker_strategy(trends_section(server))
        with ThreadPoolExecutor(4) as pool:
            reports = list(pool.map(lambda _: intake.collect(hub_env.hub, member, strategy, now), range(4)))
    assert all(not r.failed for r in reports), [r.failed for r in reports]
    assert sum(r.notified for r in reports) == 2  # the two breaking trends, each by exactly one intake
    assert sum(r.new for r in reports) == 9  # each story stored once, whoever saw it first
    with hub_env.hub.transaction(member) as conn:
        sent = [n for n in notifications.list_unacknowledged(conn, member) if n.kind == "trend_breaking"]
    assert len(sent) == 2 and {n.repeat_count for n in sent} == {1}
