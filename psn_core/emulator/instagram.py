"""Instagram API with Instagram Login (graph.instagram.com shapes): tokens, containers, publishing, insights.

Built from the official documentation (Meta for Developers):
- https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
  (authorize, POST /oauth/access_token -> {"data": [{access_token, user_id, permissions}]})
- https://developers.facebook.com/docs/instagram-platform/reference/access_token and .../refresh_access_token
  (ig_exchange_token -> 60-day token; ig_refresh_token for tokens at least 24 hours old)
- https://developers.facebook.com/docs/instagram-platform/content-publishing (POST /{ig-user-id}/media with
  image_url / video_url / media_type=CAROUSEL|REELS|STORIES, children, media_publish,
  content_publishing_limit)
- https://developers.facebook.com/docs/instagram-platform/reference/ig-container (status_code EXPIRED, ERROR,
  FINISHED, IN_PROGRESS, PUBLISHED)
- https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights (views, reach,
  likes, comments, saved, shares, total_interactions; impressions/plays/video_views deprecated)
- https://developers.facebook.com/docs/instagram-platform/reference/error-codes (OAuthException codes and
  subcodes)
- https://developers.facebook.com/docs/graph-api/overview/rate-limiting (Business Use Case limits,
  X-Business-Use-Case-Usage header)
- The permissions on each endpoint's reference page (instagram_business_basic for reads;
  + instagram_business_content_publish for POST media, media_publish and content_publishing_limit;
  + instagram_business_manage_insights for insights); a permission not granted is OAuthException code 10
  (https://developers.facebook.com/docs/graph-api/guides/error-handling)
- https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit
  (quota_usage, config {quota_total, quota_duration}); 100 API-published posts per 24-hour moving window,
  refused on media_publish with code 9, subcode 2207042
- comments and replies (instagram_comments.py): https://developers.facebook.com/docs/instagram-platform/comment-moderation

Any ``/vNN.N`` path prefix is accepted. Media is fetched from image_url / video_url like the real service
cURLs it; an unreachable URL leaves the container in ERROR.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from psn_core.emulator.authorize import authorize
from psn_core.emulator.clock import follower_count
from psn_core.emulator.instagram_comments import InstagramComments
from psn_core.emulator.instagram_media import Container, InstagramMediaStore
from psn_core.emulator.oauth import OAuthError, TestApp, TestUser, TokenGrant
from psn_core.emulator.routing import Call, Endpoint, PlatformEmulator, Reply, json_response
from psn_core.emulator.runtime import RateLimiter

SHORT_TTL = timedelta(hours=1)
LONG_TTL = timedelta(days=60)
REFRESH_MIN_AGE = timedelta(hours=24)
HOUR = timedelta(hours=1)
BASIC = "instagram_business_basic"
PUBLISH = "instagram_business_content_publish"
INSIGHTS = "instagram_business_manage_insights"
COMMENTS = "instagram_business_manage_comments"
ALL_SCOPES = (BASIC, PUBLISH, INSIGHTS, COMMENTS)
# The permissions each endpoint needs (all of them); endpoints not listed need instagram_business_basic.
ENDPOINT_SCOPES: dict[str, tuple[str, ...]] = {
    "create_container": (BASIC, PUBLISH),
    "publish": (BASIC, PUBLISH),
    "publishing_limit": (BASIC, PUBLISH),
    "insights": (BASIC, INSIGHTS),
    "list_comments": (BASIC, COMMENTS),
    "list_replies": (BASIC, COMMENTS),
    "reply_comment": (BASIC, COMMENTS),
}
_TOKEN_ERRORS = {
    "missing": (None, "An active access token must be used to query information about the current user."),
    "invalid": (None, "Invalid OAuth access token - Cannot parse access token"),
    "expired": (463, "Error validating access token: Session has expired."),
    "revoked": (458, "Error validating access token: The user has not authorized application."),
}


def graph_error(
    status: int,
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    type_: str = "OAuthException",
    transient: bool = False,
) -> Response:
    error: dict[str, Any] = {
        "message": message,
        "type": type_,
        "code": code,
        "is_transient": transient,
        "fbtrace_id": secrets.token_urlsafe(12),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return json_response({"error": error}, status)


class InstagramEmulator(PlatformEmulator):
    name = "instagram"
    access_ttl = LONG_TTL

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.oauth.token_prefix = "IGAA"  # noqa: S105 - a visible prefix, not a secret
        self.media = InstagramMediaStore(self)
        self.conversations = InstagramComments(self)
        self._limiter = RateLimiter(self.world.clock)

    def create_user(self, username: str | None = None) -> TestUser:
        handle = username or f"psn.tester{len(self.oauth.users) + 1}"
        return self.oauth.add_user("1784" + self.world.next_id()[-13:], handle, handle)

    def grant_for_tests(self, app: TestApp, user: TestUser, scope: str = "") -> TokenGrant:
        with self.world.lock:
            return self.oauth.grant(
                app.client_id,
                user.user_id,
                scope or ",".join(ALL_SCOPES),
                LONG_TTL,
                None,
            )

    def fault_response(self, kind: str) -> Response:
        if kind == "401":
            return self.token_error("expired")
        if kind == "429":
            return self.throttled()
        return graph_error(
            int(kind), "An unexpected error has occurred. Please retry your request later.", 2, transient=True
        )

    @staticmethod
    def token_error(problem: str) -> Response:
        subcode, message = _TOKEN_ERRORS[problem]
        return graph_error(400, message, 190, subcode=subcode)

    @staticmethod
    def throttled() -> Response:
        return graph_error(
            429,
            "There have been too many calls to this Instagram account. Wait a bit and try again.",
            80002,
            transient=True,
        )

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("authorize", "GET", "/oauth/authorize", self.authorize, api=False),
            Endpoint("token", "POST", "/oauth/access_token", self.token, api=False),
            Endpoint("exchange_token", "GET", "/access_token", self.exchange_token, api=False),
            Endpoint("refresh_token", "GET", "/refresh_access_token", self.refresh_token, api=False),
            Endpoint("me", "GET", "/me", self.me),
            *self.conversations.endpoints(),
            *self.media.endpoints(),
        ]

    # -- OAuth ---------------------------------------------------------------------------------
    async def authorize(self, call: Call) -> Response:
        return authorize(self, call, fragment="#_", scope_separator=",")

    async def token(self, call: Call) -> Response:
        form = await call.form()
        try:
            with self.world.lock:
                client_id = form.get("client_id", "")
                self.oauth.authenticate_client(client_id, form.get("client_secret"), required=True)
                if form.get("grant_type") != "authorization_code":
                    raise OAuthError("unsupported_grant_type", "grant_type must be authorization_code")
                code = self.oauth.redeem_code(
                    form.get("code", ""), client_id, form.get("redirect_uri"), form.get("code_verifier")
                )
                grant = self.oauth.grant(client_id, code.user_id, code.scope, SHORT_TTL, None)
        except OAuthError as exc:
            return json_response({"error_type": "OAuthException", "code": 400, "error_message": exc.description}, 400)
        return json_response(
            {"data": [{"access_token": grant.access_token, "user_id": grant.user_id, "permissions": grant.scope}]}
        )

    async def exchange_token(self, call: Call) -> Response:
        query = call.query
        if query.get("grant_type") != "ig_exchange_token":
            return graph_error(400, "grant_type must be ig_exchange_token", 100)
        with self.world.lock:
            token = self.oauth.check_access(query.get("access_token"))
            if isinstance(token, str):
                return self.token_error(token)
            app = self.oauth.apps[token.client_id]
            if not secrets.compare_digest(query.get("client_secret", ""), app.client_secret):
                return graph_error(400, "Error validating client secret.", 1)
            grant = self.oauth.grant(token.client_id, token.user_id, token.scope, LONG_TTL, None)
        return json_response(
            {
                "access_token": grant.access_token,
                "token_type": "bearer",
                "expires_in": grant.access_expires_in,
            }
        )

    async def refresh_token(self, call: Call) -> Response:
        query = call.query
        if query.get("grant_type") != "ig_refresh_token":
            return graph_error(400, "grant_type must be ig_refresh_token", 100)
        with self.world.lock:
            token = self.oauth.check_access(query.get("access_token"))
            if isinstance(token, str):
                return self.token_error(token)
            if token.expires_at - token.issued_at < LONG_TTL:
                return graph_error(400, "Only long-lived access tokens can be refreshed.", 190)
            if self.world.clock() - token.issued_at < REFRESH_MIN_AGE:
                return graph_error(400, "The access token must be at least 24 hours old to be refreshed.", 190)
            grant = self.oauth.grant(token.client_id, token.user_id, token.scope, LONG_TTL, None)
        return json_response(
            {
                "access_token": grant.access_token,
                "token_type": "bearer",
                "expires_in": grant.access_expires_in,
            }
        )

    # -- auth + usage ----------------------------------------------------------------------------
    async def params(self, call: Call) -> dict[str, str]:
        """Graph parameters may come in the query string, a form body or a JSON body."""
        merged = dict(call.query)
        if call.body:
            content_type = call.request.headers.get("content-type", "")
            if "json" in content_type:
                with contextlib.suppress(ValueError):
                    merged.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in call.json_body().items()})
            else:
                merged.update(await call.form())
        return merged

    def authenticate(self, call: Call, params: dict[str, str]) -> TestUser:
        """Check the token, the endpoint's permissions and the account's hourly call budget.

        Raises:
            Reply: 400 OAuthException 190 for token problems, 403 code 10 for a permission not granted,
                429 code 80002 when throttled.
        """
        with self.world.lock:
            token = self.oauth.check_access(params.get("access_token") or call.bearer())
            if isinstance(token, str):
                raise Reply(self.token_error(token))
            have = {part for part in token.scope.replace(",", " ").split() if part}
            missing = [s for s in ENDPOINT_SCOPES.get(call.endpoint.name, (BASIC,)) if s not in have]
            if missing:
                raise Reply(
                    graph_error(403, f"(#10) Application does not have permission for this action ({missing[0]})", 10)
                )
            limit = self.world.config.instagram_calls_per_hour
            window = self._limiter.hit(token.user_id, limit, HOUR)
            user = self.user_for(token)
        regain = 0 if not window.exceeded else max(1, int((window.reset_at - self.world.clock()).total_seconds() // 60))
        usage = min(100, window.used * 100 // limit)
        call.headers["x-business-use-case-usage"] = json.dumps(
            {
                user.user_id: [
                    {
                        "type": "instagram",
                        "call_count": usage,
                        "total_cputime": usage // 4,
                        "total_time": usage // 4,
                        "estimated_time_to_regain_access": regain,
                    }
                ]
            }
        )
        if window.exceeded:
            raise Reply(self.throttled())
        return user

    async def me(self, call: Call) -> Response:
        user = self.authenticate(call, await self.params(call))
        return json_response(self.render_user(user, call.query.get("fields", "id,username")))

    def render_user(self, user: TestUser, fields: str) -> dict[str, Any]:
        every: dict[str, Any] = {
            "id": user.user_id,
            "user_id": user.user_id,
            "username": user.username,
            "name": user.name,
            "account_type": "BUSINESS",
            "media_count": self.media.count_for(user.user_id),
            "followers_count": follower_count(self.world.clock(), user.user_id),
        }
        wanted = [f for f in fields.split(",") if f] or ["id"]
        return {key: every[key] for key in wanted if key in every} | {"id": user.user_id}


__all__ = ["Container", "InstagramEmulator", "graph_error"]
