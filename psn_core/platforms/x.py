"""X (Twitter) API v2 client.

Official pages followed (facts only):
- Create post, POST /2/tweets (text, reply.in_reply_to_tweet_id, media.media_ids):
  https://docs.x.com/x-api/posts/create-post
- Post lookup by ids, GET /2/tweets (public_metrics, up to 100 ids):
  https://docs.x.com/x-api/posts/post-lookup-by-post-ids
- User timeline, GET /2/users/:id/tweets: https://docs.x.com/x-api/posts/user-posts-timeline-by-user-id
- Post text as returned: HTML-escaped &, <, >, every link rewritten to a t.co link, entities.urls
  (url, expanded_url, display_url; media_key on the link appended for attached media), note_tweet for
  long posts: https://docs.x.com/x-api/fundamentals/data-dictionary
- Authenticated user, GET /2/users/me (user.fields=public_metrics: followers_count):
  https://docs.x.com/x-api/users/user-lookup-me
- Metrics: public_metrics for anyone, non_public_metrics (url_link_clicks, user_profile_clicks) for the
  authorized user's own posts created in the last 30 days: https://docs.x.com/x-api/fundamentals/metrics
- Chunked media upload (POST /2/media/upload/initialize, /{id}/append, /{id}/finalize, GET STATUS):
  https://docs.x.com/x-api/media/quickstart/media-upload-chunked (the pages x_media.py follows)
- Every request's path, parameters, body and OAuth 2.0 scopes: X API v2 OpenAPI
  (github.com/xdevplatform/xdk specs/openapi.json; tests/integration/test_x_contract.py checks them)
- Media constraints: https://developer.x.com/en/docs/twitter-api/v1/media/upload-media/uploading-media/media-best-practices
- OAuth 2.0 Authorization Code with PKCE, offline.access, 2-hour tokens, refresh:
  https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code
  https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token
- Rate limits and x-rate-limit-* headers, 429 body: https://docs.x.com/fundamentals/rate-limits
- Error bodies (problem type/title/detail; 402 credits): https://docs.x.com/x-api/fundamentals/response-codes-and-errors
  (the pages x_errors.py follows)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import httpx2

from psn_core.errors import (
    ContentRejected,
    MediaRejected,
    PlatformError,
)
from psn_core.platforms import x_text
from psn_core.platforms.base import attach_partial_ids, same_spacing
from psn_core.platforms.http import (
    JSONObject,
    JSONValue,
    get_int,
    get_list,
    get_obj,
    get_str,
    json_body,
)
from psn_core.platforms.models import (
    Capabilities,
    Feature,
    HeaderDialect,
    Limits,
    MediaKind,
    MediaSpec,
    OAuthSpec,
    PostMetrics,
    PublishRequest,
    PublishResult,
    PublishState,
    PublishStatus,
    RateLimits,
    RemoteLink,
    RemotePost,
    RemoteUser,
    TextCounting,
)
from psn_core.platforms.x_errors import classify_x_error
from psn_core.platforms.x_media import XMediaUpload
from psn_core.platforms.x_text import weighted_length
from psn_core.platforms.x_urls import url_spans

_MB = 1024 * 1024


class XPlatform(XMediaUpload):
    name: ClassVar[str] = "x"
    display_name: ClassVar[str] = "X"
    default_base_url: ClassVar[str] = "https://api.x.com"
    metrics_batch_size: ClassVar[int] = 100
    limits: ClassVar[Limits] = Limits(
        max_text_length=280,
        text_counting=TextCounting.X_WEIGHTED,
        max_thread_parts=25,  # psn's cap; the API chains replies without a documented maximum
        max_images_per_post=4,
        posts_per_day=2400,
        requests_per_window=100,  # POST /2/tweets per user per 15 minutes (tier-dependent)
        window_seconds=900,
    )
    # Per-endpoint 15-minute windows; x-rate-limit-limit/-remaining/-reset on every response, and
    # x-user-limit-24hour-* when the daily post cap is the one exhausted. The default is POST /2/tweets'
    # number; headers give each endpoint's real one.
    rate_limits: ClassVar[RateLimits] = RateLimits(
        endpoint_requests={"GET /2/users/me": 75, "GET /2/users/:id/mentions": 300, "GET /2/tweets/search/recent": 300},
        headers=HeaderDialect.X_RATE_LIMIT,
        api_roots=("2",),
    )
    capabilities: ClassVar[Capabilities] = Capabilities(text_only=True, threads=True, images=True, video=True)
    media_specs: ClassVar[Mapping[MediaKind, MediaSpec]] = {
        MediaKind.IMAGE: MediaSpec(
            kind=MediaKind.IMAGE,
            mime_types=("image/jpeg", "image/png", "image/webp"),
            max_bytes=5 * _MB,
        ),
        MediaKind.GIF: MediaSpec(kind=MediaKind.GIF, mime_types=("image/gif",), max_bytes=15 * _MB),
        MediaKind.VIDEO: MediaSpec(
            kind=MediaKind.VIDEO,
            mime_types=("video/mp4", "video/quicktime"),
            max_bytes=512 * _MB,
            min_width=32,
            min_height=32,
            max_width=1280,
            max_height=1024,
            min_aspect_ratio=1 / 3,
            max_aspect_ratio=3.0,
            min_duration_seconds=0.5,
            max_duration_seconds=140.0,
            max_frame_rate=40.0,
            video_codecs=("h264",),
            audio_codecs=("aac",),
            notes="H.264 High Profile, yuv420p, AAC LC; one video or GIF per post, or up to 4 images.",
        ),
    }
    oauth: ClassVar[OAuthSpec] = OAuthSpec(
        authorize_base_url="https://x.com",
        authorize_path="/i/oauth2/authorize",
        token_base_url="https://api.x.com",  # noqa: S106
        token_path="/2/oauth2/token",  # noqa: S106
        scopes=("tweet.read", "tweet.write", "users.read", "media.write", "offline.access"),
        # Each endpoint's scopes in X's OpenAPI: POST /2/tweets tweet.read + tweet.write + users.read, media
        # uploads media.write; GET /2/tweets, /2/users/me and /2/users/:id/tweets tweet.read + users.read.
        features={
            Feature.PUBLISH: ("tweet.read", "tweet.write", "users.read", "media.write"),
            Feature.ANALYTICS: ("tweet.read", "users.read"),
            Feature.RECONCILE: ("tweet.read", "users.read"),
        },
        scope_notes={"offline.access": "refresh the connection by itself (without it: reconnect every 2 hours)"},
        pkce=True,
        client_auth="basic",
        access_token_lifetime=timedelta(hours=2),
        refresh_token_rotates=True,
        refresh_token_single_use=True,
    )

    @classmethod
    def split_thread(cls, text: str) -> list[str]:
        """Posts of at most 280 weighted characters, cut at paragraphs, lines, sentences or words.

        Raises:
            ContentRejected: the text holds characters X refuses (U+FFFE, U+FEFF, U+FFFF).
        """
        return x_text.split_thread(text, limit=cls.limits.max_text_length)

    # --- publishing ----------------------------------------------------------------------------

    def publish(self, token: str, request: PublishRequest) -> PublishResult:
        """Post text (and media ids); several parts become a reply chain (a thread).

        Raises:
            ContentRejected: X refused the text (too long, duplicate, ...).
            MediaRejected: a media item was not uploaded first.
            OutcomeUnknown: a post was sent and no answer came back (earlier ids attached).
            PlatformError: any other refusal.
        """
        for part in request.parts:
            length = weighted_length(part.text)
            if length > self.limits.max_text_length:
                raise ContentRejected(
                    f"This X post is {length} characters as X counts them; the limit is {self.limits.max_text_length}.",
                    "Shorten it or split it into a thread.",
                    platform=self.name,
                )
        posted: list[str] = []
        reply_to = request.reply_to_id
        for part in request.parts:
            body: JSONObject = {"text": part.text}
            media_ids: list[JSONValue] = []
            for media in part.media:
                if not media.media_id:
                    raise MediaRejected(
                        "X needs media uploaded before the post; this item has no media id.",
                        "Upload the media (psn does it when publishing) and try again.",
                        platform=self.name,
                    )
                media_ids.append(media.media_id)
            if media_ids:
                body["media"] = {"media_ids": media_ids}
            if reply_to:
                body["reply"] = {"in_reply_to_tweet_id": reply_to}
            try:
                response = self.sender.request(
                    "POST",
                    self.url("/2/tweets"),
                    write=True,
                    token=token,
                    headers=self.auth_headers(token),
                    json=body,
                )
            except PlatformError as exc:
                raise attach_partial_ids(exc, posted) from exc
            tweet_id = get_str(json_body(response), "data", "id")
            if not tweet_id:
                raise attach_partial_ids(
                    PlatformError("X accepted the post but returned no id.", platform=self.name, raw=response.text),
                    posted,
                )
            posted.append(tweet_id)
            reply_to = tweet_id
        return PublishResult(post_id=posted[0], part_ids=tuple(posted), url=f"https://x.com/i/web/status/{posted[0]}")

    def publish_status(self, token: str, remote_id: str) -> PublishStatus:
        """Whether a post exists (X publishes synchronously; there is no pending state).

        Raises:
            PlatformError: the lookup failed.
        """
        response = self.sender.request(
            "GET", self.url(f"/2/tweets/{remote_id}"), token=token, headers=self.auth_headers(token)
        )
        body = json_body(response)
        if get_str(body, "data", "id"):
            return PublishStatus(remote_id=remote_id, state=PublishState.PUBLISHED, post_ids=(remote_id,))
        detail = get_str(body, "errors", 0, "detail") or get_str(body, "errors", 0, "message")
        return PublishStatus(remote_id=remote_id, state=PublishState.FAILED, error=detail)

    # --- media upload: init_upload, upload_chunk, finalize_upload, upload_status (x_media.py) -----

    # --- reading -------------------------------------------------------------------------------

    def get_current_user(self, token: str) -> RemoteUser:
        """GET /2/users/me.

        Raises:
            PlatformError: the token was refused.
        """
        response = self.sender.request("GET", self.url("/2/users/me"), token=token, headers=self.auth_headers(token))
        data = get_obj(json_body(response), "data")
        return RemoteUser(
            id=get_str(data, "id") or "",
            handle=get_str(data, "username") or "",
            display_name=get_str(data, "name"),
        )

    def list_recent_posts(self, token: str, limit: int = 20) -> list[RemotePost]:
        """The user's timeline, newest first, with link entities, media and the post each replies to.

        Raises:
            PlatformError: the timeline could not be read.
        """
        user = self.get_current_user(token)
        response = self.sender.request(
            "GET",
            self.url(f"/2/users/{user.id}/tweets"),
            token=token,
            headers=self.auth_headers(token),
            params={"max_results": str(min(100, max(5, limit))), "tweet.fields": _LISTED_FIELDS},
        )
        posts = []
        for item in get_list(json_body(response), "data")[:limit]:
            post_id = get_str(item, "id")
            if post_id:
                posts.append(_remote_post(post_id, item))
        return posts

    @classmethod
    def returned_text(cls, post: RemotePost) -> str:
        """The text with &, <, > decoded, links expanded where entities say what they stand for and the
        links X appends for attached media dropped."""
        links = {link.short_url: link for link in post.links}

        def expand(match: re.Match[str]) -> str:
            link = links.get(match[0])
            if link is None:
                return match[0]
            return "" if link.media else link.expanded_url or match[0]

        return _TCO_LINK.sub(expand, x_entities_decoded(post.text)).strip()

    @classmethod
    def sent_text_matches(cls, sent: str, post: RemotePost) -> bool:
        """X returns every link as a t.co link, &, < and > HTML-escaped, and (for media) an extra t.co link
        at the end. Each URL of ``sent`` (as X finds URLs) matches the t.co link at its position: its
        entity's expanded URL when the listing has entities, any t.co link when it has none."""
        urls = [sent[start:end] for start, end in url_spans(sent)]
        wanted = same_spacing(_skeleton(sent, url_spans(sent)))
        text = x_entities_decoded(post.text)
        entities = {link.short_url: link for link in post.links}
        shorts: list[RemoteLink] = []
        pieces: list[str] = []
        position = 0
        for match in _TCO_LINK.finditer(text):
            link = entities.get(match[0])
            pieces.append(text[position : match.start()])
            position = match.end()
            if link is not None and link.media:
                continue
            pieces.append(_LINK)
            shorts.append(link or RemoteLink(short_url=match[0]))
        returned = same_spacing("".join(pieces) + text[position:])
        while not post.links and post.media_count != 0 and len(shorts) > len(urls) and returned.endswith(_LINK):
            returned = returned[: -len(_LINK)].rstrip()  # a media link, when the listing has no entities
            shorts.pop()
        if returned != wanted or len(shorts) != len(urls):
            return False
        return all(
            link.expanded_url is None or _same_url(url, link.expanded_url)
            for url, link in zip(urls, shorts, strict=True)
        )

    def fetch_metrics(self, token: str, post_ids: Sequence[str]) -> list[PostMetrics]:
        """public_metrics (and non_public_metrics of own recent posts) for up to 100 posts per request.

        Raises:
            PlatformError: the lookup failed.
        """
        results: list[PostMetrics] = []
        now = datetime.now(UTC)
        for start in range(0, len(post_ids), 100):
            batch = post_ids[start : start + 100]
            response = self.sender.request(
                "GET",
                self.url("/2/tweets"),
                token=token,
                headers=self.auth_headers(token),
                params={"ids": ",".join(batch), "tweet.fields": "public_metrics,non_public_metrics"},
            )
            for item in get_list(json_body(response), "data"):
                m = get_obj(item, "public_metrics")
                private = get_obj(item, "non_public_metrics")  # absent for others' or > 30-day-old posts
                shares = (get_int(m, "retweet_count") or 0) + (get_int(m, "quote_count") or 0)
                results.append(
                    PostMetrics(
                        post_id=get_str(item, "id") or "",
                        impressions=get_int(m, "impression_count"),
                        likes=get_int(m, "like_count"),
                        comments=get_int(m, "reply_count"),
                        shares=shares,
                        saves=get_int(m, "bookmark_count"),
                        link_clicks=get_int(private, "url_link_clicks"),
                        profile_clicks=get_int(private, "user_profile_clicks"),
                        fetched_at=now,
                    )
                )
        return results

    def fetch_follower_count(self, token: str) -> int | None:
        """GET /2/users/me with user.fields=public_metrics: followers_count.

        Raises:
            PlatformError: the token was refused.
        """
        response = self.sender.request(
            "GET",
            self.url("/2/users/me"),
            token=token,
            headers=self.auth_headers(token),
            params={"user.fields": "public_metrics"},
        )
        return get_int(json_body(response), "data", "public_metrics", "followers_count")

    # --- errors --------------------------------------------------------------------------------

    def classify_error(self, response: httpx2.Response) -> PlatformError:
        """Map X's problem bodies and status codes to the PlatformError tree (x_errors.py)."""
        return classify_x_error(response, self.name, self.display_name)


