"""LinkedIn's "little" text format for post commentary, as the Posts API stores and returns it.

Built from https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format:
plain text with the reserved characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` escaped by a backslash, mentions
``@[Name](urn:li:person:1)``, hashtags ``#tag`` or the template ``{hashtag|\\#|tag}``. The emulator parses
what it receives into elements and returns the commentary rendered from them: reserved characters
escaped, hashtags as templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RESERVED = frozenset("\\|{}@[]()<>#*_~")
_ELEMENT = re.compile(
    r"\\(?P<escaped>.)"
    r"|\{hashtag\|\\?(?P<sign>[#\uff03])\|(?P<tag>(?:\\.|[^}\\])*)\}"
    r"|@\[(?P<name>(?:\\.|[^\]\\])*)\]\((?P<urn>urn:li:[^)]+)\)"
    r"|(?P<hash>[#\uff03])(?P<word>\w+)",
    re.DOTALL,
)
_BACKSLASHED = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True)
class Element:
    kind: str  # text | hashtag | mention
    value: str  # the text, the tag, or the mention's name
    sign: str = "#"
    urn: str = ""


def parse(commentary: str) -> list[Element]:
    elements: list[Element] = []
    position = 0
    for match in _ELEMENT.finditer(commentary):
        if match.start() > position:
            elements.append(Element("text", commentary[position : match.start()]))
        position = match.end()
        if match["escaped"] is not None:
            elements.append(Element("text", match["escaped"]))
        elif match["sign"] is not None:
            elements.append(Element("hashtag", _BACKSLASHED.sub(r"\1", match["tag"]), match["sign"]))
        elif match["name"] is not None:
            elements.append(Element("mention", _BACKSLASHED.sub(r"\1", match["name"]), urn=match["urn"]))
        else:
            elements.append(Element("hashtag", match["word"], match["hash"]))
    if position < len(commentary):
        elements.append(Element("text", commentary[position:]))
    return elements


def escape(text: str) -> str:
    return "".join("\\" + char if char in RESERVED else char for char in text)


def render(elements: list[Element]) -> str:
    out = []
    for element in elements:
        if element.kind == "hashtag":
            out.append(f"{{hashtag|\\{element.sign}|{escape(element.value)}}}")
        elif element.kind == "mention":
            out.append(f"@[{escape(element.value)}]({element.urn})")
        else:
            out.append(escape(element.value))
    return "".join(out)


def canonical(commentary: str) -> str:
    """Commentary as the Posts API returns it."""
    return render(parse(commentary))
