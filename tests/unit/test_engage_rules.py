"""The engagement section of strategy.yaml (validated with the rest of the file, each problem on its line),
quiet hours across midnight in the user's zone, and the opportunity score's four signals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from psn_core.services.engage.scoring import score, terms_of
from psn_core.strategy.engagement import QuietHours
from psn_core.strategy.errors import StrategyInvalid
from psn_core.strategy.files import parse_strategy

BASE = "version: 1\npillars:\n- name: open-source\n  weight: 1\n"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_strategy_without_the_section_gets_careful_defaults() -> None:
    strategy, _ = parse_strategy(BASE)
    config = strategy.engagement
    assert config.enabled("x") and config.enabled("instagram") and not config.enabled("linkedin")
    assert (config.cap("x"), config.author_cooldown_hours, config.quiet_hours) == (10, 24, None)


def test_the_section_is_read_and_handles_are_normalised() -> None:
    text = BASE + "engagement:\n  keywords: [postgres]\n  blocklist: ['@Spam_Bot']\n  daily_replies: {x: 3}\n"
    config = parse_strategy(text)[0].engagement
    assert config.blocked("spam_bot") and config.blocked("@SPAM_BOT") and config.cap("x") == 3


@pytest.mark.parametrize(
    ("section", "where"),
    [
        ("  daily_replies: {x: 500}\n", "engagement.daily_replies.x"),
        ("  blocklist: ['not a handle!']\n", "engagement.blocklist"),
        ("  quiet_hours: {start: '25:00', end: '07:00'}\n", "engagement.quiet_hours.start"),
        ("  platforms: {myspace: true}\n", "engagement.platforms"),
        ("  reply_to_everyone: true\n", "engagement.reply_to_everyone"),
    ],
)
def test_a_bad_engagement_field_is_refused_on_its_line(section: str, where: str) -> None:
    with pytest.raises(StrategyInvalid) as raised:
        parse_strategy(BASE + "engagement:\n" + section)
    assert where in str(raised.value.for_humans()) and "line 6" in str(raised.value.for_humans())


def test_quiet_hours_cross_midnight_in_the_users_zone() -> None:
    quiet = QuietHours(start="22:00", end="07:00")
    madrid = ZoneInfo("Europe/Madrid")  # UTC+1 on 2 March
    assert quiet.contains(datetime(2026, 3, 2, 21, 30, tzinfo=UTC), madrid)  # 22:30 there
    assert quiet.contains(datetime(2026, 3, 2, 5, 59, tzinfo=UTC), madrid)  # 06:59 there
    assert not quiet.contains(datetime(2026, 3, 2, 6, 0, tzinfo=UTC), madrid)  # 07:00 there
    assert QuietHours(start="13:00", end="14:00").contains(datetime(2026, 3, 2, 12, 30, tzinfo=UTC), madrid)


def test_the_score_weighs_relevance_address_recency_and_reach() -> None:
    terms = terms_of(["postgres", "vacuum"], ["open-source"])
    assert terms == ["open", "postgres", "source", "vacuum"]
    best, parts = score("postgres vacuum tips?", terms=terms, addressed=True, said_at=NOW, followers=999_999, now=NOW)
    assert parts == {"relevance": 1.0, "addressed": 1.0, "recency": 1.0, "reach": 1.0} and best == 1.0
    cold, parts = score(
        "nice weather", terms=terms, addressed=False, said_at=NOW - timedelta(hours=24), followers=None, now=NOW
    )
    assert parts["recency"] == 0.5 and parts["reach"] == 0.3 and cold == pytest.approx(0.2 * 0.5 + 0.15 * 0.3)
    assert score("postgresql", terms=terms, addressed=False, said_at=NOW, followers=0, now=NOW)[1]["relevance"] == 0


def test_a_term_matches_whole_words_and_their_plural_only() -> None:
    def relevance(text: str) -> float:
        return score(text, terms=["dev"], addressed=False, said_at=NOW, followers=0, now=NOW)[1]["relevance"]

    assert relevance("a new device") == relevance("undeveloped") == relevance("devops") == 0
    assert relevance("dev tools") == relevance("for devs, by devs") == relevance("(dev)") == 0.5


def test_the_engage_help_says_what_the_worker_and_yes_do() -> None:
    from click.testing import CliRunner

    from psn_core.cli.main import cli

    sweep = CliRunner().invoke(cli, ["engage", "sweep", "--help"]).output
    reply = " ".join(CliRunner().invoke(cli, ["engage", "reply", "--help"]).output.split())
    assert "every 15 minutes" in sweep and "hourly" not in sweep
    assert "confirm what is shown" not in reply and "without showing it or asking" in reply


def test_a_partial_platforms_or_caps_map_is_merged_over_the_defaults() -> None:
    text = BASE + "engagement:\n  platforms: {x: false, linkedin: true}\n  daily_replies: {x: 3}\n"
    config = parse_strategy(text)[0].engagement
    assert not config.enabled("x") and config.enabled("instagram") and config.enabled("linkedin")
    assert not config.enabled("tiktok")
    assert (config.cap("x"), config.cap("instagram"), config.cap("linkedin")) == (3, 10, 10)
    assert config.platforms == {"x": False, "instagram": True, "linkedin": True}
