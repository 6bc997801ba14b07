"""Settings, hub.env handling, .gitignore rules and workspace discovery."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from psn_core.config import APP_FIELDS, Settings, masked_settings
from psn_core.errors import InvalidSetting, WorkspaceNotFound
from psn_core.platforms.registry import PLATFORMS
from psn_core.workspace import (
    GITIGNORE_ENTRIES,
    ensure_gitignore,
    example_env_text,
    find_workspace,
    set_env_values,
    unignored_secret_paths,
)


def test_example_env_documents_every_setting() -> None:
    documented = set(re.findall(r"^# (PSN_[A-Z_]+)=", example_env_text(), flags=re.M))
    expected = {f"PSN_{name.upper()}" for name in Settings.model_fields if name != "workspace"}
    assert expected - documented == set()


def test_every_platform_app_maps_onto_its_hub_env_names(tmp_path: Path) -> None:
    assert set(APP_FIELDS) == set(PLATFORMS)
    for fields in APP_FIELDS.values():
        assert {name for name in dataclasses.astuple(fields) if name} <= set(Settings.model_fields)
    (tmp_path / "hub.env").write_text(
        "PSN_TIKTOK_CLIENT_KEY=key\nPSN_TIKTOK_SANDBOX=false\nPSN_X_CLIENT_SECRET=s3cret\n"
        "PSN_LINKEDIN_API_VERSION=202601\nPSN_INSTAGRAM_API_BASE_URL=http://127.0.0.1:9/instagram\n"
    )
    settings = Settings.load(tmp_path)
    tiktok, x = settings.app("tiktok"), settings.app("x")
    assert (tiktok.client_id, tiktok.sandbox, x.sandbox) == ("key", False, False)
    assert x.client_secret is not None and x.client_secret.get_secret_value() == "s3cret"
    assert settings.app("linkedin").api_version == "202601" and x.api_version is None
    assert settings.app("instagram").api_base_url == "http://127.0.0.1:9/instagram"
    assert Settings.client_id_field("tiktok") == "tiktok_client_key"
    with pytest.raises(InvalidSetting):
        settings.app("myspace")


def test_bad_timezone_names_the_setting_and_the_fix(tmp_path: Path) -> None:
    (tmp_path / "hub.env").write_text("PSN_TIMEZONE=Mars/Olympus\n")
    with pytest.raises(InvalidSetting) as caught:
        Settings.load(tmp_path)
    assert "PSN_TIMEZONE" in caught.value.message and "Europe/Madrid" in caught.value.message


def test_environment_overrides_hub_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hub.env").write_text("PSN_TIMEZONE=Europe/Madrid\n")
    assert Settings.load(tmp_path).timezone == "Europe/Madrid"
    monkeypatch.setenv("PSN_TIMEZONE", "America/New_York")
    assert Settings.load(tmp_path).timezone == "America/New_York"


def test_set_env_values_replaces_defaults_and_round_trips_odd_values(tmp_path: Path) -> None:
    env = tmp_path / "hub.env"
    env.write_text(example_env_text())
    url = "postgresql://o:p@ss w'rd\"x@h/db?sslmode=require"
    set_env_values(env, {"PSN_TIMEZONE": "Asia/Tokyo", "PSN_DATABASE_URL": url, "PSN_APP_PASSWORD": "a b"})
    text = env.read_text()
    assert text.count("PSN_TIMEZONE=") == 1 and "# PSN_TIMEZONE=" not in text
    assert env.stat().st_mode & 0o777 == 0o600
    settings = Settings.load(tmp_path)
    assert settings.timezone == "Asia/Tokyo"
    assert settings.database_url is not None and settings.database_url.get_secret_value() == url
    assert settings.app_password is not None and settings.app_password.get_secret_value() == "a b"


def test_config_show_masks_every_secret(tmp_path: Path) -> None:
    settings = Settings.load(
        tmp_path,
        database_url="postgresql://owner:owner-password-5678@db.example.com/psn",
        app_password="app-password-abcd1234",
        master_key="bWFzdGVyLWtleS1ieXRlcy0wMTIzNDU2Nzg5YWJjZGVm",
    )
    shown = dict(masked_settings(settings))
    assert shown["PSN_APP_PASSWORD"] == "••••1234"
    assert shown["PSN_MASTER_KEY"] == "••••ZGVm"
    assert "owner-password" not in shown["PSN_DATABASE_URL"] and "db.example.com" in shown["PSN_DATABASE_URL"]


def test_gitignore_entries_added_once(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\nhub.env\n")
    added = ensure_gitignore(tmp_path)
    assert "hub.env" not in added and set(added) == set(GITIGNORE_ENTRIES) - {"hub.env"}
    assert ensure_gitignore(tmp_path) == []
    assert (tmp_path / ".gitignore").read_text().startswith("node_modules/\n")


def test_git_itself_confirms_secrets_are_ignored(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert "hub.env" in unignored_secret_paths(tmp_path)
    ensure_gitignore(tmp_path)
    assert unignored_secret_paths(tmp_path) == []
    assert unignored_secret_paths(tmp_path, (tmp_path / "keys" / "master.bin",)) == ["keys/master.bin"]


def test_find_workspace_walks_up(tmp_path: Path) -> None:
    (tmp_path / "hub.env").write_text("")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_workspace(deep) == tmp_path.resolve()
    with pytest.raises(WorkspaceNotFound):
        find_workspace(Path("/proc/self"))
