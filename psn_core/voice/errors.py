"""Voice errors: a leaf of the PSNError tree, listed (with its parents) in psn_core.errors.

They live here, not in psn_core.errors, because the file errors carry ``ProfileProblem``, a voice model.
"""

from __future__ import annotations

from pydantic import BaseModel

from psn_core.errors import ConfigError, InvalidInput, NotFound


class ProfileProblem(BaseModel):
    """One thing wrong in a YAML file: where (dotted field, 1-based line) and what."""

    field: str
    line: int | None
    message: str

    def describe(self) -> str:
        where = f"line {self.line}" if self.line is not None else "unknown line"
        return f"{where}: {self.field or '(top level)'}: {self.message}"


class _ProblemsError(InvalidInput):
    """An InvalidInput that carries the problems found in one file."""

    def __init__(self, source: str, problems: list[ProfileProblem], action: str | None = None) -> None:
        self.source = source
        self.problems = problems
        lines = "; ".join(p.describe() for p in problems)
        super().__init__(f"{source}: {lines}", action)


class VoiceProfileInvalid(_ProblemsError):
    default_action = "Fix the field on the line named above in the voice profile, then run the command again."


class VoiceDataInvalid(_ProblemsError):
    default_action = "This is a psn bug: a data file shipped with psn is invalid. Reinstall psn or report it."


class VoiceInputInvalid(InvalidInput):
    default_action = (
        "Use a persona such as personal, brand_operator or brand_ambassador-<company>, a language code "
        "such as en or es, and lower-case platform and format names (x, linkedin, short_take)."
    )


class VoiceProfileNotFound(NotFound):
    default_action = "Create the profile with `psn voice init`, or copy voices/personal.example.yaml."


class SuggestionNotFound(NotFound):
    default_action = "Run `psn voice suggestions` to see the pending suggestions and their ids."


class VoiceProfileExists(ConfigError):
    default_action = "Edit the file by hand, or run `psn voice init --force` to replace it."


class UnsupportedLanguage(ConfigError):
    default_action = "Use a language psn ships tells for (see psn_core/voice/data/tells/), e.g. en or es."


class NoFormatAvailable(ConfigError):
    default_action = "Check the platform's declared capabilities: none of them maps to a post format."
