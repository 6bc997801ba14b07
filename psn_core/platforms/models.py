"""Typed models of the platform contract: what a platform declares and what its verbs take and return.

Declarations (``Limits``, ``RateLimits``, ``Capabilities``, ``MediaSpec``, ``OAuthSpec``) are frozen class
attributes of each platform; payloads (``PublishRequest``, ``UploadRequest`` ...) are what services pass in; results
(``PublishResult``, ``UploadSession`` ...) are what comes back. ``UploadSession`` is plain data so a caller
can persist it between upload steps and resume after a crash.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --- declarations ------------------------------------------------------------------------------


class TextCounting(StrEnum):
    """How a platform counts the length of a post's text."""

    X_WEIGHTED = "x_weighted"  # twitter-text weights: CJK/emoji count 2, every URL counts 23
    CHARACTERS = "characters"  # Unicode code points
    UTF16 = "utf16"  # UTF-16 code units (what most JS-backed validators count)


class MediaKind(StrEnum):
    IMAGE = "image"
    GIF = "gif"
    VIDEO = "video"
    DOCUMENT = "document"


class MediaTransfer(StrEnum):
    """How media reaches a platform."""

    UPLOAD = "upload"  # psn sends the bytes (init / chunks / finalize / status), then posts the media id
    UPLOAD_WITH_POST = "upload_with_post"  # the upload's init *is* the publish (TikTok video)
    URL = "url"  # the platform fetches a public URL while publishing (Instagram, TikTok photos)


class Limits(_Frozen):
    max_text_length: int
    text_counting: TextCounting
    max_thread_parts: int | None = None  # None: the platform has no threads
    carousel_min: int | None = None  # None: no carousels
    carousel_max: int | None = None
    max_images_per_post: int = 1
    posts_per_day: int | None = None
    requests_per_window: int | None = None
    window_seconds: int | None = None
    title_max_length: int | None = None


class HeaderDialect(StrEnum):
    """How a platform reports its own request count in responses."""

    X_RATE_LIMIT = "x_rate_limit"  # x-rate-limit-limit / -remaining / -reset per endpoint
    META_USAGE = "meta_usage"  # X-Business-Use-Case-Usage / X-App-Usage percentages
    NONE = "none"  # nothing documented: psn's own count is all there is


class WindowAnchor(StrEnum):
    """When a rate-limit window opens and closes."""

    FIRST_CALL = "first_call"  # opens with the first call after the last reset, lasts window_seconds
    UTC_MIDNIGHT = "utc_midnight"  # daily windows that close at 00:00 UTC


class RateLimits(_Frozen):
    """How a platform counts API requests, as its documentation publishes it.

    Every window lasts ``Limits.window_seconds``. An endpoint is named ``METHOD /path/template`` (ids and
    URNs written ``:id`` / ``:urn``, the path starting at one of ``api_roots``).
    """

    per_endpoint: bool = True  # one budget per endpoint; False: one budget for the whole account
    # requests per window of an endpoint not listed below; None: Limits.requests_per_window
    default_requests: int | None = None
    endpoint_requests: dict[str, int] = Field(default_factory=dict)  # documented per-endpoint numbers
    anchor: WindowAnchor = WindowAnchor.FIRST_CALL
    headers: HeaderDialect = HeaderDialect.NONE
    # path segments where the API path starts, so a proxy or emulator prefix is not part of the endpoint
    api_roots: tuple[str, ...] = ()
    unmetered_methods: frozenset[str] = frozenset()  # requests that are not API calls (media byte PUTs)


class Capabilities(_Frozen):
    text_only: bool = False
    threads: bool = False
    carousels: bool = False
    documents: bool = False
    video: bool = False
    images: bool = False
    articles: bool = False
    reels: bool = False
    photo_posts: bool = False
    sandbox_private_only: bool = False  # unaudited apps may only post privately
    needs_public_media_url: bool = False  # the platform pulls media from a URL, never receives bytes


class MediaSpec(_Frozen):
    """What one kind of media must look like on a platform (checked before upload by another module)."""

    kind: MediaKind
    mime_types: tuple[str, ...]
    max_bytes: int
    min_width: int | None = None
    max_width: int | None = None
    min_height: int | None = None
    max_height: int | None = None
    max_pixels: int | None = None  # width x height, when the platform caps the pixel count itself
    min_aspect_ratio: float | None = None  # width / height
    max_aspect_ratio: float | None = None
    min_duration_seconds: float | None = None
    max_duration_seconds: float | None = None
    max_frame_rate: float | None = None
    min_frame_rate: float | None = None
    video_codecs: tuple[str, ...] = ()
    audio_codecs: tuple[str, ...] = ()
    max_pages: int | None = None
    notes: str = ""


