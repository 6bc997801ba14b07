"""One trend source's odd answer never stops the collect: over-long ETag / Last-Modified validators are
dropped, a NUL in a title or summary is stripped, and a store that fails anyway is recorded as that source's
failure while the other sources, the notifications and the expiry still run."""

from __future__ import annotations

import pytest

from psn_core.services.trends import intake, store
from tests.support.clock import start_instant
from tests.support.feed_server import Route
from tests.support.hubs import HubEnv, new_member
from tests.support.trends_world import FEED, baker_strategy, sources_at, trends_section

pytestmark = pytest.mark.pg

NUL_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>Sourdough\x00 rye starter'
    b"</title><link>https://example.com/nul-starter</link><description>wild\x00 yeast</description></item>"
    b"</channel></rss>"
)


def test_odd_validators_and_nul_characters_do_not_sink_the_collect(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub, "Ana")
    now = start_instant()
    with sources_at(now) as server:
        good = server.routes[FEED]
        server.routes["/etag.rss"] = Route(body=good.body, etag='"' + "e" * 600 + '"')
        server.routes["/lm.rss"] = Route(body=good.body, last_modified="W" * 200)
        server.routes["/nul.rss"] = Route(body=NUL_FEED)
        feeds = [server.url(p) for p in ("/etag.rss", "/lm.rss", "/nul.rss", FEED)]
        strategy = baker_strategy(trends_section(server, feeds=feeds))
        report = intake.collect(hub_env.hub, member, strategy, now)
    assert report.failed == [], report.failed
    assert {s.source for s in report.sources if s.outcome == "fetched"} >= {f"feed:{f}" for f in feeds}
    with hub_env.hub.transaction(member) as conn:
        trends = {t.url: t for t in store.list_trends(conn, now=now, limit=100)}
        status = {s.source: s for s in store.source_statuses(conn, strategy)}
    nul = trends["https://example.com/nul-starter"]
    assert "\x00" not in nul.title + nul.summary and nul.title == "Sourdough rye starter"
    assert status[f"feed:{feeds[0]}"].etag is None and status[f"feed:{feeds[1]}"].last_modified is None
    assert report.notified >= 1  # the announcements ran after every source


def test_an_ordinary_on_topic_feed_item_is_not_breaking_but_a_popular_hacker_news_story_is(hub_env: HubEnv) -> None:
    from psn_core.services.trends.urls import canonical_url

    member = new_member(hub_env.hub, "Ana")
    now = start_instant()
    starter = canonical_url("https://example.com/news/sourdough-starter")
    with sources_at(now) as server:
        feed_only = baker_strategy(trends_section(server, feeds=[server.url(FEED)]))
        feed_only.trends.hacker_news = feed_only.trends.google_trends = feed_only.trends.reddit = None  # type: ignore[union-attr]
        quiet = intake.collect(hub_env.hub, member, feed_only, now)
        with hub_env.hub.transaction(member) as conn:
            fresh = {t.url: t for t in store.list_trends(conn, now=now, limit=100)}
        assert fresh[starter].score >= feed_only.trends.breaking_score  # type: ignore[union-attr]  # on topic, fresh
        assert quiet.notified == 0  # ... yet a feed item alone is no news: no notification
        with_hn = baker_strategy(trends_section(server, feeds=[server.url(FEED)]))
        with_hn.trends.google_trends = with_hn.trends.reddit = None  # type: ignore[union-attr]
        loud = intake.collect(hub_env.hub, member, with_hn, now)  # Hacker News carries it with 420 points
    assert loud.notified == 1
    with hub_env.hub.transaction(member) as conn:
        announced = [t.url for t in store.list_trends(conn, now=now, limit=100) if t.notified_at is not None]
    assert announced == [starter]


def test_one_hacker_news_item_that_fails_is_skipped_and_counted(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub, "Ana")
    now = start_instant()
    with sources_at(now) as server:
        server.routes["/v0/item/102.json"] = Route(status=500, body=b"oops", content_type="text/plain")
        server.routes["/v0/item/104.json"] = Route(body=b"not json", content_type="application/json")
        strategy = baker_strategy(trends_section(server, feeds=[]))
        strategy.trends.google_trends = strategy.trends.reddit = None  # type: ignore[union-attr]
        report = intake.collect(hub_env.hub, member, strategy, now)
    [hn] = [s for s in report.sources if s.source == "hacker_news"]
    assert (hn.outcome, hn.skipped) == ("fetched", 2), hn
    with hub_env.hub.transaction(member) as conn:
        urls = {t.url for t in store.list_trends(conn, now=now, limit=100)}
        status = {s.source: s for s in store.source_statuses(conn, strategy)}["hacker_news"]
    assert "https://example.com/news/sourdough-starter" in urls  # item 101: read despite its neighbours
    assert not status.failing and status.last_error == "2 of 4 stories could not be read and were skipped"
    assert status.etag is None  # asked in full next time, so the skipped ones get another chance
