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
