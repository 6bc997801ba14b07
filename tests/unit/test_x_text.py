"""X post text: weighted length and validity as twitter-text v3 counts them, and thread splitting.

twitter-text's own conformance cases are in test_x_text_conformance.py.
"""

from __future__ import annotations

import random
import re

import pytest

from psn_core.errors import ContentRejected
from psn_core.platforms.x_text import (
    InvalidReason,
    parse_post,
    split_thread,
    weighted_length,
)
from psn_core.platforms.x_urls import url_spans

# --- weighing ----------------------------------------------------------------------------------


def test_a_url_weighs_23_whatever_its_length() -> None:
    assert weighted_length("https://example.com/" + "a" * 500) == 23
    assert weighted_length("see example.com/path now") == len("see ") + 23 + len(" now")


# These cases once encoded an old twitter-text rule ("a bare name.cc needs a path": foo.jp counted 6).
# twitter-text 3 links a bare domain on a country TLD (extract.yml, "short URLs without protocol on ccTLD
# domains"), and so does X, so each of these now weighs 23 per link.
@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("example.de", 23),
        ("go to bit.ly now", 33),
        ("a.io b.ai", 47),
        ("foo.jp", 23),
        ("foo.jp/x", 23),
        ("t.co", 23),
        ("Read it on example.co.uk.", 11 + 23 + 1),
        ("example.한국", 23),
    ],
)
def test_a_bare_domain_on_a_country_tld_is_a_link(text: str, weight: int) -> None:
    assert weighted_length(text) == weight


def test_a_tco_link_with_a_slug_over_40_characters_is_no_link() -> None:
    slug40, slug41 = "a" * 40, "a" * 41
    assert weighted_length(f"https://t.co/{slug40}") == 23
    assert weighted_length(f"https://t.co/{slug41}") == len(f"https://t.co/{slug41}")
    # Nor is any part of it: the domain is not counted again without its protocol.
    assert url_spans(f"see https://t.co/{slug41}") == []


def test_a_tco_link_ends_after_its_slug() -> None:
    assert weighted_length("http://t.co/pbY2NfTZ's site") == 23 + len("'s site")


def test_invalid_punycode_is_no_link() -> None:
    # An xn-- domain must be ASCII; valid punycode stays a link.
    text = "Hello http://xn--はじめよう.com/index.html"
    assert weighted_length(text) == len("Hello http://xn--") + 5 * 2 + len(".com/index.html")
    assert weighted_length("test http://xn--ls8h.XN--ls8h.la/") == 5 + 23
    # A label longer than 63 characters once encoded is no DNS label.
    assert weighted_length("http://" + "a" * 64 + ".com") == 7 + 64 + 4


def test_a_bare_domain_right_after_a_link_ending_in_a_slash_is_a_link() -> None:
    # twitter-text consumes the character before a URL, so the link ending in "/" is not the character
    # before the domain: the first character after it is.
    text = "http://twitter.com/これは日本語です。example.com中国語"
    assert [text[start:end] for start, end in url_spans(text)] == ["http://twitter.com/", "example.com"]
    assert weighted_length(text) == 23 + 9 * 2 + 23 + 3 * 2
    # A domain right after a "-", "_", "." or "/" of the text itself is not a link.
    assert weighted_length("/example.de") == 11
    assert weighted_length("x.com/ -y.com") == 23 + len(" -y.com")


def test_a_file_name_is_not_a_link() -> None:
    assert weighted_length("notes.txt") == 9


def test_emoji_sequences_weigh_two_each() -> None:
    assert weighted_length("👍🏽") == 2
    assert weighted_length("🏳️‍🌈") == 2
    assert weighted_length("🇪🇸") == 2
    assert weighted_length("#️⃣") == 2
    assert weighted_length("❤️") == 2


def test_cjk_weighs_two_and_latin_one() -> None:
    assert weighted_length("日本語") == 6
    assert weighted_length("café") == 4


