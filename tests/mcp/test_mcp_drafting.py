"""Drafting tools: check_draft per target platform (no hub needed) and get_draft_context (real hub)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from mcp import Client
from mcp.server import MCPServer

from mcp_server.server import build_server
from psn_core.config import Settings
from psn_core.errors import DraftInputInvalid
from psn_core.platforms.base import count_text
from psn_core.platforms.models import TextCounting
from psn_core.services.posting.drafts import check_draft
from psn_core.services.voice.files import copy_example_profiles, voices_dir
from tests.mcp.conftest import error_of, structured, text_of
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account

pytestmark = pytest.mark.anyio

LONG_POST = (
    "We shipped the new onboarding on Tuesday. It took two weeks and a lot of coffee.\n\n"
    + "Here is what changed for new users, and why it matters to the people who run support every day. " * 5
    + "\n\nDetails at https://example.com/a/very/long/path/that/x/counts/as/twenty/three/characters"
)


async def test_check_draft_previews_the_thread_a_long_x_post_becomes(bare_server: MCPServer) -> None:
    async with Client(bare_server) as client:
        args = {"text": LONG_POST, "platforms": ["x", "linkedin"], "language": "en"}
        check = structured(await client.call_tool("check_draft", args))
        split = structured(await client.call_tool("check_draft", {**args, "split_into_thread": True}))
    x, linkedin = check["targets"]
    assert x["platform"] == "x" and x["length"]["counting"] == "x_weighted" and not x["length"]["fits"]
    assert x["thread"]["fits"] and len(x["thread"]["parts"]) >= 2
    assert all(length <= 280 for length in x["thread"]["part_lengths"])
    assert x["thread"]["parts"][-1].endswith("characters")  # the link is never cut
    # as save_draft: too long for one post unless it is split into that thread
    assert not x["ok"] and "split it into a thread (split_into_thread)" in x["problems"][0]
    assert linkedin["length"] == {"counting": "characters", "length": len(LONG_POST), "limit": 3000, "fits": True}
    assert linkedin["thread"] is None and linkedin["ok"]
    assert check["ok"] is False and split["ok"] is True and split["targets"][0]["problems"] == []
    assert 0 <= check["naturalness"]["score"] <= 100 and check["naturalness"]["language"] == "en"
    assert check["profile_used"] is None


async def test_check_draft_counts_links_as_x_does(bare_server: MCPServer) -> None:
    text = "Read this https://example.com/" + "a" * 200
    async with Client(bare_server) as client:
        check = structured(await client.call_tool("check_draft", {"text": text, "platforms": ["x"], "language": "en"}))
    (x,) = check["targets"]
    assert x["length"]["length"] == len("Read this ") + 23 and x["thread"] is None


async def test_check_draft_says_what_each_platform_needs(bare_server: MCPServer) -> None:
    args = {"text": "A quiet morning at the bakery.", "platforms": ["instagram", "tiktok", "x"], "language": "en"}
    async with Client(bare_server) as client:
        bare = structured(await client.call_tool("check_draft", args))
        too_many = structured(await client.call_tool("check_draft", {**args, "media_count": 12}))
    instagram, tiktok, x = bare["targets"]
    assert not instagram["ok"] and "need an image or a video" in instagram["problems"][0]
    assert not tiktok["ok"] and x["ok"] and bare["ok"] is False
    instagram, tiktok, x = too_many["targets"]
    assert instagram["media"] == {"count": 12, "max_items": 10, "fits": False}
    assert tiktok["ok"] and not x["ok"] and "at most 4 media items" in x["problems"][0]


async def test_check_draft_in_a_language_without_tells_still_checks_the_targets(bare_server: MCPServer) -> None:
    async with Client(bare_server) as client:
        check = structured(
            await client.call_tool("check_draft", {"text": "Bom dia a todos.", "platforms": ["x"], "language": "pt"})
        )
    assert check["naturalness"] is None and "skipped" in check["naturalness_note"]
    assert check["targets"][0]["ok"]


async def test_check_draft_uses_the_persona_profile(bare_server: MCPServer, bare_workspace: Path) -> None:
    copy_example_profiles(voices_dir(bare_workspace))
    (bare_workspace / "voices" / "personal.example.yaml").rename(bare_workspace / "voices" / "personal.yaml")
    async with Client(bare_server) as client:
        check = structured(
            await client.call_tool("check_draft", {"text": "Short and true.", "platforms": ["x"], "language": "en"})
        )
    assert check["profile_used"].endswith("voices/personal.yaml")


async def test_check_draft_with_an_unknown_platform_is_refused_by_the_schema_naming_the_four(
    bare_server: MCPServer,
) -> None:
    async with Client(bare_server) as client:
        result = await client.call_tool("check_draft", {"text": "Hi", "platforms": ["myspace"], "language": "en"})
    assert result.is_error and "Input should be 'x', 'linkedin', 'instagram' or 'tiktok'" in text_of(result)


async def test_check_draft_refuses_arguments_that_break_its_schema(bare_server: MCPServer) -> None:
    async with Client(bare_server) as client:
        result = await client.call_tool("check_draft", {"text": "Hi", "platforms": [], "language": "en"})
    assert result.is_error and "platforms" in text_of(result)


async def test_check_draft_with_a_bad_persona_says_which_ones_exist(bare_server: MCPServer) -> None:
    async with Client(bare_server) as client:
        result = await client.call_tool(
            "check_draft", {"text": "Hi", "platforms": ["x"], "language": "en", "persona": "../etc"}
        )
    message, action = error_of(result)
    assert "is not a voice persona" in message and "brand_ambassador" in action


@pytest.mark.pg
async def test_draft_context_bundles_voice_rules_and_a_format(
    server: MCPServer, settings: Settings, member: uuid.UUID
) -> None:
    voices = voices_dir(settings.workspace)
    copy_example_profiles(voices)
    (voices / "personal.example.yaml").rename(voices / "personal.yaml")
    async with Client(server) as client:
        context = structured(
            await client.call_tool("get_draft_context", {"platform": "x", "language": "en", "persona": "personal"})
        )
    assert context["profile_found"] and context["platform"] == "x" and context["language"] == "en"
    rules = context["platform_rules"]
    assert rules["max_text_length"] == 280 and "threads" in rules["capabilities"] and "text" in rules["capabilities"]
    assert rules["limits"]["max_thread_parts"] == 25
    assert any("link counts 23" in rule for rule in rules["rules"])
    assert context["recommended_format"] == context["format_ranking"][0]
    assert context["max_length"] <= 280


@pytest.mark.pg
async def test_draft_context_without_a_profile_says_how_to_make_one(server: MCPServer) -> None:
    async with Client(server) as client:
        context = structured(await client.call_tool("get_draft_context", {"platform": "instagram", "language": "es"}))
    assert not context["profile_found"]
    assert any("psn voice init" in note for note in context["notes"])
    assert "text" not in context["platform_rules"]["capabilities"]
    assert context["recommended_format"] in {"image", "carousel", "video"}


@pytest.mark.pg
async def test_draft_context_for_an_unknown_platform_is_a_tool_error(server: MCPServer) -> None:
    async with Client(server) as client:
        result = await client.call_tool("get_draft_context", {"platform": "mastodon", "language": "en"})
    assert result.is_error and "Input should be 'x', 'linkedin', 'instagram' or 'tiktok'" in text_of(result)


# --- the service behind check_draft -------------------------------------------------------------------


def test_text_length_follows_each_declared_way_of_counting() -> None:
    text = "Café 🙂 https://example.com/" + "x" * 40
    assert count_text(text, TextCounting.X_WEIGHTED) == 5 + 2 + 1 + 23
    assert count_text(text, TextCounting.CHARACTERS) == len(text)
    assert count_text(text, TextCounting.UTF16) == len(text) + 1  # the emoji is a surrogate pair


def test_a_check_with_no_target_platform_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DraftInputInvalid, match="No target platform"):
        check_draft(tmp_path, "Hi", platforms=[], language="en")


@pytest.mark.pg
async def test_check_draft_and_save_draft_agree_on_a_371_character_x_post(
    hub_env: HubEnv, member: uuid.UUID, emulator_settings: Settings
) -> None:
    """The issue's case: check_draft said ok, save_draft refused. Now both refuse it for the same reason, and
    both take it as a thread with split_into_thread."""
    connect_account(hub_env.hub, emulator_settings, member, "x")
    text = ("We shipped the new onboarding. " * 12)[:371]
    check = {"text": text, "platforms": ["x"], "language": "en"}
    target = {"account": "x", "parts": [text]}
    async with Client(build_server(emulator_settings)) as client:
        checked = structured(await client.call_tool("check_draft", check))
        refused = await client.call_tool("save_draft", {"targets": [target]})
        split = {"split_into_thread": True}
        checked_split = structured(await client.call_tool("check_draft", {**check, **split}))
        saved = structured(await client.call_tool("save_draft", {"targets": [{**target, **split}]}))
    (problem,) = checked["targets"][0]["problems"]
    message, _ = error_of(refused)
    assert not checked["ok"] and message == f"The post cannot go out as it is: {problem}"
    assert checked_split["ok"] and len(saved["targets"][0]["rendering"]["parts"]) == 2


async def test_check_draft_without_a_hub_still_checks_and_says_voice_match_was_skipped(
    bare_server: MCPServer,
) -> None:
    async with Client(bare_server) as client:
        check = structured(
            await client.call_tool("check_draft", {"text": "hi there", "platforms": ["x"], "language": "en"})
        )
    assert check["targets"][0]["ok"] and check["naturalness"] is not None
    assert check["voice_match"]["report"] is None and check["voice_match"]["note"].startswith("Voice match was skipped")


async def test_voice_match_is_shown_next_to_naturalness_once_samples_are_imported(server: MCPServer) -> None:
    from tests.support.voice_samples import EN_GENERIC, EN_MINE, EN_SAMPLES

    async with Client(server) as client:
        before = structured(
            await client.call_tool("check_draft", {"text": EN_MINE, "platforms": ["x"], "language": "en"})
        )
        both = await client.call_tool("import_voice_samples", {"text": "hi", "url": "https://example.com/"})
        private = await client.call_tool("import_voice_samples", {"url": "http://169.254.169.254/latest/meta-data/"})
        imported = structured(await client.call_tool("import_voice_samples", {"text": "\n\n".join(EN_SAMPLES)}))
        mine = structured(
            await client.call_tool("check_draft", {"text": EN_MINE, "platforms": ["x"], "language": "en"})
        )
        generic = structured(
            await client.call_tool("check_draft", {"text": EN_GENERIC, "platforms": ["linkedin"], "language": "en"})
        )
    assert before["voice_match"]["report"] is None and "psn voice import" in before["voice_match"]["note"]
    assert "Give exactly one source" in error_of(both)[0]
    assert "link-local address (169.254.169.254)" in error_of(private)[0]
    assert imported["added"] == len(EN_SAMPLES) and imported["baseline"]["enough"]
    assert mine["naturalness"] is not None and mine["voice_match"]["report"]["sounds_like_you"]
    report = generic["voice_match"]["report"]
    assert report["score"] < mine["voice_match"]["report"]["score"] and not report["sounds_like_you"]
    assert any(f["feature"] == "emoji" and f["off"] for f in report["features"])
