"""Format variety and the drafting bundle: what a drafting tool needs for one post.

:func:`recent_formats` reads the formats of approved posts from ``draft_edits`` (every approval is
recorded there by :func:`psn_core.services.voice.learning.record_edit`); :func:`draft_context` bundles the
persona's voice for one language and platform with a format chosen to vary deliberately. Platform
rules come in as a parameter, so this module never imports psn_core.platforms.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from pydantic import BaseModel, Field

from psn_core.hub import sql
from psn_core.hub.database import Conn
from psn_core.hub.sql import Queries
from psn_core.services.analytics.signals import recent_performance
from psn_core.services.learning.preferences import draft_lines, load_brand_preferences, load_preferences
from psn_core.services.series.models import EpisodeBrief
from psn_core.services.voice.files import DEFAULT_PERSONA, check_names, load_persona_profile, profile_path
from psn_core.voice import (
    AntiPattern,
    Guardrails,
    LanguageVoice,
    PlatformStyle,
    Traits,
    VoiceProfile,
    default_anti_patterns,
    rank_formats,
)
from psn_core.voice.errors import VoiceProfileNotFound
from psn_core.voice.formats import format_catalog

Q = Queries.load(__package__)


@dataclass(frozen=True)
class FormatRow:
    format: str


def recent_formats(conn: Conn, member_id: UUID, platform: str, n: int | None = None) -> list[str]:
    """Formats of the member's last ``n`` approved posts on ``platform``, oldest first.

    ``n`` defaults to the recency window of the shipped format catalog.

    Raises:
        VoiceInputInvalid: ``platform`` is not a platform name.
    """
    check_names(language="en", platform=platform)
    limit = n if n is not None else format_catalog().recency.window
    params = {"member": member_id, "platform": platform, "limit": limit}
    rows = sql.many(conn, Q.recent_formats, params, FormatRow)
    return [r.format for r in reversed(rows)]


class PlatformRules(BaseModel):
    """The platform's declared rules, as the caller read them (services.voice never imports platforms)."""

    platform: str
    capabilities: list[str] = Field(
        description="Capability names as formats.yaml uses them: text, threads, images, carousels, ..."
    )
    max_text_length: int | None = None
    limits: dict[str, int] = Field(default_factory=dict, description="Other declared limits, by name.")
    rules: list[str] = Field(default_factory=list, description="Plain-language rules to pass to the writer.")


class DraftContext(BaseModel):
    """Everything about voice and variety the writer needs for one post."""

    persona: str
    language: str
    platform: str
    profile_path: Path
    profile_found: bool
    profile_name: str | None
    traits: Traits
    voice: LanguageVoice = Field(description="The profile's section for this language (empty if none).")
    never_use: list[str] = Field(description="The language's never-use list plus company guardrails.")
    guardrails: Guardrails | None
    platform_style: PlatformStyle
    anti_patterns: list[AntiPattern]
    recommended_format: str
    format_ranking: list[str] = Field(description="Supported formats, best next choice first.")
    recent_formats: list[str] = Field(description="Formats of recent posts on this platform, oldest first.")
    max_length: int | None = Field(description="The stricter of the platform limit and the profile's preference.")
    platform_rules: PlatformRules
    notes: list[str]
    performance: list[str] = Field(
        default_factory=list,
        description="What performed on this platform in the last 30 days (by format) and posts flagged for review.",
    )
    series: EpisodeBrief | None = Field(
        default=None, description="The series this post is the next episode of (its template and label), if asked."
    )
    preferences: list[str] = Field(
        default_factory=list,
        description="What psn learned works for this user (or brand): formats, pillars, openings, their edits, "
        "topics resting. Empty before the first weekly refresh.",
    )


def _anti_patterns(profile: VoiceProfile | None, language: str) -> list[AntiPattern]:
    defaults = list(default_anti_patterns()) if profile is None or profile.use_default_anti_patterns else []
    own = list(profile.anti_patterns) if profile is not None else []
    return [p for p in [*own, *defaults] if p.applies_to(language)]


def _stricter(*limits: int | None) -> int | None:
    known = [limit for limit in limits if limit is not None]
    return min(known) if known else None


def draft_context(
    conn: Conn,
    voices: Path,
    member_id: UUID,
    *,
    persona: str = DEFAULT_PERSONA,
    language: str,
    platform_rules: PlatformRules,
) -> DraftContext:
    """The voice section, platform style, anti-patterns and a deliberately varied format for one post.

    Without a profile yet the context still works (psn defaults) and says so in ``notes``.

    Raises:
        VoiceInputInvalid: bad persona, language or platform name.
        VoiceProfileInvalid: the profile is broken (names field and line); drafting in a wrong
            voice silently would be worse than stopping.
        NoFormatAvailable: none of the platform's capabilities maps to a known format.
    """
    platform = platform_rules.platform
    check_names(language=language, platform=platform)
    path = profile_path(voices, persona)
    notes: list[str] = []
    try:
        profile: VoiceProfile | None = load_persona_profile(voices, persona)
    except VoiceProfileNotFound:
        profile = None
        notes.append(f"No voice profile at {path}: run `psn voice init` (about 2 minutes) to write in your voice.")
    if profile is not None and language not in profile.languages:
        notes.append(
            f"The profile has no {language!r} section: write natively for {language} readers, "
            "do not translate another language's voice."
        )
    recent = recent_formats(conn, member_id, platform)
    prefs = load_brand_preferences(conn) if persona.startswith("brand") else None
    prefs = prefs or load_preferences(conn, member_id)
    dropped = {d.split(".", 1)[1] for d in (prefs.dropped_formats if prefs else []) if d.startswith(f"{platform}.")}
    ranked = rank_formats(platform, platform_rules.capabilities, recent)
    ranking = [f for f in ranked if f not in dropped] or ranked  # formats the user agreed to drop, last resort
    style = profile.platform(platform) if profile is not None else PlatformStyle()
    return DraftContext(
        persona=persona,
        language=language,
        platform=platform,
        profile_path=path,
        profile_found=profile is not None,
        profile_name=profile.name if profile is not None else None,
        traits=profile.traits if profile is not None else Traits(),
        voice=profile.language(language) if profile is not None else LanguageVoice(),
        never_use=profile.never_use(language) if profile is not None else [],
        guardrails=profile.guardrails if profile is not None else None,
        platform_style=style,
        anti_patterns=_anti_patterns(profile, language),
        recommended_format=ranking[0],
        format_ranking=ranking,
        recent_formats=recent,
        max_length=_stricter(platform_rules.max_text_length, style.max_length),
        platform_rules=platform_rules,
        notes=notes,
        performance=recent_performance(conn, member_id, platform),
        preferences=draft_lines(prefs, platform),
    )
