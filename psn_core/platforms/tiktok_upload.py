"""TikTok's post settings and video upload: on TikTok the upload's init *is* the post (post_info goes with
it), so both live here. creator_info gives the privacy levels a post may use.

Official pages followed (facts only):
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

from psn_core.errors import ContentRejected, MediaRejected, PlatformError
from psn_core.platforms.base import Platform
from psn_core.platforms.http import JSONObject, get_list, get_obj, get_str, json_body
from psn_core.platforms.models import (
    MediaKind,
    MediaState,
    MediaStatus,
    PublishRequest,
    PublishState,
    UploadRequest,
    UploadSession,
)
from psn_core.platforms.tiktok_rules import chunk_plan

SELF_ONLY = "SELF_ONLY"
PUBLIC = "PUBLIC_TO_EVERYONE"


class TikTokUpload(Platform):
    """TikTok's post settings and upload verbs; :class:`~psn_core.platforms.tiktok.TikTokPlatform` is built
    on them."""

    def json_headers(self, token: str) -> dict[str, str]:
        return {**self.auth_headers(token), "Content-Type": "application/json; charset=UTF-8"}

    # --- creator info and post settings -------------------------------------------------------

    def creator_privacy_options(self, token: str) -> list[str]:
        """privacy_level_options from creator_info (must be queried before each direct post).

        Raises:
            PlatformError: the query failed.
        """
        response = self.sender.request(
            "POST",
            self.url("/v2/post/publish/creator_info/query/"),
            token=token,
            headers=self.json_headers(token),
        )
        return [str(v) for v in get_list(get_obj(json_body(response), "data"), "privacy_level_options")]

    def _privacy(self, token: str, request: PublishRequest) -> str:
        options = self.creator_privacy_options(token)
        if self.config.sandbox:
            return SELF_ONLY  # unaudited clients can only post privately
        wanted = request.privacy_level or (PUBLIC if PUBLIC in options else None)
        if wanted is None or wanted not in options:
            raise ContentRejected(
                f"TikTok does not offer privacy level {wanted or PUBLIC} for this account "
                f"(it offers {', '.join(options) or 'none'}).",
                "Choose one of the offered privacy levels for this post.",
                platform=self.name,
            )
        return wanted

    def _post_info(self, token: str, request: PublishRequest, *, photo: bool) -> JSONObject:
        text = request.parts[0].text
        info: JSONObject = {
            "privacy_level": self._privacy(token, request),
            "disable_comment": request.disable_comments,
        }
        if photo:
            info["title"] = (request.title or "")[: self.limits.title_max_length or 90]
            info["description"] = text
            info["auto_add_music"] = True
        else:
            info["title"] = text
            info["disable_duet"] = False
            info["disable_stitch"] = False
        return info

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
            body: JSONObject = {"post_info": self._post_info(token, request.post, photo=False), "source_info": source}
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
