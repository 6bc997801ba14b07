"""`/psn:voice` in the real Claude Code: onboarding (init_voice_profile with the user's three answers),
the profile's summary, and the edit report."""

from __future__ import annotations

import uuid
from pathlib import Path

from psn_core.hub.database import Hub
from psn_core.services.voice.files import voices_dir
from psn_core.services.voice.learning import record_edit
from psn_core.voice import load_profile
from tests.support.claude_code import run_claude, text, tool_use

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


def test_voice_init_then_show_then_report(workspace: Path, hub: Hub, member: uuid.UUID) -> None:
    profile = voices_dir(workspace) / "personal.yaml"
    assert not profile.exists()

    onboarded = run_claude(
        workspace,
        "/psn:voice init",
        steps=[
            [text("Three questions first. (The user answered them.)"), tool_use("init_voice_profile", answers=ANSWERS)],
            [text("Your profile is in voices/personal.yaml.")],
        ],
    )
    onboarded.assert_command("voice", "init")
    assert onboarded.permission_denials == []
    ((name, is_error, written),) = onboarded.tool_results
    assert (name, is_error, written["replaced"]) == ("init_voice_profile", False, False), written
    assert load_profile(profile).name == "Ana"

    shown = run_claude(
        workspace, "/psn:voice show", steps=[[tool_use("get_voice_profile", persona="personal")], [text("Summary.")]]
    )
    shown.assert_command("voice", "show")
    assert shown.permission_denials == []
    summary = shown.tool_result("get_voice_profile")
    assert summary["name"] == "Ana" and summary["problems"] == []
    (english,) = summary["languages"]
    assert english["code"] == "en" and {"synergy", "leverage"} <= set(english["never_use"])

    with hub.transaction(member) as conn:
        record_edit(
            conn,
            voices_dir(workspace),
            member,
            language="en",
            platform="x",
            format="short_take",
            draft="We basically rebuilt the onboarding flow in two weeks and it is much faster.",
            final="We rebuilt onboarding.",
        )
    reported = run_claude(workspace, "/psn:voice report", steps=[[tool_use("get_voice_report")], [text("Not yet.")]])
    reported.assert_command("voice", "report")
    assert reported.permission_denials == []
    report = reported.tool_result("get_voice_report")
    assert report["edits"] == 1 and report["ready"] is False and report["timezone"] == "Europe/Madrid"


def test_voice_import_asks_the_user_first_then_stores_their_posts(workspace: Path, hub: Hub, member: uuid.UUID) -> None:
    from tests.support.fake_model import full_tool_name
    from tests.support.voice_samples import EN_SAMPLES

    pasted = "\n\n".join(EN_SAMPLES)
    steps = [
        [text("Storing the posts you pasted."), tool_use("import_voice_samples", text=pasted, language="en")],
        [text("Done.")],
    ]
    denied = run_claude(workspace, "/psn:voice import", steps=steps)  # headless, nobody to say yes
    denied.assert_command("voice", "import")
    assert [d["tool_name"] for d in denied.permission_denials] == [full_tool_name("import_voice_samples")]
    with hub.transaction(member) as conn:
        assert conn.execute("SELECT count(*) AS n FROM voice_samples").fetchone() == {"n": 0}

    allowed = run_claude(
        workspace, "/psn:voice import", steps=steps, allowed_tools=[full_tool_name("import_voice_samples")]
    )
    assert allowed.permission_denials == []
    result = allowed.tool_result("import_voice_samples")
    assert result["added"] == len(EN_SAMPLES) and result["baseline"]["enough"] is True
    with hub.transaction(member) as conn:
        assert conn.execute("SELECT count(*) AS n FROM voice_samples").fetchone() == {"n": len(EN_SAMPLES)}
