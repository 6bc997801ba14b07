"""Voice in the hub: learning from edits and the suggestions the user accepts or dismisses.

Format variety and the drafting bundle live in voice_context, the report in voice_report; this
module re-exports the first two so callers have one import for the posting flow.

Call :func:`record_edit` on every approval, edited or not: an unchanged draft counts as an edit
ratio of 0, which is what makes the trend in ``psn voice report`` fall as the profile improves. Its
format also feeds :func:`recent_formats`, so format variety needs no other bookkeeping.

Every function takes a connection from ``hub.transaction(member_id)``; row-level security already
limits it to that member, and ``member_id`` is written explicitly so the policy's check can hold.

Errors raised here (psn_core.voice.errors; psn_core.errors holds the tree): SuggestionNotFound (a
NotFound) when the member has no pending suggestion with that id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal
from uuid import UUID

from psycopg.types.json import Jsonb
from pydantic import BaseModel, Field

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.voice.context import DraftContext, PlatformRules, draft_context, recent_formats
from psn_core.services.voice.files import DEFAULT_PERSONA, check_names, load_persona_profile, profile_path
from psn_core.voice import (
    EditDiff,
    Suggestion,
    VoiceProfile,
    apply_suggestion,
    check_naturalness,
    diff_edit,
    save_profile,
    suggest_from_edits,
)
from psn_core.voice.errors import SuggestionNotFound, UnsupportedLanguage, VoiceProfileInvalid, VoiceProfileNotFound
from psn_core.voice.formats import check_format, infer_format, media_kinds_of

# Suggestions look at this many recent edits per persona and language: habits change, and an old
# habit should stop arguing for a profile change once the writer has moved on.
HISTORY_WINDOW = 50

SuggestionStatus = Literal["pending", "accepted", "dismissed"]


class StoredSuggestion(BaseModel):
    """A suggestion as stored in the hub, with its id for accept/dismiss."""

    id: int
    persona: str
    language: str
    kind: Literal["never_use", "sentence_length", "signature_phrase"]
    value: str
    target_words: int | None
    reason: str
    evidence: int
    status: SuggestionStatus
    created_at: datetime
    decided_at: datetime | None

    def suggestion(self) -> Suggestion:
        return Suggestion(
            kind=self.kind,
            language=self.language,
            value=self.value,
            target_words=self.target_words,
            evidence=self.evidence,
            reason=self.reason,
        )


class RecordedEdit(BaseModel):
    """One stored draft/final pair and what psn learned from it."""

    id: int
    persona: str
    language: str
    platform: str
    format: str
    edit_ratio: float = Field(description="0 = posted as drafted, 1 = rewritten entirely.")
    removed_words: list[str]
    added_words: list[str]
    naturalness_before: int | None = Field(description="None when psn has no tells for the language.")
    naturalness_after: int | None
    suggestions: list[StoredSuggestion] = Field(description="Pending suggestions created or updated now.")
    note: str | None = Field(default=None, description="Why suggestions were not refreshed, if they were not.")


Q = Queries.load(__package__)


class StoredDiff(BaseModel):
    diff: EditDiff


@dataclass(frozen=True)
class Dismissed:
    kind: str
    value: str | None


def _subject(suggestion: Suggestion) -> str:
    # One pending sentence-length target per persona and language; words and phrases are their own subject.
    return "sentence_length" if suggestion.kind == "sentence_length" else suggestion.value.lower()


def record_edit(
    conn: Conn,
    voices: Path,
    member_id: UUID,
    *,
    persona: str = DEFAULT_PERSONA,
    language: str,
    platform: str,
    format: str,
    draft: str,
    final: str,
    at: datetime | None = None,
) -> RecordedEdit:
    """Store a draft and the text the user approved, diffed, and refresh profile suggestions.

    The pair is stored even when the profile is missing or broken (``note`` says why suggestions
    were skipped); they are refreshed from the whole recent history on the next edit.

    ``format`` is a name of the format catalog (psn_core/voice/data/formats.yaml): format variety and the
    voice report read it back.

    Raises:
        VoiceInputInvalid: a persona, language or platform name is not well-formed, or ``format`` is not
            a format of the catalog.
    """
    check_names(language=language, platform=platform, format=format)
    check_format(format)
    path = profile_path(voices, persona)
    profile: VoiceProfile | None = None
    note: str | None = None
    try:
        profile = load_persona_profile(voices, persona)
    except VoiceProfileNotFound:
        note = f"No voice profile at {path} yet, so no suggestions: run `psn voice init`."
    except VoiceProfileInvalid as exc:
        note = f"Suggestions skipped until the profile is fixed: {exc.message}"
    diff = diff_edit(draft, final)
    try:
        before: int | None = check_naturalness(draft, profile, language).score
        after: int | None = check_naturalness(final, profile, language).score
    except UnsupportedLanguage:
        before = after = None
    edit = {
        "member": member_id,
        "persona": persona,
        "language": language,
        "platform": platform,
        "format": format,
        "draft": draft,
        "final": final,
        "ratio": diff.ratio,
        "diff": Jsonb(diff.model_dump(mode="json")),
        "before": before,
        "after": after,
        "at": at,
    }
    edit_id = int(sql.value(conn, Q.record_edit, edit))
    refreshed: list[StoredSuggestion] = []
    if profile is not None:
        try:
            refreshed = refresh_suggestions(conn, member_id, persona=persona, language=language, profile=profile)
        except UnsupportedLanguage:
            note = f"psn has no word lists for {language!r}, so edits in it are stored but not learned from."
    return RecordedEdit(
        id=edit_id,
        persona=persona,
        language=language,
        platform=platform,
        format=format,
        edit_ratio=diff.ratio,
        removed_words=diff.removed_words,
        added_words=diff.added_words,
        naturalness_before=before,
        naturalness_after=after,
        suggestions=refreshed,
        note=note,
    )


def record_post_edits(
    conn: Conn,
    voices: Path,
    member_id: UUID,
    *,
    persona: str,
    language: str,
    accounts: Sequence[str],
    format: str | None,
    draft: str,
    final: str,
    media: Sequence[str] = (),
) -> list[RecordedEdit]:
    """:func:`record_edit` once per platform a post went to (``accounts``: x, linkedin:@handle ...), for the
    paths that post one text to several accounts (company posts). ``format`` defaults to the format the
    post's shape shows (``media``: its file names).

    Raises:
        VoiceInputInvalid: a bad name, or a format not in the catalog.
    """
    fmt = check_format(format) if format is not None else infer_format([final], media_kinds_of(media))
    platforms = dict.fromkeys(spec.split(":")[0].strip().lower() for spec in accounts)
    return [
        record_edit(
            conn,
            voices,
            member_id,
            persona=persona,
            language=language,
            platform=platform,
            format=fmt,
            draft=draft,
            final=final,
        )
        for platform in platforms
    ]


def refresh_suggestions(
    conn: Conn, member_id: UUID, *, persona: str, language: str, profile: VoiceProfile
) -> list[StoredSuggestion]:
    """Recompute suggestions from the recent edits; insert new ones, update the evidence of pending ones.

    A dismissed suggestion is not proposed again (for sentence length: not that same target); one
    already in the profile is not proposed (``suggest_from_edits`` checks the profile). Returns the
    rows created or changed.

    Raises:
        UnsupportedLanguage: psn has no stopword list for ``language``.
    """
    voice = {"member": member_id, "persona": persona, "language": language}
    rows = sql.many(conn, Q.recent_diffs, {**voice, "limit": HISTORY_WINDOW}, StoredDiff)
    diffs = [r.diff for r in reversed(rows)]
    found = suggest_from_edits(diffs, profile, language)
    dismissed = {(r.kind, r.value) for r in sql.many(conn, Q.dismissed, voice, Dismissed)}
    changed: list[StoredSuggestion] = []
    for suggestion in found:
        if (suggestion.kind, suggestion.value) in dismissed:
            continue
        upsert = {
            **voice,
            "kind": suggestion.kind,
            "subject": _subject(suggestion),
            "payload": Jsonb(suggestion.model_dump(mode="json")),
            "evidence": suggestion.evidence,
        }
        stored = sql.one(conn, Q.upsert_suggestion, upsert, StoredSuggestion)
        if stored is not None:
            changed.append(stored)
    return changed


def list_suggestions(
    conn: Conn, member_id: UUID, *, status: SuggestionStatus | None = "pending", persona: str | None = None
) -> list[StoredSuggestion]:
    """Suggestions for the member, oldest first; ``status=None`` lists every status."""
    params = {"member": member_id, "status": status, "persona": persona}
    return sql.many(conn, Q.list_suggestions, params, StoredSuggestion)


def _pending(conn: Conn, member_id: UUID, suggestion_id: int) -> StoredSuggestion:
    found = sql.one(conn, Q.lock_pending, {"member": member_id, "id": suggestion_id}, StoredSuggestion)
    if found is None:
        raise SuggestionNotFound(f"There is no pending voice suggestion #{suggestion_id}.")
    return found


def _decide(conn: Conn, member_id: UUID, suggestion_id: int, status: SuggestionStatus) -> StoredSuggestion:
    decision = {"status": status, "member": member_id, "id": suggestion_id}
    decided = sql.one(conn, Q.decide, decision, StoredSuggestion)
    if decided is None:
        raise SuggestionNotFound(f"There is no pending voice suggestion #{suggestion_id}.")
    return decided


class AcceptedSuggestion(BaseModel):
    suggestion: StoredSuggestion
    path: Path


def accept_suggestion(conn: Conn, voices: Path, member_id: UUID, suggestion_id: int) -> AcceptedSuggestion:
    """Apply a pending suggestion to its profile file (atomic save, unknown keys kept); mark it accepted.

    The file is written before the row is marked: if the commit then fails, the suggestion stays
    pending and accepting it again is harmless (applying a suggestion twice changes nothing).

    Raises:
        SuggestionNotFound: no pending suggestion with that id.
        VoiceProfileNotFound: the persona's profile file is gone.
        VoiceProfileInvalid: the profile file is broken (names field and line); nothing is written.
    """
    pending = _pending(conn, member_id, suggestion_id)
    path = profile_path(voices, pending.persona)
    profile = load_persona_profile(voices, pending.persona)
    save_profile(apply_suggestion(profile, pending.suggestion()), path)
    return AcceptedSuggestion(suggestion=_decide(conn, member_id, suggestion_id, "accepted"), path=path)


def dismiss_suggestion(conn: Conn, member_id: UUID, suggestion_id: int) -> StoredSuggestion:
    """Mark a pending suggestion dismissed; psn will not propose the same change again.

    Raises:
        SuggestionNotFound: no pending suggestion with that id.
    """
    return _decide(conn, member_id, suggestion_id, "dismissed")


__all__ = [
    "AcceptedSuggestion",
    "DraftContext",
    "PlatformRules",
    "RecordedEdit",
    "StoredSuggestion",
    "accept_suggestion",
    "dismiss_suggestion",
    "draft_context",
    "list_suggestions",
    "recent_formats",
    "record_edit",
    "record_post_edits",
    "refresh_suggestions",
]
