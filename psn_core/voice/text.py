"""Small text helpers shared by the naturalness checker, anti-patterns and edit learning.

Everything returns character spans into the original text so findings can be highlighted.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

WORD_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|\n")
_PARAGRAPH_SPLIT_RE = re.compile(r"\n\s*\n")
# Bullets, numbers, letters, and the emoji people use as bullets (✅ 👉 🔹 ...).
LIST_ITEM_RE = re.compile(
    r"^[ \t]*(?:[-*•▪‣◦→]|\d{1,2}[.)]|[a-zA-Z][.)]|[✅✔☑➡▶👉🔹🔸📌✨🔥💡]\ufe0f?)[ \t]+\S", re.MULTILINE
)
HASHTAG_RE = re.compile(r"(?<![\w#])#[^\W_][\w]*")
# Emoji: pictographs, symbols, dingbats, flags and the keycap/variation selectors around them.
EMOJI_RE = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\U00002b50\U00002b55\U0000203c"
    "\U00002049\U00002122\U00002139\U00002194-\U00002199\U000021a9-\U000021aa\U0000231a-\U0000231b"
    "\U000023e9-\U000023f3\U000025aa-\U000025fe]"
)


@dataclass(frozen=True)
class Segment:
    """A piece of text with its character span in the original string."""

    start: int
    end: int
    text: str

    @property
    def word_count(self) -> int:
        return len(WORD_RE.findall(self.text))


def words(text: str) -> list[str]:
    """Lower-cased words, apostrophes and inner hyphens kept ("don't", "follow-up")."""
    return [w.lower().replace("’", "'") for w in WORD_RE.findall(text)]


def _trimmed(text: str, start: int, end: int) -> Segment | None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return None
    lead = len(chunk) - len(chunk.lstrip())
    return Segment(start + lead, start + lead + len(stripped), stripped)


def _pieces(text: str, separators: Iterator[re.Match[str]], *, keep_separator: bool) -> list[Segment]:
    """The text between separators (each piece keeping its separator when ``keep_separator``), trimmed,
    skipping pieces with no words."""
    found: list[Segment] = []
    start = 0
    for match in separators:
        seg = _trimmed(text, start, match.end() if keep_separator else match.start())
        if seg is not None and seg.word_count > 0:
            found.append(seg)
        start = match.end()
    seg = _trimmed(text, start, len(text))
    if seg is not None and seg.word_count > 0:
        found.append(seg)
    return found


def sentences(text: str) -> list[Segment]:
    """Sentences (and lone lines such as list items), skipping pieces with no words."""
    return _pieces(text, _SENTENCE_END_RE.finditer(text), keep_separator=True)


def paragraphs(text: str) -> list[Segment]:
    """Blocks separated by blank lines, skipping blocks with no words."""
    return _pieces(text, _PARAGRAPH_SPLIT_RE.finditer(text), keep_separator=False)


def variation(values: list[int]) -> float:
    """Coefficient of variation (stdev / mean); 0 for fewer than two values or a zero mean."""
    if len(values) < 2:
        return 0.0
    mean = statistics.fmean(values)
    return statistics.pstdev(values) / mean if mean else 0.0


@lru_cache(maxsize=4096)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A case-insensitive regex for a literal phrase: whole words, flexible spaces and apostrophes."""
    parts = [re.escape(p.replace("’", "'")).replace("'", "['’]") for p in phrase.strip().split()]
    body = r"\s+".join(parts)
    return re.compile(rf"(?<![\w]){body}(?![\w])", re.IGNORECASE)


def list_blocks(text: str) -> list[Segment]:
    """Runs of consecutive list-item lines (bullets or numbers), one segment per run."""
    blocks: list[Segment] = []
    run_start: int | None = None
    run_end = 0
    offset = 0
    for line in text.splitlines(keepends=True):
        is_item = LIST_ITEM_RE.match(line) is not None
        if is_item:
            if run_start is None:
                run_start = offset
            run_end = offset + len(line.rstrip("\n"))
        elif line.strip() and run_start is not None:
            blocks.append(Segment(run_start, run_end, text[run_start:run_end]))
            run_start = None
        offset += len(line)
    if run_start is not None:
        blocks.append(Segment(run_start, run_end, text[run_start:run_end]))
    return blocks
