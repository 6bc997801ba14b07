"""X's chunked media upload: initialize, append, finalize, then STATUS while X processes a video or GIF.

Official pages followed (facts only):
- Chunked media upload: https://docs.x.com/x-api/media/quickstart/media-upload-chunked
- POST /2/media/upload/initialize (JSON: media_type, total_bytes, media_category; answer data.id,
  data.expires_after_secs): https://docs.x.com/x-api/media/initialize-media-upload
- POST /2/media/upload/{id}/append (multipart: media, segment_index 0-999; a segment <= 5 MB):
  https://docs.x.com/x-api/media/media-upload-append
- POST /2/media/upload/{id}/finalize (no body; data.processing_info when X still has work to do):
  https://docs.x.com/x-api/media/media-upload-finalize
- GET /2/media/upload?media_id=&command=STATUS (processing_info.state pending -> in_progress ->
  failed|succeeded, check_after_secs): https://docs.x.com/x-api/media/get-media-upload-status
- Scope media.write on every step: X API v2 OpenAPI (github.com/xdevplatform/xdk specs/openapi.json),
  https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
The ``command=INIT|APPEND|FINALIZE`` form of ``POST /2/media/upload`` is retired (X's migration
deadline was 30 May 2025); that path now only takes a whole file in one request.

The media id from initialize is the upload session: every later step names it in the path, so a worker
that restarts continues the same upload (the session is persisted by services/posting/media_uploads.py).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from psn_core.errors import MediaRejected, PlatformError
from psn_core.platforms.base import Platform
from psn_core.platforms.http import FileField, JSONObject, get_int, get_obj, get_str, json_body
from psn_core.platforms.models import MediaKind, MediaState, MediaStatus, UploadRequest, UploadSession

_MB = 1024 * 1024
_CHUNK = 4 * _MB  # append takes at most 5 MB per segment
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
        """Initialize a chunked upload; X's media id names the session from then on.

        Raises:
            MediaRejected: X does not take this kind of media.
            PlatformError: initialize was refused.
        """
        category = _CATEGORY.get(request.kind)
        if category is None:
            raise MediaRejected(f"X does not accept {request.kind.value} uploads.", platform=self.name)
        body: JSONObject = {
            "media_type": request.mime_type,
            "total_bytes": request.total_bytes,
            "media_category": category,
        }
        response = self.sender.request(
            "POST",
            self.url("/2/media/upload/initialize"),
            token=token,
            headers=self.auth_headers(token),
            json=body,
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
        """Append one segment to the session.

        Raises:
            PlatformError: the segment was refused.
        """
        files: list[tuple[str, FileField]] = [
            ("segment_index", (None, str(index))),
            ("media", ("chunk", data, "application/octet-stream")),
        ]
        self.sender.request(
            "POST",
            self.url(f"/2/media/upload/{quote(session.media_id, safe='')}/append"),
            token=token,
            headers=self.auth_headers(token),
            files=files,
        )
        return session.model_copy(update={"next_chunk": max(session.next_chunk, index + 1)})

    def finalize_upload(self, token: str, session: UploadSession) -> UploadSession:
        """Finalize the session; videos and GIFs then need STATUS polling.

        Raises:
            PlatformError: finalize was refused.
        """
        response = self.sender.request(
            "POST",
            self.url(f"/2/media/upload/{quote(session.media_id, safe='')}/finalize"),
            token=token,
            headers=self.auth_headers(token),
        )
        # Only a finalize answer with processing_info may be polled with STATUS (images are ready at once).
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
