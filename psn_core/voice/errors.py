"""Errors raised by the voice package, as subclasses of the shared tree in psn_core.errors.

ConfigError
├── VoiceProfileNotFound     the profile file does not exist
├── VoiceProfileInvalid      the YAML is broken or a field is wrong (names field and line)
├── VoiceDataInvalid         a data file shipped with psn is broken (a psn bug)
├── UnsupportedLanguage      no naturalness tells exist for that language
└── NoFormatAvailable        the platform's capabilities allow none of the known formats
"""

from __future__ import annotations

from pydantic import BaseModel

from psn_core.errors import ConfigError


class ProfileProblem(BaseModel):
    """One thing wrong in a YAML file: where (dotted field, 1-based line) and what."""

    field: str
    line: int | None
    message: str

    def describe(self) -> str:
        where = f"line {self.line}" if self.line is not None else "unknown line"
        return f"{where}: {self.field or '(top level)'}: {self.message}"


class _ProblemsError(ConfigError):
    """A ConfigError that carries the problems found in one file."""

    def __init__(self, source: str, problems: list[ProfileProblem], action: str | None = None) -> None:
        self.source = source
        self.problems = problems
        lines = "; ".join(p.describe() for p in problems)
        super().__init__(f"{source}: {lines}", action)


class VoiceProfileInvalid(_ProblemsError):
    default_action = "Fix the field on the line named above in the voice profile, then run the command again."


class VoiceDataInvalid(_ProblemsError):
    default_action = "This is a psn bug: a data file shipped with psn is invalid. Reinstall psn or report it."


class VoiceProfileNotFound(ConfigError):
    default_action = "Create the profile with `psn voice init`, or copy voices/personal.example.yaml."


class UnsupportedLanguage(ConfigError):
    default_action = "Use a language psn ships tells for (see psn_core/voice/data/tells/), e.g. en or es."


class NoFormatAvailable(ConfigError):
    default_action = "Check the platform's declared capabilities: none of them maps to a post format."
