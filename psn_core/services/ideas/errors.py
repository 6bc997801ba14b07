"""The ideas bank's errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import InvalidInput, NotFound, PSNError


class IdeaNotFound(NotFound):
    default_action = "Run `psn ideas list` (or list_ideas) to see your ideas and their ids."


class IdeaInputInvalid(InvalidInput):
    """A captured idea with an unknown tag, a bad value, an unknown pillar or no text."""

    default_action = "Write the idea, then tags such as #pillar:NAME #platform:x #urgency:timely."


class IdeaError(PSNError):
    """An idea cannot move as asked."""

    default_action = "Run `psn ideas list --state all` to see the idea's state."


class IdeaTransitionRefused(IdeaError):
    """The state machine (spark -> seed -> ready -> claimed -> developed -> used; killed) forbids it."""


class IdeaTaken(IdeaError):
    default_action = "Pick another ready idea (`psn ideas ready`), or ask its claimer to release it."
