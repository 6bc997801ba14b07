"""X's conversation reads and the rules on replies, for the engagement inbox.

Built from the official documentation:
- https://docs.x.com/x-api/posts/timelines/quickstart/user-mention-quickstart and X's OpenAPI
  (``GET /2/users/{id}/mentions``: max_results 5-100, since_id, tweet.fields, expansions=author_id,
  user.fields=public_metrics; scopes tweet.read + users.read)
- https://docs.x.com/x-api/posts/search/introduction (``GET /2/tweets/search/recent``: the last 7 days,
  max_results 10-100, operators such as ``conversation_id:``, ``from:``, ``-from:``, ``is:reply``; a
  conversation is looked up by searching ``conversation_id:<id>``)
- X's OpenAPI: a page of up to max_results, newest first; ``meta.next_token`` when more remain, passed back as
  ``pagination_token`` (mentions) or ``next_token`` / ``pagination_token`` (recent search); ``start_time``.
- https://docs.x.com/x-api/fundamentals/rate-limits (per user, per 15 minutes: mentions 300, recent
  search 300)
- https://docs.x.com/x-api/getting-started/pricing and the access levels: reads (mentions, search) need
  a paid access level (pay-per-use or Enterprise); an app on the legacy Free level is refused with 403
  ``client-not-enrolled`` ("You currently have access to a subset of X API V2 endpoints ...").
- X's developer guidelines and the 24 Feb 2026 change to ``POST /2/tweets``: an app on any self-serve
  level (Free, Basic, Pro, pay-per-use) may reply only to a post whose author mentioned the replying
  account, replied to it, or quoted it; Enterprise is exempt. A reply to anyone else is refused (403).

Which access level the emulated app has is ``EmulatorConfig.x_access_level``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from psn_core.emulator.clock import follower_count
from psn_core.emulator.oauth import TestUser
from psn_core.emulator.routing import Call, Endpoint, json_response
from psn_core.emulator.x_media import invalid_request, problem

if TYPE_CHECKING:
    from psn_core.emulator.x import Tweet, XEmulator

ACCESS_LEVELS = ("free", "basic", "pro", "pay_per_use", "enterprise")
READ_LEVELS = frozenset({"basic", "pro", "pay_per_use", "enterprise"})
SEARCH_WINDOW = timedelta(days=7)
LIMITS = {"user_mentions": 300, "search_recent": 300}
NOT_ENROLLED = (
    "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, "
    "oauth) only. If you need access to this endpoint, you may need a different access level. You can learn "
    "more here: https://developer.x.com/en/portal/product"
)
REPLY_REFUSED = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by "
    "the author of the post you are replying to."
)
_TERM = re.compile(r'"[^"]*"|\S+')


def not_enrolled() -> Response:
    response = problem(403, "Client Forbidden", NOT_ENROLLED, "https://api.x.com/2/problems/client-forbidden")
    return response


def mentions_user(x: XEmulator, tweet: Tweet, user: TestUser) -> bool:
    """A post mentions ``user`` when its text names @username or it replies to one of their posts."""
    if re.search(rf"(?<![\w@])@{re.escape(user.username)}\b", tweet.text, flags=re.IGNORECASE):
        return True
    parent = x.tweets.get(tweet.in_reply_to_tweet_id or "")
    return parent is not None and parent.author_id == user.user_id


def reply_refusal(x: XEmulator, user: TestUser, parent: Tweet) -> Response | None:
    """X's answer to a reply the access level does not allow (None: allowed)."""
    if x.world.config.x_access_level == "enterprise" or parent.author_id == user.user_id:
        return None
    if mentions_user(x, parent, user):
        return None
    return problem(403, "Forbidden", REPLY_REFUSED)


def _matches(tweet: Tweet, x: XEmulator, query: str) -> bool:
    """A small part of X's search syntax: groups joined by OR, each an AND of terms; one parenthesised
    group of alternatives is expanded (``(a OR b) c`` is ``a c OR b c``)."""
    group = re.search(r"\(([^()]*)\)", query)
    if group is not None:
        rest = query[: group.start()] + " " + query[group.end() :]
        return any(_matches(tweet, x, f"{alt} {rest}") for alt in re.split(r"\s+OR\s+", group[1].strip()))
    for group_text in re.split(r"\s+OR\s+", query.strip()):
        if all(_term(tweet, x, term) for term in _TERM.findall(group_text)):
            return True
    return False


def _term(tweet: Tweet, x: XEmulator, term: str) -> bool:
    negate = term.startswith("-")
    bare = term[1:] if negate else term
    key, _, value = bare.partition(":")
    if value and key in ("conversation_id", "from", "is", "lang", "to"):
        if key == "conversation_id":
            hit = tweet.conversation_id == value
        elif key == "from":
            author = x.oauth.users.get(tweet.author_id)
            hit = author is not None and author.username.lower() == value.lower()
        elif key == "to":
            parent = x.tweets.get(tweet.in_reply_to_tweet_id or "")
            owner = x.oauth.users.get(parent.author_id) if parent else None
            hit = owner is not None and owner.username.lower() == value.lower()
        elif key == "is":
            hit = value == "reply" and tweet.in_reply_to_tweet_id is not None
        else:
            hit = True  # lang: every emulated post counts as the language asked for
    else:
        hit = bare.strip('"').lower() in tweet.text.lower()
    return hit != negate


