"""Strategy errors: leaves of the PSNError tree, listed (with their parents) in psn_core.errors.

They live here, not in psn_core.errors, because StrategyInvalid is one of the voice package's
file-with-problems errors (each problem names its field and line).
"""

from __future__ import annotations

from psn_core.errors import ConfigError, InvalidInput, NotFound
from psn_core.voice.errors import _ProblemsError


class StrategyInvalid(_ProblemsError):
    default_action = "Fix the field on the line named above in strategy.yaml, then run `psn strategy check`."


class StrategyNotFound(NotFound):
    default_action = "Create it with `psn strategy init` (or copy strategy.example.yaml to strategy.yaml)."


class StrategyExists(ConfigError):
    default_action = "Edit strategy.yaml by hand, or run `psn strategy init --force` to replace it."


class StrategyChangeInvalid(InvalidInput):
    default_action = (
        "Name a field as `pillars`, `pillars.<name>`, `pillars.<name>.weight`, `frequency.<platform>`, "
        "`times.<platform>`, `languages.<code>` or `avoid_topics`, with a value the strategy accepts."
    )


class StrategyLocked(InvalidInput):
    """A change to a field the strategy's ``locked:`` list protects."""

    default_action = (
        "Leave it as it is, or ask the user: only they can unlock it (`psn strategy unlock <field>`, removing it "
        "from `locked:` in strategy.yaml, or confirming the unlock psn asks them about)."
    )

    def __init__(self, message: str, action: str | None = None, *, path: str = "", lock: str = "") -> None:
        super().__init__(message, action)
        self.path = path
        self.lock = lock
