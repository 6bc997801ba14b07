"""Point psn's platform settings at a running emulator: one registered app per platform whose redirect
URI is psn's callback on a free port, exactly as a user registers their own apps."""

from __future__ import annotations

import socket

from psn_core.emulator import Emulator
from psn_core.platforms.registry import PLATFORMS


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
