"""Rest.li 2.0 query strings, as LinkedIn's versioned REST API reads them.

Official pages followed (facts only):
- Rest.li protocol 2.0 encoding (structural ``( ) , :`` left as they are; the values inside, URNs
  included, percent-encoded; lists as ``List(a,b)``; records as ``(key:value,key:value)``):
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
- Member post statistics, ``entity=(share:urn%3Ali%3Ashare%3A123)``:
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
- Posts API, find posts by author (``author=urn%3Ali%3Aperson%3A...``):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api

A form encoder (httpx ``params=``) encodes the structure too, so ``(share:urn:li:share:1)`` reaches the
wire as ``%28share%3A...%29`` and LinkedIn answers 400. Every Rest.li request with structured parameters
builds its query here instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias
from urllib.parse import quote

RestliValue: TypeAlias = "str | int | bool | Sequence[RestliValue] | Mapping[str, RestliValue]"


def encode_scalar(value: str | int | bool) -> str:
    """A leaf value: everything but letters, digits and ``-._~`` percent-encoded (``:`` in a URN too)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return quote(str(value), safe="")


def encode_value(value: RestliValue) -> str:
    """One parameter value in Rest.li 2.0 form: a record ``(k:v,...)``, a list ``List(...)`` or a leaf."""
    if isinstance(value, Mapping):
        return "(" + ",".join(f"{encode_scalar(k)}:{encode_value(v)}" for k, v in value.items()) + ")"
    if isinstance(value, str | int | bool):
        return encode_scalar(value)
    return "List(" + ",".join(encode_value(item) for item in value) + ")"


def query_string(params: Mapping[str, RestliValue]) -> str:
    """``name=value&...`` with each value Rest.li-encoded; parameter names are plain identifiers."""
    return "&".join(f"{encode_scalar(name)}={encode_value(value)}" for name, value in params.items())


def with_query(url: str, params: Mapping[str, RestliValue]) -> str:
    """``url`` with a Rest.li 2.0 query appended (send it with no ``params=``, so nothing re-encodes it)."""
    return f"{url}{'&' if '?' in url else '?'}{query_string(params)}"
