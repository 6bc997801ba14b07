"""strategy.yaml's trends: section: opt-in sources with configurable base URLs, every mistake named with
its field and line, and the section optional (no trends: no intake)."""

from __future__ import annotations

import pytest

from psn_core.strategy.errors import StrategyInvalid
from psn_core.strategy.files import parse_strategy

BASE = """\
version: 1
pillars:
- name: sourdough
  weight: 2
  description: Bread baking and flour.
- name: small-business
  weight: 1
"""


def problems_of(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(StrategyInvalid) as caught:
        parse_strategy(text)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


def test_no_section_means_no_intake_and_switches_mean_defaults() -> None:
    assert parse_strategy(BASE)[0].trends is None
    section = """trends:
  feeds: ["https://example.com/feed.xml", {url: "https://example.org/atom", name: Grain Notes}]
  hacker_news: true
  google_trends: {geo: ES}
  reddit: {subreddits: [r/Sourdough, Baking]}
  keywords: [rye]
  pillar_keywords: {sourdough: [starter, levain]}
"""
    trends = parse_strategy(BASE + section)[0].trends
    assert trends is not None
    assert [(f.url, f.name) for f in trends.feeds] == [
        ("https://example.com/feed.xml", None),
        ("https://example.org/atom", "Grain Notes"),
    ]
    assert trends.hacker_news is not None and trends.hacker_news.base_url == "https://hacker-news.firebaseio.com/v0"
    assert trends.google_trends is not None
    assert (trends.google_trends.base_url, trends.google_trends.geo) == ("https://trends.google.com/trending/rss", "ES")
    assert trends.reddit is not None and trends.reddit.subreddits == ["Sourdough", "Baking"]
    assert (trends.breaking_score, trends.timeout) == (0.75, 10.0)
    off = parse_strategy(BASE + "trends:\n  hacker_news: false\n")[0].trends
    assert off is not None and off.hacker_news is None and off.feeds == []


@pytest.mark.parametrize(
    ("section", "field", "words"),
    [
        ("  feeds: [ftp://example.com/feed]\n", "trends.feeds[0].url", "pattern"),
        ("  reddit: {subreddits: [no spaces allowed]}\n", "trends.reddit.subreddits", "not a subreddit name"),
        ("  reddit: {subreddits: []}\n", "trends.reddit.subreddits", "at least 1"),
        ("  google_trends: {geo: usa}\n", "trends.google_trends.geo", "pattern"),
        ("  hacker_news: {top: 1000}\n", "trends.hacker_news.top", "less than or equal to 100"),
        ("  breaking_score: 2\n", "trends.breaking_score", "less than or equal to 1"),
        ("  timeout: 0\n", "trends.timeout", "greater than 0"),
        ("  twitter: {}\n", "trends.twitter", "not permitted"),
        ("  pillar_keywords: {baking: [rye]}\n", "trends.pillar_keywords.baking", "not one of the pillars"),
    ],
)
def test_every_mistake_names_its_field_and_line(section: str, field: str, words: str) -> None:
    ((line, where, message),) = problems_of(BASE + "trends:\n" + section)
    assert where.startswith(field) and words in message.lower(), (where, message)
    assert line == 9
