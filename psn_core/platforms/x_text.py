"""X (Twitter) post text: weighted length, validity and splitting a long text into a thread.

X does not count characters; it counts weights (twitter-text 3, configuration v3):

- text is NFC-normalised first;
- code points U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F and U+2032-U+2037 weigh 1,
  every other code point weighs 2;
- an emoji, including a whole ZWJ / skin-tone / flag / keycap / tag sequence, weighs 2;
- a URL weighs 23 whatever its length (it is shortened to t.co), with or without a protocol, a bare
  ``bit.ly`` or ``example.de`` included (which text is a URL: x_urls.py);
- a post is valid when its weight is 1-280 and it has none of U+FFFE, U+FEFF, U+FFFF.

Sources followed (facts only; this is our own implementation):
- https://docs.x.com/fundamentals/counting-characters
- https://github.com/twitter/twitter-text: config/v3.json, the parseTweet rules, and the conformance
  files conformance/validate.yml and extract.yml (vendored in tests/data/fidelity/twitter-text/; the
  tests run every case that applies to the v3 count).

Emoji sequences are recognised by their Unicode structure (any emoji joined by ZWJ counts as one),
where twitter-text (through twemoji-parser) lists the sequences of its Emoji version one by one: both
agree on every listed sequence and on the conformance cases. A sequence it does not list (a skin tone
after an emoji that takes none, a ZWJ sequence newer than its list) counts 2 here and once per part there.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict

from psn_core.errors import ContentRejected
from psn_core.platforms.x_urls import counted_urls, url_spans, utf16_length

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
EMOJI_WEIGHT = 2

# config/v3.json uses scale 100, defaultWeight 200 and weight 100 for these ranges; every weight
# divides by the scale, so we count in whole units (1 and 2).
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
_INVALID_CHARS = frozenset("\ufffe\ufeff\uffff")
_INVALID = re.compile("[\ufffe\ufeff\uffff]")
_HEAVY = re.compile("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")  # weighs 2


class InvalidReason(StrEnum):
    """Why X would refuse a post's text."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    INVALID_CHARACTERS = "invalid_characters"


class XTextResult(BaseModel):
    """What X makes of a post's text.

    Ranges are inclusive indexes in UTF-16 code units of the text as given (twitter-text's
    convention): ``display_range`` spans the whole text, ``valid_range`` the part X would accept.
    """

    model_config = ConfigDict(frozen=True)

    weighted_length: int
    valid: bool
    permillage: int
    display_range_start: int
    display_range_end: int
    valid_range_start: int
    valid_range_end: int
    reason: InvalidReason | None = None


# --- emoji -------------------------------------------------------------------------------------

# Code points with the Unicode Emoji property (emoji-data.txt), less the digits, '#' and '*',
# which are emoji only inside a keycap sequence.
_EMOJI_CODEPOINTS = """
00A9 00AE 203C 2049 2122 2139 2194-2199 21A9-21AA 231A-231B 2328 23CF 23E9-23F3 23F8-23FA 24C2
25AA-25AB 25B6 25C0 25FB-25FE 2600-2604 260E 2611 2614-2615 2618 261D 2620 2622-2623 2626 262A
262E-262F 2638-263A 2640 2642 2648-2653 265F-2660 2663 2665-2666 2668 267B 267E-267F 2692-2697
2699 269B-269C 26A0-26A1 26A7 26AA-26AB 26B0-26B1 26BD-26BE 26C4-26C5 26C8 26CE-26CF 26D1
26D3-26D4 26E9-26EA 26F0-26F5 26F7-26FA 26FD 2702 2705 2708-270D 270F 2712 2714 2716 271D 2721
2728 2733-2734 2744 2747 274C 274E 2753-2755 2757 2763-2764 2795-2797 27A1 27B0 27BF 2934-2935
2B05-2B07 2B1B-2B1C 2B50 2B55 3030 303D 3297 3299 1F004 1F0CF 1F170-1F171 1F17E-1F17F 1F18E
1F191-1F19A 1F1E6-1F1FF 1F201-1F202 1F21A 1F22F 1F232-1F23A 1F250-1F251 1F300-1F321 1F324-1F393
1F396-1F397 1F399-1F39B 1F39E-1F3F0 1F3F3-1F3F5 1F3F7-1F4FD 1F4FF-1F53D 1F549-1F54E 1F550-1F567
1F56F-1F570 1F573-1F57A 1F587 1F58A-1F58D 1F590 1F595-1F596 1F5A4-1F5A5 1F5A8 1F5B1-1F5B2 1F5BC
1F5C2-1F5C4 1F5D1-1F5D3 1F5DC-1F5DE 1F5E1 1F5E3 1F5E8 1F5EF 1F5F3 1F5FA-1F64F 1F680-1F6C5
1F6CB-1F6D2 1F6D5-1F6D7 1F6DC-1F6E5 1F6E9 1F6EB-1F6EC 1F6F0 1F6F3-1F6FC 1F7E0-1F7EB 1F7F0
1F90C-1F93A 1F93C-1F945 1F947-1F9FF 1FA70-1FA7C 1FA80-1FA89 1FA8F-1FAC6 1FACE-1FADC 1FADF-1FAE9
1FAF0-1FAF8
"""


