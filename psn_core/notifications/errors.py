"""Errors of the notification system, as a branch of the PSNError tree.

    PSNError
    └── NotificationError
        ├── InvalidNotification     a notification without a message or an action to take
        ├── NotificationNotFound    `psn notifications ack ID` with an id the member does not have
        ├── TransportNotConfigured  no WhatsApp transport, recipient or stored key/token
        └── TransportError          a transport said no or could not be reached
            ├── TransportUnavailable  (retryable) network, timeout, 5xx, 429, WAHA session not WORKING
            └── TransportRejected     bad API key / auth token, bad recipient: fix the setup

A failed transport never loses a notification: the record stays queued and the CLI prints it.
"""

from __future__ import annotations

from psn_core.errors import PSNError


class NotificationError(PSNError):
    """The notification system."""


class InvalidNotification(NotificationError):
    default_action = "This is a psn bug: every notification needs a message and an action to take."


class NotificationNotFound(NotificationError):
    default_action = "Run `psn notifications` to see the ids of your pending notifications."


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
