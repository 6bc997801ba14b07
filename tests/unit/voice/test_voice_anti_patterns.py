"""Anti-patterns are structured data: each kind finds the right places in the text."""

from __future__ import annotations

from psn_core.voice import (
    LimitAntiPattern,
    PhraseAntiPattern,
    RegexAntiPattern,
    default_anti_patterns,
    find_anti_patterns,
)


def test_default_opener_is_only_an_anti_pattern_at_the_start() -> None:
    defaults = list(default_anti_patterns())
    start = find_anti_patterns("In today’s fast-paced world, nobody reads.", defaults, "en")
    assert [h.anti_pattern_id for h in start] == ["fast-paced-world"]
    middle = "I laughed. A post began: in today's fast-paced world."
    assert find_anti_patterns(middle, defaults, "en") == []


def test_language_specific_defaults_only_apply_to_their_language() -> None:
    defaults = list(default_anti_patterns())
    assert find_anti_patterns("En el mundo actual, todo va rápido.", defaults, "es")
    assert find_anti_patterns("En el mundo actual, todo va rápido.", defaults, "en") == []


def test_second_list_breaks_at_most_one_list() -> None:
    text = "Two lists:\n- a\n- b\n\nand then\n\n1. c\n2. d\n"
    hits = find_anti_patterns(text, [LimitAntiPattern(kind="max_lists", max=1)], "en")
    assert len(hits) == 1
    assert hits[0].text == "1. c\n2. d"
    assert "1 list" not in hits[0].reason
    assert "at most 1" in hits[0].reason


def test_limits_flag_only_the_items_beyond_the_maximum() -> None:
    text = "#one #two #three wow!!! ok!"
    hashtags = find_anti_patterns(text, [LimitAntiPattern(kind="max_hashtags", max=2)], "en")
    assert [h.text for h in hashtags] == ["#three"]
    bangs = find_anti_patterns(text, [LimitAntiPattern(kind="max_exclamations", max=3)], "en")
    assert [h.start for h in bangs] == [text.rindex("!")]


def test_phrase_at_end_and_regex_kinds() -> None:
    patterns = [
        PhraseAntiPattern(kind="phrase", phrase="thoughts?", where="end", id="thoughts"),
        RegexAntiPattern(kind="regex", pattern=r"\bsynerg\w*", id="synergy"),
    ]
    text = "Synergies everywhere this week.\n\nThoughts?"
    assert [h.anti_pattern_id for h in find_anti_patterns(text, patterns, "en")] == ["synergy", "thoughts"]
    assert find_anti_patterns("Thoughts? Mine: ship it.\n\nDone.", patterns[:1], "en") == []
