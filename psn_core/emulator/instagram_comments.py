"""Instagram comments on the account's own media, and replies to them (comment moderation).

Built from the official documentation (Meta for Developers):
- https://developers.facebook.com/docs/instagram-platform/comment-moderation (Instagram API with Instagram
  Login: ``GET /{ig-media-id}/comments``, ``GET /{ig-comment-id}/replies``, ``POST /{ig-comment-id}/replies``;
  permissions instagram_business_basic + instagram_business_manage_comments)
- https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments
  (fields id, text, timestamp, username, from, like_count, replies; comments on the app user's own media only)
- https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies
  (``message`` required; only top-level comments take replies, a reply to a reply is added to its top-level
  comment; no replies to hidden comments; answer ``{"id": ...}``)
- Comment text: at most 300 characters, 4 hashtags and 1 URL (the limits the IG Media comments reference
  lists for comments created through the API); a longer one is refused with code 100.
- https://developers.facebook.com/docs/graph-api/overview/rate-limiting: every call counts against the
  account's hourly calls like any other (``instagram.authenticate``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from psn_core.emulator.instagram_media import Media
from psn_core.emulator.oauth import TestUser
from psn_core.emulator.routing import Call, Endpoint, json_response

if TYPE_CHECKING:
    from psn_core.emulator.instagram import InstagramEmulator

MAX_COMMENT_LENGTH = 300
MAX_HASHTAGS = 4
MAX_URLS = 1
_URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)


@dataclass
class Comment:
    id: str
    media_id: str
    user_id: str
    username: str
    text: str
    timestamp: datetime
    parent_id: str | None = None
    hidden: bool = False
    like_count: int = 0


class InstagramComments:
    def __init__(self, instagram: InstagramEmulator) -> None:
        self.ig = instagram
        self.comments: dict[str, Comment] = {}

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("list_comments", "GET", "/{media_id}/comments", self.list_comments),
            Endpoint("list_replies", "GET", "/{comment_id}/replies", self.list_replies),
            Endpoint("reply_comment", "POST", "/{comment_id}/replies", self.reply, write=True),
        ]

    # -- fixtures ----------------------------------------------------------------------------------
    def add_media(self, owner: TestUser, caption: str, media_type: str = "IMAGE") -> Media:
        """A published post of ``owner`` as if made in the app (a test fixture)."""
        with self.ig.world.lock:
            media_id = "179" + self.ig.world.next_id()[-14:]
            media = Media(media_id, owner.user_id, "", caption, media_type, "FEED", self.ig.world.clock())
            self.ig.media.media[media_id] = media
        return media

    def comment_as(self, author: TestUser, media_id: str, text: str, *, reply_to: str | None = None) -> Comment:
        """Someone's comment on a post (or reply under a comment), as if written in the app."""
        with self.ig.world.lock:
            if media_id not in self.ig.media.media:
                raise KeyError(f"no media {media_id}")
            comment = Comment(
                "178" + self.ig.world.next_id()[-14:],
                media_id,
                author.user_id,
                author.username,
                text,
                self.ig.world.clock(),
                self._top(reply_to),
            )
            self.comments[comment.id] = comment
        return comment

    def _top(self, comment_id: str | None) -> str | None:
        if comment_id is None:
            return None
        parent = self.comments[comment_id]
        return parent.parent_id or parent.id

    # -- rendering ---------------------------------------------------------------------------------
    def render(self, comment: Comment, fields: str) -> dict[str, Any]:
        every: dict[str, Any] = {
            "id": comment.id,
            "text": comment.text,
            "timestamp": comment.timestamp.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "username": comment.username,
            "from": {"id": comment.user_id, "username": comment.username},
            "like_count": comment.like_count,
            "hidden": comment.hidden,
            "media": {"id": comment.media_id},
        }
        if comment.parent_id:
            every["parent_id"] = comment.parent_id
        wanted = [f for f in fields.split(",") if f] or ["id", "text", "timestamp"]
        out = {key: every[key] for key in wanted if key in every} | {"id": comment.id}
        if "replies" in wanted:
            replies = [c for c in self.comments.values() if c.parent_id == comment.id]
            out["replies"] = {"data": [{"id": c.id, "text": c.text, "timestamp": every["timestamp"]} for c in replies]}
        return out

    def _page(self, found: list[Comment], params: dict[str, str]) -> Response:
        limit = min(100, int(params.get("limit", "50") or "50"))
        found.sort(key=lambda c: (c.timestamp, c.id), reverse=True)
        data = [self.render(c, params.get("fields", "")) for c in found[:limit]]
        cursors = {"before": data[0]["id"], "after": data[-1]["id"]} if data else {}
        return json_response({"data": data, "paging": {"cursors": cursors}})

    def _unsupported(self, object_id: str) -> Response:
        return self.ig.media._error(
            f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation.",
            100,
            33,
        )

    # -- handlers ----------------------------------------------------------------------------------
    async def list_comments(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        media_id = call.path_param("media_id")
        with self.ig.world.lock:
            media = self.ig.media.media.get(media_id)
            if media is None or media.owner_id != user.user_id:
                return self._unsupported(media_id)
            found = [c for c in self.comments.values() if c.media_id == media_id and c.parent_id is None]
            return self._page(found, params)

    async def list_replies(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        comment_id = call.path_param("comment_id")
        with self.ig.world.lock:
            parent = self.comments.get(comment_id)
            media = self.ig.media.media.get(parent.media_id) if parent else None
            if parent is None or media is None or media.owner_id != user.user_id:
                return self._unsupported(comment_id)
            return self._page([c for c in self.comments.values() if c.parent_id == parent.id], params)

    async def reply(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        comment_id = call.path_param("comment_id")
        message = params.get("message", "")
        error = self.ig.media._error
        if not message.strip():
            return error("(#100) The parameter message is required.")
        if len(message) > MAX_COMMENT_LENGTH:
            return error(f"(#100) The comment is longer than {MAX_COMMENT_LENGTH} characters.")
        if message.count("#") > MAX_HASHTAGS or len(_URL.findall(message)) > MAX_URLS:
            return error(f"(#100) A comment may carry at most {MAX_HASHTAGS} hashtags and {MAX_URLS} URL.")
        if message.upper() == message and any(ch.isalpha() for ch in message):
            return error("(#100) A comment cannot consist of capital letters only.")
        with self.ig.world.lock:
            parent = self.comments.get(comment_id)
            media = self.ig.media.media.get(parent.media_id) if parent else None
            if parent is None or media is None or media.owner_id != user.user_id:
                return self._unsupported(comment_id)
            if parent.hidden:
                return error("(#100) You cannot reply to a hidden comment.")
            created = Comment(
                "178" + self.ig.world.next_id()[-14:],
                parent.media_id,
                user.user_id,
                user.username,
                message,
                self.ig.world.clock(),
                parent.parent_id or parent.id,  # a reply to a reply joins its top-level comment
            )
            self.comments[created.id] = created
        return json_response({"id": created.id})