def _char_class(spec: str) -> str:
    parts = []
    for item in spec.split():
        low, _, high = item.partition("-")
        parts.append(re.escape(chr(int(low, 16))) + (f"-{re.escape(chr(int(high, 16)))}" if high else ""))
    return "[" + "".join(parts) + "]"


_MODIFIER = "[\U0001f3fb-\U0001f3ff]"
_EMOJI_ELEMENT = (
    f"{_char_class(_EMOJI_CODEPOINTS)}(?:\ufe0f|{_MODIFIER})?(?:[\U000e0020-\U000e007e]+\U000e007f)?\ufe0f?"
)
_EMOJI = re.compile(f"[#*0-9]\ufe0f?\u20e3|[\U0001f1e6-\U0001f1ff]{{2}}|{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})*")

# --- weighing ----------------------------------------------------------------------------------


def _char_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(low <= code <= high for low, high in _LIGHT_RANGES) else 2


def _fitting(run: str, room: int) -> tuple[int, int]:
    """How many plain characters of ``run`` fit ``room`` before an invalid one (at least 1), and their weight."""
    count = weight = 0
    for char in run:
        char_weight = _char_weight(char)
        if char in _INVALID_CHARS or weight + char_weight > room:
            break
        count, weight = count + 1, weight + char_weight
    return (count, weight) if count else (1, _char_weight(run[0]))


@dataclass(frozen=True)
class _Scan:
    weight: int
    has_invalid: bool
    valid_end: int  # UTF-16 index of the last unit of the normalised text that fits (twitter-text's)
    normalised_units: int


def _scan(text: str) -> _Scan:
    """Weigh ``text`` the way twitter-text's parseTweet walks it.

    URLs and emoji are found once over the whole text and keyed by where they start; the walk takes
    a URL or an emoji where one starts and otherwise one character. twitter-text skips a URL's text
    length in UTF-16 units, which for a URL without a protocol whose path follows a non-ASCII part of
    the domain ends before the URL does, sometimes between the two halves of a character: that
    character then weighs as a plain one (2).
    """
    normalised = unicodedata.normalize("NFC", text)
    urls = {url.start: url for url in counted_urls(normalised)}
    emoji = {match.start(): match.end() for match in _EMOJI.finditer(normalised)}
    starts = sorted({*urls, *emoji})
    weight = units = valid_end = 0
    has_invalid = False
    plain_next = False
    index = 0
    while index < len(normalised):
        url = None if plain_next else urls.get(index)
        emoji_end = None if plain_next or url else emoji.get(index)
        if url is not None:
            end, piece_weight = url.resume, URL_WEIGHT
            plain_next = url.resume_inside
            piece_units = utf16_length(normalised[index:end]) + (1 if plain_next else 0)
        elif emoji_end is not None:
            end, piece_weight = emoji_end, EMOJI_WEIGHT
            piece_units = utf16_length(normalised[index:end])
        elif plain_next:  # the second half of a character a URL's count ended inside of
            end, piece_weight, piece_units = index + 1, 2, 1
            has_invalid = has_invalid or normalised[index] in _INVALID_CHARS
            plain_next = False
        else:
            # A run of plain characters up to the next URL or emoji, weighed at once unless the valid
            # range ends inside it (then character by character).
            following = bisect.bisect_right(starts, index)
            end = starts[following] if following < len(starts) else len(normalised)
            run = normalised[index:end]
            piece_weight = len(run) + len(_HEAVY.findall(run))
            run_invalid = _INVALID.search(run) is not None
            still_valid = not has_invalid and weight <= MAX_WEIGHTED_LENGTH
            if still_valid and (run_invalid or weight + piece_weight > MAX_WEIGHTED_LENGTH):
                fitting, piece_weight = _fitting(run, MAX_WEIGHTED_LENGTH - weight)
                end = index + fitting
                run = normalised[index:end]
                run_invalid = _INVALID.search(run) is not None
            piece_units = utf16_length(run)
            has_invalid = has_invalid or run_invalid
        weight += piece_weight
        units += piece_units
        if not has_invalid and weight <= MAX_WEIGHTED_LENGTH:
            valid_end = units - 1
        index = end
    return _Scan(weight, has_invalid, max(valid_end, 0), units)


