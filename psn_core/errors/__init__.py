"""Every error psn raises on purpose, as one tree.

Each class carries a human ``message`` (what happened), an ``action`` (what the user does next) and
``retryable`` (whether trying the same thing again later can succeed). Edges (CLI, MCP tools, worker
tasks) print ``message`` and ``action``; nothing else should need to catch ``Exception``.

Indentation is inheritance. ``(also X)`` names a second parent, kept because code catches the class by
it. Every class is defined in this module except those marked with a home below; they live in the
domain package that raises them (tests/unit/test_error_tree.py checks this tree against the code).
The platform errors live in a module of this package and are importable from here as well:

    [platform]  psn_core.errors.platform   a social platform's refusals (importable from psn_core.errors)
    [voice]   psn_core.voice.errors     voice files and suggestions (carry ProfileProblem)
    [media]   psn_core.media.errors     MediaInvalid (carries the MediaCheck that failed)
    [notify]  psn_core.notifications.errors     the notification transports' failures
    [strategy]  psn_core.strategy.errors    strategy.yaml: missing, broken, locked fields, bad changes
    [ideas]   psn_core.services.ideas.errors     the ideas bank: unknown ids, bad captures, refused moves
    [import]  psn_core.services.voice.import_errors   content import for voice match: refused URLs, failed reads
    [trends]  psn_core.services.trends.errors    trend intake: unknown trends, sources that failed
    [slots]   psn_core.services.company.slot_errors     calendar slot claims: unknown, taken, in the past
    [plan]    psn_core.services.plan.errors      the weekly plan: unknown plans or slots, refused moves
    [series]  psn_core.services.series.errors    series: unknown series, bad cadences or pillars, refused moves
    [learning]  psn_core.services.learning.errors   what psn learns: strategy proposals the user decides
    [engage]  psn_core.services.engage.errors    the engagement inbox: unknown opportunities, refused replies

    PSNError
    ├── NotFound                    what was asked for (by id, name or path) does not exist
    │   ├── WorkspaceNotFound       no psn workspace in this folder or above it
    │   ├── PostNotFound
    │   ├── CompanyNotFound         no connections/<company>.env
    │   ├── NotificationNotFound    `psn notifications ack ID` with an id the member does not have
    │   ├── AccountNotFound         no connected account of this member on that platform (with that handle)
    │   ├── IdeaNotFound            [ideas] no idea with that id (or id prefix) that the member can see
    │   ├── TrendNotFound           [trends] no trend (or trend source) of the member with that id or name
    │   ├── SlotNotFound            [slots] no claimed slot with that id (or id prefix) in the company hub
    │   ├── PlanNotFound            [plan] no weekly plan (or plan slot) with that week or id for this member
    │   ├── SeriesNotFound          [series] no series with that slug or id that the member can see
    │   ├── ProposalNotFound        [learning] no pending strategy proposal with that id for this member
    │   ├── OpportunityNotFound     [engage] no engagement opportunity (or reply) with that id for this member
    │   ├── SuggestionNotFound      [voice] no pending voice suggestion with that id for this member
    │   ├── VoiceProfileNotFound    [voice] the profile file does not exist
    │   └── StrategyNotFound        [strategy] no strategy.yaml (`psn strategy init` writes one)
    ├── InvalidInput                what was passed in is wrong; fix it and ask again
    │   ├── PostInvalid             it breaks a platform's rules (every problem listed)
    │   ├── InvalidSchedule         unreadable, does not exist, happens twice (DST) or has passed
    │   ├── ConfirmationInvalid     a publish confirmation token that is forged, stale or for another preview
    │   ├── DraftInputInvalid       a draft check with no target platform
    │   ├── WeekInvalid             a --week that is not an ISO week like 2026-W09
    │   ├── IdeaInputInvalid        [ideas] a captured idea with an unknown tag, bad value, unknown pillar or no text
    │   ├── SlotInputInvalid        [slots] a slot claim for a time that has passed, or in a personal hub
    │   ├── PlanInputInvalid        [plan] a week that is no date or ISO week, an unknown rating, a kill without reason
    │   ├── SeriesInputInvalid      [series] an unknown pillar, a cadence that never fires, a bad label or template
    │   ├── ReplyInvalid            [engage] a reply that is empty or over the platform's length limit
    │   ├── ToolArgumentsInvalid    MCP tool arguments that make no sense together (the schema cannot say so)
    │   ├── InvalidNotification     a notification without a message or an action to take (a psn bug)
    │   ├── DisplayNameInvalid      a member's display name that is empty or holds control characters
    │   ├── MediaReferenceRefused   a media name that is not a content-addressed file of the media folder
    │   ├── TextInvalid             text that is not valid UTF-8 or holds NUL bytes (argument, file, tool call)
    │   ├── MediaInvalid            [media] (also MediaRejected) the file fails the platform's media specs
    │   ├── VoiceInputInvalid       [voice] a persona, language, platform or format name is not well-formed
    │   ├── UrlRefused              [import] a URL not http(s), to a non-public address, too many redirects, too big
    │   ├── NothingToImport         [import] a voice import with no text in it
    │   ├── StrategyChangeInvalid   [strategy] a change names no strategy field, has no evidence, or breaks it
    │   ├── StrategyLocked          [strategy] a change to a field strategy.yaml locks (only the user unlocks)
    │   └── _ProblemsError          [voice] a file with problems, each naming its field and line
    │       ├── VoiceProfileInvalid     [voice] the YAML is broken or a field is wrong
    │       ├── VoiceDataInvalid        [voice] a data file shipped with psn is broken (a psn bug)
    │       └── StrategyInvalid         [strategy] strategy.yaml's YAML is broken or a field is wrong
    ├── ConfigError                 settings or workspace are wrong; fix them and run again
    │   ├── InvalidSetting
    │   ├── KeyMissing              no encryption key (file or PSN_MASTER_KEY)
    │   ├── NotADemoWorkspace       `psn quickstart` pointed at a workspace it did not make (a real one)
    │   ├── MediaHostNotConfigured  the platform pulls media from a public URL and there is no media host
    │   ├── VoiceProfileExists      [voice] `psn voice init` would overwrite a profile (use --force)
    │   ├── UnsupportedLanguage     [voice] no naturalness tells exist for that language
    │   ├── NoFormatAvailable       [voice] the platform's capabilities allow none of the known formats
    │   └── StrategyExists          [strategy] `psn strategy init` would overwrite strategy.yaml (use --force)
    ├── HubError                    the hub database
    │   ├── HubUnreachable          (retryable) connect failed or timed out
    │   ├── EmbeddedServerError     the private Postgres in .psn/pg could not start or stop
    │   ├── MigrationError
    │   │   ├── MigrationChecksumMismatch   an applied migration file was edited
    │   │   └── MigrationMissing            the hub has a migration this psn does not know
    │   ├── UnsafeRuntimeRole       runtime connection is superuser or BYPASSRLS
    │   └── MemberContextMissing    a query path ran without a member id
    ├── ConnectFailed               connecting an account did not complete (state, decline, timeout)
    ├── CompanyError                a company hub refused or cannot do what was asked
    │   ├── CompanyExists           the company or its connection file already exists
    │   ├── NotPermitted            the member's role (or removal) does not allow it
    │   ├── InviteRejected          the code is unknown, used, expired or revoked
    │   ├── DisplayNameTaken        another member of the company hub has that name (case-insensitive)
    │   ├── InviteRateLimited       (retryable) too many failed codes lately
    │   ├── HubOnlyLocal            the hub listens on this machine only: an invite would not work elsewhere
    │   └── OwnerCannotCreateRoles  the owner role lacks CREATEROLE, needed for members' login roles
    ├── PostError                   a post cannot be changed as asked
    │   ├── PostLocked              it is publishing (or done): too late to change
    │   ├── AccountHasPendingPosts  an account to remove still has posts waiting to go out (each listed)
    │   └── PostChangedSinceReview  an approval named content the post no longer has (the author changed it)
    ├── IdeaError                   [ideas] an idea cannot move as asked
    │   ├── IdeaTransitionRefused   [ideas] the ideas state machine forbids that move (or a kill without a reason)
    │   └── IdeaTaken               [ideas] another member claimed the idea first (company hubs)
    ├── ImportFailed            [import] (retryable) a page to import did not answer in time or could not be reached
    ├── TrendSourceFailed           [trends] (retryable) a trend source timed out, said no, or sent no feed
    ├── SlotError                   [slots] a calendar slot cannot be claimed as asked
    │   └── SlotTaken               [slots] another member holds the slot (named in the message)
    ├── PlanNeedsStrategy           [plan] no usable strategy.yaml: capacity, pillars and times come from it
    ├── PlanError                   [plan] a plan or one of its slots cannot change as asked
    │   └── PlanSlotRefused         [plan] the plan's state machine forbids it (a slot drafted twice, a closed plan)
    ├── SeriesError                 [series] a series cannot change as asked
    │   └── SeriesTransitionRefused [series] active <-> paused, and retired (final): anything else is refused
    ├── EngageError                 [engage] a reply psn will not send now (nothing was sent)
    │   ├── OpportunityExpired      [engage] the conversation is older than 48 hours, or was answered already
    │   ├── AuthorBlocked           [engage] the author is on the engagement blocklist
    │   ├── ReplyCapReached         [engage] the platform's daily reply cap, or the cooldown for that author
    │   ├── RepliesNotAllowed       [engage] the platform does not let apps reply there (its rule, or no API)
    │   └── QuietHoursNow           [engage] the engagement config's quiet hours
    ├── CryptoError
    │   ├── DecryptionFailed        tampered ciphertext or wrong key
    │   └── UnknownKeyId            ciphertext names a key psn does not have
    ├── NotificationError           [notify] the notification system (a failed transport never loses one)
    │   ├── TransportNotConfigured  [notify] no WhatsApp transport, recipient or stored key/token
    │   └── TransportError          [notify] a transport said no or could not be reached
    │       ├── TransportUnavailable  [notify] (retryable) network, timeout, 5xx, 429, WAHA session not WORKING
    │       └── TransportRejected     [notify] bad API key / auth token, bad recipient: fix the setup
    └── PlatformError               [platform] a social platform said no (raw body kept, redacted)
        ├── AuthExpired             [platform] (retryable after refresh)
        ├── AuthRevoked             [platform] user must reconnect
        ├── RateLimited             [platform] (retryable) carries retry_after seconds
        ├── BillingRequired         [platform] X pay-per-use: payment needed
        ├── ContentRejected         [platform] the text/post itself was refused
        ├── MediaRejected           [platform] media invalid, caught before upload when possible
        ├── PlatformUnavailable     [platform] (retryable) 5xx, network
        └── OutcomeUnknown          [platform] a write may or may not have happened; reconcile, never blind-retry
            └── OutcomeUnverifiable [platform] psn may not read the account's posts (a scope withheld): a person checks
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


# --- not found ---------------------------------------------------------------------------------


class NotFound(PSNError):
    """What was asked for (by id, name or path) does not exist."""


class WorkspaceNotFound(NotFound):
    default_action = "Run `psn init` in the folder you want to use, or pass --workspace PATH."


class PostNotFound(NotFound):
    default_action = "Run `psn queue` to see your posts and their states."


class CompanyNotFound(NotFound):
    default_action = "Run `psn company join <company> --hub URL --code CODE`, or `psn company create <company>`."


class NotificationNotFound(NotFound):
    default_action = "Run `psn notifications` to see the ids of your pending notifications."


class AccountNotFound(NotFound):
    default_action = "Run `psn auth status` to see your connected accounts and their handles."


# --- bad input ---------------------------------------------------------------------------------


class InvalidInput(PSNError):
    """What was passed in (arguments, a file, a time, a token) is wrong."""


class PostInvalid(InvalidInput):
    default_action = "Edit the post as described and schedule it again; nothing was uploaded."

    def __init__(self, message: str, action: str | None = None, *, problems: list[str] | None = None) -> None:
        super().__init__(message, action)
        self.problems = problems or []


class InvalidSchedule(InvalidInput):
    default_action = "Pick another time in your zone: 'tomorrow 9am', 'in 2 hours' or YYYY-MM-DD HH:MM."


class ConfirmationInvalid(InvalidInput):
    default_action = "Ask for a new preview (call again without a confirmation token) and confirm that one."


class DraftInputInvalid(InvalidInput):
    default_action = "Name at least one target platform: x, linkedin, instagram or tiktok."


class WeekInvalid(InvalidInput):
    """A --week value that is not an ISO week like 2026-W09."""

    default_action = "Give the week as YYYY-Www, e.g. 2026-W09 (ISO weeks start on Monday)."


class ToolArgumentsInvalid(InvalidInput):
    """The arguments of a tool call make no sense together (the schema cannot say so)."""

    default_action = "Call the tool again with the arguments its description asks for."


class DisplayNameInvalid(InvalidInput):
    default_action = "Give a name of one line of visible text (--your-name)."


class MediaReferenceRefused(InvalidInput):
    """A post's media must be ``<sha256>.<ext>`` in the workspace's media folder: a regular file (not a
    link), whose bytes hash to its name. Anything else (a path, a link, changed bytes) is refused."""

    default_action = "Attach the file again (`psn post --media FILE`), so psn stores it under its content hash."


class TextInvalid(InvalidInput):
    """Text psn cannot store: not valid UTF-8 (undecodable bytes) or holding NUL characters."""

    default_action = "Save the text as UTF-8 without NUL characters (or retype it), then try again."


class InvalidNotification(InvalidInput):
    default_action = "This is a psn bug: every notification needs a message and an action to take."


# --- configuration -----------------------------------------------------------------------------


class ConfigError(PSNError):
    """Settings or the workspace are wrong."""

    default_action = "Fix the setting in hub.env (see hub.env.example) and run the command again."


class InvalidSetting(ConfigError):
    pass


class KeyMissing(ConfigError):
    default_action = (
        "Restore the key file named by PSN_KEY_FILE (default .psn/master.key) from your backup, "
        "or set PSN_MASTER_KEY. Without it, stored tokens cannot be read: reconnect accounts with `psn auth`."
    )


class NotADemoWorkspace(ConfigError):
    default_action = "Run `psn quickstart` without --workspace (it makes its own, ./psn-demo), or give it a new folder."


class MediaHostNotConfigured(ConfigError):
    """The platform pulls media from a public URL and psn has no media host to serve it from."""

    default_action = (
        "Set PSN_MEDIA_HOST_URL to a public base URL (a bucket or CDN) that serves your media files, "
        "or pass a public URL for each media item."
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


# --- company hubs ------------------------------------------------------------------------------


class CompanyError(PSNError):
    default_action = "Run `psn company members` to see your role in the company hub."


class CompanyExists(CompanyError):
    default_action = "Pick another company name, or delete connections/<company>.env if it is stale."


class NotPermitted(CompanyError):
    default_action = "Ask an admin of the company (`psn company members` lists them for editors and admins)."


class InviteRejected(CompanyError):
    default_action = "Ask an admin for a new code (`psn company invite`)."


class DisplayNameTaken(CompanyError):
    default_action = "Choose another display name (--your-name): names are unique in a company, whatever their case."


class InviteRateLimited(CompanyError):
    retryable = True
    default_action = "Wait 15 minutes, check the code with whoever sent it, and try again."


class HubOnlyLocal(CompanyError):
    default_action = (
        "Create the company hub on a server others can reach: `psn company create NAME --database-url URL` "
        "(the owner URL of an empty database on any PostgreSQL >= 15; Neon works). If the person joins from "
        "this machine, pass --this-machine."
    )


class OwnerCannotCreateRoles(CompanyError):
    default_action = (
        "Use an owner role with CREATEROLE (Neon's default owner and RDS's master user have it), or have a "
        "superuser run `ALTER ROLE <owner> CREATEROLE`, then try again."
    )


# --- posts -------------------------------------------------------------------------------------


class PostError(PSNError):
    """A post cannot be changed as asked."""

    default_action = "Run `psn queue` to see your posts and their states."


class PostLocked(PostError):
    default_action = "It is publishing or already done; `psn queue` shows its state."


class AccountHasPendingPosts(PostError):
    default_action = "Cancel those posts first (`psn cancel ID`), or pass --cancel-pending (MCP: cancel_pending)."


class PostChangedSinceReview(PostError):
    default_action = "Run `psn approve` to review the post as it is now, and approve that version."


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


# --- platforms: defined in psn_core.errors.platform (they subclass PSNError), importable from here too -----

from psn_core.errors.platform import AuthExpired as AuthExpired  # noqa: E402
from psn_core.errors.platform import AuthRevoked as AuthRevoked  # noqa: E402
from psn_core.errors.platform import BillingRequired as BillingRequired  # noqa: E402
from psn_core.errors.platform import ContentRejected as ContentRejected  # noqa: E402
from psn_core.errors.platform import MediaRejected as MediaRejected  # noqa: E402
from psn_core.errors.platform import OutcomeUnknown as OutcomeUnknown  # noqa: E402
from psn_core.errors.platform import OutcomeUnverifiable as OutcomeUnverifiable  # noqa: E402
from psn_core.errors.platform import PlatformError as PlatformError  # noqa: E402
from psn_core.errors.platform import PlatformUnavailable as PlatformUnavailable  # noqa: E402
from psn_core.errors.platform import RateLimited as RateLimited  # noqa: E402
