"""`/psn:setup` in the real Claude Code on an empty folder, as the command tells the model to work: no
workspace yet, so init_workspace (the server then uses it, no reconnect); the three voice questions
(answered by the scripted user) and init_voice_profile; X connected against the emulator (the test plays
the browser: it opens the authorize URL and the user pastes the address it lands on); the doctor.
Nothing runs `psn quickstart`: no emulator account is left behind but the one the user connected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator
from psn_core.emulator.settings import as_env
from psn_core.hub.database import Hub
from psn_core.services.accounts.accounts import list_accounts
from tests.support.claude_code import run_claude, text, tool_use, user_signs_in
from tests.support.cli_runner import run_psn
from tests.support.platform_env import emulator_overrides

ANSWERS = {
    "name": "Ana",
    "language": "en",
    "talks_like": "between",
    "writing_sample": (
        "Baked three loaves before sunrise. The rye one cracked, which I love. "
        "If you come by the shop today, ask for the ugly one: it's the best."
    ),
    "never_use": ["synergy", "game-changer"],
}


@pytest.fixture
def empty_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "posts"
    folder.mkdir()
    yield folder
    run_psn(folder, "hub", "stop", check=False, timeout=60)


def test_setup_on_an_empty_folder_inits_onboards_connects_and_checks(empty_folder: Path, emu: Emulator) -> None:
    pasted: list[str] = []

    run = run_claude(
        empty_folder,
        "/psn:setup Ana Europe/Madrid",
        steps=[
            [text("Let me look at what is set up."), tool_use("get_auth_status")],
            [text("No workspace yet: making it."), tool_use("init_workspace", name="Ana", timezone="Europe/Madrid")],
            [tool_use("get_voice_profile")],
            # the three questions, answered one at a time by the user (scripted here), then the profile
            [text("In between; your sample; never 'synergy'."), tool_use("init_voice_profile", answers=ANSWERS)],
            [text("Now X: open this link and approve psn."), tool_use("start_connect", platform="x")],
            user_signs_in(pasted, "Got the address, thanks."),
            [tool_use("run_doctor")],
            lambda convo: [text(f"All set: X @{convo.tool_result('finish_connect')['handle']} is connected.")],
        ],
        env=as_env(emulator_overrides(emu)),  # the user's X app, registered on the emulator
    )  # fmt: skip
    run.assert_command("setup", "Ana Europe/Madrid")
    assert run.permission_denials == []
    assert [(r.tool_name, r.is_error) for r in run.tool_results] == [
        ("get_auth_status", True),  # no workspace: the model reads what to do
        ("init_workspace", False),
        ("get_voice_profile", True),  # no profile yet
        ("init_voice_profile", False),
        ("start_connect", False),
        ("finish_connect", False),
        ("run_doctor", False),
    ], run.tool_results
    no_workspace = run.results_of("get_auth_status")[0].content
    assert "No psn workspace" in no_workspace and "What to do:" in no_workspace
    made = run.tool_result("init_workspace")
    assert made["workspace"] == str(empty_folder.resolve()) and made["member_created"] is True
    assert {"hub.env", ".psn/master.key", "voices/"} <= set(made["created"])
    assert run.tool_result("init_voice_profile")["replaced"] is False
    assert pasted[0].startswith(run.tool_result("start_connect")["sign_in"]["redirect_uri"] + "?")
    doctor = run.tool_result("run_doctor")
    failed = [c for c in doctor["report"]["checks"] if c["status"] == "fail"]
    assert doctor["ok"] is True and failed == [], failed
    assert not (empty_folder / ".psn" / "demo").exists()  # a real workspace, not quickstart's demo
    # what the folder now is: a workspace with Ana's profile and exactly the account she connected
    settings = Settings.load(empty_folder)
    assert settings.timezone == "Europe/Madrid" and (empty_folder / "voices" / "personal.yaml").exists()
    assert "never_use" in (empty_folder / "voices" / "personal.yaml").read_text()
    assert settings.member_id is not None
    with Hub.open(settings) as hub, hub.transaction(settings.member_id) as conn:
        accounts = list_accounts(conn, settings.member_id)
    assert [(a.platform, a.status) for a in accounts] == [("x", "active")]
