"""The user's voice baseline in the hub: imported samples of their writing, and the habits measured from
those samples and their published posts (voice_samples, voice_baselines).

:func:`add_samples` stores texts the user says they wrote (the same text twice is kept once) and
rebuilds the baseline; :func:`rebuild_baseline` measures samples and published posts again;
:func:`check_voice_match` compares a draft with the stored baseline (or, before any was stored, one
measured now without storing it). Every function takes a connection from ``hub.transaction(member_id)``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.voice.files import DEFAULT_PERSONA, check_names, check_persona
from psn_core.text import check_text
from psn_core.voice.match import MIN_TEXTS, MIN_WORDS, VoiceBaseline, VoiceMatchReport, build_baseline, match_voice

Q = Queries.load(__package__)
Source = Literal["text", "file", "url", "x"]
MAX_SAMPLE_CHARS = 20_000
SAMPLES_USED = 500  # the newest imported texts a baseline is built from
POSTS_USED = 200  # the newest published posts a baseline is built from
_SEPARATOR_RE = re.compile(r"^\s*---+\s*$", re.MULTILINE)
_BLANK_RE = re.compile(r"\n\s*\n")


class ImportedText(BaseModel):
    """One text of the user's own writing and where it came from."""

    body: str
    origin: str | None = None


def split_texts(text: str) -> list[str]:
    """Pasted text or a file as separate posts: split at lines of ``---`` when there are any, else at
    blank lines (one post per paragraph). Empty pieces are dropped."""
    pieces = _SEPARATOR_RE.split(text) if _SEPARATOR_RE.search(text) else _BLANK_RE.split(text)
    return [p.strip() for p in pieces if p.strip()]


class BaselineView(BaseModel):
    """What the stored baseline is built from."""

    persona: str
    language: str
    samples: int = Field(description="Imported texts used.")
    posts: int = Field(description="Published posts used.")
    words: int
    enough: bool = Field(description=f"At least {MIN_TEXTS} texts and {MIN_WORDS} words: voice match can score.")
    updated_at: datetime | None = None


class ImportResult(BaseModel):
    """An import: how many texts were new, how many were already there, and the baseline now."""

    source: Source
    added: int
    already_there: int
    skipped: list[str] = Field(default_factory=list, description="What was not imported, and why.")
    baseline: BaselineView


class _Body:
    def __init__(self, body: str | None) -> None:
        self.body = body or ""


class _Stored(BaseModel):
    baseline: VoiceBaseline
    samples: int
    posts: int
    updated_at: datetime


def _voice(member_id: UUID, persona: str, language: str) -> dict[str, object]:
    return {"member": member_id, "persona": persona, "language": language}


def _persona(persona: str, language: str) -> str:
    check_names(language=language)
    return check_persona(persona)


def _texts(conn: Conn, member_id: UUID, persona: str, language: str) -> tuple[list[str], list[str]]:
    voice = _voice(member_id, persona, language)
    samples = [r.body for r in sql.many(conn, Q.sample_texts, {**voice, "limit": SAMPLES_USED}, _Body)]
    posts = [r.body for r in sql.many(conn, Q.published_texts, {**voice, "limit": POSTS_USED}, _Body) if r.body]
    return samples, posts


def _view(persona: str, language: str, baseline: VoiceBaseline, samples: int, posts: int) -> BaselineView:
    return BaselineView(
        persona=persona,
        language=language,
        samples=samples,
        posts=posts,
        words=baseline.words,
        enough=baseline.enough,
    )


def rebuild_baseline(conn: Conn, member_id: UUID, *, persona: str = DEFAULT_PERSONA, language: str) -> BaselineView:
    """Measure the imported samples and published posts again and store the baseline.

    Raises:
        VoiceInputInvalid: a persona or language name that is not well-formed, or a language voice
            match has no data for (see psn_core/voice/data/voice_match.yaml).
    """
    persona = _persona(persona, language)
    samples, posts = _texts(conn, member_id, persona, language)
    baseline = build_baseline([*samples, *posts], language)
    if baseline is None:
        from psn_core.voice.errors import VoiceInputInvalid
        from psn_core.voice.match import match_languages

        raise VoiceInputInvalid(
            f"psn cannot measure a voice in {language!r} yet, so nothing was imported.",
            f"Use one of the languages voice match knows: {', '.join(match_languages())}.",
        )
    params = {
        **_voice(member_id, persona, language),
        "baseline": Jsonb(baseline.model_dump(mode="json")),
        "samples": len(samples),
        "posts": len(posts),
    }
    sql.run(conn, Q.save_baseline, params)
    return _view(persona, language, baseline, len(samples), len(posts))


