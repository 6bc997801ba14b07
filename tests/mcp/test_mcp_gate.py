"""The human gate over the real MCP protocol, for every personal path that moves a draft toward a platform
(schedule_post, publish_now, reschedule_post, retry_target).

A client that declares elicitation is asked by the tool itself: yes commits, no changes nothing. A client
that does not gets a preview and a token; every way of committing without the user's own confirmation of
exactly that (no token, a forged one, one for another post, time or action, one used already, one for
content edited since) is refused and leaves the hub as it was.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.types import ElicitRequestParams, ElicitResult

from mcp_server.server import build_server
from psn_core.config import Settings
from psn_core.services.posting import posts
from psn_core.services.posting.schedule_time import resolve
from psn_core.timefmt import utcnow
from tests.mcp.conftest import ZONE, error_of, structured
from tests.mcp.test_mcp_posting import DRAFT, tomorrow_at_nine
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = [pytest.mark.anyio, pytest.mark.pg]

PATHS = ("schedule_post", "publish_now", "reschedule_post", "retry_target")
Answer = Callable[[Any, ElicitRequestParams], Awaitable[ElicitResult]]


@pytest.fixture
def gate_server(hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings) -> MCPServer:
    for platform in ("x", "linkedin"):
        connect_account(hub_env.hub, emulator_settings, member, platform)
    return build_server(emulator_settings)


def user_says(answer: str, asked: list[str], *, confirm: bool = True) -> Answer:
    """The user at the client: records each question and answers it."""

    async def respond(_context: Any, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        if answer == "accept":
            return ElicitResult(action="accept", content={"confirm": confirm})
        return ElicitResult(action=answer)  # type: ignore[arg-type]

    return respond


def asking_client(server: MCPServer, answer: Answer) -> Client:
    """Claude Code's way: the initialize handshake (2025-11-25) with the elicitation capability."""
    return Client(server, mode="legacy", elicitation_callback=answer)


def token_client(server: MCPServer) -> Client:
    """A client that cannot ask its user (no elicitation capability)."""
    return Client(server, mode="legacy")


def in_an_hour_later() -> str:
    return tomorrow_at_nine().replace("09:00", "11:30")


def hub_state(hub_env: HubEnv) -> str:
    """Everything a commit would change: every target's state and time, and the publish queue."""
    with hub_env.hub.owner() as conn:
        targets = conn.execute(
            "SELECT id, status, due_at, next_attempt_at, attempts, rendering FROM post_targets ORDER BY id"
        ).fetchall()
        queued = conn.execute("SELECT (SELECT count(*) FROM huey_task) + (SELECT count(*) FROM huey_schedule) AS n")
        return json.dumps({"targets": targets, "queued": queued.fetchone()}, default=str, sort_keys=True)


@dataclass
class Subject:
    """A post ready for one path, and the arguments that path takes."""

    post_id: str
    args: dict[str, Any]


async def prepare(path: str, client: Client, hub_env: HubEnv, member: uuid.UUID) -> Subject:
    """A saved draft; for reschedule a scheduled post, for retry a failed target (set up in the hub directly,
    as earlier confirmed work and a failed publish would leave them)."""
    draft = structured(await client.call_tool("save_draft", DRAFT))
    post_id = draft["id"]
    if path == "schedule_post":
        return Subject(post_id, {"post_id": post_id, "when": tomorrow_at_nine()})
    if path == "publish_now":
        return Subject(post_id, {"post_id": post_id})
    if path == "reschedule_post":
        with hub_env.hub.transaction(member) as conn:
            posts.schedule_post(conn, member, uuid.UUID(post_id), resolve(tomorrow_at_nine(), ZONE, utcnow()))
        return Subject(post_id, {"post_id": post_id, "when": in_an_hour_later()})
    target = next(t["id"] for t in draft["targets"] if t["platform"] == "x")
    with hub_env.hub.owner() as conn:
        conn.execute("UPDATE post_targets SET status = 'failed', error_message = 'X said 503' WHERE id = %s", [target])
    return Subject(post_id, {"target_id": target})


def committed(path: str, answer: dict[str, Any]) -> bool:
    done = {"retry_target": "retried"}.get(path, "scheduled")
    return answer["step"] == done and answer[done] is not None


@pytest.mark.parametrize("path", PATHS)
async def test_the_user_asked_by_the_tool_says_yes_and_it_is_committed(
    path: str, hub_env: HubEnv, member: uuid.UUID, gate_server: MCPServer
) -> None:
    asked: list[str] = []
    async with asking_client(gate_server, user_says("accept", asked)) as client:
        subject = await prepare(path, client, hub_env, member)
        answer = structured(await client.call_tool(path, subject.args))
    assert committed(path, answer), answer
    (question,) = asked
    assert "Posting as: Ana for your personal hub on X (@" in question
    if path == "retry_target":
        assert "When: now" in question and "X said 503" in question
    else:
        assert "Posting as: Ana for your personal hub on LinkedIn (@" in question
        assert f"part 2: {DRAFT['targets'][0]['parts'][1]}" in question
        assert DRAFT["targets"][1]["parts"][0] in question
    if path in ("schedule_post", "reschedule_post"):
        assert f"({ZONE}) = " in question and " UTC" in question
    with hub_env.hub.owner() as conn:
        statuses = {r["status"] for r in conn.execute("SELECT status FROM post_targets WHERE status <> 'draft'")}
    assert statuses == {"scheduled"}


