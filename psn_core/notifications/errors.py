"""Notification errors: a leaf of the PSNError tree, listed (with its parents) in psn_core.errors.

They live here, not in psn_core.errors, because only the notification transports raise them and only
delivery (and the notification services above it) handles them.
"""

from __future__ import annotations

from psn_core.errors import PSNError


class NotificationError(PSNError):
    """The notification system. A failed transport never loses a notification: the record stays queued
    and the CLI prints it."""


class TransportNotConfigured(NotificationError):
    default_action = (
        "Run `psn notifications setup waha --chat-id NUMBER@c.us --api-key KEY` or "
        "`psn notifications setup twilio --to +NUMBER --auth-token TOKEN`."
    )


class TransportError(NotificationError):
    """A transport failed; ``transport`` names it (waha, twilio)."""

    def __init__(self, message: str, action: str | None = None, *, transport: str = "") -> None:
        super().__init__(message, action)
        self.transport = transport


class TransportUnavailable(TransportError):
    retryable = True
    default_action = (
        "Nothing is lost: notifications stay queued and every psn command prints critical ones. "
        "Check that the WhatsApp service is running; psn delivers the backlog when it is back."
    )


class TransportRejected(TransportError):
    default_action = "Check the stored key and recipient with `psn notifications setup`, then `psn notifications test`."
