"""The calendar slot claims' errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import InvalidInput, NotFound, PSNError


class SlotNotFound(NotFound):
    default_action = "Run `psn calendar` (or get_calendar) to see the claimed slots and their ids."


class SlotInputInvalid(InvalidInput):
    """A claim for a time that has passed, or a slot named in a way that cannot be read."""

    default_action = "Pick a slot still to come: `psn calendar` lists the empty ones."


class SlotError(PSNError):
    """A calendar slot cannot be claimed as asked."""

    default_action = "Run `psn calendar` to see who holds which slot."


class SlotTaken(SlotError):
    """Another member claimed the slot first (the message names them)."""

    default_action = (
        "Pick another slot (`psn calendar` lists the empty ones), or ask its claimer or an editor to release it."
    )
