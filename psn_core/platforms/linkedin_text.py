"""LinkedIn's "little" text format for post commentary: what psn sends and how it reads back what LinkedIn returns.

Official page followed (facts only): reserved characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` escaped with a
backslash; hashtags as the HashtagTemplate ``{hashtag|\\#|tag}`` (sign # or U+FF03); mentions ``@[Name](urn)``:
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format
"""

from __future__ import annotations

import re

_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")

# A hashtag is a sign (# or U+FF03) not glued to a word, then word characters; inside a link it is
# the link's fragment, so links are matched first and kept as text.
_TAGGABLE = re.compile(
    r"(?P<link>(?:https?://|www\.)\S+)|(?<![\w&])(?P<sign>[#\uff03])(?P<tag>\w*[^\W\d]\w*)", re.IGNORECASE
)


def _escape(text: str) -> str:
    return _RESERVED.sub(r"\\\1", text)


def escape_little_text(text: str) -> str:
    """Commentary in the little text format: hashtags as hashtag templates (``{hashtag|\\#|tag}``, so
    LinkedIn shows them as hashtags), every other reserved character escaped so text is not cut or misread."""
    out: list[str] = []
    position = 0
    for match in _TAGGABLE.finditer(text):
        if match["sign"] is None:
            continue
        out.append(_escape(text[position : match.start()]))
        out.append(f"{{hashtag|{_escape(match['sign'])}|{_escape(match['tag'])}}}")
        position = match.end()
    out.append(_escape(text[position:]))
    return "".join(out)


# A little-text element as LinkedIn returns commentary: an escaped character, a hashtag template
# ({hashtag|\#|tag}, sign # or U+FF03), a mention (@[Name](urn:li:...)), or a plain character.
_LITTLE = re.compile(
    r"\\(?P<escaped>.)"
    r"|\{hashtag\|\\?(?P<sign>[#\uff03])\|(?P<tag>(?:\\.|[^}\\])*)\}"
    r"|@\[(?P<name>(?:\\.|[^\]\\])*)\]\((?P<urn>urn:li:[^)]*)\)",
    re.DOTALL,
)
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)


def unescape_little_text(text: str) -> str:
    """Commentary as LinkedIn returns it (little text) turned back into plain text: escapes undone,
    hashtag templates as ``#tag``, mentions as ``@Name``."""

    def plain(match: re.Match[str]) -> str:
        if match["escaped"] is not None:
            return match["escaped"]
        if match["sign"] is not None:
            return match["sign"] + _UNESCAPE.sub(r"\1", match["tag"])
        return "@" + _UNESCAPE.sub(r"\1", match["name"])

    return _LITTLE.sub(plain, text)
