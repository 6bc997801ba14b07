"""Authorization URLs: state and PKCE S256 as each platform documents it."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.models import PlatformConfig
from psn_core.platforms.oauth import authorization_url, code_challenge
from psn_core.platforms.registry import PLATFORMS
from psn_core.platforms.tiktok import TikTokPlatform
from psn_core.platforms.x import XPlatform

CONFIG = PlatformConfig(client_id="cid", redirect_uri="http://127.0.0.1:8765/callback")


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_x_authorize_url_has_state_scopes_and_s256_challenge() -> None:
    request = authorization_url(XPlatform, CONFIG)
    query = _query(request.url)
    assert request.url.startswith("https://x.com/i/oauth2/authorize?")
    assert query["state"] == request.state
    assert "offline.access" in query["scope"].split(" ")
    assert query["code_challenge_method"] == "S256"
    assert request.code_verifier is not None
    digest = hashlib.sha256(request.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_tiktok_uses_client_key_and_hex_challenge() -> None:
    request = authorization_url(TikTokPlatform, CONFIG)
    query = _query(request.url)
    assert query["client_key"] == "cid"
    assert request.code_verifier is not None
    assert query["code_challenge"] == code_challenge(request.code_verifier, "hex")
    assert "," in query["scope"]


def test_instagram_has_no_pkce() -> None:
    request = authorization_url(InstagramPlatform, CONFIG)
    assert request.code_verifier is None
    assert "code_challenge" not in _query(request.url)


def test_base_url_moves_the_oauth_endpoints_too() -> None:
    config = CONFIG.model_copy(update={"base_url": "http://127.0.0.1:9/x"})
    assert authorization_url(XPlatform, config).url.startswith("http://127.0.0.1:9/x/i/oauth2/authorize?")


def test_registry_lists_the_four_platforms() -> None:
    assert set(PLATFORMS) == {"x", "linkedin", "instagram", "tiktok"}
    for name, cls in PLATFORMS.items():
        assert cls.name == name
        assert cls.limits.max_text_length > 0
