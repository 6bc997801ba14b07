"""Voice tools: profile summary and onboarding (workspace files), suggestions and report (real hub)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from mcp import Client
from mcp.server import MCPServer

from psn_core.config import Settings
from psn_core.services.voice.files import voices_dir
from psn_core.services.voice.learning import record_edit
from psn_core.voice import load_profile
from tests.mcp.conftest import error_of, structured
from tests.support.hubs import HubEnv

pytestmark = pytest.mark.anyio

ANSWERS = {
    "name": "Ana",
    "language": "en",
    "talks_like": "between",
    "writing_sample": (
        "I run a small bakery in Valencia. Most mornings start at four, and I still love it. "
        "Last week we tried a rye sourdough and it sold out by ten. I'm not sure why people love it so much, "
        "but I'll take it. We'll bake it again on Friday."
    ),
    "never_use": ["synergy", "leverage"],
}

# What a model drafted and what the writer approved: "basically" goes every time.
BASICALLY = [
    ("We basically rebuilt the onboarding flow in two weeks and it is much faster.", "We rebuilt onboarding."),
    ("The migration basically went smoothly and we lost no data at all.", "The migration went smoothly."),
    ("Our support queue is basically empty for the first time since March.", "Support queue's empty."),
    ("The pricing page basically answers what people used to email us.", "The pricing page answers it."),
]


async def test_onboarding_writes_the_personal_profile_once(bare_server: MCPServer, bare_workspace: Path) -> None:
    async with Client(bare_server) as client:
        missing = await client.call_tool("get_voice_profile", {})
        written = structured(await client.call_tool("init_voice_profile", {"answers": ANSWERS}))
        again = await client.call_tool("init_voice_profile", {"answers": ANSWERS})
        summary = structured(await client.call_tool("get_voice_profile", {"persona": "personal"}))
        replaced = structured(await client.call_tool("init_voice_profile", {"answers": ANSWERS, "replace": True}))
    message, action = error_of(missing)
    assert "No voice profile" in message and "psn voice init" in action
    assert written["replaced"] is False and written["path"].endswith("voices/personal.yaml")
    assert load_profile(voices_dir(bare_workspace) / "personal.yaml").name == "Ana"
    message, action = error_of(again)
    assert "will not overwrite" in message and "--force" in action
    assert summary["problems"] == [] and summary["name"] == "Ana"
    (english,) = summary["languages"]
    assert english["code"] == "en" and {"synergy", "leverage"} <= set(english["never_use"])
    assert replaced["replaced"] is True


async def test_a_broken_profile_comes_back_with_its_problems(bare_server: MCPServer, bare_workspace: Path) -> None:
    (voices_dir(bare_workspace) / "personal.yaml").write_text("name: Ana\npersona: personal\ntraits: {formality: 99}\n")
    async with Client(bare_server) as client:
        summary = structured(await client.call_tool("get_voice_profile", {}))
    (problem,) = summary["problems"]
    assert problem["line"] == 3 and "formality" in problem["field"]


async def test_onboarding_answers_are_validated_by_the_schema(bare_server: MCPServer) -> None:
    async with Client(bare_server) as client:
        result = await client.call_tool("init_voice_profile", {"answers": {**ANSWERS, "talks_like": "robot"}})
    assert result.is_error


def _record_basically(env: HubEnv, settings: Settings, member: uuid.UUID) -> None:
    for draft, final in BASICALLY:
        with env.hub.transaction(member) as conn:
            record_edit(
                conn,
                voices_dir(settings.workspace),
                member,
                language="en",
                platform="x",
                format="short_take",
                draft=draft,
                final=final,
            )


@pytest.mark.pg
async def test_suggestions_learned_from_edits_can_be_accepted_into_the_profile(
    server: MCPServer, settings: Settings, hub_env: HubEnv, member: uuid.UUID
) -> None:
    async with Client(server) as client:
        structured(await client.call_tool("init_voice_profile", {"answers": {**ANSWERS, "never_use": []}}))
        assert structured(await client.call_tool("list_voice_suggestions", {}))["suggestions"] == []
        _record_basically(hub_env, settings, member)
        pending = structured(await client.call_tool("list_voice_suggestions", {"status": "pending"}))["suggestions"]
        (basically,) = [s for s in pending if s["value"] == "basically"]
        accepted = structured(await client.call_tool("accept_voice_suggestion", {"suggestion_id": basically["id"]}))
        twice = await client.call_tool("accept_voice_suggestion", {"suggestion_id": basically["id"]})
        everything = structured(await client.call_tool("list_voice_suggestions", {"status": None}))["suggestions"]
    assert basically["kind"] == "never_use" and basically["evidence"] == 4
    assert accepted["suggestion"]["status"] == "accepted"
    assert "basically" in load_profile(voices_dir(settings.workspace) / "personal.yaml").never_use("en")
    message, action = error_of(twice)
    assert f"#{basically['id']}" in message and "psn voice suggestions" in action
    assert [s["status"] for s in everything if s["id"] == basically["id"]] == ["accepted"]


@pytest.mark.pg
async def test_a_dismissed_suggestion_stays_dismissed(
    server: MCPServer, settings: Settings, hub_env: HubEnv, member: uuid.UUID
) -> None:
    async with Client(server) as client:
        structured(await client.call_tool("init_voice_profile", {"answers": {**ANSWERS, "never_use": []}}))
        _record_basically(hub_env, settings, member)
        (basically,) = [
            s
            for s in structured(await client.call_tool("list_voice_suggestions", {}))["suggestions"]
            if s["value"] == "basically"
        ]
        dismissed = structured(await client.call_tool("dismiss_voice_suggestion", {"suggestion_id": basically["id"]}))
        pending = structured(await client.call_tool("list_voice_suggestions", {}))["suggestions"]
    assert dismissed["status"] == "dismissed" and dismissed["decided_at"] is not None
    assert basically["id"] not in [s["id"] for s in pending]


@pytest.mark.pg
async def test_voice_report_waits_for_ten_approvals(server: MCPServer, member: uuid.UUID) -> None:
    async with Client(server) as client:
        report = structured(await client.call_tool("get_voice_report", {}))
    assert report["ready"] is False and report["edits"] == 0 and report["timezone"] == "Europe/Madrid"
    assert report["performance"] is None and "analytics" in report["performance_note"]


async def test_the_profile_changes_only_where_the_user_asked(bare_server: MCPServer, bare_workspace: Path) -> None:
    path = voices_dir(bare_workspace) / "personal.yaml"
    async with Client(bare_server) as client:
        structured(await client.call_tool("init_voice_profile", {"answers": ANSWERS}))
        path.write_text(path.read_text() + "my_own_note: keep me\n")  # a key psn does not know
        patch = {
            "traits": {"humor": 7},
            "language": "en",
            "add_never_use": ["delve"],
            "remove_never_use": ["leverage"],
            "platform": "linkedin",
            "platform_style": {"emoji": "none"},
        }
        summary = structured(await client.call_tool("update_voice_profile", {"patch": patch}))
        bad = await client.call_tool("update_voice_profile", {"patch": {"traits": {"charm": 9}}})
        pattern = {"kind": "phrase", "phrase": "Let's dive in", "where": "start", "reason": "not me"}
        structured(await client.call_tool("add_anti_pattern", {"pattern": pattern}))
        structured(await client.call_tool("add_anti_pattern", {"pattern": pattern}))
    profile = load_profile(path)
    assert profile.traits.humor == 7 and profile.traits.formality == load_profile(path).traits.formality
    assert profile.language("en").never_use == ["synergy", "delve"]
    assert profile.platforms["linkedin"].emoji == "none"
    assert [p.phrase for p in profile.anti_patterns if p.kind == "phrase"].count("Let's dive in") == 1
    assert "my_own_note: keep me" in path.read_text()
    assert summary
    message, action = error_of(bad)
    assert "charm" in message and "humor" in action