def test_text_is_nfc_normalised_before_counting() -> None:
    assert weighted_length("cafe\u0301") == weighted_length("café") == 4


def test_empty_and_blank_posts_are_invalid_as_empty() -> None:
    assert parse_post("").reason is InvalidReason.EMPTY
    assert parse_post("  \n ").reason is InvalidReason.EMPTY
    assert not parse_post("  \n ").valid


def test_a_post_over_280_is_invalid_as_too_long() -> None:
    result = parse_post("a" * 281)
    assert (result.valid, result.reason, result.weighted_length) == (False, InvalidReason.TOO_LONG, 281)
    assert parse_post("a" * 280).valid


@pytest.mark.parametrize("char", ["\ufffe", "\ufeff", "\uffff"])
def test_a_post_with_a_forbidden_character_is_invalid(char: str) -> None:
    result = parse_post(f"hello {char}world")
    assert (result.valid, result.reason) == (False, InvalidReason.INVALID_CHARACTERS)


def test_parse_result_is_immutable() -> None:
    result = parse_post("hello")
    with pytest.raises(ValueError, match="frozen"):
        result.weighted_length = 3  # type: ignore[misc]


# --- thread splitting --------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def _assert_nothing_lost(text: str, parts: list[str], *, numbered: bool = False) -> None:
    """The parts are consecutive pieces of the text separated only by whitespace (or nothing)."""
    if numbered:
        total = len(parts)
        stripped = []
        for number, part in enumerate(parts, 1):
            suffix = f" {number}/{total}"
            assert part.endswith(suffix), part
            stripped.append(part[: -len(suffix)])
        parts = stripped
    position = 0
    for part in parts:
        assert part, "empty part"
        found = text.find(part, position)
        assert found >= 0, f"part not found in order: {part!r}"
        assert text[position:found].strip() == "", f"text dropped before {part!r}: {text[position:found]!r}"
        position = found + len(part)
    assert text[position:].strip() == ""
    assert _WS.sub("", "".join(parts)) == _WS.sub("", text)


def _assert_all_within(parts: list[str], limit: int) -> None:
    for part in parts:
        assert weighted_length(part) <= limit, (weighted_length(part), part)
        assert part == part.strip()


def test_short_text_stays_one_post() -> None:
    assert split_thread("  Just one post.  ") == ["Just one post."]
    assert split_thread("Just one post.", numbering=True) == ["Just one post."]


def test_blank_text_gives_no_posts() -> None:
    assert split_thread(" \n ") == []


def test_split_prefers_paragraph_boundaries() -> None:
    first = "First paragraph. " * 8
    second = "Second paragraph is here. " * 5
    text = f"{first.strip()}\n\n{second.strip()}"
    parts = split_thread(text, limit=200)
    assert parts == [first.strip(), second.strip()]


def test_split_prefers_sentence_boundaries_over_words() -> None:
    sentence = "This sentence has exactly a few words in it."
    text = " ".join([sentence] * 12)
    parts = split_thread(text, limit=100)
    assert all(part.endswith(".") for part in parts)
    _assert_nothing_lost(text, parts)
    _assert_all_within(parts, 100)


def test_split_never_cuts_a_url() -> None:
    url = "https://example.com/a/really/long/path/that/goes/on/and/on?with=query&and=more"
    text = " ".join(["word"] * 60 + [url] + ["word"] * 60 + [url])
    parts = split_thread(text, limit=50)
    assert sum(part.count(url) for part in parts) == 2
    _assert_nothing_lost(text, parts)
    _assert_all_within(parts, 50)


def test_url_glued_to_a_long_word_stays_whole_when_the_word_is_cut() -> None:
    url = "https://example.com/path"
    text = "x" * 300 + "," + url + "," + "y" * 300
    parts = split_thread(text, limit=100)
    assert any(url in part for part in parts)
    _assert_nothing_lost(text, parts)
    _assert_all_within(parts, 100)


