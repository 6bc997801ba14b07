"""Voice match on fixed samples: a draft in the user's own style scores higher than a generic one, in
each language voice match knows, and each feature that is off says how."""

from __future__ import annotations

import pytest

from psn_core.voice.match import build_baseline, match_data, match_languages, match_voice, measure
from tests.support.voice_samples import EN_GENERIC, EN_MINE, EN_SAMPLES, ES_GENERIC, ES_MINE, ES_SAMPLES


@pytest.mark.parametrize(
    ("language", "samples", "mine", "generic"),
    [("en", EN_SAMPLES, EN_MINE, EN_GENERIC), ("es", ES_SAMPLES, ES_MINE, ES_GENERIC)],
)
def test_a_draft_in_the_users_style_scores_higher_than_a_generic_one(
    language: str, samples: list[str], mine: str, generic: str
) -> None:
    baseline = build_baseline(samples, language)
    assert baseline is not None and baseline.enough
    own = match_voice(mine, baseline)
    other = match_voice(generic, baseline)
    assert own is not None and other is not None
    assert own.score >= 70 and own.sounds_like_you, own.off
    assert other.score <= 60 and not other.sounds_like_you
    assert own.score - other.score >= 30


def test_the_generic_draft_is_explained_feature_by_feature() -> None:
    baseline = build_baseline(EN_SAMPLES, "en")
    assert baseline is not None
    report = match_voice(EN_GENERIC, baseline)
    assert report is not None
    off = {f.feature for f in report.features if f.off}
    assert {"emoji", "hashtags", "lowercase_starts", "sentence_length", "contractions"} <= off
    emoji = next(f for f in report.features if f.feature == "emoji")
    assert emoji.yours == 0 and emoji.draft > 0
    assert any(line.startswith("emoji per 100 words: you 0, this draft") for line in report.off)
    assert any("longer sentences than yours" in line for line in report.off)


def test_the_users_own_habits_are_not_flagged_in_their_own_style() -> None:
    baseline = build_baseline(EN_SAMPLES, "en")
    assert baseline is not None
    report = match_voice(EN_MINE, baseline)
    assert report is not None
    assert not [f.feature for f in report.features if f.off and f.feature in ("emoji", "hashtags", "contractions")]


def test_the_baseline_depends_on_the_samples_not_on_a_fixed_notion_of_good_style() -> None:
    """The generic draft matches a writer who writes like it: voice match is relative to the user."""
    corporate = [EN_GENERIC.replace("Documentation", topic) for topic in ("Testing", "Security", "Design", "Hiring")]
    baseline = build_baseline(corporate, "en")
    assert baseline is not None
    generic = match_voice(EN_GENERIC.replace("Documentation", "Onboarding"), baseline)
    casual = match_voice(EN_MINE, baseline)
    assert generic is not None and casual is not None
    assert generic.score > casual.score


def test_too_few_texts_is_not_enough_and_an_unknown_language_has_no_baseline() -> None:
    few = build_baseline(EN_SAMPLES[:2], "en")
    assert few is not None and not few.enough
    assert build_baseline(EN_SAMPLES, "xx") is None
    assert measure("hello there", "xx") is None
    assert set(match_languages()) >= {"en", "es"}


def test_shipped_function_words_are_lower_case_and_unique() -> None:
    for code, data in match_data().languages.items():
        assert len(set(data.function_words)) == len(data.function_words), code
        assert all(w == w.lower() for w in data.function_words), code


@pytest.mark.parametrize(
    ("language", "samples", "generic"), [("en", EN_SAMPLES, EN_GENERIC), ("es", ES_SAMPLES, ES_GENERIC)]
)
def test_leave_one_out_each_own_post_matches_the_others(language: str, samples: list[str], generic: str) -> None:
    """Each of the user's own posts, matched against a baseline of the others, reads as theirs: the usual
    function-word fit is measured leaving each text out of the pool it is compared with (with the text in
    its own pool the usual fit was inflated and function_words was "off" for 6 of the 7 English posts)."""
    scores, flagged = [], 0
    for i, post in enumerate(samples):
        baseline = build_baseline(samples[:i] + samples[i + 1 :], language)
        assert baseline is not None
        report, other = match_voice(post, baseline), match_voice(generic, baseline)
        assert report is not None and other is not None
        assert report.score > other.score, (i, report.score, other.score)
        flagged += next(f for f in report.features if f.feature == "function_words").off
        scores.append(report.score)
    assert flagged < len(samples) / 2, flagged
    assert sum(s >= 70 for s in scores) >= len(samples) - 1, scores
    assert sum(scores) / len(scores) >= 80, scores
