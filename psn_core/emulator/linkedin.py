"""LinkedIn emulator: 3-legged OAuth, OpenID userinfo, versioned REST posts and member post analytics.

Built from the official documentation (Microsoft Learn):
- https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow
  (authorize, accessToken)
- https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens (60-day access
  tokens, 365-day refresh tokens whose TTL does not restart on refresh)
- https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
  (/v2/userinfo)
- https://learn.microsoft.com/en-us/linkedin/marketing/versioning (LinkedIn-Version: YYYYMM,
  X-Restli-Protocol-Version)
- https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
  (POST /rest/posts, 201 + x-restli-id, content.media / multiImage / article)
- https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
  (commentary returned as little text: linkedin_text.py)
- https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
  (memberCreatorPostAnalytics, q=entity, queryType, aggregation)
- https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/social-metadata-api
- https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
  (message, serviceErrorCode, status)
- https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version (Rest.li 2.0
  query encoding, checked in linkedin_restli.py)
- https://learn.microsoft.com/en-us/linkedin/shared/authentication/getting-access (permissions per API:
  openid for userinfo, w_member_social / w_organization_social to post and upload, r_member_social /
  r_organization_social to read posts, r_member_postAnalytics for member post statistics; enforced
  with the scopes granted at authorize)

LinkedIn refresh tokens do not rotate: a refresh returns the same refresh token with its remaining TTL.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from starlette.responses import Response

from psn_core.emulator.authorize import authorize
from psn_core.emulator.clock import epoch_ms
from psn_core.emulator.linkedin_media import LinkedInMediaStore, li_error
from psn_core.emulator.linkedin_restli import invalid_param, params, require_scope
from psn_core.emulator.linkedin_text import canonical
from psn_core.emulator.oauth import AccessToken, OAuthError, TestApp, TestUser, TokenGrant
from psn_core.emulator.routing import Call, Endpoint, PlatformEmulator, Reply, json_response, parse_model
from psn_core.emulator.runtime import RateLimiter

ACCESS_TTL = timedelta(days=60)
REFRESH_TTL = timedelta(days=365)
OLDEST_VERSION = 202401
_VERSION = re.compile(r"^(\d{4})(\d{2})(\.\d{2})?$")
_AUTHOR = re.compile(r"^urn:li:(person|organization):[A-Za-z0-9_-]+$")
_ENTITY_URN = re.compile(r"^urn:li:(share|ugcPost):\d+$")
# What LinkedIn grants approved developers' apps only; the emulator's apps are approved (psn_settings asks
# for them), and tests' grant_tokens hold every member permission.
APPROVED_EXTRA_SCOPES = "r_member_social r_member_postAnalytics"
MEMBER_SCOPES = f"openid profile email w_member_social {APPROVED_EXTRA_SCOPES}"
METRICS = ("IMPRESSION", "MEMBERS_REACHED", "RESHARE", "REACTION", "COMMENT")
_TOKEN_ERRORS = {
    "missing": (401, "Empty oauth2_access_token", 401),
    "invalid": (65600, "Invalid access token", 401),
    "revoked": (65601, "The token used in the request has been revoked by the user", 401),
    "expired": (65602, "The token used in the request has expired", 401),
}
_TOKEN_CODES = {
    "invalid": "INVALID_ACCESS_TOKEN",
    "revoked": "REVOKED_ACCESS_TOKEN",
    "expired": "EXPIRED_ACCESS_TOKEN",
}


class Distribution(BaseModel):
    feedDistribution: str  # noqa: N815 - LinkedIn's field name
    targetEntities: list[Any] = Field(default_factory=list)  # noqa: N815
    thirdPartyDistributionChannels: list[Any] = Field(default_factory=list)  # noqa: N815


class PostBody(BaseModel):
    author: str
    commentary: str = ""
    visibility: str
    distribution: Distribution
    lifecycleState: str  # noqa: N815
    content: dict[str, Any] | None = None
    isReshareDisabledByAuthor: bool = False  # noqa: N815


@dataclass
class LinkedInPost:
    urn: str
    body: PostBody
    created_at: datetime


def bad_request(message: str) -> Response:
    return li_error(400, message)


class LinkedInEmulator(PlatformEmulator):
    name = "linkedin"
    access_ttl = ACCESS_TTL
    refresh_ttl = REFRESH_TTL

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.posts: dict[str, LinkedInPost] = {}
        self.media = LinkedInMediaStore(self)
        self._limiter = RateLimiter(self.world.clock)

    def grant_for_tests(self, app: TestApp, user: TestUser, scope: str = "") -> TokenGrant:
        """Tokens as an approved developer's app gets them: every member permission unless ``scope`` says."""
        return super().grant_for_tests(app, user, scope or MEMBER_SCOPES)

    def create_user(self, username: str | None = None) -> TestUser:
        person_id = secrets.token_urlsafe(7).replace("-", "a").replace("_", "b")
        handle = username or f"Tester {len(self.oauth.users) + 1}"
        return self.oauth.add_user(person_id, handle, handle)

    def fault_response(self, kind: str) -> Response:
        if kind == "401":
            return self.token_error("expired")
        if kind == "429":
            return li_error(
                429,
                "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
                code="TOO_MANY_REQUESTS",
                service_code=101,
            )
        return li_error(int(kind), "Internal Server Error" if kind == "500" else "Service Unavailable")

    @staticmethod
    def token_error(problem: str) -> Response:
        service_code, message, status = _TOKEN_ERRORS[problem]
        return li_error(status, message, code=_TOKEN_CODES.get(problem), service_code=service_code)

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("authorize", "GET", "/oauth/v2/authorization", self.authorize, api=False),
            Endpoint("token", "POST", "/oauth/v2/accessToken", self.token, api=False),
            Endpoint("userinfo", "GET", "/v2/userinfo", self.userinfo),
            Endpoint("create_post", "POST", "/rest/posts", self.create_post, write=True),
            Endpoint("list_posts", "GET", "/rest/posts", self.list_posts),
            Endpoint("get_post", "GET", "/rest/posts/{post_urn}", self.get_post),
            Endpoint("post_analytics", "GET", "/rest/memberCreatorPostAnalytics", self.post_analytics),
            Endpoint("social_metadata", "GET", "/rest/socialMetadata/{entity_urn}", self.social_metadata),
            *self.media.endpoints(),
        ]

    # -- OAuth ---------------------------------------------------------------------------------
    async def authorize(self, call: Call) -> Response:
        return authorize(self, call)

    async def token(self, call: Call) -> Response:
        form = await call.form()
        try:
            with self.world.lock:
                client_id = form.get("client_id", "")
                self.oauth.authenticate_client(client_id, form.get("client_secret"), required=True)
                grant_type = form.get("grant_type", "")
                if grant_type == "authorization_code":
                    code = self.oauth.redeem_code(
                        form.get("code", ""), client_id, form.get("redirect_uri"), form.get("code_verifier")
                    )
                    grant = self.oauth.grant(client_id, code.user_id, code.scope, ACCESS_TTL, REFRESH_TTL)
                elif grant_type == "refresh_token":
                    refresh = self.oauth.use_refresh(form.get("refresh_token", ""), client_id)
                    access = self.oauth.grant(client_id, refresh.user_id, refresh.scope, ACCESS_TTL, None)
                    remaining = int((refresh.expires_at - self.world.clock()).total_seconds())
                    grant = TokenGrant(
                        access.access_token,
                        access.access_expires_in,
                        refresh.token,
                        remaining,
                        access.scope,
                        access.user_id,
                    )
                else:
                    raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
        except OAuthError as exc:
            status = 401 if exc.error == "invalid_client" else 400
            return json_response({"error": exc.error, "error_description": exc.description}, status)
        return json_response(
            {
                "access_token": grant.access_token,
                "expires_in": grant.access_expires_in,
                "refresh_token": grant.refresh_token,
                "refresh_token_expires_in": grant.refresh_expires_in,
                "scope": grant.scope.replace(" ", ","),
            }
        )

    # -- guards --------------------------------------------------------------------------------
    def authenticate(self, call: Call, *, rest: bool = True, needs: tuple[str, ...] = ()) -> TestUser:
        """Check versioning headers (REST only), the bearer token and (``needs``: any one of) its scopes.

        Raises:
            Reply: 400/426 for versioning problems, 401 for token problems, 403 for a missing permission.
        """
        if rest:
            self._check_version(call)
        token = self.access(call)
        if needs:
            require_scope(token, f"{call.endpoint.name}.{call.request.method}", *needs)
        return self.user_for(token)

    def access(self, call: Call) -> AccessToken:
        """The call's access token.

        Raises:
            Reply: 401 for a missing, invalid, expired or revoked token.
        """
        with self.world.lock:
            token = self.oauth.check_access(call.bearer())
        if isinstance(token, str):
            raise Reply(self.token_error(token))
        return token

    def require_for(self, call: Call, urn: str, member_scope: str, organization_scope: str) -> None:
        """The permission acting for ``urn`` takes: the member's own, or an organization page's.

        Raises:
            Reply: 403 ACCESS_DENIED without it.
        """
        scope = organization_scope if urn.startswith("urn:li:organization:") else member_scope
        require_scope(self.access(call), f"{call.endpoint.name}.{call.request.method}", scope)

    @staticmethod
    def _check_version(call: Call) -> None:
        version = call.request.headers.get("linkedin-version")
        if not version:
            raise Reply(
                li_error(
                    400,
                    "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                    code="VERSION_MISSING",
                )
            )
        match = _VERSION.match(version)
        if match is None or not 1 <= int(match[2]) <= 12 or int(match[1] + match[2]) < OLDEST_VERSION:
            raise Reply(li_error(426, f"Requested version {version} is not active", code="NONEXISTENT_VERSION"))
        if call.request.headers.get("x-restli-protocol-version") != "2.0.0":
            raise Reply(li_error(400, "This API requires the header X-Restli-Protocol-Version: 2.0.0"))

    @staticmethod
    def person_urn(user: TestUser) -> str:
        return f"urn:li:person:{user.user_id}"

    # -- handlers ------------------------------------------------------------------------------
    async def userinfo(self, call: Call) -> Response:
        user = self.authenticate(call, rest=False, needs=("openid",))
        given, _, family = user.name.partition(" ")
        return json_response(
            {
                "sub": user.user_id,
                "name": user.name,
                "given_name": given,
                "family_name": family or given,
                "locale": {"country": "US", "language": "en"},
                "email": f"{user.user_id.lower()}@example.com",
                "email_verified": True,
                "picture": f"{self.base_url}/_avatar/{user.user_id}.jpg",
            }
        )

    async def create_post(self, call: Call) -> Response:
        user = self.authenticate(call)
        try:
            raw = call.json_body()
        except ValueError:
            return bad_request("Request body is not valid JSON.")
        body = parse_model(PostBody, raw, bad_request)
        self.require_for(call, body.author, "w_member_social", "w_organization_social")
        problem = self._validate_post(body, user)
        if problem:
            return li_error(422, problem)
        with self.world.lock:
            window = self._limiter.hit(
                f"{user.user_id}:posts", self.world.config.linkedin_daily_post_limit, timedelta(days=1)
            )
            if window.exceeded:
                return self.fault_response("429")
            urn = f"urn:li:share:{self.world.next_id()}"
            self.posts[urn] = LinkedInPost(urn, body, self.world.clock())
        return Response(status_code=201, headers={"x-restli-id": urn, "x-linkedin-id": urn})

    def _validate_post(self, body: PostBody, user: TestUser) -> str | None:
        if not _AUTHOR.match(body.author):
            return f"/author :: {body.author} is not a person or organization URN"
        if body.author.startswith("urn:li:person:") and body.author != self.person_urn(user):
            return "/author :: the member may only post as themselves"
        if body.visibility not in {"PUBLIC", "CONNECTIONS", "LOGGED_IN", "CONTAINER"}:
            return f"/visibility :: unknown value {body.visibility}"
        if body.lifecycleState not in {"PUBLISHED", "DRAFT"}:
            return f"/lifecycleState :: unknown value {body.lifecycleState}"
        if body.distribution.feedDistribution not in {"MAIN_FEED", "NONE"}:
            return f"/distribution/feedDistribution :: unknown value {body.distribution.feedDistribution}"
        if len(body.commentary) > 3000:
            return "/commentary :: length must be at most 3000"
        content = body.content or {}
        if len(content) > 1:
            return "/content :: only one content type per post"
        with self.world.lock:
            if "media" in content:
                return self.media.check_ready([str(content["media"].get("id", ""))], body.author, "/content/media/id")
            if "multiImage" in content:
                images = content["multiImage"].get("images", [])
                if not 2 <= len(images) <= 20:
                    return "/content/multiImage/images :: between 2 and 20 images are required"
                ids = [str(image.get("id", "")) for image in images]
                if any(not i.startswith("urn:li:image:") for i in ids):
                    return "/content/multiImage/images :: only image URNs are allowed"
                return self.media.check_ready(ids, body.author, "/content/multiImage/images")
            if "article" in content and not str(content["article"].get("source", "")).startswith("http"):
                return "/content/article/source :: a URL is required"
        return None

    def render_post(self, post: LinkedInPost) -> dict[str, Any]:
        data: dict[str, Any] = post.body.model_dump(exclude_none=True)
        data["commentary"] = canonical(post.body.commentary)  # little text, as LinkedIn renders it
        stamp = epoch_ms(post.created_at)
        data.update({"id": post.urn, "createdAt": stamp, "lastModifiedAt": stamp})
        if post.body.lifecycleState == "PUBLISHED":
            data["publishedAt"] = stamp
        return data

    async def list_posts(self, call: Call) -> Response:
        self.authenticate(call)
        query = params(call, "q", "author", "start", "count", "sortBy")
        author = query.get("author")
        if query.get("q") != "author" or not isinstance(author, str) or not _AUTHOR.match(author):
            return bad_request("Use q=author&author=<URN> to list posts.")
        self.require_for(call, author, "r_member_social", "r_organization_social")
        start, count = int(query.get("start", "0")), min(100, int(query.get("count", "10")))
        with self.world.lock:
            mine = [p for p in self.posts.values() if p.body.author == author]
            mine.sort(key=lambda p: p.created_at, reverse=True)
            page = [self.render_post(p) for p in mine[start : start + count]]
        return json_response(
            {"elements": page, "paging": {"start": start, "count": count, "links": [], "total": len(mine)}}
        )

    async def get_post(self, call: Call) -> Response:
        self.authenticate(call, needs=("r_member_social", "r_organization_social"))
        with self.world.lock:
            post = self.posts.get(call.path_param("post_urn"))
            if post is None:
                return li_error(404, "Not Found")
            return json_response(self.render_post(post))

    def metrics(self, post: LinkedInPost) -> dict[str, int]:
        minutes = max(0.0, (self.world.clock() - post.created_at).total_seconds() / 60)
        impressions = int(minutes * 8)
        return {
            "IMPRESSION": impressions,
            "MEMBERS_REACHED": impressions * 7 // 10,
            "RESHARE": impressions // 300,
            "REACTION": impressions // 25,
            "COMMENT": impressions // 120,
        }

    async def post_analytics(self, call: Call) -> Response:
        user = self.authenticate(call, needs=("r_member_postAnalytics",))
        query = params(call, "q", "entity", "queryType", "aggregation")
        if query.get("q") != "entity":
            return bad_request("Only the entity finder (q=entity) is emulated.")
        entity = query.get("entity")
        metric = query.get("queryType", "")
        kind, urn = next(iter(entity.items())) if isinstance(entity, dict) and len(entity) == 1 else ("", "")
        match = _ENTITY_URN.match(str(urn))
        if match is None or match[1] != kind:
            return invalid_param("entity", "entity must be a record like (share:urn%3Ali%3Ashare%3A123)")
        if metric not in METRICS:
            return bad_request(f"queryType must be one of {', '.join(METRICS)}")
        if query.get("aggregation", "TOTAL") != "TOTAL":
            return bad_request("Only aggregation=TOTAL is emulated.")
        with self.world.lock:
            post = self.posts.get(urn)
            if post is None:
                return li_error(404, "Not Found")
            if post.body.author != self.person_urn(user):
                return li_error(403, "Not enough permissions to access the analytics of this post.")
            count = self.metrics(post)[metric]
        element = {
            "count": count,
            "metricType": {"com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1": metric},
            "targetEntity": {kind: urn},
        }
        return json_response({"paging": {"start": 0, "count": 10, "links": []}, "elements": [element]})

    async def social_metadata(self, call: Call) -> Response:
        self.authenticate(call, needs=("r_member_social", "r_organization_social"))
        with self.world.lock:
            post = self.posts.get(call.path_param("entity_urn"))
            if post is None:
                return li_error(404, "Not Found")
            metrics = self.metrics(post)
        return json_response(
            {
                "reactionSummaries": {"LIKE": {"reactionType": "LIKE", "count": metrics["REACTION"]}},
                "commentsState": "OPEN",
                "commentSummary": {"count": metrics["COMMENT"], "topLevelCount": metrics["COMMENT"]},
                "entity": post.urn,
            }
        )
