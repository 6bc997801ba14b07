"""A social platform refused or failed a request: the PlatformError branch of the tree in psn_core.errors.

Import them from psn_core.errors like every other error (it re-exports them); they live here so that module
stays small. Each keeps the platform's response body, redacted, for `psn explain`."""

from __future__ import annotations

from psn_core.errors import PSNError


class PlatformError(PSNError):
    """A platform API refused or failed a request.

    ``raw`` keeps the platform's response body with secrets redacted, for `psn explain`.
    """

    def __init__(
        self,
        message: str,
        action: str | None = None,
        *,
        platform: str = "",
        status_code: int | None = None,
        raw: str = "",
    ) -> None:
        super().__init__(message, action)
        self.platform = platform
        self.status_code = status_code
        self.raw = raw


class AuthExpired(PlatformError):
    retryable = True
    default_action = "psn refreshes the token and tries again; if it keeps failing run `psn auth <platform>`."


class AuthRevoked(PlatformError):
    default_action = "Reconnect the account with `psn auth <platform>`."


class RateLimited(PlatformError):
    retryable = True

    def __init__(
        self,
        message: str,
        action: str | None = None,
        *,
        retry_after: float,
        platform: str = "",
        status_code: int | None = 429,
        raw: str = "",
    ) -> None:
        super().__init__(message, action, platform=platform, status_code=status_code, raw=raw)
        self.retry_after = retry_after


class BillingRequired(PlatformError):
    default_action = "Check the billing and payment method of your developer account, then retry the post."


class ContentRejected(PlatformError):
    default_action = "Edit the post so it meets the platform's rules (`psn explain` shows what it said)."


class MediaRejected(PlatformError):
    default_action = "Replace or convert the media as described, then schedule again."


class PlatformUnavailable(PlatformError):
    retryable = True
    default_action = "psn retries with backoff; nothing to do unless it keeps failing."


class OutcomeUnknown(PlatformError):
    default_action = "psn checks the account's recent posts before trying again, so the post is never duplicated."


class OutcomeUnverifiable(OutcomeUnknown):
    """The outcome is unknown and psn cannot settle it: the account's granted scopes do not let it list the
    account's posts (LinkedIn grants r_member_social to approved apps only). Never retried by psn: the
    user checks the account and, if the post is missing, runs `psn retry`."""

    default_action = "Check your account; if the post is missing, run `psn retry`."
