"""Voice profiles in the workspace: which file a persona means, onboarding, checks and summaries.

Profiles live in ``<workspace>/voices/<persona>.yaml``. The persona key is the file stem:

* ``personal`` (the default): you, posting as yourself;
* ``brand_operator`` / ``brand_ambassador``: the company speaking, or you speaking inside company
  guardrails. For one company's voice, name the company after it, matching ``connections/<company>.env``:
  the files are ``brand-ambassador-acme.yaml`` (what `psn company sync` writes) and
  ``brand-operator-acme.yaml``. Either spelling of the persona (``brand_ambassador-acme``,
  ``brand-ambassador-acme``) names the same file.

The persona part must equal the file's ``persona:`` field. ``*.example.yaml`` files are the
shipped examples (copied in by ``psn init``); they are never loaded as a persona.

Errors raised here (psn_core.voice.errors; psn_core.errors holds the tree): VoiceInputInvalid (an
InvalidInput) for a persona, language, platform or format name that is not well-formed, and
VoiceProfileExists when `psn voice init` would overwrite a profile (use --force).
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from psn_core.voice import (
    CoreAnswers,
    NaturalnessReport,
    PlatformStyle,
    ProfileProblem,
    Traits,
    VoiceProfile,
    available_languages,
    check_naturalness,
    load_profile,
    save_profile,
    write_profile_from_answers,
)
from psn_core.voice.anti_patterns import AntiPattern
from psn_core.voice.errors import VoiceInputInvalid, VoiceProfileExists, VoiceProfileInvalid, VoiceProfileNotFound
from psn_core.voice.yamlio import locate, parse_yaml, read_yaml_text

VOICES_DIR = "voices"
DEFAULT_PERSONA = "personal"
EXAMPLE_SUFFIX = ".example.yaml"
_PERSONA_KEY = re.compile(r"^(personal|brand[_-]operator|brand[_-]ambassador)(-[a-z0-9][a-z0-9_-]{0,40})?$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def voices_dir(workspace: Path) -> Path:
    """The folder holding the workspace's voice profiles."""
    return workspace / VOICES_DIR


def check_persona(persona: str) -> str:
    """Return the canonical key of ``persona`` (a company's brand persona is spelled with dashes:
    ``brand-ambassador-acme``; the others as they are: ``personal``, ``brand_operator``).

    Raises:
        VoiceInputInvalid: not personal, brand_operator, brand_ambassador, optionally with -<company>.
    """
    match = _PERSONA_KEY.match(persona)
    if not match:
        raise VoiceInputInvalid(
            f"{persona!r} is not a voice persona: use personal, brand_operator, brand_ambassador, "
            "or a brand persona followed by -<company> (brand-ambassador-acme)."
        )
    kind, company = match[1].replace("-", "_"), match[2] or ""
    return f"{kind.replace('_', '-')}{company}" if company else kind


def persona_kind(persona: str) -> str:
    """The profile kind a persona key names (personal, brand_operator or brand_ambassador).

    Raises:
        VoiceInputInvalid: not a valid key.
    """
    match = _PERSONA_KEY.match(check_persona(persona))
    assert match is not None
    return match[1].replace("-", "_")


def check_names(*, language: str, platform: str | None = None, format: str | None = None) -> None:
    """Validate the names that key stored edits.

    Raises:
        VoiceInputInvalid: a language, platform or format name is not well-formed.
    """
    if not _LANGUAGE.match(language):
        raise VoiceInputInvalid(f"{language!r} is not a language code (use en, es, pt-BR, ...).")
    for label, value in (("platform", platform), ("format", format)):
        if value is not None and not _NAME.match(value):
            raise VoiceInputInvalid(f"{value!r} is not a {label} name (lower case letters, digits, _).")


def profile_path(voices: Path, persona: str = DEFAULT_PERSONA) -> Path:
    """The file for ``persona``: ``voices/<canonical persona>.yaml`` (a company brand file written with
    underscores by an earlier psn, ``brand_ambassador-acme.yaml``, is still found).

    Raises:
        VoiceInputInvalid: ``persona`` is not a valid key.
    """
    key = check_persona(persona)
    path = voices / f"{key}.yaml"
    if not path.exists() and key.startswith("brand-"):
        kind, company = persona_kind(key), key[len(persona_kind(key)) :]
        legacy = voices / f"{kind}{company}.yaml"
        if legacy.exists():
            return legacy
    return path


