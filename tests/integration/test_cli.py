"""The real `psn` command, run as a user would, on a fresh folder with the embedded hub."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli_runner import run_psn

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def psn(workspace: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return run_psn(workspace, *args, check=check)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    ws = tmp_path_factory.mktemp("cli-ws")
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    psn(ws, "init", "--name", "Ana", "--timezone", "Europe/Madrid")
    assert "All good." in psn(ws, "doctor").stdout
    yield ws
    psn(ws, "hub", "stop", check=False)


def _env_value(ws: Path, key: str) -> str:
    for line in (ws / "hub.env").read_text().splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1]
    raise KeyError(key)


def test_init_made_a_private_workspace(workspace: Path) -> None:
    assert (workspace / "hub.env").stat().st_mode & 0o777 == 0o600
    assert (workspace / ".psn" / "master.key").stat().st_mode & 0o777 == 0o600
    assert (workspace / "voices").is_dir()
    status = subprocess.run(["git", "-C", str(workspace), "status", "--porcelain"], capture_output=True, text=True)
    assert "hub.env" not in status.stdout and ".psn" not in status.stdout


def test_doctor_json_reports_every_check(workspace: Path) -> None:
    report = json.loads(psn(workspace, "doctor", "--json").stdout)
    assert report["ok"] is True
    names = {c["name"] for c in report["checks"]}
    assert {
        "gitignore",
        "encryption key",
        "hub reachable",
        "migrations",
        "runtime role",
        "row-level security",
        "member",
        "stored secrets",
        "engagement",
    } <= names


def test_config_show_never_prints_a_secret(workspace: Path) -> None:
    password = _env_value(workspace, "PSN_APP_PASSWORD")
    out = psn(workspace, "config", "show").stdout
    assert password not in out
    assert f"••••{password[-4:]}" in out
    assert "Europe/Madrid" in out


def test_doctor_fails_with_a_fix_when_the_key_file_is_readable_by_others(workspace: Path) -> None:
    key = workspace / ".psn" / "master.key"
    key.chmod(0o644)
    try:
        done = psn(workspace, "doctor", check=False)
    finally:
        key.chmod(0o600)
    assert done.returncode == 1
    assert "✗ encryption key" in done.stdout and f"fix: chmod 600 {key}" in done.stdout


def test_hub_stop_then_any_command_starts_it_again(workspace: Path) -> None:
    assert "stopped" in psn(workspace, "hub", "stop").stdout
    assert "stopped" in psn(workspace, "hub", "status").stdout
    assert json.loads(psn(workspace, "doctor", "--json").stdout)["ok"] is True
    assert "running" in psn(workspace, "hub", "status").stdout


def test_keys_rotate_from_the_command_line(workspace: Path) -> None:
    before = json.loads((workspace / ".psn" / "master.key").read_text())["active"]
    out = psn(workspace, "keys", "rotate").stdout
    after = json.loads((workspace / ".psn" / "master.key").read_text())["active"]
    assert after != before and after in out


def test_outside_a_workspace_the_error_says_what_to_do(tmp_path: Path) -> None:
    done = psn(tmp_path, "doctor", check=False)
    assert done.returncode == 1
    assert "Error: No psn workspace" in done.stderr
    assert "What to do: Run `psn init`" in done.stderr
    assert "Traceback" not in done.stderr