_LISTED_FIELDS = "created_at,entities,attachments,note_tweet,referenced_tweets"
_TCO_LINK = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_LINK = "\uffff"  # stands for a link while comparing; X refuses U+FFFF in text, so no text holds it


def x_entities_decoded(text: str) -> str:
    """Text as X returns it with the three characters it HTML-escapes (&, <, >) decoded, in one pass."""
    return _ENTITY.sub(lambda match: _ENTITIES[match[1]], text)


def _skeleton(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, position = [], 0
    for start, end in spans:
        out += [text[position:start], _LINK]
        position = end
    return "".join(out) + text[position:]


def _url_key(url: str) -> str:
    bare = re.sub(r"^[a-z]+://", "", url.strip(), flags=re.IGNORECASE)
    return bare.rstrip("/").lower()


def _same_url(sent: str, expanded: str) -> bool:
    return _url_key(sent) == _url_key(expanded)


def _remote_post(post_id: str, item: JSONValue) -> RemotePost:
    """One listed post. A long post (note_tweet) carries its whole text and entities there."""
    note = get_obj(item, "note_tweet")
    source: JSONValue = note if get_str(note, "text") else item
    links = tuple(
        RemoteLink(
            short_url=get_str(entity, "url") or "",
            expanded_url=get_str(entity, "expanded_url"),
            media=bool(get_str(entity, "media_key")),
        )
        for entity in get_list(source, "entities", "urls")
        if get_str(entity, "url")
    )
    reply_to = next(
        (get_str(ref, "id") for ref in get_list(item, "referenced_tweets") if get_str(ref, "type") == "replied_to"),
        None,
    )
    return RemotePost(
        post_id=post_id,
        text=get_str(source, "text") or "",
        created_at=_parse_time(get_str(item, "created_at")),
        url=f"https://x.com/i/web/status/{post_id}",
        links=links,
        media_count=len(get_list(item, "attachments", "media_keys")),
        reply_to_id=reply_to,
    )


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
