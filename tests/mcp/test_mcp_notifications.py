"""Notification tools against a real hub: listing in the user's zone and acknowledging."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from mcp import Client
from mcp.server import MCPServer

from psn_core.notifications.models import Tier
from psn_core.notifications.store import notify
from tests.mcp.conftest import ZONE, error_of, structured
from tests.support.hubs import HubEnv

pytestmark = [pytest.mark.anyio, pytest.mark.pg]

RAISED_AT = datetime(2026, 3, 2, 13, 5, tzinfo=UTC)


def _raise(env: HubEnv, member: uuid.UUID, kind: str, tier: Tier) -> int:
    with env.hub.transaction(member) as conn:
        note = notify(conn, member, tier, kind, f"{kind} happened.", f"Do something about {kind}.", kind, now=RAISED_AT)
    return note.id


async def test_notifications_are_listed_with_local_times_and_acknowledged(
    server: MCPServer, hub_env: HubEnv, member: uuid.UUID
) -> None:
    first = _raise(hub_env, member, "token_expiring", Tier.CRITICAL)
    second = _raise(hub_env, member, "digest", Tier.ENGAGEMENT)
    async with Client(server) as client:
        listed = structured(await client.call_tool("list_notifications", {}))
        acked = structured(await client.call_tool("ack_notifications", {"ids": [first]}))
        again = structured(await client.call_tool("ack_notifications", {"ids": [first]}))
        pending = structured(await client.call_tool("list_notifications", {}))
        history = structured(await client.call_tool("list_notifications", {"include_acknowledged": True}))
        rest = structured(await client.call_tool("ack_notifications", {"all_pending": True}))
    assert listed["timezone"] == ZONE
    assert [i["notification"]["id"] for i in listed["items"]] == [first, second]
    item = listed["items"][0]
    assert item["created_local"] == "2026-03-02 14:05 (Europe/Madrid)"
    assert item["notification"]["tier"] == "critical" and "Do something about token_expiring." in item["text"]
    assert acked == {"acknowledged": 1} and again == {"acknowledged": 0}
    assert [i["notification"]["id"] for i in pending["items"]] == [second]
    assert len(history["items"]) == 2 and rest == {"acknowledged": 1}


async def test_ack_needs_ids_or_all_pending(server: MCPServer) -> None:
    async with Client(server) as client:
        neither = await client.call_tool("ack_notifications", {})
        both = await client.call_tool("ack_notifications", {"ids": [1], "all_pending": True})
    for result in (neither, both):
        message, action = error_of(result)
        assert "ids or all_pending" in message and "list_notifications" in action


async def test_ack_of_someone_elses_or_a_missing_notification_is_refused(server: MCPServer) -> None:
    async with Client(server) as client:
        message, action = error_of(await client.call_tool("ack_notifications", {"ids": [424242]}))
    assert "424242" in message and action
