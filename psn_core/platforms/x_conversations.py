"""X conversations: mentions, recent search, replies (``POST /2/tweets`` with reply.in_reply_to_tweet_id).

Pages followed: see psn_core/platforms/engagement.py (mentions, recent search, create post, the reply rule).
A mention is addressed to the user by definition; a search find is not, and X refuses an app's reply to
it unless its author engaged the account first, so psn offers replies to addressed items only.
"""

from __future__ import annotations

from datetime import UTC, datetime

from psn_core.errors import RateLimited
from psn_core.platforms.engagement import ENGAGEMENT, Conversations, Inbound, ReplyOutcome
from psn_core.platforms.http import JSONValue, get_int, get_list, get_obj, get_str, json_body
from psn_core.platforms.x import XPlatform, _parse_time

MAX_PAGES = 10  # 1,000 posts a read: beyond that, the oldest of a flood are left
_FIELDS = "author_id,conversation_id,created_at,referenced_tweets,in_reply_to_user_id"


class XConversations(Conversations):
    spec = ENGAGEMENT["x"]

    @property
    def x(self) -> XPlatform:
        assert isinstance(self.client, XPlatform)
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
        """GET /2/users/:id/mentions or /2/tweets/search/recent, with each author's follower count, page after
        page (``meta.next_token``) down to ``since_id``, at most MAX_PAGES pages.

        Raises:
            PlatformError: refused (ClientForbidden-like 403 on an access level without reads) or failed;
                RateLimited when the budget stops it (what was read before stays read: ``psn_partial``).
        """
        x = self.x
        params = {"tweet.fields": _FIELDS, "expansions": "author_id", "user.fields": "public_metrics"}
        if since_id:
            params["since_id"] = since_id
        elif start_time is not None:
            params["start_time"] = start_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if source == "mentions":
            path, params["max_results"], paging = f"/2/users/{user_id}/mentions", "100", "pagination_token"
        elif source == "search" and query:
            path, params["max_results"], params["query"], paging = "/2/tweets/search/recent", "100", query, "next_token"
        else:
            return []
        found: list[Inbound] = []
        try:
            for _ in range(MAX_PAGES):
                response = x.sender.request(
                    "GET", x.url(path), token=token, headers=x.auth_headers(token), params=params
                )
                body = json_body(response)
                users = {get_str(u, "id"): u for u in get_list(body, "includes", "users")}
                found += [_inbound(i, source, users, user_id) for i in get_list(body, "data") if get_str(i, "id")]
                next_token = get_str(body, "meta", "next_token")
                if not next_token:
                    break
                params[paging] = next_token
        except RateLimited as exc:  # the budget stopped the read: what was read stays read
            exc.psn_partial = tuple(found)  # type: ignore[attr-defined]
            raise
        return found

    def reply(self, token: str, item_id: str, text: str) -> str:
        """POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}}.

        Raises:
            OutcomeUnknown: sent, no answer. PlatformError: refused (too long, duplicate, not allowed).
        """
        x = self.x
        body: dict[str, JSONValue] = {"text": text, "reply": {"in_reply_to_tweet_id": item_id}}
        response = x.sender.request(
            "POST", x.url("/2/tweets"), write=True, token=token, headers=x.auth_headers(token), json=body
        )
        reply_id = get_str(json_body(response), "data", "id")
        if not reply_id:
            from psn_core.errors import PlatformError

            raise PlatformError("X accepted the reply but returned no id.", platform="x", raw=response.text)
        return reply_id

    def find_reply(self, token: str, *, handle: str, item_id: str, text: str, since: datetime) -> str | None:
        """The user's own timeline: a post replying to ``item_id`` with ``text`` (as X returns text)."""
        for post in self.x.list_recent_posts(token, limit=20):
            if post.reply_to_id != item_id or (post.created_at is not None and post.created_at < since):
                continue
            if XPlatform.sent_text_matches(text, post):
                return post.post_id
        return None

    def outcome(self, token: str, reply_id: str, item_id: str) -> ReplyOutcome | None:
        found = self.x.fetch_metrics(token, [reply_id])
        if not found:
            return None
        m = found[0]
        return ReplyOutcome(remote_id=reply_id, likes=m.likes, replies=m.comments, impressions=m.impressions)


def _inbound(item: JSONValue, source: str, users: dict[str | None, JSONValue], me: str) -> Inbound:
    author_id = get_str(item, "author_id") or ""
    author = users.get(author_id, {})
    replied_to = next(
        (get_str(r, "id") for r in get_list(item, "referenced_tweets") if get_str(r, "type") == "replied_to"), None
    )
    addressed = source == "mentions" or get_str(item, "in_reply_to_user_id") == me
    post_id = get_str(item, "id") or ""
    return Inbound(
        remote_id=post_id,
        source=source,
        text=get_str(item, "text") or "",
        author_id=author_id,
        author_handle=get_str(author, "username") or author_id,
        author_followers=get_int(get_obj(author, "public_metrics"), "followers_count"),
        created_at=_parse_time(get_str(item, "created_at")),
        conversation_id=get_str(item, "conversation_id"),
        in_reply_to_id=replied_to,
        addressed=addressed,
        url=f"https://x.com/i/web/status/{post_id}",
    )
