"""X's chunked media upload: INIT / APPEND / FINALIZE / STATUS on /2/media/upload.

Official pages followed (facts only):
- Chunked media upload: https://docs.x.com/x-api/media/quickstart/media-upload-chunked
  https://developer.x.com/en/docs/media/upload-media/api-reference/get-media-upload-status
  (states pending -> in_progress -> failed|succeeded, check_after_secs; APPEND chunk <= 5 MB)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from psn_core.errors import MediaRejected, PlatformError
from psn_core.platforms.base import Platform
from psn_core.platforms.http import FileField, get_int, get_obj, get_str, json_body
from psn_core.platforms.models import MediaKind, MediaState, MediaStatus, UploadRequest, UploadSession

_MB = 1024 * 1024
_CHUNK = 4 * _MB  # APPEND accepts at most 5 MB per segment
_CATEGORY = {MediaKind.IMAGE: "tweet_image", MediaKind.GIF: "tweet_gif", MediaKind.VIDEO: "tweet_video"}
_MEDIA_STATE = {
    "pending": MediaState.PENDING,
    "in_progress": MediaState.PROCESSING,
    "succeeded": MediaState.READY,
    "failed": MediaState.FAILED,
}


class XMediaUpload(Platform):
    """X's upload verbs; :class:`~psn_core.platforms.x.XPlatform` is built on them."""

    def init_upload(self, token: str, request: UploadRequest) -> UploadSession:
        """INIT a chunked upload.

        Raises:
            MediaRejected: X does not take this kind of media.
            PlatformError: INIT was refused.
        """
        category = _CATEGORY.get(request.kind)
        if category is None:
            raise MediaRejected(f"X does not accept {request.kind.value} uploads.", platform=self.name)
        data = {
            "command": "INIT",
            "media_type": request.mime_type,
            "total_bytes": str(request.total_bytes),
            "media_category": category,
        }
        response = self.sender.request(
            "POST",
            self.url("/2/media/upload"),
            token=token,
            headers=self.auth_headers(token),
            files=_form(data),
        )
        body = json_body(response)
        media_id = get_str(body, "data", "id")
        if not media_id:
            raise PlatformError("X returned no media id for the upload.", platform=self.name, raw=response.text)
        expires = get_int(body, "data", "expires_after_secs")
        return UploadSession(
            platform=self.name,
            kind=request.kind,
            media_id=media_id,
            mime_type=request.mime_type,
            total_bytes=request.total_bytes,
            chunk_size=_CHUNK,
            total_chunks=max(1, math.ceil(request.total_bytes / _CHUNK)),
            expires_at=datetime.now(UTC) + timedelta(seconds=expires) if expires else None,
        )

    def upload_chunk(self, token: str, session: UploadSession, index: int, data: bytes) -> UploadSession:
        """APPEND one segment.

        Raises:
            PlatformError: the segment was refused.
        """
        fields = {"command": "APPEND", "media_id": session.media_id, "segment_index": str(index)}
        files: list[tuple[str, FileField]] = [*_form(fields), ("media", ("chunk", data, "application/octet-stream"))]
        self.sender.request(
            "POST", self.url("/2/media/upload"), token=token, headers=self.auth_headers(token), files=files
        )
        return session.model_copy(update={"next_chunk": max(session.next_chunk, index + 1)})

    def finalize_upload(self, token: str, session: UploadSession) -> UploadSession:
        """FINALIZE; videos and GIFs then need STATUS polling.

        Raises:
            PlatformError: FINALIZE was refused.
        """
        response = self.sender.request(
            "POST",
            self.url("/2/media/upload"),
            token=token,
            headers=self.auth_headers(token),
            files=_form({"command": "FINALIZE", "media_id": session.media_id}),
        )
        # Only a FINALIZE answer with processing_info may be polled with STATUS (images are ready at once).
        processing = bool(get_obj(json_body(response), "data", "processing_info"))
        return session.model_copy(update={"finalized": True, "needs_processing": processing})

    def upload_status(self, token: str, session: UploadSession) -> MediaStatus:
        """STATUS of the processing; no processing_info means the media is ready.

        Raises:
            PlatformError: STATUS failed.
        """
        if session.finalized and not session.needs_processing:
            return MediaStatus(media_id=session.media_id, state=MediaState.READY)
        response = self.sender.request(
            "GET",
            self.url("/2/media/upload"),
            token=token,
            headers=self.auth_headers(token),
            params={"command": "STATUS", "media_id": session.media_id},
        )
        info = get_obj(json_body(response), "data", "processing_info")
        if not info:
            return MediaStatus(media_id=session.media_id, state=MediaState.READY)
        state = _MEDIA_STATE.get(get_str(info, "state") or "", MediaState.PROCESSING)
        return MediaStatus(
            media_id=session.media_id,
            state=state,
            check_after_seconds=get_int(info, "check_after_secs"),
            error=get_str(info, "error", "message") or get_str(info, "error", "name"),
        )


def _form(fields: Mapping[str, str]) -> list[tuple[str, FileField]]:
    """multipart/form-data text fields, as the upload endpoint expects."""
    return [(key, (None, value)) for key, value in fields.items()]
