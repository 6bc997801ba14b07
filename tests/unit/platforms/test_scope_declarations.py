"""Each platform's OAuthSpec.features is the one declaration of the scopes psn's features need: it names
only scopes psn asks for, or extra ones the platform's setting documents, and covers every feature."""

from __future__ import annotations

import pytest

from psn_core.config import Settings
from psn_core.platforms.models import Feature
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.features import feature_access, scope_use


def _documented_extra_scopes(platform: str) -> set[str]:
    """The words of the platform's extra-scopes setting description (the scopes hub.env users may add)."""
    field = Settings.app_fields(platform).extra_scopes
    if field is None:
        return set()
    description = Settings.model_fields[field].description or ""
    return {word.strip("(),.:;") for word in description.split()}


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_every_scope_a_feature_needs_is_asked_for_or_a_documented_extra(name: str) -> None:
    oauth = PLATFORMS[name].oauth
    known = set(oauth.scopes) | _documented_extra_scopes(name)
    named = {scope for scopes in oauth.features.values() for scope in scopes}
    assert named <= known, f"{name} features name scopes it neither asks for nor documents: {named - known}"


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_every_platform_declares_the_scopes_of_every_feature(name: str) -> None:
    oauth = PLATFORMS[name].oauth
    assert set(oauth.features) == set(Feature)
    assert all(oauth.features[feature] for feature in Feature)


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_scope_notes_speak_of_scopes_psn_asks_for(name: str) -> None:
    oauth = PLATFORMS[name].oauth
    assert set(oauth.scope_notes) <= set(oauth.scopes)


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_a_token_with_every_scope_psn_asks_for_enables_what_needs_no_approval(name: str) -> None:
    cls = PLATFORMS[name]
    enabled = {f.feature for f in feature_access(cls, cls.oauth.scopes) if f.enabled}
    needs_approval = {f for f, scopes in cls.oauth.features.items() if not set(scopes) <= set(cls.oauth.scopes)}
    assert enabled == set(Feature) - needs_approval


def test_verify_says_what_a_missing_scope_disables_from_the_features_that_need_it() -> None:
    tiktok = PLATFORMS["tiktok"]
    assert scope_use(tiktok, "video.list") == (
        "read post analytics or read your posts to settle a publish whose outcome is unknown"
    )
    assert scope_use(tiktok, "video.upload") == "send videos to your TikTok inbox as drafts"
    assert scope_use(PLATFORMS["instagram"], "instagram_business_basic") == (
        "publish, read post analytics, read your posts to settle a publish whose outcome is unknown "
        "or tell which account is connected"
    )
    assert scope_use(PLATFORMS["linkedin"], "openid") is None
