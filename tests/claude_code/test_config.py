"""`/psn:config` in the real Claude Code: show the settings (secrets masked) and run the doctor."""

from __future__ import annotations

from pathlib import Path

from psn_core.config import Settings
from tests.support.claude_code import run_claude, text, tool_use


def test_config_show_lists_the_settings_with_secrets_masked(workspace: Path, settings: Settings) -> None:
    run = run_claude(
        workspace,
        "/psn:config show",
        steps=[
            [text("Here are your settings."), tool_use("show_config")],
            lambda convo: [text(f"Time zone: {_setting(convo.tool_result('show_config'), 'PSN_TIMEZONE')}.")],
        ],
    )
    run.assert_command("config", "show")
    assert run.permission_denials == []
    ((name, is_error, shown),) = run.tool_results
    assert (name, is_error) == ("show_config", False)
    assert Path(shown["workspace"]) == workspace.resolve()
    assert _setting(shown, "PSN_TIMEZONE") == "Europe/Madrid"
    assert _setting(shown, "PSN_MEMBER_ID") == str(settings.member_id)
    password = settings.app_password.get_secret_value() if settings.app_password else ""
    assert password and password not in str(shown)
    assert _setting(shown, "PSN_APP_PASSWORD").endswith(password[-4:])
    assert run.result_text == "Time zone: Europe/Madrid."


def test_config_doctor_runs_every_check_on_the_new_workspace(workspace: Path) -> None:
    run = run_claude(
        workspace,
        "/psn:config doctor",
        steps=[[tool_use("run_doctor")], [text("All checks pass.")]],
    )
    run.assert_command("config", "doctor")
    assert run.permission_denials == []
    ((name, is_error, report),) = run.tool_results
    assert (name, is_error) == ("run_doctor", False)
    checks = report["report"]["checks"]
    assert report["ok"] is True and checks, report
    assert {c["status"] for c in checks} <= {"ok", "warn", "skip"}, checks
    # a new workspace has no strategy.yaml yet: that line is skipped, saying what writes one; so are the
    # trend sources (none listed in strategy.yaml) and engagement (no connected account); nothing else is
    skipped = {c["name"]: c["detail"] for c in checks if c["status"] == "skip"}
    assert list(skipped) == ["strategy", "trend sources", "engagement"], checks
    assert "trends:" in skipped["trend sources"], checks


def _setting(shown: dict[str, object], name: str) -> str:
    settings = shown["settings"]
    assert isinstance(settings, list)
    return str(next(s["value"] for s in settings if s["name"] == name))
