"""The X emulator weighs a post as X does (twitter-text 3) and refuses one over 280 as X does.

It once counted len(text): a post of short links on country domains or of CJK passed, a long URL was
refused. psn's client counts the same way and no longer sends such a post.
"""

from __future__ import annotations

import httpx2
import pytest

from psn_core.emulator import Emulator
from psn_core.emulator.x_text import rendered
from psn_core.errors import ContentRejected
from psn_core.platforms.models import PlatformConfig, PostPart, PublishRequest
from psn_core.platforms.x import XPlatform

SHORT_LINKS = "go to bit.ly now " * 9  # 153 characters, weighs 9 * 34 = 306 (bit.ly is a link: 23)
CJK = "日本語のテキスト" * 18  # 144 characters, weighs 288
LONG_URL = "read https://example.com/" + "a" * 400  # 425 characters, weighs 5 + 23


def _post(emu: Emulator, http: httpx2.Client, text: str) -> httpx2.Response:
    token = emu.grant_tokens("x").access_token
    return http.post(f"{emu.url_for('x')}/2/tweets", json={"text": text}, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("text", [SHORT_LINKS, CJK, "a" * 281])
def test_x_emulator_refuses_a_post_over_280_weighted_as_x_does(emu: Emulator, http: httpx2.Client, text: str) -> None:
    answer = _post(emu, http, text)
    assert answer.status_code == 403
    assert answer.json() == {
        "title": "Forbidden",
        "detail": "Your Tweet text is too long.",
        "type": "about:blank",
        "status": 403,
    }


@pytest.mark.parametrize("text", [LONG_URL, "a" * 280, "example.de " * 11 + "x" * 16])
def test_x_emulator_accepts_a_post_of_280_weighted_whatever_its_length(
    emu: Emulator, http: httpx2.Client, text: str
) -> None:
    assert _post(emu, http, text).status_code == 201


def test_x_emulator_wraps_bare_country_domain_links_as_x_does() -> None:
    text, links = rendered("7", "see example.de, bit.ly/x and a.io.", [])
    assert [link["expanded_url"] for link in links] == ["http://example.de", "http://bit.ly/x", "http://a.io"]
    assert text.count("https://t.co/") == 3 and text.endswith(".")


def test_psn_does_not_send_what_x_would_refuse(emu: Emulator) -> None:
    token = emu.grant_tokens("x").access_token
    with XPlatform(PlatformConfig(base_url=emu.url_for("x"))) as x:
        with pytest.raises(ContentRejected, match="306 characters as X counts them"):
            x.publish(token, PublishRequest(parts=(PostPart(text=SHORT_LINKS),)))
        # The refusal X would give is read as content, not as a permission problem.
        refusal = httpx2.Response(403, json={"title": "Forbidden", "detail": "Your Tweet text is too long."})
        assert isinstance(x.classify_error(refusal), ContentRejected)
    assert [r.path for r in emu.requests if r.path == "/2/tweets"] == []
