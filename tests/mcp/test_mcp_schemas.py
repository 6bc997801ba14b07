"""Every tool's schema as a client receives it from the real server process over stdio (`tools/list`):
platforms are an enum of exactly the four, ids and times say what they are, no JSON Schema format a
client cannot check (Claude Code warns `unknown format "path"`), every property described, the hints
match the reviewed table in test_mcp_server.py, and resources and prompts are advertised only if served.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.types import Tool

from tests.mcp.test_mcp_server import READ_ONLY, WRITES

pytestmark = pytest.mark.anyio

REPO = Path(__file__).resolve().parents[2]
FOUR = {"x", "linkedin", "instagram", "tiktok"}
KNOWN_FORMATS = {"uuid", "date-time", "date", "time", "uri", "email"}  # formats Claude Code's validator knows
TIME_NAMES = {"when"}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Tool], Any]:
    """(tools, server capabilities) from a real `psn-mcp` process over stdio."""
    import anyio

    folder = tmp_path_factory.mktemp("ws")
    (folder / ".psn").mkdir()
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "mcp_server.server", "--workspace", str(folder)], cwd=REPO
    )

    async def fetch() -> tuple[list[Tool], Any, list[Any], list[Any]]:
        async with Client(params) as client:
            capabilities = client.server_capabilities
            tools = (await client.list_tools()).tools
            resources = (await client.list_resources()).resources if capabilities.resources else []
            prompts = (await client.list_prompts()).prompts if capabilities.prompts else []
        return tools, capabilities, resources, prompts

    tools, capabilities, resources, prompts = anyio.run(fetch)
    return tools, (capabilities, resources, prompts)


def properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, name, property schema) of the top-level arguments and of every model in $defs."""
    for name, prop in schema.get("properties", {}).items():
        yield "", name, prop
    for model, definition in schema.get("$defs", {}).items():
        for name, prop in definition.get("properties", {}).items():
            yield f"{model}.", name, prop


def resolve(schema: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    """A property's schema with one optional layer (anyOf [X, null]) removed."""
    if "anyOf" in prop:
        (inner,) = [p for p in prop["anyOf"] if p.get("type") != "null"]
        return inner
    return prop


def walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def test_every_platform_argument_is_an_enum_of_the_four(listed: tuple[list[Tool], Any]) -> None:
    tools, _ = listed
    seen = []
    for tool in tools:
        schema = tool.input_schema
        for where, name, prop in properties(schema):
            if name == "platform":
                assert set(resolve(schema, prop)["enum"]) == FOUR, (tool.name, where)
                seen.append(tool.name)
            elif name == "platforms":
                items = resolve(schema, prop)["items"]
                assert resolve(schema, items)["enum"] and set(items["enum"]) == FOUR, (tool.name, where)
                seen.append(tool.name)
    assert {"get_draft_context", "check_draft", "start_connect"} <= set(seen)


def test_every_id_argument_is_a_described_uuid_or_a_described_positive_number(
    listed: tuple[list[Tool], Any],
) -> None:
    tools, _ = listed
    uuids, numbers = [], []
    for tool in tools:
        schema = tool.input_schema
        for where, name, prop in properties(schema):
            if not (name.endswith(("_id", "_ids")) or name == "ids"):
                continue
            assert prop.get("description"), (tool.name, where, name)
            inner = resolve(schema, prop)
            inner = inner.get("items", inner) if inner.get("type") == "array" else inner
            if inner.get("type") == "integer":  # hub-numbered rows (notifications, voice suggestions)
                assert inner.get("minimum") == 1, (tool.name, name)
                numbers.append(f"{tool.name}.{name}")
            else:
                assert (inner.get("type"), inner.get("format")) == ("string", "uuid"), (tool.name, where, name)
                uuids.append(f"{tool.name}.{name}")
    assert {"schedule_post.post_id", "retry_target.target_id", "explain_target.target_id"} <= set(uuids)
    assert {"ack_notifications.ids", "accept_voice_suggestion.suggestion_id"} <= set(numbers)


def test_every_time_argument_says_the_format_psn_accepts(listed: tuple[list[Tool], Any]) -> None:
    tools, _ = listed
    described = {}
    for tool in tools:
        for _, name, prop in properties(tool.input_schema):
            if name in TIME_NAMES:
                described[tool.name] = prop["description"]
    assert set(described) == {"schedule_post", "reschedule_post", "approve_post", "post_for_company", "claim_slot"}
    for tool, description in described.items():
        assert "YYYY-MM-DD HH:MM" in description and "user's zone" in description, tool
        assert "'tomorrow 9am'" in description and "'in 2 hours'" in description, tool  # words are accepted
        assert "happens twice" in description and "past" in description, tool  # and what is refused


def test_no_schema_uses_a_format_clients_do_not_know(listed: tuple[list[Tool], Any]) -> None:
    tools, _ = listed
    unknown = []
    for tool in tools:
        for part in (tool.input_schema, tool.output_schema or {}):
            formats = [node["format"] for node in walk(part) if isinstance(node.get("format"), str)]
            unknown += [(tool.name, f) for f in formats if f not in KNOWN_FORMATS]
    assert unknown == []


def test_every_argument_is_described(listed: tuple[list[Tool], Any]) -> None:
    tools, _ = listed
    missing = [
        f"{tool.name}: {where}{name}"
        for tool in tools
        for where, name, prop in properties(tool.input_schema)
        if not prop.get("description")
    ]
    assert missing == []


def test_hints_match_the_reviewed_table(listed: tuple[list[Tool], Any]) -> None:
    tools, _ = listed
    assert {t.name for t in tools} == READ_ONLY | set(WRITES)
    for tool in tools:
        hints = tool.annotations
        assert hints is not None
        if tool.name in READ_ONLY:
            assert (hints.read_only_hint, hints.open_world_hint) == (True, False), tool.name
        else:
            destructive, idempotent, open_world = WRITES[tool.name]
            assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint) == (
                False,
                destructive,
                idempotent,
                open_world,
            ), tool.name


def test_resources_and_prompts_are_advertised_only_when_there_are_some(listed: tuple[list[Tool], Any]) -> None:
    _, (capabilities, resources, prompts) = listed
    assert capabilities.tools is not None
    assert capabilities.resources is None or resources, "resources advertised, none served"
    assert capabilities.prompts is None or prompts, "prompts advertised, none served"
