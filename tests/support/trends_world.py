"""A baker's strategy and every kind of trend source served from tests/data/trends on 127.0.0.1
(tests/support/feed_server.py), for the trend intake tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import yaml

from psn_core.strategy.files import parse_strategy
from psn_core.strategy.model import Strategy
from tests.support.feed_server import FeedServer

FEED = "/bakery.rss"
ATOM = "/grain.atom"
HN_TOP = "/v0/topstories.json"
GOOGLE = "/trending/rss"
REDDIT = "/r/Sourdough/top.json"


def serve_all(server: FeedServer) -> None:
    """Every source with its recorded answer; the feed and Hacker News' list answer conditionally."""
    server.fixture("bakery_feed.rss", FEED, etag='"feed-v1"', last_modified="Wed, 17 Jun 2026 08:00:00 GMT")
    server.fixture("rye_atom.xml", ATOM, content_type="application/atom+xml")
    server.fixture("hn_topstories.json", HN_TOP, content_type="application/json", etag='"top-v1"')
    for story in (101, 102, 103, 104):
        server.fixture(f"hn_item_{story}.json", f"/v0/item/{story}.json", content_type="application/json")
    server.fixture("google_trends_us.xml", GOOGLE)
    server.fixture("reddit_sourdough_top.json", REDDIT, content_type="application/json")


def trends_section(server: FeedServer, *, feeds: list[str] | None = None, **extra: object) -> dict[str, object]:
    base = server.base_url
    return {
        "feeds": feeds if feeds is not None else [base + FEED, base + ATOM],
        "hacker_news": {"base_url": base + "/v0", "top": 4, "poll_top": 2},
        "google_trends": {"base_url": base + GOOGLE, "geo": "US"},
        "reddit": {"base_url": base, "subreddits": ["Sourdough"]},
        "keywords": ["rye"],
        "pillar_keywords": {"sourdough": ["starter", "levain"]},
        "timeout": 1.0,
        **extra,
    }


def strategy_data(trends: dict[str, object] | None) -> dict[str, object]:
    data: dict[str, object] = {
        "version": 1,
        "pillars": [
            {"name": "sourdough", "weight": 3, "description": "Bread baking, fermentation and flour."},
            {"name": "small-business", "weight": 1, "description": "Running a bakery: pricing, staff, suppliers."},
        ],
        "frequency": {"x": 3},
        "avoid_topics": ["politics"],
    }
    if trends is not None:
        data["trends"] = trends
    return data


def baker_strategy(trends: dict[str, object] | None) -> Strategy:
    strategy, _ = parse_strategy(yaml.safe_dump(strategy_data(trends), sort_keys=False))
    return strategy


def write_strategy(workspace: Path, trends: dict[str, object] | None) -> Path:
    path = workspace / "strategy.yaml"
    path.write_text(yaml.safe_dump(strategy_data(trends), sort_keys=False), "utf-8")
    return path


@contextmanager
def sources_at(now: datetime) -> Iterator[FeedServer]:
    with FeedServer(now) as server:
        serve_all(server)
        yield server
