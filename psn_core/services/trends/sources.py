"""The trend sources strategy.yaml lists, and how each one's answer becomes items.

* feed: any RSS or Atom feed (feedparser); each entry's link, title, summary and date.
* hacker_news: the public Firebase API: ``/topstories.json`` (conditional), then ``/item/<id>.json`` for
  the top N stories; the signal is the story's points. https://github.com/HackerNews/API
* google_trends: the daily trending searches RSS (``https://trends.google.com/trending/rss?geo=US``):
  items carry ``ht:approx_traffic`` ("2000+", the signal) and ``ht:news_item``s; a search's URL is its
  explore page.
* reddit: ``/r/<name>/<listing>.json?limit=N`` (a Listing of t3 posts); the signal is the post's score;
  stickied and over-18 posts are skipped; sent with Reddit's descriptive User-Agent.
"""

from __future__ import annotations

import json
import re
from calendar import timegm
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import quote, urlencode

import httpx2

from psn_core.services.trends.errors import TrendSourceFailed
from psn_core.services.trends.fetch import REDDIT_USER_AGENT, Fetched, fetch, looks_like_html
from psn_core.services.trends.models import Kind, Mode
from psn_core.strategy.trends import TrendsConfig

TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
MAX_ITEMS = 100  # read from one feed per intake: a huge archive feed is not a day's news
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


@dataclass(frozen=True)
class Item:
    url: str
    title: str
    summary: str = ""
    signal: float = 0.0
    published_at: datetime | None = None


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Answer:
    """A source's items (none when not modified) and the validators for its next request."""

    not_modified: bool
    items: list[Item]
    validators: Validators
    skipped: int = 0  # items the source failed to give (the others were read)
    asked: int = 0  # items asked for one by one (Hacker News)


Reader = Callable[[httpx2.Client, Validators, Mode, float], Answer]


@dataclass(frozen=True)
class Source:
    key: str
    kind: Kind
    name: str
    url: str
    read: Reader