def load_persona_profile(voices: Path, persona: str = DEFAULT_PERSONA) -> VoiceProfile:
    """Load ``voices/<persona>.yaml`` and check its ``persona:`` field matches the key.

    Raises:
        VoiceInputInvalid: bad persona key.
        VoiceProfileNotFound: no such file.
        VoiceProfileInvalid: bad YAML or field (names field and line), or a persona mismatch.
    """
    path = profile_path(voices, persona)
    profile = load_profile(path)
    kind = persona_kind(persona)
    if profile.persona != kind:
        _, node = parse_yaml(read_yaml_text(path), str(path))
        field, line = locate(node, ("persona",))
        problem = ProfileProblem(
            field=field, line=line, message=f"is {profile.persona!r} but the file name says {kind!r}"
        )
        raise VoiceProfileInvalid(str(path), [problem])
    return profile


# --- shipped examples ------------------------------------------------------------------------------


def example_profiles() -> dict[str, str]:
    """The example profiles shipped in psn_core/voice/data/examples (file name -> text).

    That folder is the one source of truth; the repository's voices/*.example.yaml are symlinks to it.
    """
    folder = resources.files("psn_core.voice").joinpath("data").joinpath("examples")
    return {
        entry.name: entry.read_text("utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(EXAMPLE_SUFFIX)
    }


def copy_example_profiles(voices: Path) -> list[str]:
    """Copy the shipped examples into ``voices`` where absent; return the names written."""
    voices.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in example_profiles().items():
        target = voices / name
        if not target.exists() and not target.is_symlink():
            target.write_text(text, encoding="utf-8")
            written.append(name)
    return written


# --- onboarding, checks, summaries -----------------------------------------------------------------


class ProfileWritten(BaseModel):
    path: Path
    profile: VoiceProfile
    replaced: bool


def init_profile(voices: Path, answers: CoreAnswers, *, force: bool = False) -> ProfileWritten:
    """Write ``voices/personal.yaml`` from the three core answers (atomically).

    Raises:
        VoiceProfileExists: the file exists and ``force`` is false.
        UnsupportedLanguage: psn has no word lists for ``answers.language``.
        OSError: the folder is not writable.
    """
    path = profile_path(voices, DEFAULT_PERSONA)
    existed = path.exists()
    if existed and not force:
        raise VoiceProfileExists(f"{path} already exists; psn will not overwrite your profile.")
    voices.mkdir(parents=True, exist_ok=True)
    profile = write_profile_from_answers(answers, path)
    return ProfileWritten(path=path, profile=profile, replaced=existed)


class TextCheck(BaseModel):
    report: NaturalnessReport
    profile_used: Path | None = None


def check_text(voices: Path, text: str, *, language: str, persona: str = DEFAULT_PERSONA) -> TextCheck:
    """Naturalness of ``text``, with the persona's profile when there is one (never-use, anti-patterns).

    Raises:
        UnsupportedLanguage: psn ships no tells for ``language``.
        VoiceProfileInvalid: the profile exists but is broken (names field and line).
    """
    check_names(language=language)
    try:
        profile: VoiceProfile | None = load_persona_profile(voices, persona)
        used: Path | None = profile_path(voices, persona)
    except VoiceProfileNotFound:
        profile, used = None, None
    return TextCheck(report=check_naturalness(text, profile, language), profile_used=used)


class LanguageSummary(BaseModel):
    code: str
    target_words: int | None
    max_words: int | None
    vocabulary: list[str]
    signature_phrases: list[str]
    never_use: list[str]
    naturalness_checked: bool


class ProfileSummary(BaseModel):
    """What ``psn voice show`` prints: the profile at a glance, or every problem with field and line."""

    persona: str
    path: Path
    problems: list[ProfileProblem]
    name: str | None = None
    traits: Traits | None = None
    languages: list[LanguageSummary] = []
    platforms: list[str] = []
    anti_patterns: int = 0
    uses_default_anti_patterns: bool = True
    guardrails_company: str | None = None
    other_profiles: list[str] = []

    @property
    def ok(self) -> bool:
        return not self.problems


def describe_profile(voices: Path, persona: str = DEFAULT_PERSONA) -> ProfileSummary:
    """Summarise ``voices/<persona>.yaml``; a broken file comes back with its problems, not raised.

    Raises:
        VoiceInputInvalid: bad persona key.
        VoiceProfileNotFound: no such file.
    """
    path = profile_path(voices, persona)
    others = sorted(p.stem for p in voices.glob("*.yaml") if p != path and not p.name.endswith(EXAMPLE_SUFFIX))
    try:
        profile = load_persona_profile(voices, persona)
    except VoiceProfileInvalid as exc:
        return ProfileSummary(persona=persona, path=path, problems=exc.problems, other_profiles=others)
    checked = set(available_languages())
    languages = []
    for code, section in sorted(profile.languages.items()):
        languages.append(
            LanguageSummary(
                code=code,
                target_words=section.sentence_length.target_words,
                max_words=section.sentence_length.max_words,
                vocabulary=section.vocabulary,
                signature_phrases=section.signature_phrases,
                never_use=profile.never_use(code),
                naturalness_checked=code.split("-")[0].lower() in checked,
            )
        )
    return ProfileSummary(
        persona=persona,
        path=path,
        problems=[],
        name=profile.name,
        traits=profile.traits,
        languages=languages,
        platforms=sorted(profile.platforms),
        anti_patterns=len(profile.anti_patterns),
        uses_default_anti_patterns=profile.use_default_anti_patterns,
        guardrails_company=profile.guardrails.company if profile.guardrails else None,
        other_profiles=others,
    )


# --- changing a profile from a tool (the file stays the user's: atomic, unknown keys kept) -------------


class ProfilePatch(BaseModel):
    """A small change to a profile; fields left empty change nothing."""

    traits: dict[str, int] = Field(default_factory=dict, description="Trait name -> 0-10 (formality, humor, ...).")
    language: str | None = Field(default=None, description="The language section the lists below change.")
    add_never_use: list[str] = Field(default_factory=list, description="Words or phrases the user never uses.")
    remove_never_use: list[str] = Field(default_factory=list, description="Words to take off the never-use list.")
    add_signature_phrases: list[str] = Field(default_factory=list, description="Phrases the user often says.")
    platform: Literal["x", "linkedin", "instagram", "tiktok"] | None = Field(
        default=None, description="The platform whose style the fields below change: x, linkedin, instagram or tiktok."
    )
    platform_style: dict[str, object] = Field(default_factory=dict, description="tone, emoji, hashtag_style, ...")


def update_profile(voices: Path, patch: ProfilePatch, persona: str = DEFAULT_PERSONA) -> VoiceProfile:
    """Apply ``patch`` to the persona's profile file and save it atomically (key order, unknown keys and
    the file mode are kept; the result is validated before anything is written).

    Raises:
        VoiceProfileNotFound, VoiceProfileInvalid: no profile, or the result would not be valid.
        VoiceInputInvalid: an unknown trait, or list/style changes without their language/platform.
    """
    profile = load_persona_profile(voices, persona).model_copy(deep=True)
    unknown = sorted(set(patch.traits) - set(Traits.model_fields))
    if unknown:
        raise VoiceInputInvalid(f"Unknown trait(s): {', '.join(unknown)}.", f"Use {', '.join(Traits.model_fields)}.")
    if patch.traits:
        profile.traits = Traits.model_validate({**profile.traits.model_dump(), **patch.traits})
    if patch.add_never_use or patch.remove_never_use or patch.add_signature_phrases:
        if not patch.language:
            raise VoiceInputInvalid("Word lists belong to a language section.", "Say which language (en, es, ...).")
        section = profile.language(patch.language).model_copy(deep=True)
        removed = {w.lower() for w in patch.remove_never_use}
        kept = [w for w in section.never_use if w.lower() not in removed]
        section.never_use = kept + [w for w in patch.add_never_use if w.lower() not in {k.lower() for k in kept}]
        section.signature_phrases = [
            *section.signature_phrases,
            *[p for p in patch.add_signature_phrases if p not in section.signature_phrases],
        ]
        profile.languages = {**profile.languages, patch.language: section}
    if patch.platform_style:
        if not patch.platform:
            raise VoiceInputInvalid("A platform style needs a platform.", "Say which platform (x, linkedin, ...).")
        current = profile.platforms.get(patch.platform, PlatformStyle()).model_dump()
        profile.platforms = {
            **profile.platforms,
            patch.platform: PlatformStyle.model_validate({**current, **patch.platform_style}),
        }
    save_profile(profile, profile_path(voices, persona))
    return load_persona_profile(voices, persona)


def add_anti_pattern(voices: Path, pattern: AntiPattern, persona: str = DEFAULT_PERSONA) -> VoiceProfile:
    """Append one of the writer's own anti-patterns to the persona's profile (saved atomically).

    Raises:
        VoiceProfileNotFound, VoiceProfileInvalid: no profile, or the result would not be valid.
    """
    profile = load_persona_profile(voices, persona).model_copy(deep=True)
    if any(p.model_dump() == pattern.model_dump() for p in profile.anti_patterns):
        return profile
    profile.anti_patterns = [*profile.anti_patterns, pattern]
    save_profile(profile, profile_path(voices, persona))
    return load_persona_profile(voices, persona)
