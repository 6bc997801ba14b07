"""X API v2 emulator: OAuth 2.0 with PKCE, posts, reads with metrics, chunked media upload.

Built from the official documentation:
- https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token (authorize + token, PKCE,
  2-hour access tokens, refresh tokens with offline.access)
- https://docs.x.com/fundamentals/rate-limits (x-rate-limit-limit/-remaining/-reset, 429)
- https://docs.x.com/x-api/fundamentals/response-codes-and-errors (problem bodies: title/type/detail/status)
- https://docs.x.com/x-api/posts/create-post (POST /2/tweets: text, reply.in_reply_to_tweet_id,
  media.media_ids)
- https://docs.x.com/x-api/media/quickstart/media-upload-chunked, .../initialize-media-upload,
  .../media-upload-finalize, .../get-media-upload-status (initialize/append/finalize, STATUS, processing_info)
- X's OpenAPI contract (data/x_openapi.json, x_contract.py): every API request is checked against it
  before its handler runs. Unknown path or method: 404 with X's "page does not exist" body; a token
  without the operation's OAuth 2.0 scopes: 403 problem; parameters or body breaking the schemas: 400
  invalid-request problem. The retired ``command=INIT|APPEND|FINALIZE`` form on ``POST /2/media/upload``
  therefore fails as it does on X: that path is now only the one-shot upload (``media`` +
  ``media_category``).
- https://docs.x.com/x-api/getting-started/pricing (pay-per-use credits: the 402 fault)
- https://docs.x.com/x-api/fundamentals/data-dictionary (text with t.co links and HTML-escaped &, <, >;
  entities.urls; referenced_tweets): see x_text.py
- https://docs.x.com/fundamentals/counting-characters (a post weighs at most 280, links 23 each: a longer
  one is refused with 403 Forbidden, "Your Tweet text is too long."): see x_text.py

Refresh tokens are single use here: each refresh returns a new one and the used one gets invalid_grant.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from psn_core.emulator.authorize import authorize
from psn_core.emulator.clock import epoch, follower_count
from psn_core.emulator.oauth import OAuthError, TestApp, TestUser, TokenGrant
from psn_core.emulator.routing import (
    Call,
    Endpoint,
    Handler,
    PlatformEmulator,
    Reply,
    json_response,
    parse_model,
    run_endpoint,
)
from psn_core.emulator.runtime import RateLimiter
from psn_core.emulator.x_contract import x_contract
from psn_core.emulator.x_engage import LIMITS as ENGAGE_LIMITS
from psn_core.emulator.x_engage import XConversations, reply_refusal
from psn_core.emulator.x_media import XMediaStore, invalid_request, problem
from psn_core.emulator.x_text import rendered, too_long

ACCESS_TTL = timedelta(hours=2)
REFRESH_TTL = timedelta(days=180)
WINDOW = timedelta(minutes=15)
DEFAULT_LIMITS = {
    "users_me": 75,
    "create_tweet": 100,
    "get_tweets": 900,
    "get_tweet": 900,
    "user_tweets": 900,
    "media_initialize": 500,
    "media_append": 1000,
    "media_finalize": 500,
    "media_status": 1000,
    "media_upload": 500,
    **ENGAGE_LIMITS,
}


class ReplyTo(BaseModel):
    in_reply_to_tweet_id: str


class MediaRef(BaseModel):
    media_ids: list[str]


class CreateTweet(BaseModel):
    text: str | None = None
    reply: ReplyTo | None = None
    media: MediaRef | None = None


@dataclass
class Tweet:
    id: str
    text: str
    author_id: str
    created_at: datetime
    conversation_id: str
    in_reply_to_tweet_id: str | None = None
    media_keys: list[str] = field(default_factory=list)


class XEmulator(PlatformEmulator):
    name = "x"
    access_ttl = ACCESS_TTL
    refresh_ttl = REFRESH_TTL

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tweets: dict[str, Tweet] = {}
        self.media = XMediaStore(self)
        self.conversations = XConversations(self)
        self.contract = x_contract()
        self._limiter = RateLimiter(self.world.clock)

    # -- users and faults -------------------------------------------------------------------
    def create_user(self, username: str | None = None) -> TestUser:
        user_id = self.world.next_id()
        handle = username or f"psn_tester_{len(self.oauth.users) + 1}"
        return self.oauth.add_user(user_id, handle, handle.replace("_", " ").title())

    def fault_response(self, kind: str) -> Response:
        if kind == "401":
            return problem(401, "Unauthorized", "Unauthorized")
        if kind == "402":
            return problem(
                402,
                "Payment Required",
                "Your account does not have enough credits for this request.",
                "https://api.x.com/2/problems/payment-required",
            )
        if kind == "429":
            response = problem(429, "Too Many Requests", "Too Many Requests")
            reset = epoch(self.world.clock() + WINDOW)
            response.headers.update(
                {"x-rate-limit-limit": "1", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
            )
            return response
        title = "Service Unavailable" if kind == "503" else "Internal Server Error"
        return problem(int(kind), title, title)

    def endpoints(self) -> list[Endpoint]:
        api = [
            Endpoint("users_me", "GET", "/2/users/me", self.users_me),
            Endpoint("create_tweet", "POST", "/2/tweets", self.create_tweet, write=True),
            Endpoint("get_tweets", "GET", "/2/tweets", self.get_tweets),
            Endpoint("get_tweet", "GET", "/2/tweets/{tweet_id}", self.get_tweet),
            Endpoint("user_tweets", "GET", "/2/users/{user_id}/tweets", self.user_tweets),
            *self.media.endpoints(),
            *self.conversations.endpoints(),
        ]
        return [
            Endpoint("authorize", "GET", "/i/oauth2/authorize", self.authorize, api=False),
            Endpoint("token", "POST", "/2/oauth2/token", self.token, api=False),
            Endpoint("revoke", "POST", "/2/oauth2/revoke", self.revoke, api=False),
            *(Endpoint(e.name, e.method, e.path, self._checked(e.handler), write=e.write) for e in api),
        ]

    def routes(self) -> list[BaseRoute]:
        """The endpoints, then every other path and method: X answers those with 404."""
        unknown = Endpoint("unknown", "*", "/{path:path}", self.not_found, api=False)

        async def serve(request: Request) -> Response:
            return await run_endpoint(self, unknown, request)

        methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        return [*super().routes(), Route("/{path:path}", serve, methods=methods, name="x.unknown")]

    # -- the contract --------------------------------------------------------------------------
    async def not_found(self, call: Call) -> Response:
        return json_response({"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}, 404)

    def _checked(self, handler: Handler) -> Handler:
        """``handler`` behind X's contract: 401 for a bad token, 403 for missing scopes, 400 for a request
        that breaks the operation's parameter or body schemas (checked in that order)."""

        async def serve(call: Call) -> Response:
            path = call.request.url.path.removeprefix(f"/{self.name}")
            matched = self.contract.match(call.request.method, path)
            if matched is None:
                return await self.not_found(call)
            operation, path_params = matched
            with self.world.lock:
                token = self.oauth.check_access(call.bearer())
            if isinstance(token, str):
                return problem(401, "Unauthorized", "Unauthorized")
            missing = operation.missing_scopes(token.scope.split())
            if missing:
                return problem(
                    403,
                    "Forbidden",
                    f"The access token lacks the scope this endpoint requires: {', '.join(missing)}.",
                )
            query = list(call.request.query_params.multi_items())
            content_type = call.request.headers.get("content-type", "")
            violation = self.contract.check(operation, path_params, query, content_type, call.body)
            if violation is not None:
                return invalid_request(violation.message, violation.parameter, violation.value)
            return await handler(call)

        return serve

    def grant_for_tests(self, app: TestApp, user: TestUser, scope: str = "") -> TokenGrant:
        """Tokens as if the user approved every scope X offers (or just ``scope`` when given)."""
        offered = self.contract.spec["components"]["securitySchemes"]["OAuth2UserToken"]
        every = " ".join(sorted(offered["flows"]["authorizationCode"]["scopes"]))
        return super().grant_for_tests(app, user, scope or every)

    # -- OAuth ---------------------------------------------------------------------------------
    async def authorize(self, call: Call) -> Response:
        return authorize(self, call, pkce_required=True)

    async def token(self, call: Call) -> Response:
        form = await call.form()
        try:
            with self.world.lock:
                client_id, secret = self._client_credentials(call, form)
                self.oauth.authenticate_client(client_id, secret, required=False)
                grant_type = form.get("grant_type", "")
                if grant_type == "authorization_code":
                    code = self.oauth.redeem_code(
                        form.get("code", ""), client_id, form.get("redirect_uri"), form.get("code_verifier")
                    )
                    user_id, scope = code.user_id, code.scope
                elif grant_type == "refresh_token":
                    used = self.oauth.use_refresh(form.get("refresh_token", ""), client_id)
                    used.used = True
                    user_id, scope = used.user_id, used.scope
                else:
                    raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
                with_refresh = "offline.access" in scope.split()
                grant = self.oauth.grant(client_id, user_id, scope, ACCESS_TTL, REFRESH_TTL if with_refresh else None)
        except OAuthError as exc:
            return json_response({"error": exc.error, "error_description": exc.description}, 400)
        body: dict[str, object] = {
            "token_type": "bearer",
            "expires_in": grant.access_expires_in,
            "access_token": grant.access_token,
            "scope": grant.scope,
        }
        if grant.refresh_token:
            body["refresh_token"] = grant.refresh_token
        return json_response(body)

    async def revoke(self, call: Call) -> Response:
        form = await call.form()
        with self.world.lock:
            self.oauth.revoke_token(form.get("token", ""))
        return json_response({"revoked": True})

    @staticmethod
    def _client_credentials(call: Call, form: dict[str, str]) -> tuple[str, str | None]:
        header = call.request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            decoded = base64.b64decode(header[6:]).decode("utf-8", errors="replace")
            client_id, _, secret = decoded.partition(":")
            return client_id, secret
        return form.get("client_id", ""), None

    # -- auth + rate limit ---------------------------------------------------------------------
    def authenticate(self, call: Call) -> TestUser:
        """Check the bearer token and count the call against the endpoint's window.

        Raises:
            Reply: 401 for a bad token, 429 when the window is exhausted.
        """
        with self.world.lock:
            token = self.oauth.check_access(call.bearer())
            if isinstance(token, str):
                raise Reply(problem(401, "Unauthorized", "Unauthorized"))
            name = call.endpoint.name
            limit = self.world.config.x_rate_limits.get(name, DEFAULT_LIMITS.get(name, 900))
            window = self._limiter.hit(f"{token.user_id}:{name}", limit, WINDOW)
            user = self.user_for(token)
        call.headers.update(
            {
                "x-rate-limit-limit": str(window.limit),
                "x-rate-limit-remaining": str(window.remaining),
                "x-rate-limit-reset": str(epoch(window.reset_at)),
            }
        )
        if window.exceeded:
            raise Reply(problem(429, "Too Many Requests", "Too Many Requests"))
        return user

    # -- users and posts -----------------------------------------------------------------------
    async def users_me(self, call: Call) -> Response:
        user = self.authenticate(call)
        data: dict[str, Any] = {"id": user.user_id, "name": user.name, "username": user.username}
        if "public_metrics" in call.query.get("user.fields", "").split(","):
            # user.fields=public_metrics (users lookup reference); the audience grows with the clock
            tweets = sum(1 for t in self.tweets.values() if t.author_id == user.user_id)
            data["public_metrics"] = {
                "followers_count": follower_count(self.world.clock(), user.user_id),
                "following_count": 180,
                "tweet_count": tweets,
                "listed_count": 2,
            }
        return json_response({"data": data})

    async def create_tweet(self, call: Call) -> Response:
        user = self.authenticate(call)
        try:
            raw = call.json_body()
        except ValueError:
            return invalid_request("Request body is not valid JSON.")
        body = parse_model(CreateTweet, raw, invalid_request)
        media_ids = body.media.media_ids if body.media else []
        text = body.text or ""
        if not text and not media_ids:
            return invalid_request("Post text or media is required.")
        if too_long(text):  # weighed as X weighs it (links 23, CJK and emoji 2), not len()
            return problem(403, "Forbidden", "Your Tweet text is too long.")
        with self.world.lock:
            parent = None
            if body.reply is not None:
                parent = self.tweets.get(body.reply.in_reply_to_tweet_id)
                if parent is None:
                    return invalid_request("The post you are replying to does not exist.")
                refused = reply_refusal(self, user, parent)
                if refused is not None:
                    return refused
            if text and any(t.author_id == user.user_id and t.text == text for t in self.tweets.values()):
                return problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
            keys = self.media.claim_ready(user.user_id, media_ids)
            if keys is None:
                return invalid_request("Your media IDs are invalid.")
            tweet = self.add_tweet(user.user_id, text, parent, keys)
            text_out, _ = rendered(tweet.id, tweet.text, tweet.media_keys)
        return json_response({"data": {"id": tweet.id, "text": text_out}}, 201)

    def add_tweet(self, author_id: str, text: str, parent: Tweet | None, media_keys: list[str] | None = None) -> Tweet:
        """Store a new post (call under ``world.lock``): in its parent's conversation, or starting its own."""
        tweet_id = self.world.next_id()
        conversation, reply_to = (parent.conversation_id, parent.id) if parent else (tweet_id, None)
        tweet = Tweet(tweet_id, text, author_id, self.world.clock(), conversation, reply_to, list(media_keys or []))
        self.tweets[tweet_id] = tweet
        return tweet

    def render_tweet(self, tweet: Tweet, fields: set[str], viewer_id: str) -> dict[str, Any]:
        # The text as X returns it: links wrapped as t.co, a media link at the end, &, <, > escaped.
        text, urls = rendered(tweet.id, tweet.text, tweet.media_keys)
        data: dict[str, Any] = {"id": tweet.id, "text": text, "edit_history_tweet_ids": [tweet.id]}
        if "entities" in fields and urls:
            data["entities"] = {"urls": urls}
        if "referenced_tweets" in fields and tweet.in_reply_to_tweet_id:
            data["referenced_tweets"] = [{"type": "replied_to", "id": tweet.in_reply_to_tweet_id}]
        minutes = max(0.0, (self.world.clock() - tweet.created_at).total_seconds() / 60)
        impressions = int(minutes * 12)
        if "created_at" in fields:
            data["created_at"] = tweet.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        if "author_id" in fields:
            data["author_id"] = tweet.author_id
        if "conversation_id" in fields:
            data["conversation_id"] = tweet.conversation_id
        if "in_reply_to_user_id" in fields and tweet.in_reply_to_tweet_id:
            data["in_reply_to_user_id"] = self.tweets[tweet.in_reply_to_tweet_id].author_id
        if "attachments" in fields and tweet.media_keys:
            data["attachments"] = {"media_keys": tweet.media_keys}
        if "public_metrics" in fields:
            data["public_metrics"] = {
                "retweet_count": impressions // 100,
                "reply_count": impressions // 150,
                "like_count": impressions // 20,
                "quote_count": impressions // 400,
                "bookmark_count": impressions // 80,
                "impression_count": impressions,
            }
        if "non_public_metrics" in fields and tweet.author_id == viewer_id:
            data["non_public_metrics"] = {
                "impression_count": impressions,
                "user_profile_clicks": impressions // 50,
                "url_link_clicks": impressions // 60,
            }
        return data

    @staticmethod
    def _fields(call: Call) -> set[str]:
        return {f for f in call.query.get("tweet.fields", "").split(",") if f}

    async def get_tweets(self, call: Call) -> Response:
        user = self.authenticate(call)
        ids = [i for i in call.query.get("ids", "").split(",") if i]
        if not ids or len(ids) > 100:
            return invalid_request("The `ids` query parameter must hold 1 to 100 ids.")
        fields = self._fields(call)
        data, errors = [], []
        with self.world.lock:
            for tweet_id in ids:
                tweet = self.tweets.get(tweet_id)
                if tweet is None:
                    errors.append(
                        {
                            "value": tweet_id,
                            "detail": f"Could not find tweet with ids: [{tweet_id}].",
                            "title": "Not Found Error",
                            "resource_type": "tweet",
                            "parameter": "ids",
                            "resource_id": tweet_id,
                            "type": "https://api.twitter.com/2/problems/resource-not-found",
                        }
                    )
                else:
                    data.append(self.render_tweet(tweet, fields, user.user_id))
        body: dict[str, Any] = {"data": data} if data else {}
        if errors:
            body["errors"] = errors
        return json_response(body)

    async def get_tweet(self, call: Call) -> Response:
        user = self.authenticate(call)
        with self.world.lock:
            tweet = self.tweets.get(call.path_param("tweet_id"))
            if tweet is None:
                return problem(
                    404,
                    "Not Found Error",
                    "Could not find tweet.",
                    "https://api.twitter.com/2/problems/resource-not-found",
                )
            return json_response({"data": self.render_tweet(tweet, self._fields(call), user.user_id)})

    async def user_tweets(self, call: Call) -> Response:
        viewer = self.authenticate(call)
        author = call.path_param("user_id")
        try:
            max_results = int(call.query.get("max_results", "10"))
        except ValueError:
            return invalid_request("max_results must be a number.")
        if not 5 <= max_results <= 100:
            return invalid_request("max_results must be between 5 and 100.")
        since_id = int(call.query.get("since_id", "0") or "0")
        with self.world.lock:
            own = [t for t in self.tweets.values() if t.author_id == author and int(t.id) > since_id]
            own.sort(key=lambda t: int(t.id), reverse=True)
            page = [self.render_tweet(t, self._fields(call), viewer.user_id) for t in own[:max_results]]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update({"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]})
        return json_response({"data": page, "meta": meta} if page else {"meta": meta})
