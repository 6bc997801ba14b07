"""Point psn's platform settings at a running emulator: one registered app per platform whose redirect
URI is psn's callback on a free port, exactly as a user registers their own apps."""

from __future__ import annotations

import socket
import uuid

import httpx2

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator
from psn_core.hub.database import Hub
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts import AccountView, finish_connect, start_connect


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def emulator_overrides(emu: Emulator, callback_port: int | None = None) -> dict[str, object]:
    """Settings overrides (PSN_* names without the prefix) for every platform app on ``emu``."""
    port = callback_port or free_port()
    overrides: dict[str, object] = {"oauth_callback_port": port, "tiktok_sandbox": True}
    for name in PLATFORMS:
        app = emu.create_app(name, redirect_uri=f"http://127.0.0.1:{port}/callback")
        id_field = "tiktok_client_key" if name == "tiktok" else f"{name}_client_id"
        overrides[id_field] = app.client_id
        overrides[f"{name}_client_secret"] = app.client_secret
        overrides[f"{name}_api_base_url"] = emu.url_for(name)
    return overrides


def as_env_lines(overrides: dict[str, object]) -> str:
    """The same overrides as hub.env lines."""
    return "".join(
        f"PSN_{key.upper()}={str(value).lower() if isinstance(value, bool) else value}\n"
        for key, value in overrides.items()
    )


def approve(url: str) -> str:
    """What the browser does: open the authorization URL; return where the platform redirects."""
    with httpx2.Client(follow_redirects=False, timeout=10) as http:
        answer = http.get(url)
    assert answer.status_code in (302, 303, 307), answer.text
    return str(answer.headers["location"])


def connect_account(hub: Hub, settings: Settings, member: uuid.UUID, platform: str) -> AccountView:
    """Connect an emulator account through the real OAuth code path."""
    ring = load_keyring(settings)
    with hub.transaction(member) as conn:
        start = start_connect(conn, settings, ring, member, platform)
    return finish_connect(hub, settings, ring, member, approve(start.url))