def weighted_length(text: str) -> int:
    """The length X counts for ``text`` (280 is the limit of a standard post).

    Raises:
        Nothing: every string has a weighted length.
    """
    return _scan(text).weight


def parse_post(text: str) -> XTextResult:
    """Weigh ``text`` and say whether X accepts it as a post, and if not, why.

    A text of only whitespace counts as empty, as X refuses it.

    Raises:
        Nothing: problems are reported in the result's ``valid`` and ``reason``.
    """
    scan = _scan(text)
    units = utf16_length(text)
    reason: InvalidReason | None = None
    if scan.has_invalid:
        reason = InvalidReason.INVALID_CHARACTERS
    elif not text.strip():
        reason = InvalidReason.EMPTY
    elif scan.weight > MAX_WEIGHTED_LENGTH:
        reason = InvalidReason.TOO_LONG
    return XTextResult(
        weighted_length=scan.weight,
        valid=reason is None,
        permillage=scan.weight * 1000 // MAX_WEIGHTED_LENGTH,
        display_range_start=0,
        display_range_end=max(units - 1, 0),
        valid_range_start=0,
        # twitter-text shifts the valid end by what normalisation added or removed, wherever it was.
        valid_range_end=scan.valid_end + units - scan.normalised_units,
        reason=reason,
    )


# --- threads -----------------------------------------------------------------------------------

# Whitespace a post may be split at; no-break spaces (U+00A0, U+2007, U+202F) hold words together.
_BREAK = re.compile("[ \t\n\r\f\v\u1680\u2000-\u2006\u2008-\u200a\u2028\u2029\u205f\u3000]+")
_SENTENCE_END = re.compile("[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019\u00bb)\\]]*$")
_CJK_CLAUSE_END = frozenset("\u3002\uff01\uff1f\uff1b\uff0c\u3001!?.;,")


class _Level(IntEnum):
    """How good a place to end a post is; higher is better."""

    WORD = 1
    SENTENCE = 2
    LINE = 3
    PARAGRAPH = 4
    END = 5


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    weight: int
    gap_before: int  # weight of the whitespace between the previous word and this one
    level_after: _Level


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    position = gap = 0
    for space in [*_BREAK.finditer(text), None]:
        end = space.start() if space else len(text)
        if end > position:
            word = text[position:end]
            if space is None:
                level = _Level.END
            elif space[0].count("\n") >= 2:
                level = _Level.PARAGRAPH
            elif "\n" in space[0]:
                level = _Level.LINE
            elif _SENTENCE_END.search(word):
                level = _Level.SENTENCE
            else:
                level = _Level.WORD
            words.append(_Word(position, end, weighted_length(word), gap if words else 0, level))
            gap = 0
        if space is not None:
            gap += weighted_length(space[0])
            position = space.end()
    return words


