"""Instagram's reads: who the account is, its recent media, insights, follower count and the live
publishing quota. :class:`~psn_core.platforms.instagram.InstagramPlatform` is built on them.

Official pages followed (facts only):
- IG User fields (user_id, username, followers_count with instagram_business_basic):
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user
- IG User media (GET /<IG_ID>/media): https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
- Media insights: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/insights
- Publishing limit (100 API-published posts per 24-hour moving window, a carousel counts once; GET
  /<IG_ID>/content_publishing_limit?fields=quota_usage,config):
  https://developers.facebook.com/docs/instagram-platform/content-publishing
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from psn_core.platforms.base import Platform
from psn_core.platforms.http import get_int, get_list, get_str, json_body
from psn_core.platforms.models import PostMetrics, PublishingQuota, RemotePost, RemoteUser

DEFAULT_VERSION = "v23.0"
_INSIGHT_METRICS = "views,reach,likes,comments,shares,saved"


class InstagramReads(Platform):
    """Instagram's read verbs."""

    @property
    def version(self) -> str:
        return self.config.api_version or DEFAULT_VERSION

    def graph(self, path: str) -> str:
        return self.url(f"/{self.version}/{path.lstrip('/')}")

    # --- reading -------------------------------------------------------------------------------

    def get_current_user(self, token: str) -> RemoteUser:
        """GET /me with the professional account's user_id and username.

        Raises:
            PlatformError: the token was refused.
        """
        response = self.sender.request(
            "GET",
            self.graph("me"),
            token=token,
            params={"fields": "user_id,username,name", "access_token": token},
        )
        body = json_body(response)
        return RemoteUser(
            id=get_str(body, "user_id") or get_str(body, "id") or "",
            handle=get_str(body, "username") or "",
            display_name=get_str(body, "name"),
        )

    def _user_id(self, token: str) -> str:
        return self.get_current_user(token).id

    def list_recent_posts(self, token: str, limit: int = 20) -> list[RemotePost]:
        """GET /<IG_ID>/media, newest first.

        Raises:
            PlatformError: the media could not be read.
        """
        response = self.sender.request(
            "GET",
            self.graph(f"{self._user_id(token)}/media"),
            token=token,
            params={"fields": "id,caption,media_type,timestamp,permalink", "limit": str(limit), "access_token": token},
        )
        posts = []
        for item in get_list(json_body(response), "data"):
            post_id = get_str(item, "id")
            if post_id:
                posts.append(
                    RemotePost(
                        post_id=post_id,
                        text=get_str(item, "caption") or "",
                        created_at=_parse_time(get_str(item, "timestamp")),
                        url=get_str(item, "permalink"),
                        media_count=1 if get_str(item, "media_type") in ("IMAGE", "VIDEO") else None,
                    )
                )
        return posts

    def fetch_metrics(self, token: str, post_ids: Sequence[str]) -> list[PostMetrics]:
        """Insights per media (the API has no batch form for media insights).

        Raises:
            PlatformError: the insights could not be read.
        """
        now = datetime.now(UTC)
        metrics = []
        for pid in post_ids:
            response = self.sender.request(
                "GET",
                self.graph(f"{pid}/insights"),
                token=token,
                params={"metric": _INSIGHT_METRICS, "access_token": token},
            )
            values: dict[str, int | None] = {}
            for entry in get_list(json_body(response), "data"):
                name = get_str(entry, "name") or ""
                values[name] = get_int(entry, "total_value", "value")
                if values[name] is None:
                    values[name] = get_int(entry, "values", 0, "value")
            metrics.append(
                PostMetrics(
                    post_id=pid,
                    views=values.get("views"),
                    reach=values.get("reach"),
                    likes=values.get("likes"),
                    comments=values.get("comments"),
                    shares=values.get("shares"),
                    saves=values.get("saved"),
                    fetched_at=now,
                )
            )
        return metrics

    def fetch_follower_count(self, token: str) -> int | None:
        """GET /me?fields=followers_count.

        Raises:
            PlatformError: the token was refused.
        """
        response = self.sender.request(
            "GET", self.graph("me"), token=token, params={"fields": "followers_count", "access_token": token}
        )
        return get_int(json_body(response), "followers_count")

    def publishing_quota(self, token: str) -> PublishingQuota:
        """GET /<IG_ID>/content_publishing_limit: posts published through the API in the moving window.

        When the quota is used up, ``resets_at`` is when the oldest counted post leaves the window (from the
        account's recent media), or None when psn cannot tell.

        Raises:
            PlatformError: the quota could not be read.
        """
        user_id = self._user_id(token)
        response = self.sender.request(
            "GET",
            self.graph(f"{user_id}/content_publishing_limit"),
            token=token,
            params={"fields": "quota_usage,config", "access_token": token},
        )
        body = json_body(response)
        used = get_int(body, "data", 0, "quota_usage") or 0
        total = get_int(body, "data", 0, "config", "quota_total") or self.limits.posts_per_day or 100
        window = get_int(body, "data", 0, "config", "quota_duration") or 86400
        resets_at = None
        if used >= total:
            since = datetime.fromtimestamp(self.clock(), UTC) - timedelta(seconds=window)
            times = [p.created_at for p in self.list_recent_posts(token, limit=total) if p.created_at]
            counted = [t for t in times if t > since]
            resets_at = min(counted) + timedelta(seconds=window) if counted else None
        return PublishingQuota(used=used, total=total, window_seconds=window, resets_at=resets_at)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return None
