"""TikTok's post settings and video upload: on TikTok the upload's init *is* the post (post_info goes with
it), so both live here. creator_info gives the privacy levels a post may use, the interactions the creator
turned off and the longest video they may post; it is queried before every direct post.

Official pages followed (facts only):
- Content Sharing Guidelines (Direct Post UX: the creator picks a privacy level from creator_info's
  options with none preselected; comments, duets and stitches stay off unless the creator turns them on,
  and are greyed out when creator_info says so; videos longer than max_video_post_duration_sec refused):
  https://developers.tiktok.com/doc/content-sharing-guidelines
- Direct Post reference (creator_info query, video init with post_info + source_info, privacy levels,
  unaudited clients limited to SELF_ONLY):
  https://developers.tiktok.com/doc/content-posting-api-reference-direct-post
- Upload (inbox) reference, /v2/post/publish/inbox/video/init/:
  https://developers.tiktok.com/doc/content-posting-api-reference-upload-video
- Media transfer guide (chunk plan, sequential PUT with Content-Range):
  https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx2

from psn_core.errors import MediaRejected, PlatformError
from psn_core.platforms.base import Platform
from psn_core.platforms.http import JSONObject, get_int, get_list, get_obj, get_str, json_body
from psn_core.platforms.models import (
    MediaKind,
    MediaState,
    MediaStatus,
    PostingSettings,
    PublishRequest,
    PublishState,
    UploadRequest,
    UploadSession,
)
from psn_core.platforms.tiktok_rules import chunk_plan, post_info


class TikTokUpload(Platform):
    """TikTok's post settings and upload verbs; :class:`~psn_core.platforms.tiktok.TikTokPlatform` is built
    on them."""

    def json_headers(self, token: str) -> dict[str, str]:
        return {**self.auth_headers(token), "Content-Type": "application/json; charset=UTF-8"}

    # --- creator info and post settings -------------------------------------------------------

    def posting_settings(self, token: str) -> PostingSettings:
        """POST /v2/post/publish/creator_info/query/: the privacy levels this creator may choose from,
        the interactions they turned off and their longest allowed video (queried before each direct post).

        Raises:
            PlatformError: the query failed.
        """
        response = self.sender.request(
            "POST",
            self.url("/v2/post/publish/creator_info/query/"),
            token=token,
            headers=self.json_headers(token),
        )
        data = get_obj(json_body(response), "data")
        longest = get_int(data, "max_video_post_duration_sec")
        return PostingSettings(
            handle=get_str(data, "creator_username"),
            privacy_levels=tuple(str(v) for v in get_list(data, "privacy_level_options")),
            comment_disabled=get_str(data, "comment_disabled") == "true",
            duet_disabled=get_str(data, "duet_disabled") == "true",
            stitch_disabled=get_str(data, "stitch_disabled") == "true",
            max_video_seconds=float(longest) if longest else None,
        )

    def _post_info(
        self, token: str, request: PublishRequest, *, photo: bool, duration: float | None = None
    ) -> JSONObject:
        settings = self.posting_settings(token)
        if duration is not None and settings.max_video_seconds and duration > settings.max_video_seconds:
            raise MediaRejected(
                f"TikTok lets this account post videos of at most {round(settings.max_video_seconds)} seconds; "
                f"this one lasts {round(duration)}.",
                "Trim the video, then save the post again.",
                platform=self.name,
            )
        return post_info(
            request,
            settings,
            sandbox=self.config.sandbox,
            photo=photo,
            title_max=self.limits.title_max_length or 90,
        )

    def _publish_id(self, response: httpx2.Response) -> str:
        publish_id = get_str(json_body(response), "data", "publish_id")
        if not publish_id:
            raise PlatformError("TikTok returned no publish id.", platform=self.name, raw=response.text)
        return publish_id

    # --- video upload (FILE_UPLOAD) ------------------------------------------------------------

    def init_upload(self, token: str, request: UploadRequest) -> UploadSession:
        """Initialise a FILE_UPLOAD video: a direct post when ``request.post`` is set, else an inbox draft.

        Raises:
            MediaRejected: not a video, or too large to chunk.
            OutcomeUnknown: a direct-post init was sent and no answer came back.
            PlatformError: the init was refused.
        """
        if request.kind is not MediaKind.VIDEO:
            raise MediaRejected("TikTok receives only videos as uploaded bytes.", platform=self.name)
        plan = chunk_plan(request.total_bytes)
        source: JSONObject = {
            "source": "FILE_UPLOAD",
            "video_size": request.total_bytes,
            "chunk_size": plan.chunk_size,
            "total_chunk_count": plan.total_chunk_count,
        }
        if request.post is not None:
            path = "/v2/post/publish/video/init/"
            info = self._post_info(token, request.post, photo=False, duration=request.duration_seconds)
            body: JSONObject = {"post_info": info, "source_info": source}
        else:
            path = "/v2/post/publish/inbox/video/init/"
            body = {"source_info": source}
        response = self.sender.request(
            "POST",
            self.url(path),
            write=request.post is not None,
            token=token,
            headers=self.json_headers(token),
            json=body,
        )
        upload_url = get_str(json_body(response), "data", "upload_url")
        return UploadSession(
            platform=self.name,
            kind=request.kind,
            media_id=self._publish_id(response),
            mime_type=request.mime_type,
            total_bytes=request.total_bytes,
            chunk_size=plan.chunk_size,
            total_chunks=plan.total_chunk_count,
            upload_url=upload_url,
            expires_at=datetime.now(UTC) + timedelta(hours=1),  # upload_url is valid for one hour
        )

    def upload_chunk(self, token: str, session: UploadSession, index: int, data: bytes) -> UploadSession:
        """PUT one chunk with its Content-Range; chunks must go in order.

        Raises:
            PlatformError: the chunk was refused.
        """
        if session.upload_url is None:
            raise PlatformError("This TikTok upload has no upload URL.", platform=self.name)
        first = index * session.chunk_size
        last = first + len(data) - 1
        self.sender.request(
            "PUT",
            session.upload_url,
            token=token,
            content=data,
            headers={
                "Content-Type": session.mime_type,
                "Content-Length": str(len(data)),
                "Content-Range": f"bytes {first}-{last}/{session.total_bytes}",
            },
        )
        return session.model_copy(update={"next_chunk": max(session.next_chunk, index + 1)})

    # finalize_upload is the base class's no-op: TikTok starts processing after the last chunk.

    def upload_status(self, token: str, session: UploadSession) -> MediaStatus:
        """The publish status seen as a media state (inbox and published both count as ready).

        Raises:
            PlatformError: the status could not be read.
        """
        status = self.publish_status(token, session.media_id)
        state = {
            PublishState.PROCESSING: MediaState.PROCESSING,
            PublishState.FAILED: MediaState.FAILED,
        }.get(status.state, MediaState.READY)
        return MediaStatus(media_id=session.media_id, state=state, error=status.error)
