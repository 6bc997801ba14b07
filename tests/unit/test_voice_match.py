"""Voice match on fixed samples: a draft in the user's own style scores higher than a generic one, in
each language voice match knows, and each feature that is off says how."""

from __future__ import annotations

import pytest

from psn_core.voice.match import build_baseline, match_data, match_languages, match_voice, measure

# One writer's own posts (fixed): lower-case starts, short sentences, contractions, ellipses, no emoji,
# no hashtags, lots of "i" and "you".
EN_SAMPLES = [
    "shipped the migration tool today. took three tries... but it's out. you'd think i'd learn to test on prod first",
    "i don't get why every standup runs 40 minutes. we're six people. just say what's blocked and go",
    "spent the morning reading the postgres docs on RLS. honestly? they're good. i'd skipped them for years",
    "my kid asked what i do at work. i said i move data from one box to another. she wasn't impressed",
    "hot take: you don't need kubernetes for a three-person startup. a VM and a cron job got us to 10k users",
    "the bug was a timezone. it's always a timezone... i've said this before and i'll say it again",
    "wrote 200 lines, deleted 180. best day this week tbh",
]
EN_MINE = "fixed the flaky test finally. it was the clock... it's always the clock. i'd blamed the network for a week"
EN_GENERIC = (
    "Documentation plays a crucial role in the success of any project! In today's fast-paced world, "
    "teams that invest in clear, comprehensive documentation consistently outperform those that do not. "
    "Ready to level up your engineering culture? 🚀🔥 #Leadership #Innovation #Engineering"
)

ES_SAMPLES = [
    "hoy por fin salió la versión nueva. tres intentos... pero ya está. la próxima la pruebo antes, lo juro",
    "no entiendo por qué las reuniones duran una hora. somos seis. dices qué te bloquea y listo",
    "me pasé la mañana leyendo la documentación de postgres. sinceramente, está bien escrita. yo no la leía nunca",
    "mi hija me preguntó qué hago en el trabajo. le dije que muevo datos de una caja a otra. no le convenció",
    "el fallo era la zona horaria. siempre es la zona horaria... lo digo y lo repito",
]
ES_MINE = "arreglé el test que fallaba. era el reloj... siempre es el reloj. yo le echaba la culpa a la red"
ES_GENERIC = (
    "¡La documentación juega un papel fundamental en el éxito de cualquier proyecto! En el mundo actual, "
    "los equipos que invierten en una documentación clara y completa obtienen resultados excepcionales. "
    "¿Estás listo para transformar tu cultura de ingeniería? 🚀🔥 #Liderazgo #Innovación"
)


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
    assert other.score <= 45 and not other.sounds_like_you
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
