"""Voice profile models: how one writer (or one brand) sounds, per language and per platform.

A profile is a YAML file in voices/ that people edit by hand, so every model keeps unknown keys
(``extra="allow"``) and the store writes them back. Language sections are independent: the Spanish
voice is written for Spanish readers, never derived from the English one.

Personas: ``personal`` (one person), ``brand_operator`` (the company speaking) and
``brand_ambassador`` (a person speaking inside company guardrails). Both brand personas need a
``guardrails`` section; a personal profile must not have one.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, model_validator

from psn_core.voice.anti_patterns import AntiPattern

Level = Annotated[int, Field(ge=0, le=10, description="0 = not at all, 10 = as much as possible")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")]
PlatformName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Persona = Literal["personal", "brand_operator", "brand_ambassador"]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class VoiceModel(BaseModel):
    """Base for every profile section: unknown keys are kept and assignments are validated."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)


class Traits(VoiceModel):
    """Language-agnostic character of the voice, each 0-10."""

    formality: Level = 5
    humor: Level = 3
    assertiveness: Level = 5
    technical_depth: Level = 5
    controversy_budget: Level = Field(default=2, ge=0, le=10)


class SentenceLength(VoiceModel):
    """Typical and longest sentence, in words."""

    target_words: int | None = Field(default=None, ge=3, le=60)
    max_words: int | None = Field(default=None, ge=3, le=120)


class LanguageVoice(VoiceModel):
    """How the voice sounds in one language. Written for that language, not translated."""

    vocabulary: list[NonEmpty] = Field(default_factory=list)
    sentence_patterns: list[NonEmpty] = Field(default_factory=list)
    sentence_length: SentenceLength = Field(default_factory=SentenceLength)
    openings: list[NonEmpty] = Field(default_factory=list)
    closings: list[NonEmpty] = Field(default_factory=list)
    signature_phrases: list[NonEmpty] = Field(default_factory=list)
    hashtags: list[NonEmpty] = Field(default_factory=list)
    never_use: list[NonEmpty] = Field(default_factory=list)


class PlatformStyle(VoiceModel):
    """Per-platform adaptation of the voice."""

    tone: str | None = None
    emoji: Literal["none", "rare", "some", "lots"] = "rare"
    hashtag_style: Literal["none", "end", "inline"] = "end"
    max_hashtags: int | None = Field(default=None, ge=0, le=30)
    max_length: int | None = Field(default=None, ge=1, description="Preferred maximum, in characters.")


class Guardrails(VoiceModel):
    """Company rules a brand voice (operator or ambassador) stays inside."""

    company: NonEmpty
    forbidden_topics: list[NonEmpty] = Field(default_factory=list)
    never_use: list[NonEmpty] = Field(default_factory=list)
    required_disclosure: str | None = None
    max_controversy: Level | None = None
    approval_required: bool = True


class VoiceProfile(VoiceModel):
    """A whole voice profile (one YAML file in voices/)."""

    version: Literal[1] = 1
    name: NonEmpty
    persona: Persona = "personal"
    traits: Traits = Field(default_factory=Traits)
    languages: dict[LanguageCode, LanguageVoice] = Field(default_factory=dict)
    anti_patterns: list[AntiPattern] = Field(default_factory=list)
    use_default_anti_patterns: bool = True
    platforms: dict[PlatformName, PlatformStyle] = Field(default_factory=dict)
    guardrails: Guardrails | None = None

    # The file's raw mapping as loaded, so a save keeps the author's key order.
    _source: dict[str, object] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _persona_matches_guardrails(self) -> VoiceProfile:
        if self.persona == "personal" and self.guardrails is not None:
            raise ValueError("guardrails only apply to brand personas (brand_operator, brand_ambassador)")
        if self.persona != "personal" and self.guardrails is None:
            raise ValueError(f"persona {self.persona} needs a guardrails section (at least guardrails.company)")
        if (
            self.guardrails is not None
            and self.guardrails.max_controversy is not None
            and self.traits.controversy_budget > self.guardrails.max_controversy
        ):
            raise ValueError(
                f"traits.controversy_budget {self.traits.controversy_budget} exceeds "
                f"guardrails.max_controversy {self.guardrails.max_controversy}"
            )
        return self

    def language(self, code: str) -> LanguageVoice:
        """The section for ``code``; an empty one (not the English one) when the profile has none."""
        return self.languages.get(code) or LanguageVoice()

    def never_use(self, code: str) -> list[str]:
        """Words and phrases never to use in ``code``: the language's list plus company guardrails."""
        extra = self.guardrails.never_use if self.guardrails is not None else []
        return list(dict.fromkeys([*self.language(code).never_use, *extra]))

    def platform(self, name: str) -> PlatformStyle:
        """The adaptation for platform ``name``, or neutral defaults."""
        return self.platforms.get(name) or PlatformStyle()