def _is_extender(char: str) -> bool:
    """True for code points that belong to the grapheme before them."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or code in (0x200C, 0x200D)
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1160 <= code <= 0x11FF  # Hangul vowel and final jamo
        or 0xD7B0 <= code <= 0xD7FF
    )


def _atoms(text: str, start: int, end: int, url_ends: dict[int, int]) -> Iterator[int]:
    """End offsets of the pieces of ``text[start:end]`` that must stay whole: URLs and graphemes."""
    index = start
    while index < end:
        if index in url_ends:
            index = url_ends[index]
        else:
            emoji = _EMOJI.match(text, index, end)
            index = emoji.end() if emoji else index + 2 if text.startswith("\r\n", index) else index + 1
            while index < end and _is_extender(text[index]):
                index += 1
        yield index


def _hard_cut(text: str, start: int, end: int, room: int, url_ends: dict[int, int]) -> int:
    """Where to cut ``text[start:end]`` so the head weighs at most ``room``; ``start`` if nothing fits."""
    fitting: list[int] = []
    estimate = 0
    previous = start
    for atom_end in _atoms(text, start, end, url_ends):
        atom = text[previous:atom_end]
        estimate += _char_weight(atom) if len(atom) == 1 else weighted_length(atom)
        if estimate > room:
            break
        fitting.append(atom_end)
        previous = atom_end
    # Prefer ending on CJK or Latin clause punctuation when that keeps the post at least half full.
    half = len(fitting) // 2
    punctuated = [cut for cut in fitting[half:] if text[cut - 1] in _CJK_CLAUSE_END]
    for cut in [*reversed(punctuated), *reversed(fitting)]:
        if weighted_length(text[start:cut]) <= room:
            return cut
    return start


def _unbreakable(limit: int) -> ValueError:
    return ValueError(
        f"A limit of {limit} is too small: a link (23) or a character sequence in the text cannot be split."
    )


def _pack(text: str, budget: int) -> list[str]:
    """Split ``text`` into pieces of weight <= ``budget``, at the best boundaries available."""
    words = _words(text)
    url_ends = dict(url_spans(text))
    parts: list[str] = []
    index = 0
    resume: int | None = None  # offset inside words[index] after a hard split
    while index < len(words):
        start = words[index].start if resume is None else resume
        if resume is None:
            fill = words[index].weight
        elif words[index].end - resume > 8 * budget:
            fill = budget + 1  # surely too long still; not worth weighing the whole rest again
        else:
            fill = weighted_length(text[start : words[index].end])
        candidates: list[tuple[int, int]] = []  # (last word index, weight)
        last = index
        while fill <= budget:
            candidates.append((last, fill))
            last += 1
            if last == len(words):
                break
            fill += words[last].gap_before + words[last].weight
        if not candidates:
            cut = _hard_cut(text, start, words[index].end, budget, url_ends)
            if cut == start:
                raise _unbreakable(budget)
            parts.append(text[start:cut])
            resume = cut
            continue
        half_full = [c for c in candidates if c[1] * 2 >= budget]
        ranked = sorted(half_full, key=lambda c: (words[c[0]].level_after, c[0]), reverse=True)
        ranked += sorted((c for c in candidates if c[1] * 2 < budget), reverse=True)
        chosen, chosen_fill = next(
            (c for c in ranked if weighted_length(text[start : words[c[0]].end]) <= budget), ranked[-1]
        )
        following = chosen + 1
        if not half_full and following < len(words) and words[following].weight > budget:
            # The next word must be cut anyway: fill this post with its head instead of leaving it short.
            room = budget - chosen_fill - words[following].gap_before
            cut = _hard_cut(text, words[following].start, words[following].end, room, url_ends)
            if cut > words[following].start and weighted_length(text[start:cut]) <= budget:
                parts.append(text[start:cut])
                index, resume = following, cut
                continue
        parts.append(text[start : words[chosen].end])
        index, resume = following, None
    return parts


def split_thread(text: str, *, limit: int = MAX_WEIGHTED_LENGTH, numbering: bool = False) -> list[str]:
    """Split ``text`` into posts of at most ``limit`` weighted characters, for an X thread.

    Nothing is dropped or changed: the posts are consecutive pieces of ``text`` with the whitespace
    between them removed (a word longer than a post is cut with no whitespace lost). Posts end at a
    paragraph if possible, else a line, a sentence, a word, and only then inside a word, between two
    graphemes. A URL is never cut. With ``numbering``, each post ends with " i/N", counted within
    ``limit``; a text that fits one post is returned whole and unnumbered. Blank text gives ``[]``.

    Raises:
        ContentRejected: the text holds characters X refuses (U+FFFE, U+FEFF, U+FFFF).
        ValueError: ``limit`` is too small to hold a link, an unbreakable grapheme or the numbering.
    """
    if any(char in _INVALID_CHARS for char in text):
        raise ContentRejected(
            "The post contains characters X does not accept (U+FFFE, U+FEFF or U+FFFF).",
            "Remove the invisible characters (often pasted from another app) and try again.",
            platform="x",
        )
    if limit < 1:
        raise ValueError(f"limit must be positive, not {limit}")
    body = text.strip()
    if not body:
        return []
    if weighted_length(body) <= limit:
        return [body]
    if not numbering:
        return _pack(text, limit)
    total = 2
    while True:
        budget = limit - len(f" {total}/{total}")
        if budget < 1:
            raise _unbreakable(limit)
        parts = _pack(text, budget)
        if len(str(len(parts))) <= len(str(total)):
            return [f"{part} {number}/{len(parts)}" for number, part in enumerate(parts, 1)]
        total = len(parts)
