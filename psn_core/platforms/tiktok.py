"""TikTok Content Posting API client: direct video posts (FILE_UPLOAD), photo posts (PULL_FROM_URL).

Official pages followed (facts only):
- Direct Post reference (creator_info query, video init with post_info + source_info, photo content
  init, privacy levels, unaudited clients limited to SELF_ONLY):
  https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
- Upload (inbox) reference, /v2/post/publish/inbox/video/init/ (6 requests per minute per token):
  https://developers.tiktok.com/doc/content-posting-api-reference-upload-video
- Media transfer guide (chunk_size 5-64 MB, final chunk up to 128 MB, total_chunk_count = floor(size /
  chunk_size), whole file below 5 MB, chunked above 64 MB, 1-1000 chunks, sequential PUT with
  Content-Range): https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
- Photo posts: https://developers.tiktok.com/doc/content-posting-api-reference-photo-post
- Get post status, /v2/post/publish/status/fetch/ (PROCESSING_UPLOAD, PROCESSING_DOWNLOAD,
  SEND_TO_USER_INBOX, PUBLISH_COMPLETE, FAILED): https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status
- Media requirements: https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
- User info, GET /v2/user/info/ (username, bio, verified need user.info.profile; counts need
  user.info.stats): https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info
  https://developers.tiktok.com/bulletin/user-info-scope-migration
- Scopes: https://developers.tiktok.com/doc/scopes-overview
- Direct Post UX guidelines: https://developers.tiktok.com/doc/content-sharing-guidelines
- Video list / query (max 20 ids): https://developers.tiktok.com/doc/tiktok-api-v2-video-list
  https://developers.tiktok.com/doc/tiktok-api-v2-video-query
- Video object (video_description and title at most 150 characters, create_time in epoch seconds):
  https://developers.tiktok.com/doc/tiktok-api-v2-video-object
- Login Kit for Desktop (PKCE with hex-encoded SHA-256 challenge, loopback redirect):
  https://developers.tiktok.com/doc/login-kit-desktop
- OAuth token management (24-hour access tokens, 365-day refresh tokens that may change on refresh):
  https://developers.tiktok.com/doc/oauth-user-access-token-management
- Error shape {error: {code, message, log_id}} and codes: https://developers.tiktok.com/doc/tiktok-api-v2-error-handling
- Rate limits (429 rate_limit_exceeded): https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar, NoReturn

import httpx2

from psn_core.errors import (
    ContentRejected,
    MediaRejected,
    PlatformError,
    PlatformUnavailable,
)
from psn_core.platforms.http import (
    JSONObject,
    JSONValue,
    get_int,
    get_list,
    get_obj,
    get_str,
    json_body,
)
from psn_core.platforms.models import (
    Capabilities,
    Feature,
    Limits,
    MediaKind,
    MediaSpec,
    MediaTransfer,
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
)
from psn_core.platforms.polling import poll_until
from psn_core.platforms.tiktok_rules import PRIVACY_LEVELS, classify_tiktok_error
from psn_core.platforms.tiktok_upload import TikTokUpload

_MB = 1024 * 1024
_POST_INITS_PER_MINUTE = 6

_PUBLISH_STATE = {
    "PROCESSING_UPLOAD": PublishState.PROCESSING,
    "PROCESSING_DOWNLOAD": PublishState.PROCESSING,
    "SEND_TO_USER_INBOX": PublishState.SENT_TO_INBOX,
    "PUBLISH_COMPLETE": PublishState.PUBLISHED,
    "FAILED": PublishState.FAILED,
}


class TikTokPlatform(TikTokUpload):
    name: ClassVar[str] = "tiktok"
    display_name: ClassVar[str] = "TikTok"
    default_base_url: ClassVar[str] = "https://open.tiktokapis.com"
    metrics_batch_size: ClassVar[int] = 20
    limits: ClassVar[Limits] = Limits(
        max_text_length=2200,
        text_counting=TextCounting.UTF16,
        carousel_min=1,  # photo posts
        carousel_max=35,
        max_images_per_post=35,
        posts_per_day=15,
        requests_per_window=_POST_INITS_PER_MINUTE,  # post init per user token per minute
        window_seconds=60,
        title_max_length=90,
    )
    # Per-endpoint one-minute windows per user token, documented per endpoint (600 by default); no usage
    # headers, so psn counts. Media bytes PUT to upload URLs are not API calls.
    # https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit
    rate_limits: ClassVar[RateLimits] = RateLimits(
        default_requests=600,
        endpoint_requests={
            "GET /v2/user/info/": 600,
            "POST /v2/video/list/": 600,
            "POST /v2/video/query/": 600,
            "POST /v2/post/publish/creator_info/query/": 20,
            "POST /v2/post/publish/status/fetch/": 30,
            "POST /v2/post/publish/video/init/": _POST_INITS_PER_MINUTE,
            "POST /v2/post/publish/inbox/video/init/": _POST_INITS_PER_MINUTE,
            "POST /v2/post/publish/content/init/": _POST_INITS_PER_MINUTE,
        },
        api_roots=("v2",),
        unmetered_methods=frozenset({"PUT"}),
    )
    capabilities: ClassVar[Capabilities] = Capabilities(
        video=True,
        images=True,
        photo_posts=True,
        carousels=True,
        sandbox_private_only=True,
        needs_public_media_url=True,  # photos only; videos are sent as bytes
    )
    media_specs: ClassVar[Mapping[MediaKind, MediaSpec]] = {
        MediaKind.VIDEO: MediaSpec(
            kind=MediaKind.VIDEO,
            mime_types=("video/mp4", "video/quicktime", "video/webm"),
            max_bytes=4 * 1024 * _MB,
            min_width=360,
            min_height=360,
            max_width=4096,
            max_height=4096,
            max_duration_seconds=600.0,  # creator_info.max_video_post_duration_sec may lower it
            min_frame_rate=23.0,
            max_frame_rate=60.0,
            video_codecs=("h264", "h265", "vp8", "vp9"),
        ),
        MediaKind.IMAGE: MediaSpec(
            kind=MediaKind.IMAGE,
            mime_types=("image/jpeg", "image/webp"),
            max_bytes=20 * _MB,
            max_width=1080,
            max_height=1920,
        ),
    }
    media_transfer: ClassVar[Mapping[MediaKind, MediaTransfer]] = {
        MediaKind.IMAGE: MediaTransfer.URL,
        MediaKind.VIDEO: MediaTransfer.UPLOAD_WITH_POST,
    }
    # The Display API's video object: title and video_description at most 150 characters; a post is
    # listed once TikTok finished processing it.
    listed_text_max_length: ClassVar[int | None] = 150
    listing_delay: ClassVar[timedelta] = timedelta(minutes=5)
    oauth: ClassVar[OAuthSpec] = OAuthSpec(
        authorize_base_url="https://www.tiktok.com",
        authorize_path="/v2/auth/authorize/",
        token_base_url="https://open.tiktokapis.com",  # noqa: S106
        token_path="/v2/oauth/token/",  # noqa: S106
        # username needs user.info.profile since the user-info scope migration (29 Feb 2024)
        scopes=("user.info.basic", "user.info.profile", "video.publish", "video.upload", "video.list"),
        # video.publish: direct posts and creator_info before each; video.list: the video list and query.
        features={
            Feature.PUBLISH: ("video.publish",),
            Feature.ANALYTICS: ("video.list",),
            Feature.RECONCILE: ("video.list",),
        },
        scope_notes={
            "user.info.basic": "tell which account is connected (open_id, display name)",
            "user.info.profile": "show your @username and match accounts by it",
            "video.upload": "send videos to your TikTok inbox as drafts",
        },
        scope_separator=",",
        pkce=True,
        pkce_challenge_encoding="hex",
        client_id_param="client_key",
        access_token_lifetime=timedelta(hours=24),
        refresh_token_lifetime=timedelta(days=365),
        refresh_token_rotates=True,
    )
    privacy_levels: ClassVar[tuple[str, ...]] = PRIVACY_LEVELS

    # --- post settings and video upload: json_headers, posting_settings (creator_info), init_upload,
    # upload_chunk, upload_status (tiktok_upload.py)

    # --- publishing ----------------------------------------------------------------------------

    def publish(self, token: str, request: PublishRequest) -> PublishResult:
        """Photo posts are pulled from URLs; a video must already be initialised by :meth:`init_upload`
        (its ``media_id`` is the publish_id). Waits until a terminal status.

        Raises:
            MediaHostNotConfigured: a photo has a relative URL and no media host is set.
            MediaRejected: TikTok failed the post while processing it (reason included).
            OutcomeUnknown: the init was sent and no answer came back.
            PlatformError: any other refusal.
        """
        media = request.parts[0].media
        if not media:
            raise ContentRejected("TikTok posts need a video or photos.", platform=self.name)
        if media[0].kind is MediaKind.VIDEO:
            if not media[0].media_id:
                raise MediaRejected(
                    "TikTok videos are sent with the upload steps first; this one has no publish id.",
                    platform=self.name,
                )
            publish_id = media[0].media_id
        else:
            publish_id = self._init_photos(token, request)
        status = self.wait_for_publish(token, publish_id)
        return PublishResult(
            post_id=status.post_ids[0] if status.post_ids else publish_id,
            part_ids=(publish_id, *status.post_ids),
            state=status.state,
            private_only=self.config.sandbox,
        )

    def _init_photos(self, token: str, request: PublishRequest) -> str:
        urls: list[JSONValue] = []
        for item in request.parts[0].media:
            if not item.url:
                raise MediaRejected("TikTok photo posts need a public URL per photo.", platform=self.name)
            urls.append(self.media_url(item.url))
        body: JSONObject = {
            "post_info": self._post_info(token, request, photo=True),
            "source_info": {"source": "PULL_FROM_URL", "photo_cover_index": 0, "photo_images": urls},
            "post_mode": "DIRECT_POST",
            "media_type": "PHOTO",
        }
        response = self.sender.request(
            "POST",
            self.url("/v2/post/publish/content/init/"),
            write=True,
            token=token,
            headers=self.json_headers(token),
            json=body,
        )
        return self._publish_id(response)

    def wait_for_publish(self, token: str, publish_id: str) -> PublishStatus:
        """Poll the status until PUBLISH_COMPLETE, SEND_TO_USER_INBOX or FAILED.

        Raises:
            MediaRejected: the status is FAILED (fail_reason included).
            PlatformUnavailable: still processing after the configured poll timeout.
        """
        deadline = self.clock() + self.config.poll_timeout

        def read() -> PublishStatus:
            status = self.publish_status(token, publish_id)
            if status.state is PublishState.FAILED:
                raise MediaRejected(
                    f"TikTok could not publish the post: {status.error or 'no reason given'}.",
                    platform=self.name,
                )
            return status

        def still_processing(_status: PublishStatus) -> NoReturn:
            raise PlatformUnavailable("TikTok is still processing the post.", platform=self.name)

        return poll_until(
            read,
            pending=lambda status: status.state is PublishState.PROCESSING,
            wait=lambda _status, _attempt: self.config.poll_interval,
            timed_out=lambda: self.poll_deadline_passed(deadline),
            give_up=still_processing,
            sleep=self.sleep,
        )

    def publish_status(self, token: str, remote_id: str) -> PublishStatus:
        """POST /v2/post/publish/status/fetch/ for a publish_id.

        Raises:
            PlatformError: the status could not be read.
        """
        response = self.sender.request(
            "POST",
            self.url("/v2/post/publish/status/fetch/"),
            token=token,
            headers=self.json_headers(token),
            json={"publish_id": remote_id},
        )
        data = get_obj(json_body(response), "data")
        state = _PUBLISH_STATE.get(get_str(data, "status") or "", PublishState.PROCESSING)
        ids = tuple(str(v) for v in get_list(data, "publicaly_available_post_id") if v is not None)
        return PublishStatus(remote_id=remote_id, state=state, post_ids=ids, error=get_str(data, "fail_reason"))

    # --- reading -------------------------------------------------------------------------------

    def get_current_user(self, token: str) -> RemoteUser:
        """GET /v2/user/info/.

        Raises:
            PlatformError: the token was refused.
        """
        response = self.sender.request(
            "GET",
            self.url("/v2/user/info/"),
            token=token,
            headers=self.auth_headers(token),
            params={"fields": "open_id,union_id,display_name,username"},
        )
        user = get_obj(json_body(response), "data", "user")
        return RemoteUser(
            id=get_str(user, "open_id") or "",
            handle=get_str(user, "username") or "",
            display_name=get_str(user, "display_name"),
        )

    def list_recent_posts(self, token: str, limit: int = 20) -> list[RemotePost]:
        """POST /v2/video/list/ (at most 20 per page).

        Raises:
            PlatformError: the list could not be read.
        """
        response = self.sender.request(
            "POST",
            self.url("/v2/video/list/"),
            token=token,
            headers=self.json_headers(token),
            params={"fields": "id,title,video_description,create_time,share_url"},
            json={"max_count": min(20, max(1, limit))},
        )
        posts = []
        for item in get_list(get_obj(json_body(response), "data"), "videos"):
            post_id = get_str(item, "id")
            if post_id:
                created = get_int(item, "create_time")
                posts.append(
                    RemotePost(
                        post_id=post_id,
                        text=get_str(item, "video_description") or get_str(item, "title") or "",
                        created_at=datetime.fromtimestamp(created, UTC) if created else None,
                        url=get_str(item, "share_url"),
                    )
                )
        return posts

    @classmethod
    def metrics_id(cls, remote_ids: Sequence[str]) -> str | None:
        """The video id: publish() stores (publish_id, post ids...); a publish_id alone has no metrics. A
        post found by reconciliation is stored as its video id alone (numeric, unlike a publish_id)."""
        if len(remote_ids) > 1 or (remote_ids and remote_ids[-1].isdigit()):
            return remote_ids[-1]
        return None

    def fetch_metrics(self, token: str, post_ids: Sequence[str]) -> list[PostMetrics]:
        """POST /v2/video/query/ in batches of 20 ids.

        Raises:
            PlatformError: the query failed.
        """
        now = datetime.now(UTC)
        metrics = []
        for start in range(0, len(post_ids), 20):
            batch: list[JSONValue] = list(post_ids[start : start + 20])
            response = self.sender.request(
                "POST",
                self.url("/v2/video/query/"),
                token=token,
                headers=self.json_headers(token),
                params={"fields": "id,view_count,like_count,comment_count,share_count"},
                json={"filters": {"video_ids": batch}},
            )
            for item in get_list(get_obj(json_body(response), "data"), "videos"):
                metrics.append(
                    PostMetrics(
                        post_id=get_str(item, "id") or "",
                        views=get_int(item, "view_count"),
                        likes=get_int(item, "like_count"),
                        comments=get_int(item, "comment_count"),
                        shares=get_int(item, "share_count"),
                        fetched_at=now,
                    )
                )
        return metrics

    # --- errors --------------------------------------------------------------------------------

    def classify_error(self, response: httpx2.Response) -> PlatformError:
        """Map TikTok's {error: {code, message, log_id}} (and OAuth {error, error_description})."""
        return classify_tiktok_error(response, self.name, self.display_name)