class Feature(StrEnum):
    """What psn does with an account, each possibly needing scopes of its own (``OAuthSpec.features``)."""

    PUBLISH = "publish"
    ANALYTICS = "analytics"
    RECONCILE = "reconcile"  # read the account's recent posts to settle a publish of unknown outcome


class OAuthSpec(_Frozen):
    """How a platform's OAuth 2.0 works. URLs are production ones; a base URL setting moves their host.

    ``scopes`` is what every app can ask for; ``features`` names the scopes each feature needs (a feature
    not named needs nothing beyond connecting): the one declaration psn decides from and `psn auth status`
    and `psn auth verify` report from. ``scope_notes`` says, as a verb phrase, what a scope lets psn do that
    no feature names (knowing which account is connected, inbox drafts). Scopes a platform grants to
    approved apps only are not in ``scopes``: users whose app has them add them with a setting
    (``PlatformConfig.extra_scopes``).
    """

    authorize_base_url: str
    authorize_path: str
    token_base_url: str
    token_path: str
    scopes: tuple[str, ...]
    features: Mapping[Feature, tuple[str, ...]] = Field(default_factory=dict)
    scope_notes: Mapping[str, str] = Field(default_factory=dict)
    scope_separator: str = " "
    pkce: bool = True
    # RFC 7636 says base64url; some platforms document hex of the SHA-256 digest instead.
    pkce_challenge_encoding: Literal["base64url", "hex"] = "base64url"
    client_id_param: str = "client_id"
    client_auth: Literal["basic", "body"] = "body"
    access_token_lifetime: timedelta
    refresh_token_lifetime: timedelta | None = None
    refresh_token_rotates: bool = False
    refresh_token_single_use: bool = False
    programmatic_refresh: bool = True
    # Instagram: short-lived code token -> long-lived token exchange, and a GET refresh with its own grant.
    long_lived_exchange_path: str | None = None
    refresh_base_url: str | None = None
    refresh_path: str | None = None
    refresh_grant_type: str = "refresh_token"
    refresh_method: Literal["GET", "POST"] = "POST"
    # Instagram has no refresh token: the long-lived access token refreshes itself.
    refresh_with_access_token: bool = False

    def missing_scopes(self, feature: Feature, granted: Collection[str]) -> tuple[str, ...]:
        """The scopes ``feature`` needs that ``granted`` lacks. A token with no scopes recorded (the
        platform did not say) is taken to hold what psn asks every app for."""
        have = set(granted) or set(self.scopes)
        return tuple(scope for scope in self.features.get(feature, ()) if scope not in have)

    def features_needing(self, scope: str) -> tuple[Feature, ...]:
        """The features that need ``scope`` (what a token without it cannot do), in Feature order."""
        return tuple(feature for feature in Feature if scope in self.features.get(feature, ()))


# --- configuration -----------------------------------------------------------------------------


class PlatformConfig(BaseModel):
    """Connection settings of one platform app, built by the caller (library code never reads env).

    ``base_url`` replaces the API host (tests point it at the emulator); unless ``auth_base_url`` is
    given it also moves the OAuth endpoints, so one emulator URL serves everything.
    """

    model_config = ConfigDict(extra="forbid")

    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    redirect_uri: str = ""
    base_url: str | None = None
    auth_base_url: str | None = None
    sandbox: bool = False
    media_host_url: str | None = None
    api_version: str | None = None  # LinkedIn-Version (YYYYMM) or Graph API version (v23.0)
    extra_scopes: tuple[str, ...] = ()  # asked for beyond OAuthSpec.scopes (granted to approved apps only)
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    poll_interval: float = Field(default=2.0, ge=0)
    poll_timeout: float = Field(default=300.0, ge=0)


# --- OAuth results -----------------------------------------------------------------------------


class AuthorizationRequest(_Frozen):
    """Where to send the user, plus what the caller must keep until the redirect comes back."""

    url: str
    state: str
    code_verifier: str | None


class TokenSet(BaseModel):
    access_token: SecretStr
    refresh_token: SecretStr | None = None
    expires_in: int | None = None
    refresh_expires_in: int | None = None
    scopes: tuple[str, ...] = ()
    token_type: str = "bearer"  # noqa: S105 - a token kind, not a secret
    user_id: str | None = None  # returned by some token endpoints (TikTok open_id, Instagram user_id)
    obtained_at: datetime


# --- payloads ----------------------------------------------------------------------------------


class MediaRef(_Frozen):
    """A media item in a post: already uploaded (``media_id``) or reachable by a public ``url``."""

    kind: MediaKind
    media_id: str | None = None
    url: str | None = None
    alt_text: str | None = None
    title: str | None = None  # LinkedIn documents need one


