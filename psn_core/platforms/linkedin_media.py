"""LinkedIn's image and document assets: initializeUpload, one PUT of the bytes, then GET the status.

Official pages followed (facts only):
- Images API (initializeUpload -> PUT bytes -> GET status until AVAILABLE; JPG/GIF/PNG):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
- Documents API (PDF/PPT/DOC, 100 MB, 300 pages; same upload flow):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/documents-api
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import UTC, datetime
from urllib.parse import quote

from psn_core.errors import MediaRejected, PlatformError
from psn_core.platforms.base import Platform
from psn_core.platforms.http import get_int, get_obj, get_str, json_body
from psn_core.platforms.models import MediaKind, MediaState, MediaStatus, UploadRequest, UploadSession
from psn_core.platforms.restli import with_query

_ASSET = {MediaKind.IMAGE: "images", MediaKind.GIF: "images", MediaKind.DOCUMENT: "documents"}
_ASSET_STATE = {
    "WAITING_UPLOAD": MediaState.PENDING,
    "PROCESSING": MediaState.PROCESSING,
    "AVAILABLE": MediaState.READY,
    "PROCESSING_FAILED": MediaState.FAILED,
}


class LinkedInMedia(Platform):
    """LinkedIn's upload verbs; :class:`~psn_core.platforms.linkedin.LinkedInPlatform` is built on them."""

    @abstractmethod
    def rest_headers(self, token: str) -> dict[str, str]:
        """Headers of a versioned REST call."""

    @abstractmethod
    def get_author_urn(self, token: str) -> str:
        """The member's URN, the default owner of an asset.

        Raises:
            PlatformError: the member could not be read.
        """

    def init_upload(self, token: str, request: UploadRequest) -> UploadSession:
        """initializeUpload for an image or document; the session keeps the one-shot upload URL.

        Raises:
            MediaRejected: LinkedIn assets of this kind are not supported by psn.
            PlatformError: the initialization was refused.
        """
        asset = _ASSET.get(request.kind)
        if asset is None:
            raise MediaRejected(f"psn does not upload {request.kind.value} to LinkedIn.", platform=self.name)
        owner = self.get_author_urn(token)
        response = self.sender.request(
            "POST",
            with_query(self.url(f"/rest/{asset}"), {"action": "initializeUpload"}),
            token=token,
            headers=self.rest_headers(token),
            json={"initializeUploadRequest": {"owner": owner}},
        )
        value = get_obj(json_body(response), "value")
        urn = get_str(value, "image") or get_str(value, "document")
        upload_url = get_str(value, "uploadUrl")
        if not urn or not upload_url:
            raise PlatformError("LinkedIn returned no upload URL.", platform=self.name, raw=response.text)
        expires = get_int(value, "uploadUrlExpiresAt")
        return UploadSession(
            platform=self.name,
            kind=request.kind,
            media_id=urn,
            mime_type=request.mime_type,
            total_bytes=request.total_bytes,
            chunk_size=max(1, request.total_bytes),
            total_chunks=1,
            upload_url=upload_url,
            expires_at=datetime.fromtimestamp(expires / 1000, UTC) if expires else None,
        )

    def upload_chunk(self, token: str, session: UploadSession, index: int, data: bytes) -> UploadSession:
        """PUT the whole file to the upload URL (images and documents are a single part).

        Raises:
            PlatformError: the upload was refused.
        """
        if session.upload_url is None:
            raise PlatformError("This LinkedIn upload has no upload URL.", platform=self.name)
        self.sender.request(
            "PUT",
            session.upload_url,
            token=token,
            headers={**self.auth_headers(token), "Content-Type": "application/octet-stream"},
            content=data,
        )
        return session.model_copy(update={"next_chunk": 1})

    # finalize_upload is the base class's no-op: LinkedIn processes the asset once the PUT completes.

    def upload_status(self, token: str, session: UploadSession) -> MediaStatus:
        """GET the image or document and read its status.

        Raises:
            PlatformError: the asset could not be read.
        """
        asset = _ASSET.get(session.kind, "images")
        response = self.sender.request(
            "GET",
            self.url(f"/rest/{asset}/{quote(session.media_id, safe='')}"),
            token=token,
            headers=self.rest_headers(token),
        )
        raw_state = get_str(json_body(response), "status") or ""
        state = _ASSET_STATE.get(raw_state, MediaState.PROCESSING)
        return MediaStatus(
            media_id=session.media_id,
            state=state,
            error=f"processing failed ({raw_state})" if state is MediaState.FAILED else None,
        )