def plain(text: str, limit: int) -> str:
    """Markup out, entities decoded, NULs (which Postgres text refuses) dropped, whitespace folded, cut to
    ``limit`` characters."""
    flat = SPACE.sub(" ", unescape(TAG.sub(" ", text or "")).replace("\x00", "")).strip()
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _when(parsed: Any) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(timegm(parsed), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _parse_feed(fetched: Fetched, what: str) -> Any:
    import feedparser  # only the intake needs it

    parsed = feedparser.parse(fetched.body, response_headers={"content-type": fetched.content_type or "text/xml"})
    if not parsed.get("version") and not parsed.entries:
        if looks_like_html(fetched):
            raise TrendSourceFailed(f"answered with a web page (HTML), not {what}")
        problem = parsed.get("bozo_exception")
        raise TrendSourceFailed(f"did not answer with {what}" + (f" ({str(problem)[:200]})" if problem else ""))
    return parsed


def _conditional(
    client: httpx2.Client, url: str, v: Validators, timeout: float, accept: str, agent: str | None = None
) -> Fetched:
    return fetch(
        client, url, timeout=timeout, etag=v.etag, last_modified=v.last_modified, accept=accept, user_agent=agent
    )


def _answer(fetched: Fetched, items: list[Item]) -> Answer:
    return Answer(fetched.not_modified, items, Validators(fetched.etag, fetched.last_modified))


def feed_source(url: str, name: str | None) -> Source:
    def read(client: httpx2.Client, v: Validators, mode: Mode, timeout: float) -> Answer:
        fetched = _conditional(client, url, v, timeout, FEED_ACCEPT)
        if fetched.not_modified:
            return _answer(fetched, [])
        parsed = _parse_feed(fetched, "an RSS or Atom feed")
        items = [
            Item(
                url=str(e.get("link") or ""),
                title=plain(str(e.get("title") or ""), 500),
                summary=plain(str(e.get("summary") or ""), 600),
                published_at=_when(e.get("published_parsed") or e.get("updated_parsed")),
            )
            for e in parsed.entries[:MAX_ITEMS]
        ]
        return _answer(fetched, items)

    return Source(f"feed:{url}", "feed", name or url, url, read)


def _traffic(text: str) -> float:
    digits = re.sub(r"[^0-9]", "", text or "")
    return float(digits) if digits else 0.0


def google_trends_source(base_url: str, geo: str) -> Source:
    url = f"{base_url}?{urlencode({'geo': geo})}"

    def read(client: httpx2.Client, v: Validators, mode: Mode, timeout: float) -> Answer:
        fetched = _conditional(client, url, v, timeout, FEED_ACCEPT)
        if fetched.not_modified:
            return _answer(fetched, [])
        parsed = _parse_feed(fetched, "Google Trends' RSS")
        items = []
        for e in parsed.entries[:MAX_ITEMS]:
            query = plain(str(e.get("title") or ""), 300)
            news = plain(str(e.get("ht_news_item_title") or ""), 300)
            where = plain(str(e.get("ht_news_item_source") or ""), 80)
            items.append(
                Item(
                    url=f"https://trends.google.com/trends/explore?geo={geo}&q={quote(query)}",
                    title=query,
                    summary=f"{news} ({where})" if news and where else news,
                    signal=_traffic(str(e.get("ht_approx_traffic") or "")),
                    published_at=_when(e.get("published_parsed")),
                )
            )
        return _answer(fetched, items)

    return Source(f"google_trends:{geo}", "google_trends", f"Google Trends ({geo})", url, read)


def _json(fetched: Fetched, what: str) -> Any:
    try:
        return json.loads(fetched.body)
    except ValueError as exc:
        shape = "a web page (HTML)" if looks_like_html(fetched) else "something that is not JSON"
        raise TrendSourceFailed(f"answered with {shape}, not {what}") from exc


def hacker_news_source(base_url: str, top: int, poll_top: int) -> Source:
    base = base_url.rstrip("/")
    url = f"{base}/topstories.json"

    def read(client: httpx2.Client, v: Validators, mode: Mode, timeout: float) -> Answer:
        fetched = _conditional(client, url, v, timeout, "application/json")
        if fetched.not_modified:
            return _answer(fetched, [])
        ids = _json(fetched, "Hacker News' top stories")
        if not isinstance(ids, list):
            raise TrendSourceFailed("answered with JSON that is not a list of story ids")
        wanted = [i for i in ids if isinstance(i, int)][: top if mode == "daily" else poll_top]
        items: list[Item] = []
        skipped = 0
        for story_id in wanted:
            try:
                story = _json(fetch(client, f"{base}/item/{story_id}.json", timeout=timeout), "a Hacker News item")
            except TrendSourceFailed:
                skipped += 1  # one story that fails never sinks the others
                continue
            if not isinstance(story, dict) or story.get("type") != "story" or story.get("dead") or story.get("deleted"):
                continue
            link = story.get("url") or f"https://news.ycombinator.com/item?id={story_id}"
            when = story.get("time")
            items.append(
                Item(
                    url=str(link),
                    title=plain(str(story.get("title") or ""), 500),
                    summary=plain(str(story.get("text") or ""), 600),
                    signal=float(story.get("score") or 0),
                    published_at=datetime.fromtimestamp(when, UTC) if isinstance(when, int) else None,
                )
            )
        if wanted and skipped == len(wanted):
            raise TrendSourceFailed(f"gave none of its {len(wanted)} top stories")
        answer = _answer(fetched, items)
        if skipped:  # unconditional next time, so the skipped stories get another chance
            answer = Answer(False, items, Validators(None, None), skipped, len(wanted))
        return answer

    return Source("hacker_news", "hacker_news", "Hacker News", url, read)


def reddit_source(base_url: str, subreddit: str, listing: str, limit: int) -> Source:
    base = base_url.rstrip("/")

    def read(client: httpx2.Client, v: Validators, mode: Mode, timeout: float) -> Answer:
        count = limit if mode == "daily" else min(limit, 10)
        query = {"limit": count, "raw_json": 1, **({"t": "day"} if listing == "top" else {})}
        fetched = _conditional(
            client,
            f"{base}/r/{subreddit}/{listing}.json?{urlencode(query)}",
            v,
            timeout,
            "application/json",
            REDDIT_USER_AGENT,
        )
        if fetched.not_modified:
            return _answer(fetched, [])
        listing_json = _json(fetched, f"r/{subreddit}'s listing")
        children = listing_json.get("data", {}).get("children") if isinstance(listing_json, dict) else None
        if not isinstance(children, list):
            raise TrendSourceFailed("answered with JSON that is not a Reddit listing")
        items = []
        for child in children:
            post = child.get("data") if isinstance(child, dict) else None
            if not isinstance(post, dict) or post.get("stickied") or post.get("over_18"):
                continue
            own = f"https://www.reddit.com{post.get('permalink') or ''}"
            link = own if post.get("is_self") or not post.get("url") else str(post["url"])
            when = post.get("created_utc")
            items.append(
                Item(
                    url=link,
                    title=plain(str(post.get("title") or ""), 500),
                    summary=plain(str(post.get("selftext") or ""), 600),
                    signal=float(post.get("score") or 0),
                    published_at=datetime.fromtimestamp(when, UTC) if isinstance(when, int | float) else None,
                )
            )
        return _answer(fetched, items)

    return Source(f"reddit:r/{subreddit}", "reddit", f"r/{subreddit}", f"{base}/r/{subreddit}/{listing}.json", read)


def sources_of(config: TrendsConfig | None) -> list[Source]:
    """Every source the ``trends:`` section lists, in a fixed order."""
    if config is None:
        return []
    found = [feed_source(f.url, f.name) for f in config.feeds]
    if config.hacker_news is not None:
        hn = config.hacker_news
        found.append(hacker_news_source(hn.base_url, hn.top, hn.poll_top))
    if config.google_trends is not None:
        found.append(google_trends_source(config.google_trends.base_url, config.google_trends.geo))
    if config.reddit is not None:
        r = config.reddit
        found += [reddit_source(r.base_url, name, r.listing, r.limit) for name in r.subreddits]
    unique: dict[str, Source] = {}
    for source in found:
        unique.setdefault(source.key, source)
    return list(unique.values())
