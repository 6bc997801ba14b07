"""What each platform lets psn do with conversations, and the verbs that read and answer them.

Each platform *declares* its :class:`EngagementSpec` (what can be read, whether replies can be posted
through the API, the reply's text limit, the platform's rule on automated replies, and in plain words why
anything is not possible); services decide from it. The verbs live in :class:`Conversations` subclasses
(x_conversations.py, instagram_conversations.py), which wrap a platform client and send through its
sender, so every request goes through the same budget gate and error mapping as publishing.

Official pages behind the declarations:
- X: https://docs.x.com/x-api/posts/timelines/quickstart/user-mention-quickstart (mentions),
  https://docs.x.com/x-api/posts/search/introduction (recent search; a paid access level),
  https://docs.x.com/x-api/posts/create-post (reply.in_reply_to_tweet_id), X's developer guidelines and
  the Feb 2026 change: apps reply only to posts whose author mentioned, replied to or quoted the account.
- Instagram: https://developers.facebook.com/docs/instagram-platform/comment-moderation (comments on the
  account's own media, replies to top-level comments, instagram_business_manage_comments).
- LinkedIn: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api
  (reading and writing comments needs the Community Management API, granted to approved partners only).
- TikTok: https://developers.tiktok.com/doc/content-posting-api-get-started (the Content Posting API has
  no comment endpoints; the Research API that reads comments is for approved academic research only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from psn_core.platforms.base import Platform
from psn_core.platforms.models import TextCounting


class EngagementSpec(BaseModel):
    """One platform's engagement abilities as its public API allows them."""

    model_config = ConfigDict(frozen=True)

    reads: tuple[str, ...] = ()
    """Which sources psn can read: "mentions", "search", "comments"."""
    can_reply: bool = False
    reply_max_length: int = 0
    counting: TextCounting = TextCounting.CHARACTERS
    reply_max_hashtags: int | None = None
    reply_max_links: int | None = None
    scopes: tuple[str, ...] = ()
    """The scopes reading and replying need."""
    reply_rule: str = ""
    """The platform's rule on replies sent through its API, as the user reads it."""
    search_note: str = ""
    cannot: str = ""
    """Why nothing (or what is not) possible, in plain words."""


ENGAGEMENT: Mapping[str, EngagementSpec] = {
    "x": EngagementSpec(
        reads=("mentions", "search"),
        can_reply=True,
        reply_max_length=280,
        counting=TextCounting.X_WEIGHTED,
        scopes=("tweet.read", "tweet.write", "users.read"),
        reply_rule="X lets apps reply only to posts whose author mentioned you, replied to you or quoted you; "
        "psn never replies anywhere else (keyword finds are for you to join by hand).",
        search_note="Reading X (mentions and recent search alike) needs a paid X API access level (Basic, Pro, "
        "pay-per-use or Enterprise); on the Free level X refuses both, so psn reads nothing there (it asks again "
        "once a day).",
    ),
    "instagram": EngagementSpec(
        reads=("comments",),
        can_reply=True,
        reply_max_length=300,
        reply_max_hashtags=4,
        reply_max_links=1,
        scopes=("instagram_business_basic", "instagram_business_manage_comments"),
        reply_rule="Instagram takes replies to top-level comments on your own posts (at most 300 characters, "
        "4 hashtags and 1 link); it offers no search of other people's posts.",
        cannot="Instagram's API reads only comments on your own posts: no mentions search, no hashtag replies.",
    ),
    "linkedin": EngagementSpec(
        cannot="LinkedIn reads and writes comments only through its Community Management API, which it grants "
        "to approved partner apps; psn's scopes (openid, profile, w_member_social) cannot read them.",
    ),
    "tiktok": EngagementSpec(
        cannot="TikTok's Content Posting API has no comment endpoints, and the Research API that reads comments "
        "is for approved academic research only: psn cannot see or answer TikTok comments.",
    ),
}


class Inbound(BaseModel):
    """One thing someone said that may be worth answering."""

    model_config = ConfigDict(frozen=True)

    remote_id: str
    source: str  # mentions | search | comments
    text: str
    author_id: str
    author_handle: str
    author_followers: int | None = None
    created_at: datetime | None = None
    conversation_id: str | None = None
    in_reply_to_id: str | None = None
    addressed: bool = False
    """Whether the user was addressed directly (a mention, a reply to them, a comment on their post)."""
    url: str | None = None


class ReplyOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    remote_id: str
    likes: int | None = None
    replies: int | None = None
    impressions: int | None = None


class Conversations:
    """The engagement verbs of one platform client (the defaults refuse: nothing to read or answer)."""

    spec: EngagementSpec = EngagementSpec()

    def __init__(self, client: Platform) -> None:
        self.client = client

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
        """New items of ``source`` since ``since_id`` (or, without one, since ``start_time``), newest first.

        Raises:
            PlatformError: the read was refused or failed.
        """
        return []

    def reply(self, token: str, item_id: str, text: str) -> str:
        """Post ``text`` as a reply to ``item_id`` through the platform's endpoint; returns the reply's id.

        Raises:
            OutcomeUnknown: the request went out and no answer came back (reconcile with find_reply).
            PlatformError: the platform refused.
        """
        raise NotImplementedError

    def find_reply(self, token: str, *, handle: str, item_id: str, text: str, since: datetime) -> str | None:
        """The id of the user's reply to ``item_id`` carrying ``text``, if it is on the platform.

        Raises:
            PlatformError: the read failed.
        """
        return None

    def outcome(self, token: str, reply_id: str, item_id: str) -> ReplyOutcome | None:
        """How the reply did so far; None when the platform has no such read.

        Raises:
            PlatformError: the read failed.
        """
        return None


def conversations_for(client: Platform) -> Conversations:
    """The engagement verbs for ``client``'s platform (a refusing stand-in where there are none)."""
    from psn_core.platforms.instagram_conversations import InstagramConversations
    from psn_core.platforms.x_conversations import XConversations

    kinds: dict[str, type[Conversations]] = {"x": XConversations, "instagram": InstagramConversations}
    kind = kinds.get(client.name, Conversations)
    return kind(client)
