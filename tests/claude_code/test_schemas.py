"""psn's tools as the real Claude Code offers them to the model: the schemas psn describes (platform an enum
of the four, ids as UUIDs, times described), not something the client rewrote or dropped.

The `unknown format "path"` warnings of the issue do not show in a headless run (neither in the debug file
nor on stderr, checked with the formats left in), so tests/mcp/test_mcp_schemas.py guards that no schema
carries a format clients do not know, over the protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.claude_code import run_claude, text, tool_use

PREFIX = "mcp__plugin_psn_psn__"


def test_the_model_is_offered_psn_schemas_with_enums_uuids_and_time_formats(workspace: Path) -> None:
    run = run_claude(workspace, "/psn:config show", steps=[[tool_use("show_config")], [text("Done.")]])
    offered = {t["name"]: t for t in run.requests[0]["tools"] if t["name"].startswith(PREFIX)}
    assert len(offered) >= 35, sorted(offered)
    schema: dict[str, Any] = offered[f"{PREFIX}check_draft"]["input_schema"]
    assert set(schema["properties"]["platforms"]["items"]["enum"]) == {"x", "linkedin", "instagram", "tiktok"}
    schedule = offered[f"{PREFIX}schedule_post"]["input_schema"]["properties"]
    assert schedule["post_id"]["format"] == "uuid" and schedule["post_id"]["description"]
    assert "YYYY-MM-DD HH:MM" in schedule["when"]["description"]
