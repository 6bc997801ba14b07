"""Reading a captured idea: tags out of the text, urgency inferred in English and Spanish, language guessed."""

from __future__ import annotations

import pytest

from psn_core.services.ideas.errors import IdeaInputInvalid
from psn_core.services.ideas.tags import infer_urgency, keyword_data, parse_idea


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("Breaking: the API is down", "timely"),
        ("What they just announced means for us", "timely"),
        ("Ship notes for today", "timely"),
        ("Última hora: cambia la ley", "timely"),
        ("ultima hora sin tildes", "timely"),
        ("Lo que acaban de anunciar", "timely"),
        ("Christmas gift guide", "seasonal"),
        ("Our Q4 planning ritual", "seasonal"),
        ("Resumen del trimestre", "seasonal"),
        ("Ideas para el verano", "seasonal"),
        ("How we hire engineers", "evergreen"),
        ("Cómo contratamos", "evergreen"),
        ("Todayville is a town", "evergreen"),  # words, not substrings
    ],
)
def test_urgency_is_inferred_from_the_words(text: str, urgency: str) -> None:
    assert infer_urgency(text) == urgency


def test_tags_come_out_of_the_text_and_plain_hashtags_stay() -> None:
    parsed = parse_idea("Launch recap #buildinpublic #pillar:Product #platform:linkedin #urgency:evergreen")
    assert parsed.text == "Launch recap #buildinpublic"
    assert (parsed.pillar, parsed.platform, parsed.urgency, parsed.urgency_inferred) == (
        "product",
        "linkedin",
        "evergreen",
        False,
    )


def test_options_and_tags_must_agree_and_urls_are_not_tags() -> None:
    parsed = parse_idea("See https://example.com/#a:b today", pillar="news")
    assert (parsed.text, parsed.pillar, parsed.urgency) == ("See https://example.com/#a:b today", "news", "timely")
    with pytest.raises(IdeaInputInvalid, match="two #pillar"):
        parse_idea("x #pillar:a", pillar="b")


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("idea #piller:ai", "#piller"),
        ("idea #platform:myspace", "myspace"),
        ("idea #urgency:asap", "asap"),
        ("idea #pillar:Not_Valid!", "pillar name"),
        ("#pillar:ai #platform:x", "no text"),
        ("idea #lang:english1", "language code"),
    ],
)
def test_bad_tags_are_refused_saying_what_is_accepted(line: str, says: str) -> None:
    with pytest.raises(IdeaInputInvalid, match=says) as caught:
        parse_idea(line)
    assert caught.value.action


def test_language_is_tagged_or_guessed_from_common_words() -> None:
    assert parse_idea("Cómo hacemos el pan de la casa").language == "es"
    assert parse_idea("How we bake the bread of the house").language == "en"
    assert parse_idea("Pan", default_language="pt").language == "pt"  # too little to guess
    assert parse_idea("Pan #lang:es").language == "es"


def test_keyword_data_has_english_and_spanish() -> None:
    data = keyword_data()
    assert {"en", "es"} <= set(data)
    assert all(words.timely and words.seasonal and words.common for words in data.values())
