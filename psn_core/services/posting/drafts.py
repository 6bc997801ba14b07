"""Drafting: checking a draft against each target platform, and the bundle a writer needs for one post.

:func:`check_draft` is pure (text and voice files, no hub): per target it applies the rules save_draft
applies (``draft_rules``: length as the platform counts it, the thread a long post becomes when split,
media counts, the privacy choice), previews that thread, and scores naturalness once for the whole draft.
:func:`drafting_context` turns a platform's declaration into :class:`PlatformRules` and hands it to
:func:`psn_core.services.voice.context.draft_context`. Both branch on declared limits and capabilities,
never on a platform's name.

Errors raised here (psn_core.errors holds the tree): DraftInputInvalid (an InvalidInput) when no
target platform was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel, Field

from psn_core.errors import DraftInputInvalid
from psn_core.hub.database import Hub
from psn_core.platforms.base import Platform, count_text
from psn_core.platforms.models import Capabilities, TextCounting
from psn_core.services.accounts.accounts import platform_class
from psn_core.services.posting.draft_rules import DraftShape, most_media, target_problems, thread_parts
from psn_core.services.voice.baseline import VoiceMatchCheck, check_voice_match
from psn_core.services.voice.context import DraftContext, PlatformRules, draft_context
from psn_core.services.voice.files import DEFAULT_PERSONA, check_text
from psn_core.voice import NaturalnessReport
from psn_core.voice.errors import UnsupportedLanguage

# Capability flags that describe what a post can be (formats.yaml names), as opposed to how it is sent.
_FORMAT_CAPABILITIES: dict[str, str] = {
    "text_only": "text",
    "threads": "threads",
    "images": "images",
    "carousels": "carousels",
    "documents": "documents",
    "video": "video",
    "articles": "articles",
    "reels": "reels",
    "photo_posts": "photo_posts",
}
_LIMIT_NAMES = (
    "max_thread_parts",
    "carousel_min",
    "carousel_max",
    "max_images_per_post",
    "posts_per_day",
    "title_max_length",
)
_COUNTING_RULES: dict[TextCounting, str] = {
    TextCounting.X_WEIGHTED: "as {name} counts them: every link counts 23, emoji and CJK characters count 2",
    TextCounting.CHARACTERS: "Unicode characters",
    TextCounting.UTF16: "UTF-16 code units (most emoji count 2)",
}


class LengthCheck(BaseModel):
    counting: TextCounting
    length: int = Field(description="The text's length as the platform counts it.")
    limit: int
    fits: bool


class ThreadPreview(BaseModel):
    """How a text too long for one post splits into a thread (nothing dropped, URLs never cut)."""

    parts: list[str]
    part_lengths: list[int]
    max_parts: int | None
    fits: bool


class MediaCheck(BaseModel):
    count: int
    max_items: int
    fits: bool


class TargetCheck(BaseModel):
    """One target platform's verdict on the draft."""

    platform: str
    display_name: str
    ok: bool
    length: LengthCheck
    thread: ThreadPreview | None = Field(
        description="Set when the text is too long for one post and the platform has threads: the thread "
        "save_draft makes of it with split_into_thread."
    )
    media: MediaCheck
    problems: list[str] = Field(description="What must change before this target can be posted, in sentences.")


class DraftCheck(BaseModel):
    """The draft checked against every target, and how human it reads."""

    ok: bool = Field(
        description="True when save_draft takes the draft with the same options (split_into_thread, privacy_level, "
        "that many valid media files): the media files themselves are probed when saved."
    )
    language: str
    persona: str
    targets: list[TargetCheck]
    naturalness: NaturalnessReport | None
    naturalness_note: str | None = None
    profile_used: Path | None = Field(description="The voice profile the naturalness check used, if any.")
    voice_match: VoiceMatchCheck | None = Field(
        default=None, description="How close the draft is to the user's own writing (0-100), each habit that is off."
    )


@dataclass(frozen=True)
class DraftOptions:
    """What, besides its text, decides whether a draft can be saved as it is (save_draft's same options)."""

    media_count: int = 0
    split_into_thread: bool = False
    privacy_level: str | None = None
    sandboxed: frozenset[str] = frozenset()  # platforms whose app is unaudited (TikTok posts privately)


def _thread(cls: type[Platform], text: str) -> ThreadPreview:
    limits = cls.limits
    parts = thread_parts(cls, [text], split_into_thread=True)
    lengths = [cls.text_length(p) for p in parts]
    fits = limits.max_thread_parts is None or len(parts) <= limits.max_thread_parts
    return ThreadPreview(parts=parts, part_lengths=lengths, max_parts=limits.max_thread_parts, fits=fits)


def _check_target(cls: type[Platform], text: str, options: DraftOptions) -> TargetCheck:
    limits = cls.limits
    length = count_text(text, limits.text_counting)
    check = LengthCheck(
        counting=limits.text_counting,
        length=length,
        limit=limits.max_text_length,
        fits=length <= limits.max_text_length,
    )
    texts = thread_parts(cls, [text], split_into_thread=options.split_into_thread)
    shape = DraftShape(
        texts=tuple(texts),
        media_counts=(options.media_count,) + (0,) * (len(texts) - 1),  # media go with the first part
        privacy_level=options.privacy_level,
    )
    problems = target_problems(cls, shape, sandbox=cls.name in options.sandboxed)
    most = most_media(cls)
    return TargetCheck(
        platform=cls.name,
        display_name=cls.display_name,
        ok=not problems,
        length=check,
        thread=_thread(cls, text) if not check.fits and cls.capabilities.threads else None,
        media=MediaCheck(count=options.media_count, max_items=most, fits=options.media_count <= most),
        problems=problems,
    )


