"""Instagram containers, publishing, media objects and insights.

See the module docstring of ``instagram.py`` for the documentation followed. Container status is computed
from the injected clock: IN_PROGRESS for the processing delay, then FINISHED; ERROR when the media URL could
not be fetched (subcode 2207052 in ``status``) or under the processing_failed fault; EXPIRED after 24 hours
unpublished; PUBLISHED once published. A carousel parent waits for all its children.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from psn_core.emulator.routing import Call, Endpoint, json_response
from psn_core.emulator.runtime import Fetched, fetch_media

if TYPE_CHECKING:
    from psn_core.emulator.instagram import InstagramEmulator

CONTAINER_TTL = timedelta(hours=24)
DAY = timedelta(days=1)
MIN_CHILDREN, MAX_CHILDREN = 2, 10
METRICS = (
    "views",
    "reach",
    "likes",
    "comments",
    "saved",
    "shares",
    "total_interactions",
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
    "profile_visits",
    "follows",
)
DEPRECATED = (
    "impressions",
    "plays",
    "video_views",
    "clips_replays_count",
    "ig_reels_aggregated_all_plays_count",
    "engagement",
)


@dataclass
class Container:
    id: str
    owner_id: str
    media_type: str
    created_at: datetime
    caption: str = ""
    media_url: str = ""
    is_carousel_item: bool = False
    children: list[str] = field(default_factory=list)
    fetched: Fetched | None = None
    fault: str | None = None
    published_id: str | None = None


@dataclass
class Media:
    id: str
    owner_id: str
    container_id: str
    caption: str
    media_type: str
    product_type: str
    published_at: datetime


class InstagramMediaStore:
    def __init__(self, instagram: InstagramEmulator) -> None:
        self.ig = instagram
        self.containers: dict[str, Container] = {}
        self.media: dict[str, Media] = {}

    def endpoints(self) -> list[Endpoint]:
        return [
            Endpoint("create_container", "POST", "/{ig_user_id}/media", self.create_container, write=True),
            Endpoint("list_media", "GET", "/{ig_user_id}/media", self.list_media),
            Endpoint("publish", "POST", "/{ig_user_id}/media_publish", self.publish, write=True),
            Endpoint("publishing_limit", "GET", "/{ig_user_id}/content_publishing_limit", self.publishing_limit),
            Endpoint("insights", "GET", "/{media_id}/insights", self.insights),
            Endpoint("get_object", "GET", "/{object_id}", self.get_object),
        ]

    def count_for(self, user_id: str) -> int:
        return sum(1 for m in self.media.values() if m.owner_id == user_id)

    def _error(self, message: str, code: int = 100, subcode: int | None = None, status: int = 400) -> Response:
        from psn_core.emulator.instagram import graph_error

        return graph_error(status, message, code, subcode=subcode)

    # -- state -------------------------------------------------------------------------------------
    def status(self, container: Container) -> tuple[str, str]:
        """(status_code, status) as documented for IG containers."""
        now = self.ig.world.clock()
        if container.published_id is not None:
            return "PUBLISHED", "Published: the media has been published"
        if container.fetched is not None and not container.fetched.ok:
            return "ERROR", "Error: 2207052 The media could not be fetched from this URI"
        if now - container.created_at >= CONTAINER_TTL:
            return "EXPIRED", "Expired: the container was not published within 24 hours"
        if container.fault == "stuck":
            return "IN_PROGRESS", "In Progress: media is being processed"
        if container.children:
            states = [self.status(self.containers[c])[0] for c in container.children]
            if "ERROR" in states:
                return "ERROR", "Error: 2207001 a carousel item failed"
            if any(state != "FINISHED" for state in states):
                return "IN_PROGRESS", "In Progress: carousel items are being processed"
        if now - container.created_at < self.ig.world.processing_delay():
            return "IN_PROGRESS", "In Progress: media is being processed"
        if container.fault == "processing_failed":
            return "ERROR", "Error: 2207053 unknown upload error"
        return "FINISHED", "Finished: media is ready to be published"

    def metrics(self, media: Media) -> dict[str, int]:
        minutes = max(0.0, (self.ig.world.clock() - media.published_at).total_seconds() / 60)
        views = int(minutes * 15)
        likes, comments, saved, shares = views // 12, views // 90, views // 60, views // 70
        return {
            "views": views,
            "reach": views * 6 // 10,
            "likes": likes,
            "comments": comments,
            "saved": saved,
            "shares": shares,
            "total_interactions": likes + comments + saved + shares,
            "ig_reels_avg_watch_time": 4200 if media.product_type == "REELS" else 0,
            "ig_reels_video_view_total_time": views * 4200 if media.product_type == "REELS" else 0,
            "profile_visits": views // 40,
            "follows": views // 500,
        }

    def _owner_check(self, call: Call, user_id: str) -> Response | None:
        if call.path_param("ig_user_id") not in (user_id, "me"):
            return self._error("(#10) The user does not have permission to act on this account.", 10, status=403)
        return None

    # -- handlers ----------------------------------------------------------------------------------
    async def create_container(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        if (denied := self._owner_check(call, user.user_id)) is not None:
            return denied
        media_type = params.get("media_type", "IMAGE" if "image_url" in params else "")
        is_item = params.get("is_carousel_item", "false").lower() == "true"
        children: list[str] = []
        url = ""
        if media_type == "CAROUSEL":
            children = [
                c
                for c in params.get("children", "").replace("[", "").replace("]", "").replace('"', "").split(",")
                if c.strip()
            ]
            children = [c.strip() for c in children]
            if not MIN_CHILDREN <= len(children) <= MAX_CHILDREN:
                return self._error(f"(#100) A carousel needs between {MIN_CHILDREN} and {MAX_CHILDREN} children.")
            with self.ig.world.lock:
                for child in children:
                    found = self.containers.get(child)
                    if found is None or found.owner_id != user.user_id or not found.is_carousel_item:
                        return self._error(f"(#100) Child {child} is not a carousel item container of this user.")
        elif media_type in ("IMAGE", "STORIES") and "image_url" in params:
            url = params["image_url"]
        elif media_type in ("REELS", "VIDEO", "STORIES") and "video_url" in params:
            url = params["video_url"]
        elif media_type in ("", "IMAGE"):
            return self._error("(#100) The parameter image_url is required.")
        elif media_type in ("REELS", "VIDEO"):
            return self._error("(#100) The parameter video_url is required.")
        else:
            return self._error(f"(#100) Unsupported media_type {media_type!r}.")
        fetched = await fetch_media(url, self.ig.world.config.fetch_timeout_seconds) if url else None
        world = self.ig.world
        with world.lock:
            container = Container(
                world.next_id(),
                user.user_id,
                "REELS" if media_type == "VIDEO" else media_type,
                world.clock(),
                params.get("caption", ""),
                url,
                is_item,
                children,
                fetched,
                world.faults.take_processing("instagram", call.endpoint.name),
            )
            self.containers[container.id] = container
        return json_response({"id": container.id})

    async def publish(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        if (denied := self._owner_check(call, user.user_id)) is not None:
            return denied
        world = self.ig.world
        with world.lock:
            container = self.containers.get(params.get("creation_id", ""))
            if container is None or container.owner_id != user.user_id or container.is_carousel_item:
                return self._error("(#100) creation_id is not a publishable container of this user.")
            status, _ = self.status(container)
            if status == "PUBLISHED":
                return json_response({"id": container.published_id})
            if status == "EXPIRED":
                return self._error(
                    "The media you are trying to access has expired. Please try to upload again.", -2, 2207020
                )
            if status == "ERROR":
                return self._error("Instagram server error. Try again.", -1, 2207001)
            if status != "FINISHED":
                return self._error("Media ID is not available", 9007, 2207027)
            if self._published_last_day(user.user_id) >= world.config.instagram_posts_per_day:
                return self._error(
                    "You reached maximum number of posts that is allowed to be published by Content Publishing API.",
                    9,
                    2207042,
                )
            media_type = {"CAROUSEL": "CAROUSEL_ALBUM", "REELS": "VIDEO", "STORIES": "IMAGE"}.get(
                container.media_type, "IMAGE"
            )
            product = {"REELS": "REELS", "STORIES": "STORY"}.get(container.media_type, "FEED")
            media = Media(
                world.next_id(),
                user.user_id,
                container.id,
                container.caption,
                media_type,
                product,
                world.clock(),
            )
            self.media[media.id] = media
            container.published_id = media.id
        return json_response({"id": media.id})

    def _published_last_day(self, user_id: str) -> int:
        since = self.ig.world.clock() - DAY
        return sum(1 for m in self.media.values() if m.owner_id == user_id and m.published_at > since)

    async def publishing_limit(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        if (denied := self._owner_check(call, user.user_id)) is not None:
            return denied
        since = self.ig.world.clock() - DAY
        if params.get("since"):
            try:
                asked = datetime.fromtimestamp(int(params["since"]), UTC)
            except (ValueError, OverflowError, OSError):
                return self._error("(#100) since must be a Unix timestamp.")
            if asked < since:
                return self._error("(#100) since must be no older than 24 hours.")
            since = asked
        with self.ig.world.lock:
            used = sum(1 for m in self.media.values() if m.owner_id == user.user_id and m.published_at > since)
        # fields omitted: quota_usage alone, as documented
        fields = [f for f in params.get("fields", "quota_usage").split(",") if f]
        entry: dict[str, Any] = {}
        if "quota_usage" in fields:
            entry["quota_usage"] = used
        if "config" in fields:
            entry["config"] = {"quota_total": self.ig.world.config.instagram_posts_per_day, "quota_duration": 86400}
        return json_response({"data": [entry]})

    def render_media(self, media: Media, fields: str) -> dict[str, Any]:
        metrics = self.metrics(media)
        every: dict[str, Any] = {
            "id": media.id,
            "caption": media.caption,
            "media_type": media.media_type,
            "media_product_type": media.product_type,
            "permalink": f"https://www.instagram.com/p/E{media.id[-10:]}/",
            "timestamp": media.published_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "like_count": metrics["likes"],
            "comments_count": metrics["comments"],
            "username": self.ig.oauth.users[media.owner_id].username,
        }
        wanted = [f for f in fields.split(",") if f] or ["id"]
        return {key: every[key] for key in wanted if key in every} | {"id": media.id}

    async def list_media(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        if (denied := self._owner_check(call, user.user_id)) is not None:
            return denied
        limit = min(100, int(params.get("limit", "25")))
        with self.ig.world.lock:
            mine = sorted(
                (m for m in self.media.values() if m.owner_id == user.user_id),
                key=lambda m: int(m.id),
                reverse=True,
            )
            data = [self.render_media(m, params.get("fields", "id")) for m in mine[:limit]]
        cursors = {"before": data[0]["id"], "after": data[-1]["id"]} if data else {}
        return json_response({"data": data, "paging": {"cursors": cursors}})

    async def insights(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        wanted = [m for m in params.get("metric", "").split(",") if m]
        for index, metric in enumerate(wanted):
            if metric not in METRICS:
                detail = " (deprecated)" if metric in DEPRECATED else ""
                return self._error(
                    f"(#100) metric[{index}] must be one of the following values: {', '.join(METRICS)}{detail}"
                )
        if not wanted:
            return self._error("(#100) The parameter metric is required.")
        with self.ig.world.lock:
            media = self.media.get(call.path_param("media_id"))
            if media is None or media.owner_id != user.user_id:
                return self._error("Unsupported get request.", 100, 33)
            values = self.metrics(media)
        data = [
            {
                "name": m,
                "period": "lifetime",
                "values": [{"value": values[m]}],
                "title": m.replace("_", " ").title(),
                "description": f"Lifetime {m.replace('_', ' ')}",
                "id": f"{media.id}/insights/{m}/lifetime",
            }
            for m in wanted
        ]
        return json_response({"data": data})

    async def get_object(self, call: Call) -> Response:
        params = await self.ig.params(call)
        user = self.ig.authenticate(call, params)
        object_id = call.path_param("object_id")
        fields = params.get("fields", "")
        with self.ig.world.lock:
            if object_id == user.user_id:
                return json_response(self.ig.render_user(user, fields or "id,username"))
            container = self.containers.get(object_id)
            if container is not None and container.owner_id == user.user_id:
                status_code, status = self.status(container)
                every = {"id": container.id, "status_code": status_code, "status": status}
                chosen = [f for f in fields.split(",") if f] or ["id"]
                return json_response({k: every[k] for k in chosen if k in every} | {"id": container.id})
            media = self.media.get(object_id)
            if media is not None and media.owner_id == user.user_id:
                return json_response(self.render_media(media, fields))
        return self._error(f"Unsupported get request. Object with ID '{object_id}' does not exist.", 100, 33)
