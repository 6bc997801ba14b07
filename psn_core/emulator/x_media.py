"""X API v2 media upload: INITIALIZE, APPEND, FINALIZE and STATUS with processing_info.

Follows https://docs.x.com/x-api/media/quickstart/media-upload-chunked and the endpoint references
https://docs.x.com/x-api/media/initialize-media-upload, https://docs.x.com/x-api/media/media-upload-finalize,
https://docs.x.com/x-api/media/get-media-upload-status. Both the path style
(``/2/media/upload/initialize``, ``/2/media/upload/{id}/append``, ``/2/media/upload/{id}/finalize``) and the
command style (``POST /2/media/upload`` with ``command=INIT|APPEND|FINALIZE``) are served.
Videos and GIFs (or any ``*_video``/``*_gif`` category) go through processing; images are ready at once.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from starlette.responses import Response

from psn_core.emulator.routing import Call, Endpoint, json_response, parse_model

if TYPE_CHECKING:
    from psn_core.emulator.x import XEmulator

EXPIRES_AFTER = 86400
MAX_SEGMENTS = 1000


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> Response:
    return json_response({"title": title, "detail": detail, "type": type_, "status": status}, status)


def invalid_request(detail: str) -> Response:
    body = {
        "errors": [{"message": detail}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return json_response(body, 400)


class InitRequest(BaseModel):
    media_type: str
    total_bytes: int
    media_category: str | None = None


@dataclass
class XMedia:
    id: str
    owner_id: str
    media_type: str
    category: str
    total_bytes: int
    created_at: datetime
    segments: dict[int, int] = field(default_factory=dict)
    finalized_at: datetime | None = None
    fault: str | None = None
    used: bool = False

    @property
    def key(self) -> str:
        prefix = "7" if self.media_type.startswith("video") else "16" if self.media_type == "image/gif" else "3"
        return f"{prefix}_{self.id}"

    @property
    def processed(self) -> bool:
        return (
            self.media_type.startswith("video")
            or self.media_type == "image/gif"
            or self.category.endswith(("_video", "_gif"))
        )


class XMediaStore:
    def __init__(self, x: XEmulator) -> None:
        self.x = x
        self.items: dict[str, XMedia] = {}

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("media_initialize", "POST", "/2/media/upload/initialize", self.initialize, write=True),
            Endpoint("media_append", "POST", "/2/media/upload/{media_id}/append", self.append, write=True),
            Endpoint("media_finalize", "POST", "/2/media/upload/{media_id}/finalize", self.finalize, write=True),
            Endpoint("media_status", "GET", "/2/media/upload", self.status),
            Endpoint("media_command", "POST", "/2/media/upload", self.command, write=True),
        ]

    # -- state -----------------------------------------------------------------------------
    def state(self, media: XMedia) -> tuple[str, int, int]:
        """(state, progress_percent, check_after_secs) as the documentation describes."""
        assert media.finalized_at is not None
        delay = self.x.world.processing_delay()
        elapsed = self.x.world.clock() - media.finalized_at
        if media.fault == "stuck" or (elapsed < delay and elapsed.total_seconds() > 0):
            share = min(99, int(100 * elapsed / delay)) if media.fault != "stuck" else 42
            return "in_progress", share, 1
        if elapsed < delay:
            return "pending", 0, 1
        if media.fault == "processing_failed":
            return "failed", 100, 0
        return "succeeded", 100, 0

    def claim_ready(self, owner_id: str, media_ids: list[str]) -> list[str] | None:
        """Media keys for a post, or None when any id is unknown, foreign or not ready."""
        keys = []
        for media_id in media_ids:
            media = self.items.get(media_id)
            if media is None or media.owner_id != owner_id or media.finalized_at is None:
                return None
            if media.processed and self.state(media)[0] != "succeeded":
                return None
            keys.append(media.key)
        return keys

    def render(self, media: XMedia, *, with_processing: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": media.id,
            "media_key": media.key,
            "expires_after_secs": EXPIRES_AFTER,
            "size": sum(media.segments.values()),
        }
        if with_processing and media.processed and media.finalized_at is not None:
            state, progress, check_after = self.state(media)
            info: dict[str, Any] = {"state": state, "progress_percent": progress}
            if state in ("pending", "in_progress"):
                info["check_after_secs"] = check_after
            if state == "failed":
                info["error"] = {"code": 1, "name": "InvalidMedia", "message": "Unsupported video format"}
            data["processing_info"] = info
        return {"data": data}

    def _owned(self, call: Call, media_id: str) -> tuple[XMedia | None, Response | None]:
        user = self.x.authenticate(call)
        media = self.items.get(media_id)
        if media is None or media.owner_id != user.user_id:
            return None, invalid_request(f"Unknown media_id {media_id}.")
        return media, None

    # -- handlers ------------------------------------------------------------------------------
    async def initialize(self, call: Call) -> Response:
        user = self.x.authenticate(call)
        try:
            raw: Any = call.json_body()
        except ValueError:
            raw = await call.form()
        body = parse_model(InitRequest, raw, invalid_request)
        if body.total_bytes <= 0:
            return invalid_request("total_bytes must be positive.")
        world = self.x.world
        with world.lock:
            media = XMedia(
                world.next_id(),
                user.user_id,
                body.media_type,
                body.media_category or "",
                body.total_bytes,
                world.clock(),
                fault=world.faults.take_processing("x", call.endpoint.name),
            )
            self.items[media.id] = media
        return json_response(self.render(media, with_processing=False))

    async def append(self, call: Call) -> Response:
        return await self._append(call, call.path_param("media_id"))

    async def _append(self, call: Call, media_id: str) -> Response:
        media, error = self._owned(call, media_id)
        if error is not None or media is None:
            return error or invalid_request("Unknown media.")
        form = await call.form()
        try:
            index = int(form.get("segment_index", ""))
        except ValueError:
            return invalid_request("segment_index is required.")
        chunk = await call.form_file("media")
        if chunk is None:
            data = form.get("media_data")
            if data is None:
                return invalid_request("media is required.")
            chunk = base64.b64decode(data)
        if not 0 <= index < MAX_SEGMENTS:
            return invalid_request("segment_index must be between 0 and 999.")
        if media.finalized_at is not None:
            return invalid_request("Media was already finalized.")
        with self.x.world.lock:
            media.segments[index] = len(chunk)
        return json_response({"data": {"expires_at": int(media.created_at.timestamp()) + EXPIRES_AFTER}})

    async def finalize(self, call: Call) -> Response:
        return self._finalize(call, call.path_param("media_id"))

    def _finalize(self, call: Call, media_id: str) -> Response:
        media, error = self._owned(call, media_id)
        if error is not None or media is None:
            return error or invalid_request("Unknown media.")
        with self.x.world.lock:
            if sorted(media.segments) != list(range(len(media.segments))):
                return invalid_request("Segments are missing; upload every segment_index from 0.")
            if sum(media.segments.values()) != media.total_bytes:
                return invalid_request("Segments do not add up to provided total file size.")
            if media.finalized_at is None:
                media.finalized_at = self.x.world.clock()
            return json_response(self.render(media, with_processing=True))

    async def status(self, call: Call) -> Response:
        if call.query.get("command", "STATUS") != "STATUS":
            return invalid_request("command must be STATUS.")
        media, error = self._owned(call, call.query.get("media_id", ""))
        if error is not None or media is None:
            return error or invalid_request("Unknown media.")
        if media.finalized_at is None or not media.processed:
            return invalid_request("This media has no processing status.")
        with self.x.world.lock:
            return json_response(self.render(media, with_processing=True))

    async def command(self, call: Call) -> Response:
        form = await call.form()
        command = form.get("command", call.query.get("command", ""))
        if command == "INIT":
            return await self.initialize(call)
        if command == "APPEND":
            return await self._append(call, form.get("media_id", ""))
        if command == "FINALIZE":
            return self._finalize(call, form.get("media_id", ""))
        return invalid_request("command must be INIT, APPEND or FINALIZE.")
