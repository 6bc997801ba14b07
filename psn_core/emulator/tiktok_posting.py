"""TikTok Content Posting API (video and photo) and the video query/list metrics endpoints.

See ``tiktok.py`` for the documentation followed. Chunk rules come from the Media Transfer Guide:
``total_chunk_count == video_size // chunk_size``; chunks of 5-64 MB except the final one (up to 128 MB, it
absorbs the trailing bytes); videos under 5 MB are sent whole; 1 to 1000 chunks, uploaded in order.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from psn_core.emulator.routing import Call, Endpoint, json_response
from psn_core.emulator.runtime import Fetched, fetch_media

if TYPE_CHECKING:
    from psn_core.emulator.tiktok import TikTokEmulator

MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_FINAL_CHUNK, MAX_CHUNKS = 5 * MB, 64 * MB, 128 * MB, 1000
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
VIDEO_FIELDS = (
    "id",
    "title",
    "video_description",
    "create_time",
    "cover_image_url",
    "share_url",
    "duration",
    "height",
    "width",
    "embed_link",
    "like_count",
    "comment_count",
    "share_count",
    "view_count",
)
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")

DISPLAY_TEXT_MAX = 150  # https://developers.tiktok.com/doc/tiktok-api-v2-video-object


def tt_error(status: int, code: str, message: str) -> Response:
    return json_response({"error": {"code": code, "message": message, "log_id": secrets.token_hex(16).upper()}}, status)


def check_chunks(video_size: int, chunk_size: int, total_chunk_count: int) -> str | None:
    """Why a FILE_UPLOAD source_info breaks the documented chunk rules, or None when it is valid."""
    if video_size <= 0 or chunk_size <= 0:
        return "video_size and chunk_size must be positive"
    if video_size < MIN_CHUNK:
        if chunk_size != video_size or total_chunk_count != 1:
            return "videos smaller than 5 MB must be uploaded whole: chunk_size = video_size, 1 chunk"
        return None
    if chunk_size < MIN_CHUNK or chunk_size > MAX_CHUNK:
        return "chunk_size must be between 5 MB and 64 MB"
    if chunk_size > video_size:
        return "chunk_size must not exceed video_size"
    expected = video_size // chunk_size
    if total_chunk_count != expected:
        return f"total_chunk_count must be video_size // chunk_size = {expected}"
    if not 1 <= expected <= MAX_CHUNKS:
        return "between 1 and 1000 chunks are allowed"
    if video_size - (expected - 1) * chunk_size > MAX_FINAL_CHUNK:
        return "the final chunk must not exceed 128 MB"
    return None


@dataclass
class TikTokPost:
    publish_id: str
    owner_id: str
    mode: str
    media_type: str
    source: str
    created_at: datetime
    title: str = ""
    privacy_level: str = "SELF_ONLY"
    description: str = ""  # photo posts: post_info.description (a video's caption is its title)
    video_size: int = 0
    chunk_size: int = 0
    chunk_count: int = 0
    uploaded_bytes: int = 0
    upload_done_at: datetime | None = None
    fetched: list[Fetched] = field(default_factory=list)
    fault: str | None = None
    video_id: str | None = None
    upload_id: str = ""


class TikTokPosting:
    def __init__(self, tiktok: TikTokEmulator) -> None:
        self.tt = tiktok
        self.posts: dict[str, TikTokPost] = {}
        self.uploads: dict[str, str] = {}
        # What creator_info says beyond the defaults (tests: comment_disabled, max_video_post_duration_sec,
        # privacy_level_options for audited apps)
        self.creator: dict[str, Any] = {}

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("creator_info", "POST", "/v2/post/publish/creator_info/query/", self.creator_info),
            Endpoint("video_init", "POST", "/v2/post/publish/video/init/", self.video_init, write=True),
            Endpoint("inbox_video_init", "POST", "/v2/post/publish/inbox/video/init/", self.inbox_init, write=True),
            Endpoint("content_init", "POST", "/v2/post/publish/content/init/", self.content_init, write=True),
            Endpoint("upload", "PUT", "/upload/video/", self.upload, api=False),
            Endpoint("status_fetch", "POST", "/v2/post/publish/status/fetch/", self.status_fetch),
            Endpoint("video_query", "POST", "/v2/video/query/", self.video_query),
            Endpoint("video_list", "POST", "/v2/video/list/", self.video_list),
        ]

    def privacy_options(self, audited: bool) -> list[str]:
        options = self.creator.get("privacy_level_options")
        if isinstance(options, list):
            return [str(o) for o in options] if audited else ["SELF_ONLY"]
        return ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"] if audited else ["SELF_ONLY"]

    # -- state -------------------------------------------------------------------------------------
    def status(self, post: TikTokPost) -> tuple[str, str]:
        """(status, fail_reason); settles the post into a video when it completes."""
        world = self.tt.world
        waiting = "PROCESSING_UPLOAD" if post.source == "FILE_UPLOAD" else "PROCESSING_DOWNLOAD"
        if post.fault == "stuck":
            return waiting, ""
        if any(not f.ok for f in post.fetched):
            return "FAILED", "photo_pull_failed" if post.media_type == "PHOTO" else "video_pull_failed"
        started = post.upload_done_at if post.source == "FILE_UPLOAD" else post.created_at
        if started is None or world.clock() - started < world.processing_delay():
            return waiting, ""
        if post.fault == "processing_failed":
            return "FAILED", "file_format_check_failed"
        if post.mode == "INBOX":
            return "SEND_TO_USER_INBOX", ""
        if post.video_id is None:
            post.video_id = world.next_id()
        return "PUBLISH_COMPLETE", ""

    def metrics(self, post: TikTokPost) -> dict[str, int]:
        started = post.upload_done_at or post.created_at
        minutes = max(
            0.0,
            (self.tt.world.clock() - started).total_seconds() / 60 - self.tt.world.config.processing_seconds / 60,
        )
        views = int(minutes * 30)
        return {
            "view_count": views,
            "like_count": views // 10,
            "comment_count": views // 100,
            "share_count": views // 150,
        }

    # -- handlers ----------------------------------------------------------------------------------
    async def creator_info(self, call: Call) -> Response:
        from psn_core.emulator.tiktok import tt_ok

        user = self.tt.authenticate(call)
        return tt_ok(
            {
                "creator_avatar_url": f"https://p16.tiktokcdn.example/{user.user_id}.jpeg",
                "creator_username": user.username,
                "creator_nickname": user.name,
                "comment_disabled": False,
                "duet_disabled": False,
                "stitch_disabled": False,
                "max_video_post_duration_sec": 600,
                **self.creator,
                "privacy_level_options": self.privacy_options(self.tt.app_for(call)),
            }
        )

    def _body(self, call: Call) -> dict[str, Any]:
        try:
            return call.json_body()
        except ValueError as exc:
            raise_reply = tt_error(400, "invalid_params", "The request body is not valid JSON.")
            from psn_core.emulator.routing import Reply

            raise Reply(raise_reply) from exc

    def _privacy(self, call: Call, post_info: dict[str, Any]) -> Response | str:
        level = str(post_info.get("privacy_level", ""))
        audited = self.tt.app_for(call)
        if level not in PRIVACY_LEVELS:
            # the guidelines have the creator choose: TikTok applies no default
            return tt_error(400, "invalid_params", "post_info.privacy_level is required.")
        if level not in self.privacy_options(audited):
            if not audited:
                return tt_error(
                    403,
                    "unaudited_client_can_only_post_to_private_accounts",
                    "Unaudited clients can only post with privacy_level SELF_ONLY.",
                )
            return tt_error(400, "privacy_level_option_mismatch", "privacy_level is not one of the creator's options.")
        return level

    async def video_init(self, call: Call) -> Response:
        return await self._video_init(call, "DIRECT_POST")

    async def inbox_init(self, call: Call) -> Response:
        return await self._video_init(call, "INBOX")

    async def _video_init(self, call: Call, mode: str) -> Response:
        user = self.tt.authenticate(call)
        body = self._body(call)
        source = body.get("source_info") or {}
        post_info = body.get("post_info") or {}
        level = "SELF_ONLY"
        if mode == "DIRECT_POST":
            checked = self._privacy(call, post_info)
            if isinstance(checked, Response):
                return checked
            level = checked
        kind = source.get("source")
        world = self.tt.world
        post = TikTokPost(
            f"v_{'pub' if mode == 'DIRECT_POST' else 'inbox'}_file~v2-1.{world.next_id()}",
            user.user_id,
            mode,
            "VIDEO",
            str(kind),
            world.clock(),
            str(post_info.get("title", "")),
            level,
            fault=world.faults.take_processing("tiktok", call.endpoint.name),
        )
        data: dict[str, Any] = {"publish_id": post.publish_id}
        if kind == "FILE_UPLOAD":
            try:
                size, chunk, count = (int(source[k]) for k in ("video_size", "chunk_size", "total_chunk_count"))
            except (KeyError, TypeError, ValueError):
                return tt_error(400, "invalid_params", "video_size, chunk_size and total_chunk_count are required.")
            problem = check_chunks(size, chunk, count)
            if problem:
                return tt_error(400, "invalid_params", f"The chunk parameters are invalid: {problem}.")
            post.video_size, post.chunk_size, post.chunk_count = size, chunk, count
            post.upload_id = world.next_id()
            data["upload_url"] = (
                f"{self.tt.base_url}/upload/video/?upload_id={post.upload_id}&upload_token={secrets.token_urlsafe(12)}"
            )
        elif kind == "PULL_FROM_URL":
            url = str(source.get("video_url", ""))
            if not url:
                return tt_error(400, "invalid_params", "source_info.video_url is required.")
            post.fetched = [await fetch_media(url, world.config.fetch_timeout_seconds)]
        else:
            return tt_error(400, "invalid_params", "source_info.source must be FILE_UPLOAD or PULL_FROM_URL.")
        with world.lock:
            self.posts[post.publish_id] = post
            if post.upload_id:
                self.uploads[post.upload_id] = post.publish_id
        from psn_core.emulator.tiktok import tt_ok

        return tt_ok(data)

    async def content_init(self, call: Call) -> Response:
        from psn_core.emulator.tiktok import tt_ok

        user = self.tt.authenticate(call)
        body = self._body(call)
        source = body.get("source_info") or {}
        post_info = body.get("post_info") or {}
        mode = "INBOX" if body.get("post_mode") == "MEDIA_UPLOAD" else "DIRECT_POST"
        self.tt.require_scope(call, "video.upload" if mode == "INBOX" else "video.publish")
        if body.get("media_type") != "PHOTO" or source.get("source") != "PULL_FROM_URL":
            return tt_error(400, "invalid_params", "Only media_type PHOTO with source PULL_FROM_URL is supported.")
        images = source.get("photo_images") or []
        if not isinstance(images, list) or not 1 <= len(images) <= 35:
            return tt_error(400, "invalid_params", "photo_images must hold 1 to 35 URLs.")
        level = "SELF_ONLY"
        if mode == "DIRECT_POST":
            checked = self._privacy(call, post_info)
            if isinstance(checked, Response):
                return checked
            level = checked
        world = self.tt.world
        fetched = [await fetch_media(str(url), world.config.fetch_timeout_seconds) for url in images]
        post = TikTokPost(
            f"p_pub_url~v2.{world.next_id()}",
            user.user_id,
            mode,
            "PHOTO",
            "PULL_FROM_URL",
            world.clock(),
            str(post_info.get("title", "")),
            level,
            description=str(post_info.get("description", "")),
            fetched=fetched,
            fault=world.faults.take_processing("tiktok", call.endpoint.name),
        )
        with world.lock:
            self.posts[post.publish_id] = post
        return tt_ok({"publish_id": post.publish_id})

    async def upload(self, call: Call) -> Response:
        with self.tt.world.lock:
            post = self.posts.get(self.uploads.get(call.query.get("upload_id", ""), ""))
            if post is None:
                return tt_error(404, "invalid_params", "Unknown upload_id.")
            match = _RANGE.match(call.request.headers.get("content-range", ""))
            if match is None:
                return tt_error(400, "invalid_params", "Content-Range: bytes {first}-{last}/{total} is required.")
            first, last, total = (int(g) for g in match.groups())
            index = post.uploaded_bytes // post.chunk_size if post.chunk_size else 0
            is_final = index == post.chunk_count - 1
            expected = post.video_size - index * post.chunk_size if is_final else post.chunk_size
            if post.upload_done_at is not None:
                return tt_error(400, "invalid_params", "The upload is already complete.")
            if (
                total != post.video_size
                or first != post.uploaded_bytes
                or last - first + 1 != len(call.body)
                or len(call.body) != expected
            ):
                return tt_error(
                    416,
                    "invalid_params",
                    f"Chunks must be sent in order; expected bytes {post.uploaded_bytes}-"
                    f"{post.uploaded_bytes + expected - 1}/{post.video_size}.",
                )
            post.uploaded_bytes += len(call.body)
            if is_final:
                post.upload_done_at = self.tt.world.clock()
                return Response(status_code=201)
        return Response(status_code=206)

    async def status_fetch(self, call: Call) -> Response:
        from psn_core.emulator.tiktok import tt_ok

        user = self.tt.authenticate(call)
        body = self._body(call)
        with self.tt.world.lock:
            post = self.posts.get(str(body.get("publish_id", "")))
            if post is None or post.owner_id != user.user_id:
                return tt_error(400, "invalid_publish_id", "The publish_id does not exist.")
            status, reason = self.status(post)
            data: dict[str, Any] = {"status": status, "uploaded_bytes": post.uploaded_bytes}
            if reason:
                data["fail_reason"] = reason
            if status == "PUBLISH_COMPLETE":
                public = post.privacy_level == "PUBLIC_TO_EVERYONE"
                data["publicaly_available_post_id"] = [int(post.video_id or 0)] if public else []
        return tt_ok(data)

    def render_video(self, post: TikTokPost, fields: list[str]) -> dict[str, Any]:
        created = post.upload_done_at or post.created_at
        every: dict[str, Any] = {
            "id": post.video_id,
            # Video object: title and video_description hold at most 150 characters.
            "title": post.title[:DISPLAY_TEXT_MAX],
            "video_description": (post.description if post.media_type == "PHOTO" else post.title)[:DISPLAY_TEXT_MAX],
            "create_time": int(created.timestamp()),
            "cover_image_url": f"https://p16.tiktokcdn.example/c/{post.video_id}",
            "share_url": f"https://www.tiktok.com/@user/video/{post.video_id}",
            "duration": 15,
            "height": 1920,
            "width": 1080,
            "embed_link": f"https://www.tiktok.com/embed/v2/{post.video_id}",
            **self.metrics(post),
        }
        return {key: every[key] for key in fields if key in every}

    def _fields(self, call: Call) -> list[str] | Response:
        fields = [f for f in call.query.get("fields", "").split(",") if f]
        unknown = [f for f in fields if f not in VIDEO_FIELDS]
        if not fields or unknown:
            return tt_error(400, "invalid_params", f"fields must be a list of {', '.join(VIDEO_FIELDS)}.")
        return fields

    def _videos(self, user_id: str) -> list[TikTokPost]:
        mine = [p for p in self.posts.values() if p.owner_id == user_id]
        done = [p for p in mine if self.status(p)[0] == "PUBLISH_COMPLETE"]
        return sorted(done, key=lambda p: int(p.video_id or 0), reverse=True)

    async def video_query(self, call: Call) -> Response:
        from psn_core.emulator.tiktok import tt_ok

        user = self.tt.authenticate(call)
        fields = self._fields(call)
        if isinstance(fields, Response):
            return fields
        ids = (self._body(call).get("filters") or {}).get("video_ids") or []
        if not isinstance(ids, list) or not 1 <= len(ids) <= 20:
            return tt_error(400, "invalid_params", "filters.video_ids must hold 1 to 20 ids.")
        with self.tt.world.lock:
            videos = [
                self.render_video(p, fields) for p in self._videos(user.user_id) if p.video_id in {str(i) for i in ids}
            ]
        return tt_ok({"videos": videos})

    async def video_list(self, call: Call) -> Response:
        from psn_core.emulator.tiktok import tt_ok

        user = self.tt.authenticate(call)
        fields = self._fields(call)
        if isinstance(fields, Response):
            return fields
        body = self._body(call)
        max_count = int(body.get("max_count", 10))
        if not 1 <= max_count <= 20:
            return tt_error(400, "invalid_params", "max_count must be between 1 and 20.")
        cursor = int(body.get("cursor", 0) or 0)
        with self.tt.world.lock:
            videos = self._videos(user.user_id)
            if cursor:
                videos = [p for p in videos if int(p.video_id or 0) < cursor]
            page = videos[:max_count]
            rendered = [self.render_video(p, fields) for p in page]
        next_cursor = int(page[-1].video_id or 0) if page else 0
        return tt_ok({"videos": rendered, "cursor": next_cursor, "has_more": len(videos) > max_count})
