"""The weekly plan's errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import InvalidInput, NotFound, PSNError


class PlanNotFound(NotFound):
    """No plan for that week, or no plan slot with that id, that the member can see."""

    default_action = "Run `psn plan` (or plan_week) to make this week's plan, then `psn plan show`."


class PlanInputInvalid(InvalidInput):
    """A week that is not a date or an ISO week, an unknown rating, a rating kill without a reason."""

    default_action = "Give --week as YYYY-MM-DD or YYYY-Www, and rate ideas love, maybe or kill (kill with --reason)."


class PlanNeedsStrategy(PSNError):
    """There is no usable strategy.yaml: the plan's capacity, pillars and times come from it."""

    default_action = "Run `psn strategy init` (or /psn:strategy), then plan again."


class PlanError(PSNError):
    """A plan or one of its slots cannot change as asked."""

    default_action = "Run `psn plan show` to see the plan and the state of each slot."


class PlanSlotRefused(PlanError):
    """The plan's state machine forbids it: drafting a slot already drafted, changing a closed plan."""
