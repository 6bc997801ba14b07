"""Every error psn raises on purpose, as one tree.

Each class carries a human ``message`` (what happened), an ``action`` (what the user does next) and
``retryable`` (whether trying the same thing again later can succeed). Edges (CLI, MCP tools, worker
tasks) print ``message`` and ``action``; nothing else should need to catch ``Exception``.

    PSNError
    ├── ConfigError                 settings or workspace are wrong; fix them and run again
    │   ├── WorkspaceNotFound
    │   ├── InvalidSetting
    │   └── KeyMissing              no encryption key (file or PSN_MASTER_KEY)
    ├── HubError                    the hub database
    │   ├── HubUnreachable          (retryable) connect failed or timed out
    │   ├── EmbeddedServerError     the private Postgres in .psn/pg could not start or stop
    │   ├── MigrationError
    │   │   ├── MigrationChecksumMismatch   an applied migration file was edited
    │   │   └── MigrationMissing            the hub has a migration this psn does not know
    │   ├── UnsafeRuntimeRole       runtime connection is superuser or BYPASSRLS
    │   └── MemberContextMissing    a query path ran without a member id
    ├── ConnectFailed               connecting an account did not complete (state, decline, timeout)
    ├── PostError                   a post cannot be created, scheduled or changed as asked
    │   ├── PostInvalid             it breaks a platform's rules (every problem listed)
    │   ├── InvalidSchedule         the time does not exist, is ambiguous or has passed
    │   ├── PostNotFound
    │   └── PostLocked              it is publishing (or done): too late to change
    ├── CryptoError
    │   ├── DecryptionFailed        tampered ciphertext or wrong key
    │   └── UnknownKeyId            ciphertext names a key psn does not have
    └── PlatformError               a social platform said no (raw body kept, redacted)
        ├── AuthExpired             (retryable after refresh)
        ├── AuthRevoked             user must reconnect
        ├── RateLimited             (retryable) carries retry_after seconds
        ├── BillingRequired         X pay-per-use: payment needed
        ├── ContentRejected         the text/post itself was refused
        ├── MediaRejected           media invalid, caught before upload when possible
        ├── PlatformUnavailable     (retryable) 5xx, network
        └── OutcomeUnknown          a write may or may not have happened; reconcile, never blind-retry
"""

from __future__ import annotations


class PSNError(Exception):
    """Base of every psn error: a sentence for the user and what to do about it."""

    retryable: bool = False
    default_action: str = "Run `psn doctor` to see what is wrong."

    def __init__(self, message: str, action: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.action = action or self.default_action

    def __str__(self) -> str:
        return self.message

    def for_humans(self) -> str:
        """The message and the action, as printed by every edge."""
        return f"{self.message}\n  What to do: {self.action}"


# --- configuration -----------------------------------------------------------------------------


class ConfigError(PSNError):
    """Settings or the workspace are wrong."""

    default_action = "Fix the setting in hub.env (see hub.env.example) and run the command again."


class WorkspaceNotFound(ConfigError):
    default_action = "Run `psn init` in the folder you want to use, or pass --workspace PATH."


class InvalidSetting(ConfigError):
    pass


class KeyMissing(ConfigError):
    default_action = (
        "Restore the key file named by PSN_KEY_FILE (default .psn/master.key) from your backup, "
        "or set PSN_MASTER_KEY. Without it, stored tokens cannot be read: reconnect accounts with `psn auth`."
    )


# --- hub database ------------------------------------------------------------------------------


class HubError(PSNError):
    """The hub database."""


class HubUnreachable(HubError):
    retryable = True
    default_action = (
        "Check PSN_DATABASE_URL (host, port, sslmode). A serverless hub such as Neon may be waking up: "
        "try again in a few seconds. For the embedded hub run `psn hub start`."
    )


class EmbeddedServerError(HubError):
    default_action = "Look at .psn/pg/log for the server's own words, then run `psn hub start`."


class MigrationError(HubError):
    default_action = "Run `psn hub migrate`, then `psn doctor`."


class MigrationChecksumMismatch(MigrationError):
    default_action = (
        "Applied migrations must never change. Restore the original file from git and put your change "
        "in a new numbered migration."
    )


class MigrationMissing(MigrationError):
    default_action = "This hub was migrated by a newer psn. Upgrade psn (`uv sync`) before using it."


class UnsafeRuntimeRole(HubError):
    default_action = (
        "Runtime connections must use the psn_app role (NOSUPERUSER NOBYPASSRLS). Run `psn hub migrate` "
        "to create it, and do not point the runtime at a superuser."
    )


class MemberContextMissing(HubError):
    default_action = "This is a psn bug: every query must run inside hub.transaction(member_id)."


# --- connecting accounts -----------------------------------------------------------------------


class ConnectFailed(PSNError):
    """A sign-in (`psn auth`) did not complete: wrong or expired state, declined, timed out."""

    default_action = "Run `psn auth <platform>` again and approve psn in the browser within 10 minutes."


# --- posts -------------------------------------------------------------------------------------


class PostError(PSNError):
    """A post cannot be created, scheduled or changed as asked."""

    default_action = "Run `psn queue` to see your posts and their states."


class PostInvalid(PostError):
    default_action = "Edit the post as described and schedule it again; nothing was uploaded."

    def __init__(self, message: str, action: str | None = None, *, problems: list[str] | None = None) -> None:
        super().__init__(message, action)
        self.problems = problems or []


class InvalidSchedule(PostError):
    default_action = "Pick another time, written as YYYY-MM-DD HH:MM in your time zone."


class PostNotFound(PostError):
    pass


class PostLocked(PostError):
    default_action = "It is publishing or already done; `psn queue` shows its state."


# --- secrets -----------------------------------------------------------------------------------


class CryptoError(PSNError):
    """Encryption at rest."""


class DecryptionFailed(CryptoError):
    default_action = (
        "The stored secret was altered or encrypted with another key. Reconnect the account with "
        "`psn auth <platform>`; if you rotated keys, make sure the old key is still available."
    )


class UnknownKeyId(CryptoError):
    default_action = (
        "A stored secret names a key this workspace does not have. Restore the old key file or add it "
        "to PSN_OLD_MASTER_KEYS, then run `psn keys rotate`."
    )


# --- platforms ---------------------------------------------------------------------------------


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
