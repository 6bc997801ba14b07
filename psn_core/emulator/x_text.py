"""How X stores and returns a post's text, per its data dictionary (not psn's client).

- https://docs.x.com/x-api/fundamentals/data-dictionary: ``text`` is the post's text with every link
  wrapped as a t.co link and &, <, > HTML-escaped; ``entities.urls`` give each link's t.co ``url``,
  ``expanded_url``, ``display_url`` and ``start``/``end``; a post with media ends with one more t.co link
  (its entity carries the ``media_key``).
- https://docs.x.com/fundamentals/counting-characters: links with or without a protocol are wrapped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

# Links X wraps: with a protocol, or a bare domain of a common top-level domain. Trailing punctuation
# is not part of a link.
_LINK = re.compile(
    r"(?<![\w@.])(?:https?://[^\s<>\"]+|(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|app|co|ai|me|info)(?:/[^\s<>\"]*)?)",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\")"


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

    def wrap(match: re.Match[str]) -> str:
        found = match[0]
        tail = ""
        while found and found[-1] in _TRAILING:
            found, tail = found[:-1], found[-1] + tail
        expanded = found if "://" in found else f"http://{found}"
        link = WrappedLink(short_link(f"{tweet_id}:{len(links)}:{expanded}"), expanded)
        links.append(link)
        return link.url + tail

    return _LINK.sub(wrap, text), links


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