class XConversations:
    """The mentions timeline and recent search of the X emulator."""

    def __init__(self, x: XEmulator) -> None:
        self.x = x

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("user_mentions", "GET", "/2/users/{user_id}/mentions", self.user_mentions),
            Endpoint("search_recent", "GET", "/2/tweets/search/recent", self.search_recent),
        ]

    def post_as(self, author: TestUser, text: str, *, reply_to: str | None = None) -> Tweet:
        """Someone else's post (or reply), as if they wrote it in the app: a test fixture."""
        x = self.x
        with x.world.lock:
            parent = x.tweets.get(reply_to) if reply_to else None
            if reply_to and parent is None:
                raise KeyError(f"no post {reply_to}")
            return x.add_tweet(author.user_id, text, parent)

    def _page(self, call: Call, viewer: TestUser, found: Iterable[Tweet], low: int) -> Response:
        try:
            max_results = int(call.query.get("max_results", "10"))
        except ValueError:
            return invalid_request("max_results must be a number.")
        if not low <= max_results <= 100:
            return invalid_request(f"max_results must be between {low} and 100.")
        since_id = int(call.query.get("since_id", "0") or "0")
        token = call.query.get("pagination_token") or call.query.get("next_token") or ""
        try:
            below = int(base64.b32hexdecode(token.upper() + "=" * (-len(token) % 8)).decode()) if token else None
            start = (
                datetime.fromisoformat(call.query["start_time"].replace("Z", "+00:00"))
                if "start_time" in call.query
                else None
            )
        except ValueError:
            return invalid_request("The pagination token or start_time is invalid.")
        fields = {f for f in call.query.get("tweet.fields", "").split(",") if f}
        with self.x.world.lock:
            chosen = sorted(
                (
                    t
                    for t in found
                    if int(t.id) > since_id
                    and (below is None or int(t.id) < below)
                    and (start is None or t.created_at >= start)
                ),
                key=lambda t: int(t.id),
                reverse=True,
            )
            page = chosen[:max_results]
            data = [self.x.render_tweet(t, fields, viewer.user_id) for t in page]
            body: dict[str, Any] = {"meta": {"result_count": len(data)}}
            if data:
                body["data"] = data
                body["meta"].update({"newest_id": data[0]["id"], "oldest_id": data[-1]["id"]})
                if len(chosen) > max_results:  # X's opaque token; here: base32hex of the oldest id returned
                    body["meta"]["next_token"] = base64.b32hexencode(page[-1].id.encode()).decode().rstrip("=").lower()
                if "author_id" in call.query.get("expansions", "").split(","):
                    body["includes"] = {"users": self._users({t.author_id for t in page}, call)}
        return json_response(body)

    def _users(self, ids: set[str], call: Call) -> list[dict[str, Any]]:
        wanted = set(call.query.get("user.fields", "").split(","))
        users = []
        for user_id in sorted(ids):
            user = self.x.oauth.users.get(user_id)
            if user is None:
                continue
            entry: dict[str, Any] = {"id": user.user_id, "name": user.name, "username": user.username}
            if "public_metrics" in wanted:
                entry["public_metrics"] = {
                    "followers_count": follower_count(self.x.world.clock(), user.user_id),
                    "following_count": 180,
                    "tweet_count": sum(1 for t in self.x.tweets.values() if t.author_id == user.user_id),
                    "listed_count": 2,
                }
            users.append(entry)
        return users

    async def user_mentions(self, call: Call) -> Response:
        viewer = self.x.authenticate(call)
        if self.x.world.config.x_access_level not in READ_LEVELS:
            return not_enrolled()
        with self.x.world.lock:
            target = self.x.oauth.users.get(call.path_param("user_id"))
            if target is None:
                return problem(
                    404, "Not Found Error", "Could not find user.", "https://api.x.com/2/problems/resource-not-found"
                )
            found = [
                t for t in self.x.tweets.values() if t.author_id != target.user_id and mentions_user(self.x, t, target)
            ]
        return self._page(call, viewer, found, 5)

    async def search_recent(self, call: Call) -> Response:
        viewer = self.x.authenticate(call)
        if self.x.world.config.x_access_level not in READ_LEVELS:
            return not_enrolled()
        query = call.query.get("query", "")
        oldest = self.x.world.clock() - SEARCH_WINDOW
        with self.x.world.lock:
            found = [t for t in self.x.tweets.values() if t.created_at >= oldest and _matches(t, self.x, query)]
        return self._page(call, viewer, found, 10)