class ArticleLink(_Frozen):
    url: str
    title: str | None = None
    description: str | None = None
    thumbnail_id: str | None = None


class PostPart(_Frozen):
    text: str = ""
    media: tuple[MediaRef, ...] = ()


class PublishRequest(_Frozen):
    """One post. Several ``parts`` make a thread (X); several media in part one make a carousel."""

    parts: tuple[PostPart, ...] = Field(min_length=1)
    article: ArticleLink | None = None
    title: str | None = None  # TikTok photo title, LinkedIn multi-image/document alt
    privacy_level: str | None = None  # TikTok: chosen by the user from creator_info's options; never defaulted
    reel: bool = False  # Instagram: publish a video as a reel
    # TikTok's interaction settings: off unless the user turns them on (Direct Post UX guidelines)
    allow_comment: bool = False
    allow_duet: bool = False
    allow_stitch: bool = False
    reply_to_id: str | None = None  # X: continue a thread after a partial failure


class UploadRequest(_Frozen):
    kind: MediaKind
    mime_type: str
    total_bytes: int = Field(ge=0)
    source_url: str | None = None  # pull-from-URL platforms (Instagram, TikTok photos)
    alt_text: str | None = None
    # TikTok: the upload init *is* the publish (caption and privacy go with it). None: inbox upload.
    post: PublishRequest | None = None
    duration_seconds: float | None = None  # videos, when known: checked against the creator's maximum


class UploadSession(BaseModel):
    """State of one multi-step upload; persist it between steps to resume."""

    platform: str
    kind: MediaKind
    media_id: str
    mime_type: str
    total_bytes: int
    chunk_size: int
    total_chunks: int
    next_chunk: int = 0
    upload_url: str | None = None
    finalized: bool = False
    # False when finalizing said the media is ready at once (X images: no processing_info to poll)
    needs_processing: bool = True
    expires_at: datetime | None = None


class MediaState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class MediaStatus(_Frozen):
    media_id: str
    state: MediaState
    check_after_seconds: float | None = None
    error: str | None = None


class PublishState(StrEnum):
    PROCESSING = "processing"
    PUBLISHED = "published"
    SENT_TO_INBOX = "sent_to_inbox"  # TikTok: the user finishes the post in the app
    FAILED = "failed"


class PublishResult(_Frozen):
    post_id: str  # the first (or only) remote id; TikTok: the publish_id until a post id is known
    part_ids: tuple[str, ...]  # every remote id created, in order (thread parts, carousel children)
    state: PublishState = PublishState.PUBLISHED
    url: str | None = None
    private_only: bool = False  # posted visible to the author only (sandbox/unaudited apps)


class PublishStatus(_Frozen):
    remote_id: str
    state: PublishState
    post_ids: tuple[str, ...] = ()
    error: str | None = None


class PostMetrics(_Frozen):
    post_id: str
    impressions: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    views: int | None = None
    reach: int | None = None
    link_clicks: int | None = None  # X non-public metrics (own posts, last 30 days)
    profile_clicks: int | None = None
    fetched_at: datetime


class RemoteLink(_Frozen):
    """A link the platform rewrote in a post's text (X: a t.co link), as its entities describe it."""

    short_url: str
    expanded_url: str | None = None
    media: bool = False  # the link X appends for attached media: it stands for no text psn sent


class RemotePost(_Frozen):
    """A post as the platform returns it when listing the account's recent posts (for reconciliation)."""

    post_id: str
    text: str = ""  # as the platform returns it: escaped, shortened links (see Platform.sent_text_matches)
    created_at: datetime | None = None
    url: str | None = None
    links: tuple[RemoteLink, ...] = ()  # link entities, in order of appearance, when the API gives them
    media_count: int | None = None  # media attached; None: the listing does not say
    reply_to_id: str | None = None  # the post it replies to (X threads); None: none or not said


class RemoteUser(_Frozen):
    id: str
    handle: str
    display_name: str | None = None


class PublishingQuota(_Frozen):
    """How many posts the platform still lets this account publish through the API (Instagram's
    content_publishing_limit): ``used`` of ``total`` in a moving window of ``window_seconds``."""

    used: int
    total: int
    window_seconds: int
    resets_at: datetime | None = None  # when room opens again, when the platform lets psn know

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.used)


class PostingSettings(_Frozen):
    """What the creator may choose for a post, read from the platform before posting (TikTok's
    creator_info): privacy levels offered (none preselected), interactions the creator turned off."""

    handle: str | None = None
    privacy_levels: tuple[str, ...] = ()
    comment_disabled: bool = False
    duet_disabled: bool = False
    stitch_disabled: bool = False
    max_video_seconds: float | None = None