@pytest.mark.parametrize("answer", ["decline", "cancel", "accept-unchecked"])
@pytest.mark.parametrize("path", PATHS)
async def test_the_user_says_no_and_nothing_changes(
    path: str, answer: str, hub_env: HubEnv, member: uuid.UUID, gate_server: MCPServer
) -> None:
    asked: list[str] = []
    says = user_says("accept", asked, confirm=False) if answer == "accept-unchecked" else user_says(answer, asked)
    async with asking_client(gate_server, says) as client:
        subject = await prepare(path, client, hub_env, member)
        before = hub_state(hub_env)
        refused = structured(await client.call_tool(path, subject.args))
        # a token the model got elsewhere does not stand in for the user's answer
        async with token_client(gate_server) as other:
            token = structured(await other.call_tool(path, subject.args))["preview"]["confirmation_token"]
        still = structured(await client.call_tool(path, {**subject.args, "confirmation_token": token}))
    assert refused["step"] == still["step"] == "declined"
    assert "nothing was" in refused["note"] or "keeps its time" in refused["note"]
    assert len(asked) == 2
    assert hub_state(hub_env) == before


@pytest.mark.parametrize("path", PATHS)
async def test_without_elicitation_only_the_previewed_token_commits_and_only_once(
    path: str, hub_env: HubEnv, member: uuid.UUID, gate_server: MCPServer
) -> None:
    async with token_client(gate_server) as client:
        subject = await prepare(path, client, hub_env, member)
        other = structured(await client.call_tool("save_draft", DRAFT))["id"]
        other_args = {"post_id": other, "when": tomorrow_at_nine()}
        other_token = structured(await client.call_tool("schedule_post", other_args))
        before = hub_state(hub_env)
        preview = structured(await client.call_tool(path, subject.args))
        token = preview["preview"]["confirmation_token"]
        attempts = {
            "forged": {**subject.args, "confirmation_token": f"{int(time.time())}.{'0' * 40}"},
            "another post's": {**subject.args, "confirmation_token": other_token["preview"]["confirmation_token"]},
        }
        if "when" in subject.args:
            attempts["another time's"] = {**subject.args, "when": tomorrow_at_nine().replace("09:00", "13:00")}
            attempts["another time's"]["confirmation_token"] = token
        refusals = {name: await client.call_tool(path, args) for name, args in attempts.items()}
        other_action = "publish_now" if path != "publish_now" else "reschedule_post"
        if path != "retry_target":
            crossed = {"post_id": subject.post_id, "confirmation_token": token}
            if other_action == "reschedule_post":
                crossed["when"] = tomorrow_at_nine()
            refusals["another action's"] = await client.call_tool(other_action, crossed)
        after_refusals = hub_state(hub_env)
        done = structured(await client.call_tool(path, {**subject.args, "confirmation_token": token}))
        reused = await client.call_tool(path, {**subject.args, "confirmation_token": token})
    assert preview["step"] == "preview"
    assert "Posting as: Ana for your personal hub on X" in preview["preview"]["message"]
    for name, refusal in refusals.items():
        message, action = error_of(refusal)
        assert "confirmation" in message.lower(), name
        assert "new preview" in action, name
    assert after_refusals == before
    assert committed(path, done), done
    assert "confirmation" in error_of(reused)[0].lower()


@pytest.mark.parametrize("path", PATHS)
async def test_a_token_for_content_edited_since_the_preview_is_refused(
    path: str, hub_env: HubEnv, member: uuid.UUID, gate_server: MCPServer
) -> None:
    async with token_client(gate_server) as client:
        subject = await prepare(path, client, hub_env, member)
        token = structured(await client.call_tool(path, subject.args))["preview"]["confirmation_token"]
        with hub_env.hub.owner() as conn:  # edited elsewhere (another client, the CLI) after the preview
            conn.execute(
                "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,text}', '\"Buy now!!!\"')"
                " WHERE post_id = %s",
                [subject.post_id],
            )
        before = hub_state(hub_env)
        refused = await client.call_tool(path, {**subject.args, "confirmation_token": token})
    assert "changed since the preview" in error_of(refused)[0]
    assert hub_state(hub_env) == before


async def test_a_post_edited_while_the_user_is_asked_is_not_scheduled(
    hub_env: HubEnv, member: uuid.UUID, gate_server: MCPServer
) -> None:
    post: list[str] = []

    async def edits_then_accepts(_context: Any, params: ElicitRequestParams) -> ElicitResult:
        with hub_env.hub.owner() as conn:
            conn.execute(
                "UPDATE post_targets SET rendering = jsonb_set(rendering, '{parts,0,text}', '\"Swapped\"')"
                " WHERE post_id = %s",
                [post[0]],
            )
        return ElicitResult(action="accept", content={"confirm": True})

    async with asking_client(gate_server, edits_then_accepts) as client:
        draft = structured(await client.call_tool("save_draft", DRAFT))
        post.append(draft["id"])
        refused = await client.call_tool("schedule_post", {"post_id": draft["id"], "when": tomorrow_at_nine()})
    assert "changed after it was shown for confirmation; nothing was scheduled" in error_of(refused)[0]
    state = json.loads(hub_state(hub_env))
    assert {t["status"] for t in state["targets"]} == {"draft"} and state["queued"] == {"n": 0}


async def test_a_brand_persona_draft_is_not_saved_in_the_personal_hub(hub_env: HubEnv, gate_server: MCPServer) -> None:
    async with token_client(gate_server) as client:
        refused = await client.call_tool("save_draft", {**DRAFT, "persona": "brand_ambassador-acme"})
    message, action = error_of(refused)
    assert "company's hub, not your personal hub; nothing was saved" in message and "post_for_company" in action
    with hub_env.hub.owner() as conn:
        assert conn.execute("SELECT count(*) AS n FROM posts").fetchone() == {"n": 0}
