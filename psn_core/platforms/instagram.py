"""Instagram API with Instagram Login client (graph.instagram.com): containers, publish, insights.

Official pages followed (facts only):
- Content publishing (containers -> status_code -> media_publish; JPEG only; carousels up to 10; reels;
  publishing limit per 24 hours): https://developers.facebook.com/docs/instagram-platform/content-publishing
- POST /<IG_ID>/media (image_url, video_url, media_type CAROUSEL|REELS|VIDEO, is_carousel_item,
  children, caption, alt_text): https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
- POST /<IG_ID>/media_publish (creation_id):
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media_publish
- Container status_code EXPIRED / ERROR / FINISHED / IN_PROGRESS / PUBLISHED:
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container
- Publishing limit: 100 API-published posts per account in a 24-hour moving window (a carousel counts
  once), enforced on media_publish; GET /<IG_ID>/content_publishing_limit?fields=quota_usage,config reads
  the live count (quota_total, quota_duration):
  https://developers.facebook.com/docs/instagram-platform/content-publishing
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit
- Container status: check it no more than once a minute, for no more than five minutes (content
  publishing guide, troubleshooting); psn backs off to that pace.
- Permissions per endpoint (instagram_business_basic for reads; + instagram_business_content_publish for
  containers, media_publish and content_publishing_limit; + instagram_business_manage_insights for
  insights): each endpoint's reference page above
- IG User fields (followers_count with instagram_business_basic):
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user
- Media insights: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/insights
- Business Login for Instagram (authorize, short-lived code token, ig_exchange_token to 60-day token):
  https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
- Refresh with ig_refresh_token: https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token
- Rate limiting (X-App-Usage, X-Business-Use-Case-Usage with estimated_time_to_regain_access in
  minutes; codes 4, 17, 32, 613): https://developers.facebook.com/docs/graph-api/overview/rate-limiting
- Error codes (190 + subcodes 458/460/463/467, 2207xxx publishing errors):
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
  https://developers.facebook.com/docs/graph-api/guides/error-handling
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import httpx2

from psn_core.errors import (
    ContentRejected,
    MediaRejected,
    PlatformError,
)
from psn_core.platforms.http import (
    JSONObject,
    get_str,
    json_body,
)
from psn_core.platforms.instagram_errors import classify_graph_error
from psn_core.platforms.instagram_reads import InstagramReads
from psn_core.platforms.models import (
    Capabilities,
    Feature,
    HeaderDialect,
    Limits,
    MediaKind,
    MediaRef,
    MediaSpec,
    MediaState,
    MediaStatus,
    MediaTransfer,
    OAuthSpec,
    PublishRequest,
    PublishResult,
    PublishState,
    PublishStatus,
    RateLimits,
    TextCounting,
    UploadRequest,
    UploadSession,
)

_MB = 1024 * 1024
_CONTAINER_STATE = {
    "IN_PROGRESS": MediaState.PROCESSING,
    "FINISHED": MediaState.READY,
    "PUBLISHED": MediaState.READY,
    "ERROR": MediaState.FAILED,
    "EXPIRED": MediaState.FAILED,
}
_POLL_CEILING = 60.0  # seconds between container status reads, at most


class InstagramPlatform(InstagramReads):
    name: ClassVar[str] = "instagram"
    display_name: ClassVar[str] = "Instagram"
    default_base_url: ClassVar[str] = "https://graph.instagram.com"
    limits: ClassVar[Limits] = Limits(
        max_text_length=2200,
        text_counting=TextCounting.CHARACTERS,
        carousel_min=2,
        carousel_max=10,
        max_images_per_post=10,
        posts_per_day=100,  # API-published, moving 24 hours; content_publishing_limit gives the live count
        requests_per_window=200,
        window_seconds=3600,
    )
    # One rolling hourly budget per account across every endpoint; usage comes as percentages in
    # X-Business-Use-Case-Usage (per business id) and X-App-Usage, with estimated_time_to_regain_access
    # (minutes) once throttled. https://developers.facebook.com/docs/graph-api/overview/rate-limiting
    rate_limits: ClassVar[RateLimits] = RateLimits(per_endpoint=False, headers=HeaderDialect.META_USAGE)
    capabilities: ClassVar[Capabilities] = Capabilities(
        carousels=True, video=True, images=True, reels=True, needs_public_media_url=True
    )
    media_specs: ClassVar[Mapping[MediaKind, MediaSpec]] = {
        MediaKind.IMAGE: MediaSpec(
            kind=MediaKind.IMAGE,
            mime_types=("image/jpeg",),
            max_bytes=8 * _MB,
            min_aspect_ratio=4 / 5,
            max_aspect_ratio=1.91,
            # Widths outside 320-1440 px are rescaled by Instagram, not refused: no width limits here.
            notes="JPEG only; sRGB; width is scaled into 320-1440 px by Instagram.",
        ),
        MediaKind.VIDEO: MediaSpec(
            kind=MediaKind.VIDEO,
            mime_types=("video/mp4", "video/quicktime"),
            max_bytes=300 * _MB,
            max_width=1920,
            min_aspect_ratio=0.01,
            max_aspect_ratio=10.0,
            min_duration_seconds=3.0,
            max_duration_seconds=900.0,
            min_frame_rate=23.0,
            max_frame_rate=60.0,
            video_codecs=("h264", "hevc"),
            audio_codecs=("aac",),
            notes="Reels: 9:16 recommended; progressive scan, closed GOP, AAC at most 48 kHz.",
        ),
    }
    media_transfer: ClassVar[Mapping[MediaKind, MediaTransfer]] = {
        MediaKind.IMAGE: MediaTransfer.URL,
        MediaKind.VIDEO: MediaTransfer.URL,
    }
    oauth: ClassVar[OAuthSpec] = OAuthSpec(
        authorize_base_url="https://www.instagram.com",
        authorize_path="/oauth/authorize",
        token_base_url="https://api.instagram.com",  # noqa: S106
        token_path="/oauth/access_token",  # noqa: S106
        scopes=(
            "instagram_business_basic",
            "instagram_business_content_publish",
            "instagram_business_manage_insights",
            "instagram_business_manage_comments",
        ),
        # As the endpoints' pages say (module docstring): basic for every read, content_publish for
        # containers, media_publish and the publishing limit, manage_insights for insights.
        features={
            Feature.PUBLISH: ("instagram_business_basic", "instagram_business_content_publish"),
            Feature.ANALYTICS: ("instagram_business_basic", "instagram_business_manage_insights"),
            Feature.RECONCILE: ("instagram_business_basic",),
        },
        scope_notes={
            "instagram_business_basic": "tell which account is connected",
            "instagram_business_manage_comments": "read and answer comments on your posts (psn engage)",
        },
        scope_separator=",",
        pkce=False,
        access_token_lifetime=timedelta(days=60),
        refresh_token_lifetime=None,  # the long-lived access token refreshes itself
        refresh_token_rotates=False,
        long_lived_exchange_path="/access_token",
        refresh_base_url="https://graph.instagram.com",
        refresh_path="/refresh_access_token",
        refresh_grant_type="ig_refresh_token",
        refresh_method="GET",
        refresh_with_access_token=True,
    )

    # --- reading (instagram_reads.py): graph, get_current_user, list_recent_posts, fetch_metrics,
    # fetch_follower_count, publishing_quota

    # --- publishing ----------------------------------------------------------------------------

    def publish(self, token: str, request: PublishRequest) -> PublishResult:
        """Create the container(s), wait for FINISHED, then media_publish.

        Raises:
            MediaHostNotConfigured: a media item has a relative URL and no media host is set.
            MediaRejected: a container ended in ERROR or EXPIRED (reason included).
            ContentRejected: Instagram has no text-only posts.
            OutcomeUnknown: media_publish was sent and no answer came back.
            PlatformError: any other refusal.
        """
        part = request.parts[0]
        if not part.media:
            raise ContentRejected(
                "Instagram posts need an image or a video; text-only posts do not exist there.",
                "Add an image or a video to the post.",
                platform=self.name,
            )
        user_id = self._user_id(token)
        if len(part.media) > 1:
            if len(part.media) > (self.limits.carousel_max or 10):
                raise ContentRejected(
                    f"Instagram carousels hold at most {self.limits.carousel_max} items.", platform=self.name
                )
            children = [self._container(token, user_id, item, carousel_item=True) for item in part.media]
            for child in children:
                self._wait_container(token, child)
            params = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": part.text}
            container = self._create(token, user_id, params)
        else:
            children = []
            item = part.media[0]
            container = item.media_id or self._container(token, user_id, item, caption=part.text, reel=request.reel)
        self._wait_container(token, container)
        params = {"creation_id": container}
        what = "published but returned no media id"
        media_id = self.post_for_id(token, f"{user_id}/media_publish", params, what, write=True)
        return PublishResult(post_id=media_id, part_ids=(media_id, *children))

    def _container(
        self,
        token: str,
        user_id: str,
        item: MediaRef,
        *,
        caption: str | None = None,
        carousel_item: bool = False,
        reel: bool = False,
    ) -> str:
        if item.media_id:
            return item.media_id
        if not item.url:
            raise MediaRejected("Instagram needs a public URL for each media item.", platform=self.name)
        url = self.media_url(item.url)
        params: dict[str, str] = {}
        if item.kind is MediaKind.VIDEO:
            params["video_url"] = url
            params["media_type"] = "VIDEO" if carousel_item else "REELS"
        else:
            params["image_url"] = url
        if carousel_item:
            params["is_carousel_item"] = "true"
        if caption:
            params["caption"] = caption
        if item.alt_text and item.kind is MediaKind.IMAGE:
            params["alt_text"] = item.alt_text
        del reel  # a standalone video is always published as a reel by the current API
        return self._create(token, user_id, params)

    def _create(self, token: str, user_id: str, params: dict[str, str]) -> str:
        return self.post_for_id(token, f"{user_id}/media", params, "returned no container id")

    def post_for_id(self, token: str, path: str, params: dict[str, str], what: str, *, write: bool = False) -> str:
        """POST ``params`` (and the token) to the Graph ``path``; the ``id`` Instagram answers.

        Raises:
            PlatformError: no id in the answer ("Instagram ``what``..."), or the platform refused.
        """
        response = self.sender.request(
            "POST", self.graph(path), write=write, token=token, params={**params, "access_token": token}
        )
        found = get_str(json_body(response), "id")
        if not found:
            raise PlatformError(f"Instagram {what}.", platform=self.name, raw=response.text)
        return found

    def _wait_container(self, token: str, container: str) -> None:
        session = UploadSession(
            platform=self.name,
            kind=MediaKind.IMAGE,
            media_id=container,
            mime_type="",
            total_bytes=0,
            chunk_size=0,
            total_chunks=0,
        )
        self.wait_for_media(token, session)

    def publish_status(self, token: str, remote_id: str) -> PublishStatus:
        """Container status (IN_PROGRESS, FINISHED, PUBLISHED, ERROR, EXPIRED).

        Raises:
            PlatformError: the container could not be read.
        """
        body = self._container_status(token, remote_id)
        code = get_str(body, "status_code") or ""
        state = {
            "PUBLISHED": PublishState.PUBLISHED,
            "ERROR": PublishState.FAILED,
            "EXPIRED": PublishState.FAILED,
        }.get(code, PublishState.PROCESSING)
        return PublishStatus(remote_id=remote_id, state=state, error=_container_error(body))

    def poll_delay(self, attempt: int) -> float:
        """Back off from the configured interval to once a minute (the guide's pace): about ten status
        reads per container over five minutes instead of 150, out of an hourly budget of 200 calls."""
        return min(max(self.config.poll_interval, 1.0) * 2.0**attempt, _POLL_CEILING)

    def _container_status(self, token: str, container: str) -> JSONObject:
        response = self.sender.request(
            "GET",
            self.graph(container),
            token=token,
            params={"fields": "status_code,status", "access_token": token},
        )
        return json_body(response)

    # --- upload steps: Instagram pulls from a URL, so "upload" is creating a container ---------

    def init_upload(self, token: str, request: UploadRequest) -> UploadSession:
        """Create a standalone container from ``source_url``; no bytes are sent.

        Raises:
            MediaHostNotConfigured: no URL could be built for the media.
            PlatformError: the container was refused.
        """
        if not request.source_url:
            raise MediaRejected("Instagram fetches media from a public URL; this upload has none.", platform=self.name)
        item = MediaRef(kind=request.kind, url=request.source_url, alt_text=request.alt_text)
        user_id = self._user_id(token)
        post = request.post
        caption = post.parts[0].text if post else None
        container = self._container(token, user_id, item, caption=caption)
        return UploadSession(
            platform=self.name,
            kind=request.kind,
            media_id=container,
            mime_type=request.mime_type,
            total_bytes=request.total_bytes,
            chunk_size=0,
            total_chunks=0,
            finalized=True,
            expires_at=datetime.now(UTC) + timedelta(hours=24),
        )

    # upload_chunk and finalize_upload are the base class's: Instagram never receives bytes from psn
    # (the default refuses them), and a container has nothing to finalize.

    def upload_status(self, token: str, session: UploadSession) -> MediaStatus:
        """Container status_code mapped to a media state (ERROR/EXPIRED carry the reason).

        Raises:
            PlatformError: the container could not be read.
        """
        body = self._container_status(token, session.media_id)
        code = get_str(body, "status_code") or ""
        state = _CONTAINER_STATE.get(code, MediaState.PROCESSING)
        error = None
        if state is MediaState.FAILED:
            reason = _container_error(body)
            error = "the container expired before publishing (24 hours)" if code == "EXPIRED" else reason
        return MediaStatus(media_id=session.media_id, state=state, error=error)

    # --- errors --------------------------------------------------------------------------------

    def classify_error(self, response: httpx2.Response) -> PlatformError:
        """Map Graph API {error: {code, error_subcode, message}} bodies to the PlatformError tree."""
        return classify_graph_error(response, self.name, self.display_name)


def _container_error(body: JSONObject) -> str | None:
    return get_str(body, "status")
