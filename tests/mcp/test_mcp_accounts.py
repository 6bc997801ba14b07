"""Account tools against a real hub and the platform emulator: status, and connecting in two calls."""

from __future__ import annotations

import uuid
from datetime import timedelta

import anyio.to_thread
import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.server import build_server
from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.services.posting.posts import (
    PartInput,
    PostInput,
    PostView,
    TargetInput,
    create_post,
    get_post,
    schedule_post,
)
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.mcp.conftest import ZONE, error_of, structured, text_of
from tests.support.hubs import HubEnv
from tests.support.platform_env import approve

pytestmark = [pytest.mark.anyio, pytest.mark.pg]


@pytest.fixture
def connect_server(emulator_settings: Settings) -> MCPServer:
    """A server whose platform apps are registered on the emulator."""
    return build_server(emulator_settings)


async def test_auth_status_with_nothing_connected(server: MCPServer) -> None:
    async with Client(server) as client:
        status = structured(await client.call_tool("get_auth_status", {}))
    assert status == {"timezone": ZONE, "accounts": []}


async def test_connecting_an_account_takes_two_calls_and_shows_in_status(
    connect_server: MCPServer, emu: Emulator
) -> None:
    async with Client(connect_server) as client:
        started = structured(await client.call_tool("start_connect", {"platform": "linkedin"}))
        redirect = await anyio.to_thread.run_sync(approve, started["sign_in"]["url"])
        account = structured(await client.call_tool("finish_connect", {"redirect_url": redirect}))
        reused = await client.call_tool("finish_connect", {"redirect_url": redirect})
        status = structured(await client.call_tool("get_auth_status", {}))
    assert started["sign_in"]["platform"] == "linkedin"
    assert redirect.startswith(started["sign_in"]["redirect_uri"]) and "finish_connect" in started["next_step"]
    assert account["platform"] == "linkedin" and account["status"] == "active"
    assert account["handle"] == emu.default_user("linkedin").username
    message, action = error_of(reused)
    assert "already used" in message and "psn auth" in action
    (listed,) = status["accounts"]
    assert listed["id"] == account["id"] and listed["expires_at"] is not None


async def test_connecting_an_unknown_platform_is_refused_by_the_schema_naming_the_four(
    connect_server: MCPServer,
) -> None:
    async with Client(connect_server) as client:
        result = await client.call_tool("start_connect", {"platform": "myspace"})
    assert result.is_error and "Input should be 'x', 'linkedin', 'instagram' or 'tiktok'" in text_of(result)


async def test_connecting_without_a_configured_app_says_which_setting_to_fill(server: MCPServer) -> None:
    async with Client(server) as client:
        result = await client.call_tool("start_connect", {"platform": "x"})
    message, action = error_of(result)
    assert "PSN_X_CLIENT_ID is empty" in message and "hub.env" in action


async def test_finishing_with_something_that_is_not_a_redirect(connect_server: MCPServer) -> None:
    async with Client(connect_server) as client:
        result = await client.call_tool("finish_connect", {"redirect_url": "I approved it"})
    message, action = error_of(result)
    assert "no code and state" in message and "Paste the whole URL" in action


async def test_removing_an_account_lists_its_waiting_posts_then_cancels_them_when_asked(
    connect_server: MCPServer, emulator_settings: Settings, hub_env: HubEnv, member: uuid.UUID
) -> None:
    async with Client(connect_server) as client:
        started = structured(await client.call_tool("start_connect", {"platform": "x"}))
        redirect = await anyio.to_thread.run_sync(approve, started["sign_in"]["url"])
        account = structured(await client.call_tool("finish_connect", {"redirect_url": redirect}))
        post = _scheduled_post(hub_env, member, uuid.UUID(account["id"]), emulator_settings)
        refused = await client.call_tool("remove_account", {"platform": "x"})
        wrong = await client.call_tool("remove_account", {"platform": "x", "handle": "@someone_else"})
        removed = structured(await client.call_tool("remove_account", {"platform": "x", "cancel_pending": True}))
        again = structured(await client.call_tool("remove_account", {"platform": "x"}))
        status = structured(await client.call_tool("get_auth_status", {}))
    message, action = error_of(refused)
    assert "still has 1 post(s) waiting to go out" in message and "'Last words'" in message
    assert "(Europe/Madrid)" in message and "cancel_pending" in action
    assert "You have no X account @someone_else connected" in error_of(wrong)[0]
    assert removed["tokens_deleted"] is True and removed["handle"] == account["handle"]
    assert removed["cancelled_targets"] == [str(post.targets[0].id)]
    assert again["tokens_deleted"] is False and again["cancelled_targets"] == []
    (listed,) = status["accounts"]
    assert listed["status"] == "disconnected" and listed["expires_at"] is None
    with hub_env.hub.transaction(member) as conn:
        assert get_post(conn, member, post.id).targets[0].status == "cancelled"


def _scheduled_post(env: HubEnv, member: uuid.UUID, account: uuid.UUID, settings: Settings) -> PostView:
    target = TargetInput(account_id=account, parts=[PartInput(text="Last words")])
    with env.hub.transaction(member) as conn:
        draft = create_post(
            conn, member, PostInput(targets=[target]), timezone=ZONE, media_dir=settings.workspace / "media",
            media_host=None,
        )  # fmt: skip
        when = resolve(utcnow() + timedelta(days=1), ZONE, utcnow())
        return schedule_post(conn, member, draft.id, when)
