"""Instagram conversations: comments on the account's own recent media, and replies to them.

Pages followed: https://developers.facebook.com/docs/instagram-platform/comment-moderation (GET
/{ig-media-id}/comments, GET and POST /{ig-comment-id}/replies; instagram_business_basic and
instagram_business_manage_comments). Every comment on the user's post is addressed to them. Each media's
comments are one request, so the sweep reads only the newest few posts (``MEDIA_PER_SWEEP``).
"""

from __future__ import annotations

from datetime import datetime

from psn_core.errors import RateLimited
from psn_core.platforms.engagement import ENGAGEMENT, Conversations, Inbound, ReplyOutcome
from psn_core.platforms.http import JSONValue, get_list, get_str, json_body
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.instagram_reads import _parse_time

MEDIA_PER_SWEEP = 25
_COMMENT_FIELDS = "id,text,timestamp,username,from,like_count"


class InstagramConversations(Conversations):
    spec = ENGAGEMENT["instagram"]

    @property
    def ig(self) -> InstagramPlatform:
        assert isinstance(self.client, InstagramPlatform)
        return self.client

    def read(
        self,
        token: str,
        source: str,
        *,
        user_id: str,
        since_id: str | None,
        query: str = "",
        start_time: datetime | None = None,
    ) -> list[Inbound]:
        """The comments on the newest media (one request for the media, one per media for comments).

        Raises:
            PlatformError: refused (a permission not granted: code 10) or failed; RateLimited when the
                account's budget stops the sweep (what was read before stays read).
        """
        if source != "comments":
            return []
        ig = self.ig
        response = ig.sender.request(
            "GET",
            ig.graph(f"{user_id}/media"),
            token=token,
            params={"fields": "id,timestamp", "limit": str(MEDIA_PER_SWEEP), "access_token": token},
        )
        found: list[Inbound] = []
        try:
            self._comments(token, user_id, get_list(json_body(response), "data"), found)
        except RateLimited as exc:  # the budget stopped the read: what was read stays read
            exc.psn_partial = tuple(found)  # type: ignore[attr-defined]
            raise
        return found

    def _comments(self, token: str, user_id: str, media_items: list[JSONValue], found: list[Inbound]) -> None:
        ig = self.ig
        for media in media_items:
            media_id = get_str(media, "id")
            if not media_id:
                continue
            listed = ig.sender.request(
                "GET",
                ig.graph(f"{media_id}/comments"),
                token=token,
                params={"fields": _COMMENT_FIELDS, "limit": "50", "access_token": token},
            )
            for item in get_list(json_body(listed), "data"):
                comment_id = get_str(item, "id")
                if not comment_id or get_str(item, "from", "id") == user_id:
                    continue
                found.append(
                    Inbound(
                        remote_id=comment_id,
                        source="comments",
                        text=get_str(item, "text") or "",
                        author_id=get_str(item, "from", "id") or "",
                        author_handle=get_str(item, "username") or "",
                        created_at=_parse_time(get_str(item, "timestamp")),
                        conversation_id=media_id,
                        in_reply_to_id=media_id,
                        addressed=True,
                    )
                )

    def reply(self, token: str, item_id: str, text: str) -> str:
        """POST /{ig-comment-id}/replies?message=...

        Raises:
            OutcomeUnknown: sent, no answer. PlatformError: refused.
        """
        what = "accepted the reply but returned no id"
        return self.ig.post_for_id(token, f"{item_id}/replies", {"message": text}, what, write=True)

    def _replies(self, token: str, item_id: str) -> list[tuple[str, str, str, datetime | None]]:
        ig = self.ig
        response = ig.sender.request(
            "GET",
            ig.graph(f"{item_id}/replies"),
            token=token,
            params={"fields": "id,text,username,timestamp,like_count", "access_token": token},
        )
        return [
            (
                get_str(r, "id") or "",
                get_str(r, "username") or "",
                get_str(r, "text") or "",
                _parse_time(get_str(r, "timestamp")),
            )
            for r in get_list(json_body(response), "data")
        ]

    def find_reply(self, token: str, *, handle: str, item_id: str, text: str, since: datetime) -> str | None:
        """GET /{ig-comment-id}/replies: the user's reply with exactly ``text``."""
        for reply_id, username, said, _at in self._replies(token, item_id):
            if username == handle and " ".join(said.split()) == " ".join(text.split()):
                return reply_id
        return None

    def outcome(self, token: str, reply_id: str, item_id: str) -> ReplyOutcome | None:
        """Replies under the same comment after the user's reply (Instagram has no reply insights)."""
        rows = self._replies(token, item_id)
        ids = [r[0] for r in rows]
        if reply_id not in ids:
            return None
        mine = rows[ids.index(reply_id)]
        later = [r for r in rows if r[0] != reply_id and r[3] is not None and mine[3] is not None and r[3] > mine[3]]
        return ReplyOutcome(remote_id=reply_id, replies=len(later))