def test_forty_part_thread_has_no_cap_and_numbering_fits() -> None:
    sentence = "Threads can be long and that is fine for people who have a lot to say today."
    text = " ".join([sentence] * 150)
    parts = split_thread(text, numbering=True)
    assert len(parts) >= 40
    _assert_all_within(parts, 280)
    assert parts[0].endswith(f" 1/{len(parts)}")
    assert parts[-1].endswith(f" {len(parts)}/{len(parts)}")
    _assert_nothing_lost(text, parts, numbered=True)
    assert all(parse_post(part).valid for part in parts)


def test_numbering_with_two_digit_totals_stays_within_a_small_limit() -> None:
    text = " ".join(f"w{n}" for n in range(400))
    parts = split_thread(text, limit=30, numbering=True)
    assert len(parts) >= 10
    _assert_all_within(parts, 30)
    _assert_nothing_lost(text, parts, numbered=True)


def test_a_word_longer_than_a_post_is_cut_between_graphemes() -> None:
    family = "👨‍👩‍👧‍👦"
    accented = "e\u0301"
    word = (family + accented + "🇪🇸" + "a") * 200
    parts = split_thread(word, limit=50)
    assert "".join(parts) == word
    _assert_all_within(parts, 50)
    for part in parts:
        assert not part.startswith(("\u200d", "\u0301", "\U0001f3fd")), part
        assert part.count("🇪🇸") * 2 == part.count("🇪") + part.count("🇸")
        assert part.count(family) == part.count("👦")


def test_long_cjk_text_without_spaces_is_cut_after_punctuation() -> None:
    text = "故人西辞黄鹤楼，烟花三月下扬州。孤帆远影碧空尽，唯见长江天际流。" * 20
    parts = split_thread(text)
    assert "".join(parts) == text
    _assert_all_within(parts, 280)
    assert all(part[-1] in "，。" for part in parts)


def test_split_rejects_forbidden_characters() -> None:
    with pytest.raises(ContentRejected):
        split_thread("hello\ufeff world " * 50)


def test_split_rejects_a_limit_too_small_for_a_link() -> None:
    with pytest.raises(ValueError, match="too small"):
        split_thread("look https://example.com/page " * 5, limit=10)


_ALPHABET_PIECES = [
    "word",
    "longer-word",
    "x" * 320,
    "日本語の文章",
    "故人西辞黄鹤楼，烟花三月下扬州。" * 3,
    "😀",
    "👨‍👩‍👧‍👦",
    "🏳️‍🌈",
    "👍🏽",
    "🇯🇵",
    "cafe\u0301",
    "Ελληνικά",
    "https://example.com/some/path?q=1",
    "example.org",
    "http://あいうえお.com/パス",
    "end.",
    "Really?",
    "done!",
    "#hashtag",
    "@someone",
]
_SEPARATORS = [" ", " ", " ", "\n", "\n\n", "  ", "\t"]


def _random_text(rng: random.Random) -> str:
    pieces = [rng.choice(_ALPHABET_PIECES) for _ in range(rng.randint(1, 160))]
    text = pieces[0]
    for piece in pieces[1:]:
        text += rng.choice(_SEPARATORS) + piece
    return text


@pytest.mark.parametrize("seed", range(6))
def test_random_texts_split_without_loss_and_within_limit(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        text = _random_text(rng)
        limit = rng.choice([60, 140, 280])
        numbering = rng.random() < 0.5
        parts = split_thread(text, limit=limit, numbering=numbering)
        assert parts
        _assert_all_within(parts, limit)
        _assert_nothing_lost(text, parts, numbered=numbering and len(parts) > 1)
        urls = re.findall(r"https://example\.com/some/path\?q=1", text)
        assert sum(part.count("https://example.com/some/path?q=1") for part in parts) == len(urls)
        assert all(parse_post(part).valid for part in parts) or limit > 280
