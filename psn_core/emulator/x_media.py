"""X API v2 media upload: initialize, append, finalize, STATUS with processing_info, and the one-shot upload.

Follows https://docs.x.com/x-api/media/quickstart/media-upload-chunked and the endpoint references
https://docs.x.com/x-api/media/initialize-media-upload, https://docs.x.com/x-api/media/media-upload-append,
https://docs.x.com/x-api/media/media-upload-finalize, https://docs.x.com/x-api/media/get-media-upload-status
and https://docs.x.com/x-api/media/media-upload (one-shot), as X's OpenAPI contract has them:
``POST /2/media/upload/initialize`` (JSON), ``POST /2/media/upload/{id}/append`` (multipart ``media`` +
``segment_index``, or JSON with base64 ``media``), ``POST /2/media/upload/{id}/finalize``,
``GET /2/media/upload?media_id=&command=STATUS`` and ``POST /2/media/upload`` (``media`` +
``media_category``, one request). The retired ``command=INIT|APPEND|FINALIZE`` form is not served: the
contract check in x.py refuses it before any handler runs.
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


def invalid_request(detail: str, parameter: str | None = None, value: str | None = None) -> Response:
    """X's 400 problem: the generic detail, and each error's message (and the parameter it is about)."""
    error: dict[str, Any] = {"message": detail}
    if parameter is not None:
        error["parameters"] = {parameter: [] if value is None else [value]}
    body = {
        "errors": [error],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.x.com/2/problems/invalid-request",
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
        # Handlers are looked up at call time, so a test can wrap initialize/_append/_finalize.
        return [
            Endpoint("media_initialize", "POST", "/2/media/upload/initialize", self._on_initialize, write=True),
            Endpoint("media_append", "POST", "/2/media/upload/{media_id}/append", self.append, write=True),
            Endpoint("media_finalize", "POST", "/2/media/upload/{media_id}/finalize", self.finalize, write=True),
            Endpoint("media_status", "GET", "/2/media/upload", self.status),
            Endpoint("media_upload", "POST", "/2/media/upload", self.upload, write=True),
        ]

    async def _on_initialize(self, call: Call) -> Response:
        return await self.initialize(call)

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
            raw = call.json_body()
        except ValueError:
            return invalid_request("Request body is not valid JSON.")
        body = parse_model(InitRequest, raw, invalid_request)
        if body.total_bytes <= 0:
            return invalid_request("total_bytes must be positive.", "total_bytes", str(body.total_bytes))
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
        try:
            index, chunk = await _segment(call)
        except ValueError as exc:
            return invalid_request(str(exc))
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

    async def upload(self, call: Call) -> Response:
        """The one-shot upload: the whole file in ``media`` with its ``media_category``, finalized at once."""
        user = self.x.authenticate(call)
        form = await call.form()
        data = await call.form_file("media")
        if data is None:
            try:
                body = call.json_body()
                data = base64.b64decode(str(body.get("media", "")), validate=True)
            except ValueError:
                return invalid_request("media must be the file's bytes (multipart) or base64 (JSON).", "media")
            form = {"media_category": str(body.get("media_category", ""))}
        category = form.get("media_category", "")
        world = self.x.world
        with world.lock:
            media = XMedia(
                world.next_id(),
                user.user_id,
                _ONE_SHOT_TYPES.get(category, "application/octet-stream"),
                category,
                len(data),
                world.clock(),
                segments={0: len(data)},
                fault=world.faults.take_processing("x", call.endpoint.name),
            )
            media.finalized_at = world.clock()
            self.items[media.id] = media
            return json_response(self.render(media, with_processing=True))


_ONE_SHOT_TYPES = {
    "tweet_image": "image/jpeg",
    "dm_image": "image/jpeg",
    "tweet_gif": "image/gif",
    "dm_gif": "image/gif",
}


async def _segment(call: Call) -> tuple[int, bytes]:
    """``segment_index`` and the chunk of an append: multipart bytes, or base64 ``media`` in JSON.

    Raises:
        ValueError: either is missing or malformed.
    """
    if call.request.headers.get("content-type", "").startswith("application/json"):
        body = call.json_body()
        index, encoded = body.get("segment_index"), body.get("media")
        if not isinstance(index, int) or not isinstance(encoded, str):
            raise ValueError("segment_index and media are required.")
        return index, base64.b64decode(encoded, validate=True)
    form = await call.form()
    chunk = await call.form_file("media")
    if chunk is None:
        raise ValueError("media is required.")
    return int(form.get("segment_index", "")), chunk
