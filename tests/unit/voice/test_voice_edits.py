"""Learning from edits: diffs, edit ratio, suggestions from repeated habits, applying them."""

from __future__ import annotations

from pathlib import Path

import pytest

from psn_core.voice import load_profile, parse_profile, save_profile
from psn_core.voice.edits import Suggestion, apply_suggestion, diff_edit, edit_ratio, suggest_from_edits

PROFILE = parse_profile("name: me\nlanguages:\n  es:\n    never_use: [sinergia]\n")

# Drafts a model wrote and what the writer actually posted: "basically" always goes,
# sentences get cut down, and "for what it's worth" keeps getting added.
EDITS = [
    (
        "We basically rebuilt the onboarding flow over the last two weeks and it is now much faster for new users.",
        "For what it's worth, we rebuilt onboarding. Two weeks. It's faster.",
    ),
    (
        "The migration basically went smoothly and we did not lose any data during the whole weekend window at all.",
        "For what it's worth, the migration went fine. No data lost.",
    ),
    (
        "Our support queue is basically empty for the first time since we launched the product back in March.",
        "Support queue's empty. First time since March. For what it's worth, it feels odd.",
    ),
]


def _diffs() -> list:
    return [diff_edit(draft, final) for draft, final in EDITS]


def test_diff_edit_lists_removed_and_added_words_and_sentence_change() -> None:
    diff = diff_edit("We basically shipped the new thing today.", "We shipped it. Today!")
    assert "basically" in diff.removed_words
    assert "it" in diff.added_words
    assert diff.draft_sentence_words == 7
    assert diff.final_sentence_words == 2
    assert diff.sentence_length_change == -5


def test_edit_ratio_runs_from_unchanged_to_rewritten() -> None:
    assert edit_ratio("Same words here.", "Same words here.") == 0.0
    assert edit_ratio("alpha beta", "gamma delta") == 1.0
    assert 0.0 < edit_ratio("we shipped the thing", "we shipped it") < 1.0
    assert edit_ratio("", "") == 0.0


def test_word_removed_in_three_edits_becomes_a_never_use_suggestion() -> None:
    suggestions = suggest_from_edits(_diffs(), PROFILE, "en")
    never = [s.value for s in suggestions if s.kind == "never_use"]
    assert "basically" in never
    assert not set(never) & {"the", "we", "and", "it"}  # stopwords are never suggested


def test_word_removed_only_twice_is_not_a_habit() -> None:
    suggestions = suggest_from_edits(_diffs()[:2], PROFILE, "en")
    assert not [s for s in suggestions if s.kind == "never_use"]


def test_consistently_shorter_sentences_suggest_a_shorter_pattern() -> None:
    (length,) = [s for s in suggest_from_edits(_diffs(), PROFILE, "en") if s.kind == "sentence_length"]
    assert length.target_words is not None
    assert length.target_words <= 6
    assert length.evidence == 3


def test_phrase_added_in_three_edits_becomes_a_signature_phrase() -> None:
    phrases = [s.value for s in suggest_from_edits(_diffs(), PROFILE, "en") if s.kind == "signature_phrase"]
    assert phrases == ["for what it's worth"]


def test_applying_suggestions_changes_only_that_language_and_returns_a_copy(tmp_path: Path) -> None:
    profile = PROFILE
    for suggestion in suggest_from_edits(_diffs(), PROFILE, "en"):
        profile = apply_suggestion(profile, suggestion)
    en = profile.languages["en"]
    assert "basically" in en.never_use
    assert en.signature_phrases == ["for what it's worth"]
    assert en.sentence_length.target_words is not None
    assert en.sentence_length.target_words <= 6
    assert any(p.startswith("Short sentences") for p in en.sentence_patterns)
    assert profile.languages["es"].never_use == ["sinergia"]
    assert "en" not in PROFILE.languages  # the original is untouched

    save_profile(profile, tmp_path / "me.yaml")
    assert load_profile(tmp_path / "me.yaml").languages["en"].never_use == en.never_use


def test_known_words_are_not_suggested_again() -> None:
    profile = parse_profile("name: me\nlanguages:\n  en:\n    never_use: [basically]\n")
    assert "basically" not in [s.value for s in suggest_from_edits(_diffs(), profile, "en")]


def test_applying_the_same_suggestion_twice_changes_nothing_more() -> None:
    suggestion = Suggestion(kind="never_use", language="en", value="basically", evidence=3, reason="r")
    once = apply_suggestion(PROFILE, suggestion)
    assert apply_suggestion(once, suggestion).languages["en"].never_use == ["basically"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_edits_no_suggestions(language: str) -> None:
    assert suggest_from_edits([], PROFILE, language) == []


def test_a_stricter_threshold_needs_more_edits() -> None:
    assert suggest_from_edits(_diffs(), PROFILE, "en", min_edits=4) == []
