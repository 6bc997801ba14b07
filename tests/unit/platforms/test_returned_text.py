"""Each platform's reading of its own listings: the text psn sent, recognised as the platform returns it."""

from __future__ import annotations

import pytest

from psn_core.emulator.linkedin_text import canonical
from psn_core.emulator.x_text import rendered
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.linkedin import LinkedInPlatform, escape_little_text, unescape_little_text
from psn_core.platforms.models import RemoteLink, RemotePost
from psn_core.platforms.tiktok import TikTokPlatform
from psn_core.platforms.x import XPlatform

TEXTS = [
    "Launch day #psn with @psn_team (beta) & friends <3 > 2 🎉",
    "a_b *c* ~d~ [e] {f} | g \\ h https://example.com/a_(b)?q=1&r=2",
    "Read https://example.com/x and example.org/y, then http://t.co/abc 🚀",
    "  spaced\n\nout\ttext  ",
    "Tags \uff03AI #snake_case #Ünïcode, not C# or #1 or https://example.com/a#frag",
]


def post(text: str, links: tuple[RemoteLink, ...] = ()) -> RemotePost:
    return RemotePost(post_id="1", text=text, links=links)


@pytest.mark.parametrize("text", TEXTS)
def test_linkedin_commentary_round_trips_through_little_text(text: str) -> None:
    returned = canonical(escape_little_text(text))  # what the Posts API gives back
    assert unescape_little_text(returned) == text
    assert LinkedInPlatform.sent_text_matches(text, post(returned))
    assert not LinkedInPlatform.sent_text_matches(text + " more", post(returned))


def test_linkedin_hashtag_templates_and_mentions_read_as_plain_text() -> None:
    returned = r"Go {hashtag|\#|Tech} and @[Acme Corp](urn:li:organization:1) \(now\)"
    assert unescape_little_text(returned) == "Go #Tech and @Acme Corp (now)"


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("media", [[], ["3_1"]])
def test_x_text_matches_with_tco_links_and_entities(text: str, media: list[str]) -> None:
    returned, urls = rendered("42", text, media)
    links = tuple(RemoteLink(short_url=u["url"], expanded_url=u["expanded_url"], media="media_key" in u) for u in urls)
    assert XPlatform.sent_text_matches(text, post(returned, links))
    assert XPlatform.sent_text_matches(text, post(returned))  # no entities: any t.co link at a URL's place
    assert not XPlatform.sent_text_matches(text.replace("&", "and") + "!", post(returned, links))


def test_x_link_entity_pointing_elsewhere_does_not_match() -> None:
    sent = "see https://example.com/a"
    other = (RemoteLink(short_url="https://t.co/abc", expanded_url="https://evil.example/b"),)
    assert not XPlatform.sent_text_matches(sent, post("see https://t.co/abc", other))
    two_links = RemotePost(post_id="1", text="see https://t.co/abc https://t.co/def", media_count=0)
    assert not XPlatform.sent_text_matches(sent, two_links)  # no media: the second link is not a media link
    assert XPlatform.sent_text_matches("", post("https://t.co/abc"))  # media only: the media link


def test_x_decodes_only_what_it_escapes() -> None:
    assert XPlatform.sent_text_matches("&amp; is how you write &", post("&amp;amp; is how you write &amp;"))
    assert XPlatform.returned_text(post("a &lt;b&gt; &amp;copy;")) == "a <b> &copy;"


def test_captions_come_back_as_sent_and_tiktok_listings_are_cut_at_150() -> None:
    text = " ".join(["#psn @team & 🎉"] * 30)
    assert InstagramPlatform.sent_text_matches(text, post(text))
    assert TikTokPlatform.sent_text_matches(text, post(text[:150]))
    assert not TikTokPlatform.sent_text_matches(text, post(text[:40]))
    assert not TikTokPlatform.sent_text_matches("other " + text, post(text[:150]))
