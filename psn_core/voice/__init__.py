"""Voice: profiles (voices/*.yaml), naturalness checks, learning from edits, format variety.

Pure code only (files and text); storage in the hub and MCP tools live elsewhere. Its errors are
imported from :mod:`.errors`.
"""

from psn_core.voice.anti_patterns import (
    AntiPattern,
    AntiPatternHit,
    LimitAntiPattern,
    PhraseAntiPattern,
    RegexAntiPattern,
    default_anti_patterns,
    find_anti_patterns,
)
from psn_core.voice.edits import (
    EditDiff,
    Suggestion,
    apply_suggestion,
    diff_edit,
    edit_ratio,
    suggest_from_edits,
)
from psn_core.voice.errors import ProfileProblem
from psn_core.voice.formats import rank_formats, recommend_format
from psn_core.voice.naturalness import FlaggedTell, NaturalnessReport, check_naturalness
from psn_core.voice.onboarding import CORE_QUESTIONS, CoreAnswers, build_profile, write_profile_from_answers
from psn_core.voice.profile import (
    Guardrails,
    LanguageVoice,
    PlatformStyle,
    SentenceLength,
    Traits,
    VoiceProfile,
)
from psn_core.voice.store import list_profiles, load_profile, parse_profile, profile_to_yaml, save_profile
from psn_core.voice.tells import available_languages, load_tells

__all__ = [
    "CORE_QUESTIONS",
    "AntiPattern",
    "AntiPatternHit",
    "CoreAnswers",
    "EditDiff",
    "FlaggedTell",
    "Guardrails",
    "LanguageVoice",
    "LimitAntiPattern",
    "NaturalnessReport",
    "PhraseAntiPattern",
    "PlatformStyle",
    "ProfileProblem",
    "RegexAntiPattern",
    "SentenceLength",
    "Suggestion",
    "Traits",
    "VoiceProfile",
    "apply_suggestion",
    "available_languages",
    "build_profile",
    "check_naturalness",
    "default_anti_patterns",
    "diff_edit",
    "edit_ratio",
    "find_anti_patterns",
    "list_profiles",
    "load_profile",
    "load_tells",
    "parse_profile",
    "profile_to_yaml",
    "rank_formats",
    "recommend_format",
    "save_profile",
    "suggest_from_edits",
    "write_profile_from_answers",
]
