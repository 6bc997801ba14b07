"""Trend dedup keys and scores: canonical URLs (tracking, www., ports, fragments, order of parameters) and
the fit of a trend with the strategy's pillars and keywords, weighted by popularity and freshness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from psn_core.services.trends.scoring import Fit, freshness, popularity, score, terms_of
from psn_core.services.trends.urls import canonical_url
from psn_core.strategy.model import Pillar, Strategy
from psn_core.strategy.trends import TrendsConfig

NOW = datetime(2026, 6, 17, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://www.Example.com/a/b/?utm_source=x&utm_medium=y#top", "https://example.com/a/b"),
        ("http://example.com:80/a?b=2&a=1&fbclid=zz", "https://example.com/a?a=1&b=2"),
        ("https://example.com:8443/", "https://example.com:8443"),
        ("https://example.com", "https://example.com"),
        ("https://example.com/item?id=104&ref=hn", "https://example.com/item?id=104"),
        ("https://example.com/q?x=", "https://example.com/q?x="),
    ],
)
def test_the_same_link_written_differently_is_one_key(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize("url", ["", "mailto:ana@example.com", "javascript:alert(1)", "https://", "http://h:99999/"])
def test_what_is_no_web_link_has_no_key(url: str) -> None:
    assert canonical_url(url) is None


def strategy(**trends: object) -> Strategy:
    return Strategy(
        pillars=[
            Pillar(name="sourdough", weight=2, description="Bread baking, fermentation and flour."),
            Pillar(name="small-business", weight=1, description="Running a bakery: pricing, staff."),
        ],
        avoid_topics=["election politics"],
        trends=TrendsConfig.model_validate({"keywords": ["rye"], **trends}),
    )


def fit(title: str, summary: str = "", *, kind: str = "feed", signal: float = 0, age: timedelta | None = None) -> Fit:
    when = NOW - age if age is not None else NOW
    terms = terms_of(strategy(pillar_keywords={"sourdough": ["starter", "wild yeast"]}))
    return score(terms, title=title, summary=summary, kind=kind, signal=signal, published_at=when, now=NOW)


def test_pillar_words_keywords_and_phrases_place_a_trend_in_its_pillar() -> None:
    strong = fit("Sourdough starters and wild yeast: why rye wins")
    assert strong.pillar == "sourdough" and strong.matched == ["rye", "sourdough", "starter", "wild yeast"]
    business = fit("Small bakery owners raise prices", "Pricing is hard for a small business.")
    assert business.pillar == "small-business" and "small" in business.matched
    assert strong.score > business.score > 0
    assert fit("Local football results").score == 0 and fit("Local football results").pillar is None


def test_the_title_counts_more_than_the_summary_and_accents_and_case_do_not_matter() -> None:
    in_title = fit("SOURDOUGH tips")
    in_summary = fit("Tips", "All about sourdough")
    assert in_title.score > in_summary.score > 0
    assert fit("Fermentación de masa madre: fermentation").matched == ["fermentation"]


def test_an_avoided_topic_scores_nothing_whatever_else_it_matches() -> None:
    assert fit("Sourdough starter rye and the election politics of flour").score == 0


def test_popularity_and_freshness_weigh_in() -> None:
    hot = fit("Sourdough starter news", kind="hacker_news", signal=900)
    cold = fit("Sourdough starter news", kind="hacker_news", signal=3)
    stale = fit("Sourdough starter news", kind="hacker_news", signal=900, age=timedelta(days=6))
    assert hot.score > cold.score and hot.score > stale.score
    assert popularity("reddit", 0) == 0 and popularity("reddit", 10**7) == 1 and popularity("feed", 100) == 0
    assert freshness(NOW, NOW) == 1 and freshness(NOW - timedelta(days=8), NOW) == 0 and freshness(None, NOW) == 1
    assert 0 <= fit("Sourdough starter wild yeast rye", kind="reddit", signal=10**6).score <= 1


def test_engagement_keywords_count_when_the_strategy_has_them() -> None:
    plain = strategy()
    engaged = plain.model_copy()
    # the engagement section is defined elsewhere in psn: trends read it by shape (its list of keywords)
    engaged.__dict__["engagement"] = SimpleNamespace(keywords=["croissant"])
    for terms, matched in ((terms_of(plain), []), (terms_of(engaged), ["croissant"])):
        found = score(
            terms, title="The croissant shortage", summary="", kind="feed", signal=0, published_at=NOW, now=NOW
        )
        assert found.matched == matched and (found.score > 0) == bool(matched)
