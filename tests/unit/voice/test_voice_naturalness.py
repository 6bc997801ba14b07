"""Naturalness: the score separates human-style from AI-style writing, and each tell is explained."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest
import yaml

from psn_core.voice import available_languages, check_naturalness, load_tells, parse_profile
from psn_core.voice.errors import UnsupportedLanguage
from psn_core.voice.naturalness import post_shape
from psn_core.voice.slop_eval import load_split

CORPUS = Path(__file__).resolve().parents[2] / "data" / "voice_corpus"


def _corpus(language: str) -> tuple[list[str], list[str]]:
    data = yaml.safe_load((CORPUS / f"{language}.yaml").read_text(encoding="utf-8"))
    return data["human"], data["ai"]


def _pairwise(human: list[int], ai: list[int]) -> float:
    return sum(1 for h in human for a in ai if h > a) / (len(human) * len(ai))


@pytest.mark.parametrize("language", ["en", "es"])
def test_score_separates_human_from_ai_writing(language: str) -> None:
    # A train-set check (voice_corpus is in the slop corpus's train split; the held-out figures are in
    # test_slop_benchmark.py). Criterion: a strong mean gap, near-perfect ranking, and the pass line on
    # the right side for most samples. We do not claim min(human) > max(ai): an even-paced human post can score low.
    human_texts, ai_texts = _corpus(language)
    assert len(human_texts) >= 15
    assert len(ai_texts) >= 15
    human = [check_naturalness(t, None, language).score for t in human_texts]
    ai = [check_naturalness(t, None, language).score for t in ai_texts]
    pass_score = load_tells(language).pass_score
    print(
        f"{language}: human min/max/mean {min(human)}/{max(human)}/{statistics.fmean(human):.1f} "
        f"ai {min(ai)}/{max(ai)}/{statistics.fmean(ai):.1f} pairwise {_pairwise(human, ai):.3f}"
    )

    assert statistics.fmean(human) - statistics.fmean(ai) >= 20
    assert _pairwise(human, ai) >= 0.95
    assert sum(s >= pass_score for s in human) / len(human) >= 0.85
    assert sum(s < pass_score for s in ai) / len(ai) >= 0.85


@pytest.mark.parametrize("language", ["en", "es"])
def test_separation_does_not_depend_on_stock_phrase_lists(language: str) -> None:
    # Guard against overfitting the phrase lists to the corpus: structure alone must still rank well, on
    # the slop corpus's held-out split (voice_corpus is part of the train split the weights are fitted on).
    held = load_split(CORPUS.parent, language, "heldout")
    human_texts, ai_texts = held.human, held.model
    structural = load_tells(language).model_copy(update={"phrase_tells": []})
    human = [check_naturalness(t, None, language, tells=structural).score for t in human_texts]
    ai = [check_naturalness(t, None, language, tells=structural).score for t in ai_texts]
    assert _pairwise(human, ai) >= 0.9


@pytest.mark.parametrize("language", ["en", "es"])
def test_most_ai_samples_use_phrasings_the_tell_lists_do_not_contain(language: str) -> None:
    _, ai_texts = _corpus(language)
    without_phrase_hits = [
        t for t in ai_texts if not [x for x in check_naturalness(t, None, language).tells if x.category == "phrase"]
    ]
    assert len(without_phrase_hits) >= len(ai_texts) // 2


def test_every_tell_has_a_span_matching_its_excerpt_and_a_reason() -> None:
    _, ai_texts = _corpus("en")
    for text in ai_texts:
        for tell in check_naturalness(text, None, "en").tells:
            assert 0 <= tell.start < tell.end <= len(text)
            assert text[tell.start : tell.end].startswith(tell.excerpt.removesuffix("..."))
            assert tell.reason


def test_stock_opener_hedge_and_conclusion_are_flagged_where_they_are() -> None:
    text = (
        "In today's digital age, it's worth noting that our small team shipped 3 fixes. "
        "I fixed the cron. Took ages.\n\nIn summary, we did stuff."
    )
    report = check_naturalness(text, None, "en")
    found = {t.code: t.excerpt for t in report.tells}
    assert found["generic_opener"] == "In today's digital age"
    assert found["hedging"] == "it's worth noting"
    assert found["generic_conclusion"] == "In summary"


def test_stock_opener_in_the_middle_is_not_an_opener() -> None:
    text = "My cat knocked a mug off the desk. Later I read a post starting with in today's digital age."
    assert "generic_opener" not in {t.code for t in check_naturalness(text, None, "en").tells}


def test_missing_contractions_flagged_in_english_but_never_in_spanish() -> None:
    english = (
        "It is clear that we are ready. We do not need more meetings, and it is time to act. "
        "The team is aligned, the plan is written, and the budget is approved. We will launch on "
        "Monday, and we will measure results every week after that point in time."
    )
    assert "no_contractions" in {t.code for t in check_naturalness(english, None, "en").tells}
    relaxed = english.replace("It is", "It's").replace("do not", "don't")
    assert "no_contractions" not in {t.code for t in check_naturalness(relaxed, None, "en").tells}
    spanish = (
        "Está claro que estamos listos. No necesitamos más reuniones y es el momento de actuar. "
        "El equipo está alineado, el plan está escrito y el presupuesto está aprobado. Lanzamos el "
        "lunes y mediremos los resultados cada semana a partir de ese momento del año."
    )
    assert load_tells("es").contractions is None
    assert "no_contractions" not in {t.code for t in check_naturalness(spanish, None, "es").tells}


def test_em_dash_overuse_is_flagged() -> None:
    text = "I tried it — twice — and it broke — again. Then it worked — somehow."
    tells = [t for t in check_naturalness(text, None, "en").tells if t.code == "em_dash_overuse"]
    assert len(tells) == 4
    assert all(t.excerpt == "—" for t in tells)


def test_emoji_and_hashtag_stuffing_are_flagged_beyond_the_limit() -> None:
    text = "Shipped it 🚀🔥💯🎉✨🙌 #a #b #c #d #e #f"
    codes = [t.code for t in check_naturalness(text, None, "en").tells]
    assert codes.count("emoji_stuffing") == 2
    assert codes.count("hashtag_stuffing") == 2


def test_uniform_sentences_cost_more_than_varied_ones() -> None:
    uniform = (
        "The team met on Monday morning. The plan was shared with everyone. The work started "
        "right after lunch. The first results came on Friday. The client liked the early demo."
    )
    varied = (
        "Monday. The team met and argued for an hour about whether the plan even made sense, "
        "which it mostly did. Work started after lunch. Results Friday? Yes. The client liked it."
    )
    assert "uniform_sentences" in {t.code for t in check_naturalness(uniform, None, "en").tells}
    assert "uniform_sentences" not in {t.code for t in check_naturalness(varied, None, "en").tells}


HOOK_CTA = (
    "Nobody talks about {topic}.\n\nI spent a week on {topic} and the answer surprised me a lot.\n\nWhat do you think?"
)


def test_same_shape_as_recent_posts_is_flagged() -> None:
    recent = [HOOK_CTA.format(topic=t) for t in ("pricing", "hiring", "onboarding", "support")]
    assert post_shape(recent[0], load_tells("en")) == "hook-body-cta"
    report = check_naturalness(HOOK_CTA.format(topic="churn"), None, "en", recent_posts=recent)
    assert "repeated_structure" in {t.code for t in report.tells}
    different = "Spent the week on churn. Honestly most of it was one customer, and he was right."
    report = check_naturalness(different, None, "en", recent_posts=recent)
    assert "repeated_structure" not in {t.code for t in report.tells}


def test_same_opener_as_a_recent_post_is_flagged() -> None:
    report = check_naturalness(
        "Quick one today. Logs lie.", None, "en", recent_posts=["Quick one today: backups matter."]
    )
    assert "repeated_opener" in {t.code for t in report.tells}


def test_profile_never_use_words_and_anti_patterns_are_flagged_with_spans() -> None:
    profile = parse_profile(
        "name: me\nlanguages:\n  en:\n    never_use: [leverage]\n"
        "anti_patterns:\n  - id: no-circle-back\n    kind: phrase\n    phrase: circle back\n"
        "    reason: I never circle back.\n"
    )
    text = "Let's circle back and leverage the thing."
    report = check_naturalness(text, profile, "en")
    by_code = {t.code: t for t in report.tells}
    assert text[by_code["never_use"].start : by_code["never_use"].end] == "leverage"
    assert by_code["anti_pattern"].excerpt == "circle back"
    assert by_code["anti_pattern"].reason == "I never circle back."
    assert report.score < check_naturalness(text, None, "en").score


def test_shipped_default_anti_patterns_can_be_switched_off() -> None:
    text = "In today's fast-paced world, I still write my posts by hand."
    on = parse_profile("name: me\n")
    off = parse_profile("name: me\nuse_default_anti_patterns: false\n")
    assert "anti_pattern" in {t.code for t in check_naturalness(text, on, "en").tells}
    assert "anti_pattern" not in {t.code for t in check_naturalness(text, off, "en").tells}


def test_clean_short_post_reads_human() -> None:
    report = check_naturalness("Deleted 2,140 lines today and the app got faster. Weird feeling.", None, "en")
    assert report.score == 100
    assert report.reads_human
    assert report.tells == []


def test_tells_ship_as_package_data_for_english_and_spanish() -> None:
    assert {"en", "es"} <= set(available_languages())
    assert load_tells("es-MX").language == "es"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(UnsupportedLanguage):
        check_naturalness("Hallo Welt", None, "de")
