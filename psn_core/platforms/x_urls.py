"""Which parts of a post X treats as URLs (each weighs 23 in X's count, whatever its length).

Our own implementation of twitter-text's URL extraction rules (facts only):
- https://github.com/twitter/twitter-text: the JS/Java URL extraction rules and the tld list
  (psn_core/platforms/data/tlds.txt)
- https://docs.x.com/fundamentals/counting-characters
"""

from __future__ import annotations

import re
import string
from importlib.resources import files


def _load_tlds() -> tuple[list[str], list[str]]:
    """Country and generic top-level domains X links (data/tlds.txt, from twitter-text's tld list)."""
    sections: dict[str, list[str]] = {"country": [], "generic": []}
    current = "country"
    text = files("psn_core.platforms").joinpath("data", "tlds.txt").read_text("utf-8")
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        sections[current].append(line)
    return sections["country"], sections["generic"]


_COUNTRY_TLDS, _GENERIC_TLDS = _load_tlds()


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_TLD_END = "(?=[^0-9a-z@+-]|$)"
_TLD = f"(?:{_alternation(_GENERIC_TLDS + _COUNTRY_TLDS)}|xn--[-0-9a-z]+){_TLD_END}"
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    "\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_SPACES = "\t-\r \u0085\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_DIRECTIONAL = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_DOMAIN_CHAR = f"[^{re.escape(string.punctuation)}{_SPACES}{_DIRECTIONAL}\ufffe\ufeff\uffff\x00-\x1f\x7f]"
_LABEL = f"(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\."
_SUBDOMAIN_LABEL = f"(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\."
_PATH_CHAR = f"[a-z\u0400-\u04ff0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~&|@{_LATIN_ACCENTS}]"
_PARENS = f"\\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*)\\)"
_PATH_END = f"(?:[a-z\u0400-\u04ff0-9=_#/+\\-{_LATIN_ACCENTS}]|{_PARENS})"
_PATH = f"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|{_PATH_CHAR}+/)"
_QUERY = r"\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/]"
_URL = re.compile(
    "(?<![a-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff])"
    f"(?P<protocol>https?://)?(?P<domain>(?:{_SUBDOMAIN_LABEL})*{_LABEL}{_TLD})"
    f"(?::[0-9]+)?(?P<path>/{_PATH}*)?(?:{_QUERY})?",
    re.IGNORECASE,
)
_ASCII_DOMAIN = re.compile(f"(?:[-a-z0-9{_LATIN_ACCENTS}]+\\.)+{_TLD}", re.IGNORECASE)
_SHORT_DOMAIN = re.compile(f"{_LABEL}(?:{_alternation(_COUNTRY_TLDS)}){_TLD_END}", re.IGNORECASE)
_SPECIAL_SHORT_DOMAIN = re.compile(f"{_LABEL}(?:co|tv){_TLD_END}", re.IGNORECASE)
_TCO = re.compile(f"https?://t\\.co/[a-z0-9]+(?:{_QUERY})?", re.IGNORECASE)
_MAX_URL_LENGTH = 4096
_MAX_LABEL_LENGTH = 63


def _ascii_domain_length(domain: str) -> int | None:
    """Length of the domain in IDNA (punycode) form, or None when a label cannot be a DNS label."""
    total = len(domain.split(".")) - 1
    for label in domain.split("."):
        try:
            encoded = label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
        except UnicodeError:
            return None
        if not 1 <= len(encoded) <= _MAX_LABEL_LENGTH:
            return None
        total += len(encoded)
    return total


def url_spans(text: str) -> list[tuple[int, int]]:
    """Start and end (code point indexes) of every URL X would shorten in ``text``."""
    spans: list[tuple[int, int]] = []
    position = 0
    while match := _URL.search(text, position):
        position = match.end()
        protocol, domain, path = match["protocol"], match["domain"], match["path"]
        ascii_length = _ascii_domain_length(domain)
        if ascii_length is None:
            continue
        url_length = len(protocol or "https://") + len(match[0]) + ascii_length - len(domain)
        if url_length > _MAX_URL_LENGTH:
            continue
        start = match.start()
        if protocol:
            tco = _TCO.match(match[0])
            spans.append((start, start + tco.end() if tco else match.end()))
            continue
        if start > 0 and text[start - 1] in "-_./":
            continue
        # Without a protocol only plain ASCII domains count, and a bare "name.cc" needs a path.
        last: tuple[int, int] | None = None
        for found in _ASCII_DOMAIN.finditer(domain):
            last = (start + found.start(), start + found.end())
            if path or _SPECIAL_SHORT_DOMAIN.fullmatch(found[0]) or not _SHORT_DOMAIN.fullmatch(found[0]):
                spans.append(last)
        if last is not None and path:
            spans[-1] = (last[0], match.end())
    return spans
