"""Rest.li 2.0 queries: psn's encoder, the emulator's reading of it, and what psn's LinkedIn client puts on
the wire (the structure literal, only the values inside encoded)."""

from __future__ import annotations

import httpx2
import pytest

from psn_core.emulator.linkedin_restli import RestliSyntaxError, decode
from psn_core.platforms.linkedin import LinkedInPlatform
from psn_core.platforms.models import PlatformConfig
from psn_core.platforms.restli import encode_value, query_string, with_query

SHARE = "urn:li:share:7280000000000000000"


def test_a_record_keeps_its_structure_and_encodes_the_urn() -> None:
    assert encode_value({"share": SHARE}) == "(share:urn%3Ali%3Ashare%3A7280000000000000000)"


def test_lists_nested_records_and_leaves() -> None:
    value = {"ids": [SHARE, "a b"], "range": {"start": 1, "end": 2}, "flag": True}
    encoded = encode_value(value)
    assert encoded == "(ids:List(urn%3Ali%3Ashare%3A7280000000000000000,a%20b),range:(start:1,end:2),flag:true)"
    assert decode(encoded) == {"ids": [SHARE, "a b"], "range": {"start": "1", "end": "2"}, "flag": "true"}


def test_reserved_characters_inside_values_are_encoded() -> None:
    assert query_string({"q": "author", "text": "(a,b):c'"}) == "q=author&text=%28a%2Cb%29%3Ac%27"
    assert with_query("https://h/rest/images?x=1", {"action": "initializeUpload"}).endswith(
        "?x=1&action=initializeUpload"
    )


@pytest.mark.parametrize("raw", ["urn:li:share:1", "(share:urn%3Ali%3Ashare%3A1", "(share)", "List(a,b"])
def test_the_emulator_refuses_what_is_not_restli_2(raw: str) -> None:
    with pytest.raises(RestliSyntaxError):
        decode(raw)


def test_a_form_encoded_record_reads_as_a_plain_string_not_a_record() -> None:
    assert decode("%28share%3Aurn%3Ali%3Ashare%3A1%29") == "(share:urn:li:share:1)"


def _client(seen: list[httpx2.Request]) -> LinkedInPlatform:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.url.path == "/v2/userinfo":
            return httpx2.Response(200, json={"sub": "abc", "name": "Ana"})
        if request.url.path == "/rest/posts":
            return httpx2.Response(200, json={"elements": []})
        return httpx2.Response(200, json={"elements": [{"count": 3}]})

    client = httpx2.Client(transport=httpx2.MockTransport(handler), base_url="https://api.linkedin.com")
    return LinkedInPlatform(PlatformConfig(), client=client)


def test_analytics_requests_carry_the_entity_as_a_restli_record() -> None:
    seen: list[httpx2.Request] = []
    [metrics] = _client(seen).fetch_metrics("tok", [SHARE])
    assert metrics.impressions == 3
    queries = [r.url.query.decode() for r in seen]
    assert len(queries) == 5
    assert all("entity=(share:urn%3Ali%3Ashare%3A7280000000000000000)" in q for q in queries)
    assert "%28" not in "".join(queries)  # what httpx params sent before: the structure encoded
    assert all(r.headers["X-Restli-Protocol-Version"] == "2.0.0" for r in seen)
    assert all(len(r.headers["LinkedIn-Version"]) == 6 for r in seen)


def test_listing_asks_by_the_encoded_author_urn() -> None:
    seen: list[httpx2.Request] = []
    _client(seen).list_recent_posts("tok", limit=20)
    listing = seen[-1]
    assert listing.url.query.decode() == "q=author&author=urn%3Ali%3Aperson%3Aabc&count=20&sortBy=CREATED"
