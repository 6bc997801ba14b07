"""The engagement inbox's errors (their place in the one tree: psn_core.errors' docstring)."""

from __future__ import annotations

from psn_core.errors import InvalidInput, NotFound, PSNError


class OpportunityNotFound(NotFound):
    default_action = "Run `psn engage list` (or list_opportunities) to see the inbox and its ids."


class ReplyInvalid(InvalidInput):
    """A reply that is empty or over the platform's length limit."""

    default_action = "Shorten the reply (or write one), then confirm it again."


class EngageError(PSNError):
    """A reply psn will not send now; nothing was sent."""

    default_action = "Run `psn engage status` to see what each account can do, and `psn engage list`."


class OpportunityExpired(EngageError):
    default_action = "Pick a fresher conversation from `psn engage list`."


class AuthorBlocked(EngageError):
    default_action = "Remove the author from engagement.blocklist in strategy.yaml if you do want to answer."


class ReplyCapReached(EngageError):
    default_action = "Wait for tomorrow (or the author's cooldown), or raise engagement.daily_replies in strategy.yaml."


class RepliesNotAllowed(EngageError):
    default_action = "Answer this one in the app yourself; `psn engage status` says what each platform allows."


class QuietHoursNow(EngageError):
    default_action = "Send it after the quiet hours end, or change engagement.quiet_hours in strategy.yaml."