def add_samples(
    conn: Conn,
    member_id: UUID,
    texts: Sequence[ImportedText],
    *,
    source: Source,
    persona: str = DEFAULT_PERSONA,
    language: str,
) -> ImportResult:
    """Store texts of the user's own writing (a text over 20,000 characters is cut there) and rebuild the
    baseline. The same text imported twice is stored once.

    Raises:
        VoiceInputInvalid: bad persona or language name, or a language voice match does not know.
        TextInvalid: a text holds NUL characters or bytes that are not UTF-8.
    """
    persona = _persona(persona, language)
    added = again = 0
    skipped: list[str] = []
    for item in texts:
        body = check_text(item.body, f"the text from {item.origin or source}").strip()
        if not body:
            skipped.append(f"{item.origin or 'a text'}: empty")
            continue
        body = body[:MAX_SAMPLE_CHARS]
        params = {
            **_voice(member_id, persona, language),
            "source": source,
            "origin": (item.origin or None) and item.origin[:2048],
            "body": body,
            "hash": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        }
        if sql.value(conn, Q.add_sample, params) is None:
            again += 1
        else:
            added += 1
    view = rebuild_baseline(conn, member_id, persona=persona, language=language)
    return ImportResult(source=source, added=added, already_there=again, skipped=skipped, baseline=view)


def stored_baseline(conn: Conn, member_id: UUID, *, persona: str, language: str) -> BaselineView | None:
    """The stored baseline's summary, or None when none was built yet."""
    found = sql.one(conn, Q.stored_baseline, _voice(member_id, persona, language), _Stored)
    if found is None:
        return None
    view = _view(persona, language, found.baseline, found.samples, found.posts)
    view.updated_at = found.updated_at
    return view


class _Published(BaseModel):
    n: int
    newest: datetime | None


def _stale(conn: Conn, voice: dict[str, object], found: _Stored) -> bool:
    """Posts were published since ``found`` was stored: the count of used posts differs, or (past the
    ``POSTS_USED`` cap, where the count stays put) the newest publication is after it was stored."""
    published = sql.one(conn, Q.published_count, voice, _Published)
    assert published is not None  # an aggregate always has a row
    if found.posts != min(published.n, POSTS_USED):
        return True
    return published.newest is not None and published.newest > found.updated_at


def is_stale(conn: Conn, member_id: UUID, *, persona: str = DEFAULT_PERSONA, language: str) -> bool:
    """Whether the stored baseline misses posts published since (True when none is stored).

    Raises:
        VoiceInputInvalid: bad persona or language name.
    """
    persona = _persona(persona, language)
    voice = _voice(member_id, persona, language)
    found = sql.one(conn, Q.stored_baseline, voice, _Stored)
    return found is None or _stale(conn, voice, found)


class VoiceMatchCheck(BaseModel):
    """Voice match for one draft, or why there is none."""

    report: VoiceMatchReport | None
    note: str | None = None


def check_voice_match(
    conn: Conn, member_id: UUID, text: str, *, persona: str = DEFAULT_PERSONA, language: str
) -> VoiceMatchCheck:
    """How close ``text`` is to the user's own writing in ``language``: the stored baseline, or, when none
    is stored yet or posts were published since it was, one measured now from samples and published posts
    (not stored: this is a read; imports and `psn voice baseline --refresh` store it).

    Raises:
        VoiceInputInvalid: bad persona or language name.
    """
    persona = _persona(persona, language)
    voice = _voice(member_id, persona, language)
    found = sql.one(conn, Q.stored_baseline, voice, _Stored)
    if found is not None and not _stale(conn, voice, found):
        baseline: VoiceBaseline | None = found.baseline
    else:  # none stored yet, or posts published since: measured now (a check stores nothing)
        samples, posts = _texts(conn, member_id, persona, language)
        baseline = build_baseline([*samples, *posts], language)
    if baseline is None:
        return VoiceMatchCheck(report=None, note=f"psn cannot measure a voice in {language!r} yet (no voice match).")
    if not baseline.enough:
        return VoiceMatchCheck(
            report=None,
            note=f"Voice match needs at least {MIN_TEXTS} of your own texts ({MIN_WORDS}+ words) in {language}; "
            f"psn has {baseline.texts} ({baseline.words} words). Import some: `psn voice import --file posts.txt`, "
            "`--url`, `--x`, or paste them with `--text`.",
        )
    report = match_voice(text, baseline)
    return VoiceMatchCheck(report=report, note=None if report else "The draft has no words to compare.")