def check_draft(
    voices: Path,
    text: str,
    *,
    platforms: Sequence[str],
    language: str,
    persona: str = DEFAULT_PERSONA,
    options: DraftOptions = DraftOptions(),
) -> DraftCheck:
    """Check a draft for each target platform and score how human it reads.

    The targets are checked by the rules save_draft applies (draft_rules), so a draft found ok here is
    saved with the same options; the media files themselves are probed only when saved. A language psn
    has no tells for is not an error: the targets are still checked and ``naturalness_note`` says why
    there is no score.

    Raises:
        DraftInputInvalid: no target platform.
        InvalidSetting: a platform psn does not know.
        VoiceInputInvalid: bad persona or language name.
        VoiceProfileInvalid: the persona's profile exists but is broken (names field and line).
    """
    names = list(dict.fromkeys(p.strip().lower() for p in platforms))
    if not names:
        raise DraftInputInvalid("No target platform was given, so there is nothing to check the draft against.")
    classes = [platform_class(name) for name in names]
    note: str | None = None
    report: NaturalnessReport | None = None
    profile_used: Path | None = None
    try:
        checked = check_text(voices, text, language=language, persona=persona)
        report, profile_used = checked.report, checked.profile_used
    except UnsupportedLanguage as exc:
        note = f"{exc.message} The targets are checked; the naturalness score is skipped."
    targets = [_check_target(cls, text, options) for cls in classes]
    return DraftCheck(
        ok=all(t.ok for t in targets),
        language=language,
        persona=persona,
        targets=targets,
        naturalness=report,
        naturalness_note=note,
        profile_used=profile_used,
    )


# --- the drafting bundle ---------------------------------------------------------------------------


def _capability_names(caps: Capabilities) -> list[str]:
    return [label for flag, label in _FORMAT_CAPABILITIES.items() if getattr(caps, flag)]


def _plain_rules(cls: type[Platform]) -> list[str]:
    limits, caps, name = cls.limits, cls.capabilities, cls.display_name
    counting = _COUNTING_RULES[limits.text_counting].format(name=name)
    rules = [f"A post's text is at most {limits.max_text_length} characters, counted in {counting}."]
    if caps.threads and limits.max_thread_parts:
        rules.append(f"Longer text can go out as a thread of up to {limits.max_thread_parts} posts.")
    if caps.carousels and limits.carousel_max:
        rules.append(f"A carousel holds {limits.carousel_min or 2} to {limits.carousel_max} items.")
    if not caps.text_only:
        rules.append(f"{name} does not publish text alone: every post needs an image or a video.")
    if caps.sandbox_private_only:
        rules.append("An unaudited app posts privately (visible to the author only).")
    if limits.title_max_length:
        rules.append(f"Titles are at most {limits.title_max_length} characters.")
    return rules


def platform_rules(platform: str) -> PlatformRules:
    """A platform's declared limits and capabilities, in the shape the voice services take.

    Raises:
        InvalidSetting: a platform psn does not know.
    """
    cls = platform_class(platform)
    limits = {name: value for name in _LIMIT_NAMES if (value := getattr(cls.limits, name)) is not None}
    return PlatformRules(
        platform=cls.name,
        capabilities=_capability_names(cls.capabilities),
        max_text_length=cls.limits.max_text_length,
        limits=limits,
        rules=_plain_rules(cls),
    )


def drafting_context(
    hub: Hub,
    voices: Path,
    member_id: UUID,
    *,
    platform: str,
    language: str,
    persona: str = DEFAULT_PERSONA,
    series: str | None = None,
) -> DraftContext:
    """Voice section, platform rules and limits, anti-patterns and a varied format for one post; with
    ``series`` (a slug or id), the series' template and the next episode's number and label too.

    Raises:
        InvalidSetting: a platform psn does not know.
        VoiceInputInvalid: bad persona or language name.
        VoiceProfileInvalid: the profile is broken (names field and line).
        NoFormatAvailable: none of the platform's capabilities maps to a known format.
        HubUnreachable: the hub did not answer.
        SeriesNotFound: no such series.
    """
    from psn_core.services.series import store as series_store

    rules = platform_rules(platform.strip().lower())
    with hub.transaction(member_id) as conn:
        context = draft_context(conn, voices, member_id, persona=persona, language=language, platform_rules=rules)
        if series is None:
            return context
        brief = series_store.episode_brief(series_store.get_series(conn, series))
    note = (
        f"This post is episode {brief.label} of the series {brief.name!r}: follow its structure, open and close "
        f"as its template says, add its hashtags, and save it with series={brief.slug!r}."
    )
    return context.model_copy(update={"series": brief, "notes": [*context.notes, note]})


def add_voice_match(hub: Hub, member_id: UUID, checked: DraftCheck, text: str) -> DraftCheck:
    """``checked`` with the voice match of ``text`` against the member's baseline (beside naturalness).

    Raises:
        VoiceInputInvalid: bad persona or language name.
        HubUnreachable: the hub did not answer.
    """
    with hub.transaction(member_id) as conn:
        found = check_voice_match(conn, member_id, text, persona=checked.persona, language=checked.language)
    return checked.model_copy(update={"voice_match": found})
