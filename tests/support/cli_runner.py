"""Running the real `psn` command: in a subprocess, as a user would (no PSN_* from the test environment), or
in-process with click's runner on a member's workspace."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from psn_core.workspace import set_env_values
from tests.support.hubs import TEST_APP_PASSWORD, HubEnv

if TYPE_CHECKING:
    from click.testing import Result


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSN_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_psn(
    workspace: Path, *args: str, check: bool = True, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``psn ARGS`` with ``workspace`` as the current folder; with ``check``, a non-zero exit fails the test."""
    done = subprocess.run(
        [sys.executable, "-m", "psn_core.cli", *args],
        cwd=workspace,
        env=clean_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"psn {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def member_workspace(env: HubEnv, member: uuid.UUID, timezone: str = "Europe/Madrid", **extra: str) -> Path:
    """``env``'s workspace as `psn setup` leaves it for ``member``: its hub.env names the hub, the runtime
    password, the member and their zone (``extra``: more PSN_* values, e.g. PSN_WAHA_BASE_URL)."""
    ws = env.settings.workspace
    values = {
        "PSN_DATABASE_URL": env.server.conninfo(env.database),
        "PSN_APP_PASSWORD": TEST_APP_PASSWORD,
        "PSN_MEMBER_ID": str(member),
        "PSN_TIMEZONE": timezone,
        "PSN_CONNECT_TIMEOUT": "5",
    }
    set_env_values(ws / "hub.env", {**values, **extra})
    return ws


def invoke_psn(ws: Path, *args: str, stdin: str | None = None) -> Result:
    """``psn --workspace WS ARGS`` in this process (click's runner); an exception the CLI does not turn into
    its own error output fails the test instead of becoming an exit code."""
    from click.testing import CliRunner

    from psn_core.cli.main import cli

    return CliRunner().invoke(cli, ["--workspace", str(ws), *args], input=stdin, catch_exceptions=False)
