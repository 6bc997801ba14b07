"""Connecting accounts through the real OAuth code path, against the emulator over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator
from psn_core.errors import ConnectFailed, InvalidSetting
from psn_core.hub.vault import unseal
from psn_core.platforms.models import TokenSet
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.accounts import finish_connect, list_accounts, start_connect, store_tokens
from tests.support.clock import start_instant
from tests.support.hubs import HubEnv, make_settings, new_member
from tests.support.platform_env import approve, emulator_overrides

pytestmark = pytest.mark.pg


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def settings(hub_env: HubEnv, emu: Emulator) -> Settings:
    return make_settings(
        hub_env.settings.workspace, hub_env.server.conninfo(hub_env.database), **emulator_overrides(emu)
    )


def connect(env: HubEnv, settings: Settings, member: uuid.UUID, platform: str) -> str:
    with env.hub.transaction(member) as conn:
        start = start_connect(conn, settings, load_keyring(settings), member, platform)
    return approve(start.url)


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_connect_stores_the_account_and_encrypted_tokens(
    hub_env: HubEnv, settings: Settings, emu: Emulator, platform: str
) -> None:
    member = new_member(hub_env.hub)
    redirect = connect(hub_env, settings, member, platform)
    assert redirect.startswith(settings.oauth_redirect_uri)

    signed_in = datetime.now(UTC)  # the connect flow takes no clock: it stamps tokens with the real time
    account = finish_connect(hub_env.hub, settings, load_keyring(settings), member, redirect)

    assert account.platform == platform and account.status == "active"
    assert account.handle == emu.default_user(platform).username
    assert account.expires_at is not None and account.expires_at > signed_in
    with hub_env.hub.transaction(member) as conn:
        row = conn.execute("SELECT access_token_enc FROM oauth_tokens WHERE account_id = %s", [account.id]).fetchone()
    assert row is not None and row["access_token_enc"].startswith("psn1:")
    token = unseal(
        load_keyring(settings), "oauth_tokens", "access_token", {"account_id": account.id}, row["access_token_enc"]
    )
    assert len(token) > 8
    if platform == "tiktok":
        assert account.sandbox is True


def test_redirect_can_be_used_once(hub_env: HubEnv, settings: Settings) -> None:
    member = new_member(hub_env.hub)
    redirect = connect(hub_env, settings, member, "x")
    finish_connect(hub_env.hub, settings, load_keyring(settings), member, redirect)
    with pytest.raises(ConnectFailed, match="already used"):
        finish_connect(hub_env.hub, settings, load_keyring(settings), member, redirect)


def test_forged_state_is_refused(hub_env: HubEnv, settings: Settings) -> None:
    member = new_member(hub_env.hub)
    redirect = connect(hub_env, settings, member, "linkedin")
    forged = redirect.replace("state=", "state=forged")
    with pytest.raises(ConnectFailed, match="state does not match"):
        finish_connect(hub_env.hub, settings, load_keyring(settings), member, forged)


def test_another_member_cannot_finish_my_sign_in(hub_env: HubEnv, settings: Settings) -> None:
    mine, theirs = new_member(hub_env.hub, "A"), new_member(hub_env.hub, "B")
    redirect = connect(hub_env, settings, mine, "tiktok")
    with pytest.raises(ConnectFailed):
        finish_connect(hub_env.hub, settings, load_keyring(settings), theirs, redirect)
    with hub_env.hub.transaction(theirs) as conn:
        assert list_accounts(conn, theirs) == []


def test_declined_sign_in_says_so(hub_env: HubEnv, settings: Settings) -> None:
    member = new_member(hub_env.hub)
    with hub_env.hub.transaction(member) as conn:
        start = start_connect(conn, settings, load_keyring(settings), member, "x")
    redirect = approve(start.url + "&emulator_deny=1")
    with pytest.raises(ConnectFailed, match="did not grant access"):
        finish_connect(hub_env.hub, settings, load_keyring(settings), member, redirect)


def test_pasting_something_else_explains_what_to_paste(hub_env: HubEnv, settings: Settings) -> None:
    member = new_member(hub_env.hub)
    with pytest.raises(ConnectFailed) as caught:
        finish_connect(hub_env.hub, settings, load_keyring(settings), member, "https://example.com/hello")
    assert settings.oauth_redirect_uri in caught.value.action


def test_reconnecting_updates_in_place(hub_env: HubEnv, settings: Settings) -> None:
    member = new_member(hub_env.hub)
    first = finish_connect(
        hub_env.hub, settings, load_keyring(settings), member, connect(hub_env, settings, member, "x")
    )
    second = finish_connect(
        hub_env.hub, settings, load_keyring(settings), member, connect(hub_env, settings, member, "x")
    )
    assert first.id == second.id
    with hub_env.hub.transaction(member) as conn:
        assert len(list_accounts(conn, member)) == 1


def test_token_set_without_refresh_token_keeps_the_stored_one(hub_env: HubEnv, settings: Settings) -> None:
    member = new_member(hub_env.hub)
    account = finish_connect(
        hub_env.hub, settings, load_keyring(settings), member, connect(hub_env, settings, member, "x")
    )
    ring = load_keyring(settings)
    with hub_env.hub.transaction(member) as conn:
        before = conn.execute("SELECT refresh_token_enc FROM oauth_tokens WHERE account_id=%s", [account.id]).fetchone()
        store_tokens(
            conn,
            ring,
            member,
            account.id,
            TokenSet(
                access_token="new-access-token-123456", refresh_token=None, expires_in=60, obtained_at=start_instant()
            ),
        )  # type: ignore[arg-type]
        after = conn.execute("SELECT refresh_token_enc FROM oauth_tokens WHERE account_id=%s", [account.id]).fetchone()
    assert before is not None and after is not None
    assert before["refresh_token_enc"] is not None
    assert after["refresh_token_enc"] == before["refresh_token_enc"]


def test_unconfigured_platform_app_says_which_setting(hub_env: HubEnv) -> None:
    member = new_member(hub_env.hub)
    with pytest.raises(InvalidSetting) as caught, hub_env.hub.transaction(member) as conn:
        start_connect(conn, hub_env.settings, load_keyring(hub_env.settings), member, "instagram")
    assert "PSN_INSTAGRAM_CLIENT_ID" in caught.value.message
