"""How X stores and returns a post's text, per its data dictionary (not psn's client).

- https://docs.x.com/x-api/fundamentals/data-dictionary: ``text`` is the post's text with every link
  wrapped as a t.co link and &, <, > HTML-escaped; ``entities.urls`` give each link's t.co ``url``,
  ``expanded_url``, ``display_url`` and ``start``/``end``; a post with media ends with one more t.co link
  (its entity carries the ``media_key``).
- https://docs.x.com/fundamentals/counting-characters: links with or without a protocol are wrapped, and
  a post may weigh at most 280 (links 23 each). Which text is a link, and the weight, follow twitter-text 3
  (psn_core.platforms.x_urls and x_text, checked against twitter-text's conformance files): the emulator
  uses them rather than a second, looser list of its own, so it refuses what X refuses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from psn_core.platforms.x_text import MAX_WEIGHTED_LENGTH, parse_post
from psn_core.platforms.x_urls import url_spans


@dataclass(frozen=True)
class WrappedLink:
    url: str  # the t.co link
    expanded_url: str
    media_key: str | None = None


def short_link(seed: str) -> str:
    return "https://t.co/" + hashlib.sha256(seed.encode()).hexdigest()[:10]


def wrap_links(tweet_id: str, text: str) -> tuple[str, list[WrappedLink]]:
    """``text`` with each link replaced by its t.co link, and the links in order."""
    links: list[WrappedLink] = []
    pieces: list[str] = []
    position = 0
    for start, end in url_spans(text):
        found = text[start:end]
        expanded = found if "://" in found else f"http://{found}"
        link = WrappedLink(short_link(f"{tweet_id}:{len(links)}:{expanded}"), expanded)
        links.append(link)
        pieces += [text[position:start], link.url]
        position = end
    pieces.append(text[position:])
    return "".join(pieces), links


def too_long(text: str) -> bool:
    """True when X would refuse ``text`` as over its 280 weighted characters."""
    return parse_post(text).weighted_length > MAX_WEIGHTED_LENGTH


def html_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rendered(tweet_id: str, text: str, media_keys: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """(text, entities.urls) of a post as X returns it."""
    wrapped, links = wrap_links(tweet_id, text)
    if media_keys:
        media = WrappedLink(short_link(f"{tweet_id}:media"), f"https://x.com/i/web/status/{tweet_id}/photo/1")
        links.append(WrappedLink(media.url, media.expanded_url, media_keys[0]))
        wrapped = f"{wrapped} {media.url}" if wrapped else media.url
    entities: list[dict[str, Any]] = []
    position = 0
    for link in links:
        start = wrapped.index(link.url, position)
        position = start + len(link.url)
        entity: dict[str, Any] = {
            "start": start,
            "end": position,
            "url": link.url,
            "expanded_url": link.expanded_url,
            "display_url": link.expanded_url.split("://", 1)[-1][:26],
        }
        if link.media_key:
            entity["media_key"] = link.media_key
        entities.append(entity)
    return html_escaped(wrapped), entities
