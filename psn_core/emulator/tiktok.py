"""TikTok emulator: OAuth v2 (PKCE, rotating refresh tokens), user info, Content Posting API, video metrics.

Built from the official documentation (TikTok for Developers):
- https://developers.tiktok.com/doc/oauth-user-access-token-management (POST /v2/oauth/token/, 24 h access
  tokens, 365-day refresh tokens; always keep the latest refresh token)
- https://developers.tiktok.com/doc/login-kit-desktop (authorize with code_challenge / PKCE)
- https://developers.tiktok.com/doc/content-posting-api-reference-direct-post (creator_info/query, video/init,
  privacy_level_options; unaudited clients are limited to private posts)
- https://developers.tiktok.com/doc/content-posting-api-reference-upload-video (inbox/video/init)
- https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide (chunk rules, Content-Range PUT)
- https://developers.tiktok.com/doc/content-posting-api-reference-photo-post (content/init, PULL_FROM_URL)
- https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status (status/fetch)
- https://developers.tiktok.com/doc/tiktok-api-v2-video-query and .../tiktok-api-v2-video-list
- https://developers.tiktok.com/doc/tiktok-api-v2-rate-limit (one-minute sliding windows, 429
  rate_limit_exceeded) and the {"error": {"code", "message", "log_id"}} envelope
- https://developers.tiktok.com/doc/scopes-overview and the scope named on each endpoint's reference page
  (user.info.basic, video.publish, video.upload, video.list); a scope the user did not grant is 401
  scope_not_authorized (https://developers.tiktok.com/doc/tiktok-api-v2-error-handling)
- https://developers.tiktok.com/doc/tiktok-api-v2-get-user-info and
  https://developers.tiktok.com/bulletin/user-info-scope-migration (which scope each user field needs:
  username, bio_description, profile_deep_link, is_verified need user.info.profile since 29 Feb 2024;
  the counts need user.info.stats)
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from psn_core.emulator.authorize import authorize
from psn_core.emulator.oauth import OAuthError, TestApp, TestUser, TokenGrant
from psn_core.emulator.routing import Call, Endpoint, PlatformEmulator, Reply, json_response
from psn_core.emulator.runtime import RateLimiter
from psn_core.emulator.tiktok_posting import TikTokPosting, tt_error

ACCESS_TTL = timedelta(hours=24)
REFRESH_TTL = timedelta(days=365)
MINUTE = timedelta(minutes=1)
DEFAULT_LIMITS = {
    "user_info": 600,
    "video_query": 600,
    "video_list": 600,
    "creator_info": 20,
    "video_init": 6,
    "inbox_video_init": 6,
    "content_init": 6,
    "status_fetch": 30,
}
# Every scope a normal app can be granted for what psn does (the default grant of grant_for_tests).
ALL_SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.publish", "video.upload", "video.list")
# The user info fields and the scope each one needs.
USER_FIELD_SCOPES = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic",
    "display_name": "user.info.basic",
    "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile",
    "is_verified": "user.info.profile",
    "username": "user.info.profile",
    "follower_count": "user.info.stats",
    "following_count": "user.info.stats",
    "likes_count": "user.info.stats",
    "video_count": "user.info.stats",
}
# The scopes that let a token call each endpoint (any one of them).
ENDPOINT_SCOPES: dict[str, tuple[str, ...]] = {
    "user_info": ("user.info.basic",),
    "creator_info": ("video.publish",),
    "video_init": ("video.publish",),
    "inbox_video_init": ("video.upload",),
    "status_fetch": ("video.publish", "video.upload"),
    "video_query": ("video.list",),
    "video_list": ("video.list",),
    # content_init depends on post_mode: checked in the handler (require_scope)
}


def granted(scope: str) -> set[str]:
    return {part for part in scope.replace(",", " ").split() if part}


class TikTokEmulator(PlatformEmulator):
    name = "tiktok"
    access_ttl = ACCESS_TTL
    refresh_ttl = REFRESH_TTL

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.oauth.token_prefix = "act."  # noqa: S105 - a visible prefix, not a secret
        self.posting = TikTokPosting(self)
        self._limiter = RateLimiter(self.world.clock)

    def grant_for_tests(self, app: TestApp, user: TestUser, scope: str = "") -> TokenGrant:
        return super().grant_for_tests(app, user, scope or ",".join(ALL_SCOPES))

    def create_user(self, username: str | None = None) -> TestUser:
        open_id = "-000" + secrets.token_hex(14)
        handle = username or f"psn_tester_{len(self.oauth.users) + 1}"
        return self.oauth.add_user(open_id, handle, handle.replace("_", " ").title())

    def fault_response(self, kind: str) -> Response:
        if kind == "401":
            return tt_error(401, "access_token_invalid", "The access token is invalid or not found in the request.")
        if kind == "429":
            return tt_error(429, "rate_limit_exceeded", "The API rate limit was exceeded. Please try again later.")
        return tt_error(int(kind), "internal_error", "Something went wrong. Please try again later.")

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("authorize", "GET", "/v2/auth/authorize/", self.authorize, api=False),
            Endpoint("token", "POST", "/v2/oauth/token/", self.token, api=False),
            Endpoint("revoke", "POST", "/v2/oauth/revoke/", self.revoke, api=False),
            Endpoint("user_info", "GET", "/v2/user/info/", self.user_info),
            *self.posting.endpoints(),
        ]

    # -- OAuth ---------------------------------------------------------------------------------
    async def authorize(self, call: Call) -> Response:
        return authorize(self, call, client_param="client_key", scope_separator=",")

    @staticmethod
    def oauth_error(exc: OAuthError) -> Response:
        return json_response(
            {
                "error": exc.error,
                "error_description": exc.description,
                "log_id": secrets.token_hex(16).upper(),
            },
            400,
        )

    async def token(self, call: Call) -> Response:
        form = await call.form()
        try:
            with self.world.lock:
                client_key = form.get("client_key", "")
                self.oauth.authenticate_client(client_key, form.get("client_secret"), required=True)
                grant_type = form.get("grant_type", "")
                if grant_type == "authorization_code":
                    code = self.oauth.redeem_code(
                        form.get("code", ""),
                        client_key,
                        form.get("redirect_uri"),
                        form.get("code_verifier"),
                        allow_hex=True,
                    )
                    user_id, scope = code.user_id, code.scope
                elif grant_type == "refresh_token":
                    used = self.oauth.use_refresh(form.get("refresh_token", ""), client_key)
                    used.used = True
                    user_id, scope = used.user_id, used.scope
                else:
                    raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
                grant = self.oauth.grant(client_key, user_id, scope, ACCESS_TTL, REFRESH_TTL)
        except OAuthError as exc:
            return self.oauth_error(exc)
        return json_response(
            {
                "access_token": grant.access_token,
                "expires_in": grant.access_expires_in,
                "open_id": grant.user_id,
                "refresh_expires_in": grant.refresh_expires_in,
                "refresh_token": grant.refresh_token,
                "scope": grant.scope,
                "token_type": "Bearer",
            }
        )

    async def revoke(self, call: Call) -> Response:
        form = await call.form()
        with self.world.lock:
            token = self.oauth.access.get(form.get("token", ""))
            if token is not None:
                self.oauth.revoke_user(token.user_id)
        return json_response({})

    # -- guards --------------------------------------------------------------------------------
    def authenticate(self, call: Call) -> TestUser:
        """Check the bearer token, the endpoint's scope and its one-minute window.

        Raises:
            Reply: 401 access_token_invalid, 401 scope_not_authorized, or 429 rate_limit_exceeded.
        """
        with self.world.lock:
            token = self.oauth.check_access(call.bearer())
            if isinstance(token, str):
                raise Reply(self.fault_response("401"))
            name = call.endpoint.name
            needs = ENDPOINT_SCOPES.get(name, ())
            if needs and not granted(token.scope) & set(needs):
                raise Reply(scope_refusal(" or ".join(needs)))
            limit = self.world.config.tiktok_rate_limits.get(name, DEFAULT_LIMITS.get(name, 600))
            window = self._limiter.hit(f"{token.user_id}:{name}", limit, MINUTE)
            user = self.user_for(token)
        if window.exceeded:
            raise Reply(self.fault_response("429"))
        return user

    def require_scope(self, call: Call, scope: str) -> None:
        """Raises: Reply 401 scope_not_authorized when the call's token lacks ``scope``."""
        with self.world.lock:
            token = self.oauth.access.get(call.bearer() or "")
            if token is None or scope not in granted(token.scope):
                raise Reply(scope_refusal(scope))

    def app_for(self, call: Call) -> bool:
        """Whether the calling app passed TikTok's audit (unaudited apps may only post privately)."""
        with self.world.lock:
            token = self.oauth.access.get(call.bearer() or "")
            return token is not None and self.oauth.apps[token.client_id].audited

    async def user_info(self, call: Call) -> Response:
        user = self.authenticate(call)
        every: dict[str, Any] = {
            "open_id": user.user_id,
            "union_id": "u" + user.user_id[4:],
            "display_name": user.name,
            "avatar_url": f"https://p16.tiktokcdn.example/{user.user_id}.jpeg",
            "username": user.username,
        }
        fields = [f for f in call.query.get("fields", "").split(",") if f]
        if not fields:
            return tt_error(400, "invalid_params", "The fields parameter is required.")
        for f in fields:
            if f in USER_FIELD_SCOPES:
                self.require_scope(call, USER_FIELD_SCOPES[f])
        return tt_ok({"user": {k: every[k] for k in fields if k in every}})


def tt_ok(data: dict[str, Any]) -> Response:
    return json_response(
        {"data": data, "error": {"code": "ok", "message": "", "log_id": secrets.token_hex(16).upper()}}
    )


def scope_refusal(scope: str) -> Response:
    return tt_error(
        401,
        "scope_not_authorized",
        f"The user did not authorize the scope required for completing this request ({scope}).",
    )
