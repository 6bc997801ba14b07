"""LinkedIn REST (versioned) client: posts, images, documents.

Official pages followed (facts only):
- Posts API, POST/GET /rest/posts (author URN, commentary, visibility, distribution, lifecycleState,
  content.media / multiImage / article; id in the x-restli-id header; find by author):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
- Multi-image posts (2 to 20 images):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api
- Images API (initializeUpload -> PUT bytes -> GET status until AVAILABLE; JPG/GIF/PNG):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
- Documents API (PDF/PPT/DOC, 100 MB, 300 pages; same upload flow):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/documents-api
- Commentary "little text" format (reserved characters escaped, hashtag templates; linkedin_text.py):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
- Member post analytics, GET /rest/memberCreatorPostAnalytics?q=entity (IMPRESSION, MEMBERS_REACHED,
  REACTION, COMMENT, RESHARE): https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
- Versioning headers (LinkedIn-Version YYYYMM, X-Restli-Protocol-Version 2.0.0):
  https://learn.microsoft.com/en-us/linkedin/marketing/versioning
- Rest.li 2.0 query encoding (restli.py): https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
- Permissions: w_member_social (Share on LinkedIn), r_member_postAnalytics (member post statistics),
  r_member_social (reading the member's posts; restricted to approved developers):
  https://learn.microsoft.com/en-us/linkedin/shared/authentication/getting-access
- OAuth 2.0 authorization code flow (60-day access tokens):
  https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
- Programmatic refresh tokens (365 days, only for enabled apps; not rotated):
  https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
- Sign In with LinkedIn (OpenID Connect), GET /v2/userinfo:
  https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
- Rate limits (daily, reset at midnight UTC, 429): https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
- Error handling (status, serviceErrorCode, code, message):
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import quote

import httpx2

from psn_core.errors import (
    AuthExpired,
    AuthRevoked,
    ContentRejected,
    MediaRejected,
    PlatformError,
    RateLimited,
)
from psn_core.platforms.http import (
    JSONObject,
    JSONValue,
    describe_wait,
    generic_error,
    get_int,
    get_list,
    get_obj,
    get_str,
    json_body,
    looks_revoked,
    retry_after_seconds,
)
from psn_core.platforms.linkedin_media import LinkedInMedia
from psn_core.platforms.linkedin_text import escape_little_text, unescape_little_text
from psn_core.platforms.models import (
    Capabilities,
    Feature,
    Limits,
    MediaKind,
    MediaRef,
    MediaSpec,
    OAuthSpec,
    PostMetrics,
    PublishRequest,
    PublishResult,
    PublishState,
    PublishStatus,
    RateLimits,
    RemotePost,
    RemoteUser,
    TextCounting,
    WindowAnchor,
)
from psn_core.platforms.restli import RestliValue, with_query

_MB = 1024 * 1024
DEFAULT_VERSION = "202601"
_ANALYTICS = ("IMPRESSION", "MEMBERS_REACHED", "REACTION", "COMMENT", "RESHARE")
__all__ = ["LinkedInPlatform", "escape_little_text", "unescape_little_text"]
_POST_STATE = {
    "PUBLISHED": PublishState.PUBLISHED,
    "PUBLISH_REQUESTED": PublishState.PROCESSING,
    "DRAFT": PublishState.PROCESSING,
    "PUBLISH_FAILED": PublishState.FAILED,
}


class LinkedInPlatform(LinkedInMedia):
    name: ClassVar[str] = "linkedin"
    display_name: ClassVar[str] = "LinkedIn"
    default_base_url: ClassVar[str] = "https://api.linkedin.com"
    limits: ClassVar[Limits] = Limits(
        max_text_length=3000,
        text_counting=TextCounting.CHARACTERS,
        carousel_min=2,  # multi-image post
        carousel_max=20,
        max_images_per_post=20,
        posts_per_day=150,  # member share creation, per day
        requests_per_window=150,
        window_seconds=86400,
        title_max_length=400,
    )
    # Daily per-endpoint limits per member that reset at midnight UTC; no headers, and no numbers published
    # except share creation (the declared 150 per day), which is therefore used for every endpoint.
    # Media bytes PUT to upload URLs are not API calls.
    # https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits
    rate_limits: ClassVar[RateLimits] = RateLimits(
        anchor=WindowAnchor.UTC_MIDNIGHT,
        api_roots=("rest", "v2", "oauth"),
        unmetered_methods=frozenset({"PUT"}),
    )
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_only=True, carousels=True, documents=True, images=True, articles=True
    )
    media_specs: ClassVar[Mapping[MediaKind, MediaSpec]] = {
        MediaKind.IMAGE: MediaSpec(
            kind=MediaKind.IMAGE,
            mime_types=("image/jpeg", "image/png", "image/gif"),
            max_bytes=36_152_320 * 4,  # the documented cap is 36,152,320 pixels; bytes are not capped
            max_pixels=36_152_320,
            notes="At most 36,152,320 pixels (width x height).",
        ),
        MediaKind.GIF: MediaSpec(
            kind=MediaKind.GIF,
            mime_types=("image/gif",),
            max_bytes=36_152_320 * 4,
            max_pixels=36_152_320,
            notes="Animated GIFs up to 250 frames.",
        ),
        MediaKind.DOCUMENT: MediaSpec(
            kind=MediaKind.DOCUMENT,
            mime_types=(
                "application/pdf",
                "application/vnd.ms-powerpoint",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "application/msword",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            max_bytes=100 * _MB,
            max_pages=300,
        ),
    }
    oauth: ClassVar[OAuthSpec] = OAuthSpec(
        authorize_base_url="https://www.linkedin.com",
        authorize_path="/oauth/v2/authorization",
        token_base_url="https://www.linkedin.com",  # noqa: S106
        token_path="/oauth/v2/accessToken",  # noqa: S106
        # What the self-serve products give every app (Sign In with OpenID Connect, Share on LinkedIn).
        # Post analytics (r_member_postAnalytics) and reading the member's own posts (r_member_social)
        # are granted to approved apps only; such apps add them with PSN_LINKEDIN_EXTRA_SCOPES.
        scopes=("openid", "profile", "w_member_social"),
        features={
            Feature.PUBLISH: ("w_member_social",),
            Feature.ANALYTICS: ("r_member_postAnalytics",),
            Feature.RECONCILE: ("r_member_social",),
        },
        pkce=False,
        access_token_lifetime=timedelta(days=60),
        refresh_token_lifetime=timedelta(days=365),
        refresh_token_rotates=False,
        programmatic_refresh=True,  # only apps LinkedIn enabled get a refresh_token back
    )

    # linkedin.com/in/me/ opens the signed-in member's own profile.
    activity_url: ClassVar[str | None] = "https://www.linkedin.com/in/me/recent-activity/all/"

    @classmethod
    def returned_text(cls, post: RemotePost) -> str:
        """Commentary comes back in the little text format: escaped characters, hashtag templates."""
        return unescape_little_text(post.text)

    @property
    def version(self) -> str:
        return self.config.api_version or DEFAULT_VERSION

    def rest_headers(self, token: str) -> dict[str, str]:
        return {
            **self.auth_headers(token),
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    # --- publishing ----------------------------------------------------------------------------

    def publish(self, token: str, request: PublishRequest) -> PublishResult:
        """POST /rest/posts with text, one image, 2-20 images, a document or an article.

        Raises:
            ContentRejected: LinkedIn refused the post (duplicate, too long, ...).
            MediaRejected: an asset is missing its URN.
            OutcomeUnknown: the post was sent and no answer came back.
            PlatformError: any other refusal.
        """
        part = request.parts[0]
        author = self.get_author_urn(token)
        body: JSONObject = {
            "author": author,
            "commentary": escape_little_text(part.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        content = self._content(request)
        if content:
            body["content"] = content
        response = self.sender.request(
            "POST",
            self.url("/rest/posts"),
            write=True,
            token=token,
            headers=self.rest_headers(token),
            json=body,
        )
        post_id = response.headers.get("x-restli-id") or get_str(json_body(response), "id")
        if not post_id:
            raise PlatformError("LinkedIn accepted the post but returned no id.", platform=self.name, raw=response.text)
        return PublishResult(
            post_id=post_id, part_ids=(post_id,), url=f"https://www.linkedin.com/feed/update/{post_id}"
        )

    def _content(self, request: PublishRequest) -> JSONObject | None:
        media = request.parts[0].media
        if request.article:
            article: JSONObject = {"source": request.article.url}
            if request.article.title:
                article["title"] = request.article.title
            if request.article.description:
                article["description"] = request.article.description
            if request.article.thumbnail_id:
                article["thumbnail"] = request.article.thumbnail_id
            return {"article": article}
        if not media:
            return None
        for item in media:
            if not item.media_id:
                raise MediaRejected(
                    "LinkedIn needs each image or document uploaded first; one has no URN.",
                    platform=self.name,
                )
        if len(media) > 1:
            images: list[JSONValue] = [_media_entry(item) for item in media]
            return {"multiImage": {"images": images}}
        entry = _media_entry(media[0])
        if media[0].kind is MediaKind.DOCUMENT:
            entry["title"] = media[0].title or request.title or "Document"
        return {"media": entry}

    def publish_status(self, token: str, remote_id: str) -> PublishStatus:
        """lifecycleState of a post.

        Raises:
            PlatformError: the post could not be read.
        """
        response = self.sender.request(
            "GET",
            self.url(f"/rest/posts/{quote(remote_id, safe='')}"),
            token=token,
            headers=self.rest_headers(token),
        )
        state = _POST_STATE.get(get_str(json_body(response), "lifecycleState") or "", PublishState.PUBLISHED)
        return PublishStatus(remote_id=remote_id, state=state, post_ids=(remote_id,))

    # --- assets (images, documents): init_upload, upload_chunk, upload_status (linkedin_media.py) ---

    # --- reading -------------------------------------------------------------------------------

    def get_current_user(self, token: str) -> RemoteUser:
        """OpenID userinfo; the member's URN is urn:li:person:{sub}.

        Raises:
            PlatformError: the token was refused.
        """
        response = self.sender.request("GET", self.url("/v2/userinfo"), token=token, headers=self.auth_headers(token))
        body = json_body(response)
        sub = get_str(body, "sub") or ""
        name = get_str(body, "name")
        return RemoteUser(id=f"urn:li:person:{sub}", handle=name or sub, display_name=name)

    def get_author_urn(self, token: str) -> str:
        """The member's person URN, used as author and asset owner by default.

        Raises:
            PlatformError: the token was refused.
        """
        return self.get_current_user(token).id

    def list_recent_posts(self, token: str, limit: int = 20) -> list[RemotePost]:
        """Posts by the member, newest first (needs r_member_social).

        Raises:
            PlatformError: the posts could not be read.
        """
        author = self.get_author_urn(token)
        query: dict[str, RestliValue] = {"q": "author", "author": author, "count": limit, "sortBy": "CREATED"}
        response = self.sender.request(
            "GET", with_query(self.url("/rest/posts"), query), token=token, headers=self.rest_headers(token)
        )
        posts = []
        for item in get_list(json_body(response), "elements"):
            post_id = get_str(item, "id")
            if post_id:
                created = get_int(item, "createdAt") or get_int(item, "publishedAt")
                posts.append(
                    RemotePost(
                        post_id=post_id,
                        text=get_str(item, "commentary") or "",
                        created_at=datetime.fromtimestamp(created / 1000, UTC) if created else None,
                        url=f"https://www.linkedin.com/feed/update/{post_id}",
                        media_count=_media_count(item),
                    )
                )
        return posts

    def fetch_metrics(self, token: str, post_ids: Sequence[str]) -> list[PostMetrics]:
        """Member post analytics (q=entity, aggregation TOTAL), one call per post and metric type.

        Raises:
            PlatformError: the metrics could not be read.
        """
        now = datetime.now(UTC)
        metrics = []
        for pid in post_ids:
            kind = "ugcPost" if ":ugcPost:" in pid else "share"
            counts: dict[str, int | None] = {}
            for metric in _ANALYTICS:
                query: dict[str, RestliValue] = {"q": "entity", "entity": {kind: pid}, "queryType": metric}
                query["aggregation"] = "TOTAL"
                response = self.sender.request(
                    "GET",
                    with_query(self.url("/rest/memberCreatorPostAnalytics"), query),
                    token=token,
                    headers=self.rest_headers(token),
                )
                counts[metric] = get_int(json_body(response), "elements", 0, "count")
            metrics.append(
                PostMetrics(
                    post_id=pid,
                    impressions=counts["IMPRESSION"],
                    reach=counts["MEMBERS_REACHED"],
                    likes=counts["REACTION"],
                    comments=counts["COMMENT"],
                    shares=counts["RESHARE"],
                    fetched_at=now,
                )
            )
        return metrics

    # --- errors --------------------------------------------------------------------------------

    def classify_error(self, response: httpx2.Response) -> PlatformError:
        """Map LinkedIn's {status, serviceErrorCode, code, message} bodies to the PlatformError tree."""
        status = response.status_code
        body = json_body(response)
        code = (get_str(body, "code") or "").upper()
        message = get_str(body, "message") or ""
        raw = response.text
        if status == 401 or code in {"REVOKED_ACCESS_TOKEN", "EXPIRED_ACCESS_TOKEN", "INVALID_ACCESS_TOKEN"}:
            if code == "REVOKED_ACCESS_TOKEN" or looks_revoked(message):
                return AuthRevoked(
                    "The LinkedIn member revoked psn's access.",
                    platform=self.name,
                    status_code=status,
                    raw=raw,
                )
            return AuthExpired(
                "The LinkedIn access token has expired.", platform=self.name, status_code=status, raw=raw
            )
        if status == 429:
            wait = retry_after_seconds(response.headers) or _seconds_to_utc_midnight()
            return RateLimited(
                f"LinkedIn daily limit reached; it resets in {describe_wait(wait)} (midnight UTC).",
                "psn keeps the post queued and retries after the reset.",
                retry_after=wait,
                platform=self.name,
                status_code=status,
                raw=raw,
            )
        lowered = message.lower()
        if status == 422 or "duplicate" in lowered:
            return ContentRejected(
                f"LinkedIn refused the post: {message}", platform=self.name, status_code=status, raw=raw
            )
        if status == 400 and any(w in lowered for w in ("image", "document", "media", "asset")):
            return MediaRejected(
                f"LinkedIn refused the media: {message}", platform=self.name, status_code=status, raw=raw
            )
        if status == 400 and ("commentary" in lowered or "text" in lowered or "length" in lowered):
            return ContentRejected(
                f"LinkedIn refused the post: {message}", platform=self.name, status_code=status, raw=raw
            )
        if status == 403 and ("permission" in lowered or "scope" in lowered or code == "ACCESS_DENIED"):
            return AuthRevoked(
                f"LinkedIn says psn lacks a permission: {message}",
                "Reconnect with `psn auth linkedin` and grant every permission asked.",
                platform=self.name,
                status_code=status,
                raw=raw,
            )
        return generic_error(response, platform=self.name, display_name=self.display_name, detail=message)


def _media_count(item: JSONValue) -> int:
    """How many images or documents a listed post carries (an article link is not media)."""
    if get_obj(item, "content", "media"):
        return 1
    return len(get_list(item, "content", "multiImage", "images"))


def _media_entry(item: MediaRef) -> JSONObject:
    entry: JSONObject = {"id": item.media_id}
    if item.alt_text:
        entry["altText"] = item.alt_text
    return entry


def _seconds_to_utc_midnight() -> float:
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()
