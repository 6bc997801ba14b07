"""X's weighted length against twitter-text's own conformance files (tests/data/fidelity/twitter-text/).

Every section of validate.yml, every URL section of extract.yml and every TLD of tld_lib.yml is read;
how each section applies to X's v3 count is written next to it (and in the data folder's README.md).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml

from psn_core.platforms.x_text import _EMOJI, URL_WEIGHT, XTextResult, parse_post, weighted_length
from psn_core.platforms.x_urls import COUNTRY_TLDS, GENERIC_TLDS, url_spans

DATA = Path(__file__).parent.parent / "data" / "fidelity" / "twitter-text"


def _load(name: str) -> Any:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


VALIDATE: dict[str, list[dict[str, Any]]] = _load("validate.yml")["tests"]
EXTRACT: dict[str, list[dict[str, Any]]] = _load("extract.yml")["tests"]
TLDS: dict[str, list[str]] = _load("tld_lib.yml")

# How each section of validate.yml applies to the v3 count (the test below checks none is left out).
V3_COUNTER = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")
V2_COUNTER = "WeightedTweetsCounterTest"  # v2 rules: cases without a multi-code-point emoji hold in v3
RETIRED_140 = "tweets"  # isValidTweetText's 140-character rule, retired; texts weighed under v3 instead
ONE_URL_EACH = "urls_without_protocol"
NO_URL = ("usernames", "lists", "hashtags")
NOT_A_COUNT = ("urls",)  # isValidUrl (RFC 3986 syntax of one URL), which X's count does not use
EXTRACT_URL_SECTIONS = ("urls", "urls_with_indices", "urls_with_directional_markers", "tco_urls_with_params")


def _as_twitter_text(result: XTextResult) -> dict[str, Any]:
    return {
        "weightedLength": result.weighted_length,
        "valid": result.valid,
        "permillage": result.permillage,
        "displayRangeStart": result.display_range_start,
        "displayRangeEnd": result.display_range_end,
        "validRangeStart": result.valid_range_start,
        "validRangeEnd": result.valid_range_end,
    }


def _has_emoji_sequence(text: str) -> bool:
    """True when the text holds an emoji of several code points, which v2 weighed per code point."""
    return any(len(match[0]) > 1 for match in _EMOJI.finditer(unicodedata.normalize("NFC", text)))


def _plain_weight(text: str) -> int:
    """Weight of text holding no URL and no emoji: 1 per light code point, 2 for any other."""
    light = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
    return sum(1 if any(low <= ord(char) <= high for low, high in light) else 2 for char in text)


def _cases(*sections: str, source: dict[str, list[dict[str, Any]]] = VALIDATE) -> list[Any]:
    return [
        pytest.param(case["text"], case["expected"], id=f"{section}: {case['description']}")
        for section in sections
        for case in source[section]
    ]


# --- validate.yml ------------------------------------------------------------------------------


def test_every_section_of_validate_yml_is_accounted_for() -> None:
    used = {*V3_COUNTER, V2_COUNTER, RETIRED_140, ONE_URL_EACH, *NO_URL, *NOT_A_COUNT}
    assert set(VALIDATE) == used
    assert sum(len(cases) for cases in VALIDATE.values()) == 97


@pytest.mark.parametrize(("text", "expected"), _cases(*V3_COUNTER))
def test_v3_counter_cases(text: str, expected: dict[str, Any]) -> None:
    assert _as_twitter_text(parse_post(text)) == expected
    assert weighted_length(text) == expected["weightedLength"]


def _v2_cases(*, applies: bool) -> list[Any]:
    return [case for case in _cases(V2_COUNTER) if _has_emoji_sequence(case.values[0]) is not applies]


@pytest.mark.parametrize(("text", "expected"), _v2_cases(applies=True))
def test_v2_counter_cases_without_emoji_sequences_hold_under_v3(text: str, expected: dict[str, Any]) -> None:
    assert _as_twitter_text(parse_post(text)) == expected


@pytest.mark.parametrize(("text", "expected"), _v2_cases(applies=False))
def test_v2_counter_cases_with_emoji_sequences_count_less_under_v3(text: str, expected: dict[str, Any]) -> None:
    # v2 weighed every code point of an emoji sequence; v3 weighs the sequence 2 (the v3 section has these).
    assert parse_post(text).weighted_length < expected["weightedLength"]


def test_only_the_two_emoji_sequence_cases_of_the_v2_section_are_set_aside() -> None:
    assert len(_v2_cases(applies=False)) == 2
    assert len(_v2_cases(applies=True)) == 18


@pytest.mark.parametrize(("text", "expected"), _cases(RETIRED_140))
def test_retired_140_character_cases_are_weighed_under_v3(text: str, expected: bool) -> None:
    # Written for a 140 limit; under v3 each text (140 or 141 characters, CJK or emoji) fits 280.
    result = parse_post(text)
    assert result.valid is bool(text)
    assert result.weighted_length <= 280


@pytest.mark.parametrize(("text", "expected"), _cases(ONE_URL_EACH))
def test_urls_without_protocol_are_one_link(text: str, expected: bool) -> None:
    assert expected is True
    assert weighted_length(text) == URL_WEIGHT
    assert url_spans(text) == [(0, len(text))]


@pytest.mark.parametrize(("text", "expected"), _cases(*NO_URL))
def test_mentions_lists_and_hashtags_weigh_their_characters(text: str, expected: bool) -> None:
    assert url_spans(text) == []
    assert weighted_length(text) == _plain_weight(unicodedata.normalize("NFC", text))


# --- extract.yml: every URL case as a length case ----------------------------------------------


def _expected_spans(text: str, expected: list[Any]) -> list[tuple[int, int]]:
    if expected and isinstance(expected[0], dict):
        return [(entity["indices"][0], entity["indices"][1]) for entity in expected]
    spans = []
    position = 0
    for url in expected:
        start = text.index(url, position)
        spans.append((start, start + len(url)))
        position = start + len(url)
    return spans


def test_every_url_section_of_extract_yml_is_used() -> None:
    url_sections = {section for section in EXTRACT if "url" in section}
    assert url_sections == set(EXTRACT_URL_SECTIONS)
    assert sum(len(EXTRACT[section]) for section in EXTRACT_URL_SECTIONS) == 108


@pytest.mark.parametrize(("text", "expected"), _cases(*EXTRACT_URL_SECTIONS, source=EXTRACT))
def test_extracted_urls_weigh_23_each_and_the_rest_its_characters(text: str, expected: list[Any]) -> None:
    text = unicodedata.normalize("NFC", text)
    spans = _expected_spans(text, expected)
    assert url_spans(text) == spans
    outside, position = [], 0
    for start, end in spans:
        outside.append(text[position:start])
        position = end
    outside.append(text[position:])
    assert weighted_length(text) == URL_WEIGHT * len(spans) + sum(_plain_weight(piece) for piece in outside)


# --- tld_lib.yml -------------------------------------------------------------------------------


def _tld_cases() -> list[Any]:
    return [pytest.param(tld, id=f"{kind}: {tld}") for kind in ("generic", "country") for tld in TLDS[kind]]


@pytest.mark.parametrize("tld", _tld_cases())
def test_a_bare_domain_on_every_tld_is_a_link(tld: str) -> None:
    assert weighted_length(f"example.{tld}") == URL_WEIGHT
    assert weighted_length(f"see example.{tld} now") == len("see ") + URL_WEIGHT + len(" now")


def test_psn_tld_list_is_tld_lib_yml() -> None:
    # psn_core/platforms/data/tlds.txt is generated from the vendored file: scripts/regenerate_x_tlds.py
    assert set(TLDS) == {"country", "generic"}
    assert TLDS["country"] == COUNTRY_TLDS
    assert TLDS["generic"] == GENERIC_TLDS
    assert (len(COUNTRY_TLDS), len(GENERIC_TLDS)) == (315, 1259)
