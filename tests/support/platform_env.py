"""Point psn's platform settings at a running emulator: one registered app per platform whose redirect
URI is psn's callback on a free port, exactly as a user registers their own apps."""

from __future__ import annotations

import socket
import uuid

import httpx2

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator
from psn_core.emulator.clock import Clock
from psn_core.emulator.settings import as_env, psn_settings
from psn_core.hub.database import Hub
from psn_core.services.accounts.accounts import AccountView, finish_connect, get_account, start_connect


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def emulator_overrides(emu: Emulator, callback_port: int | None = None) -> dict[str, object]:
    """Settings overrides (PSN_* names without the prefix) for every platform app on ``emu``."""
    return psn_settings(emu, callback_port or free_port())


def as_env_lines(overrides: dict[str, object]) -> str:
    """The same overrides as hub.env lines."""
    return "".join(f"{key}={value}\n" for key, value in as_env(overrides).items())


def approve(url: str) -> str:
    """What the browser does: open the authorization URL; return where the platform redirects."""
    with httpx2.Client(follow_redirects=False, timeout=10) as http:
        answer = http.get(url)
    assert answer.status_code in (302, 303, 307), answer.text
    return str(answer.headers["location"])


def connect_account(
    hub: Hub, settings: Settings, member: uuid.UUID, platform: str, clock: Clock | None = None
) -> AccountView:
    """Connect an emulator account through the real OAuth code path.

    The sign-in stamps its tokens with the real time (the connect flow takes no clock). Given the
    test's ``clock``, the stamps move so the tokens were obtained at ``clock()``, as the emulator on
    that clock issued them; otherwise their expiry would count from a different "now".
    """
    ring = load_keyring(settings)
    with hub.transaction(member) as conn:
        start = start_connect(conn, settings, ring, member, platform)
    account = finish_connect(hub, settings, ring, member, approve(start.url))
    if clock is None:
        return account
    with hub.owner() as conn:
        conn.execute(
            "UPDATE oauth_tokens SET expires_at = expires_at + (%(now)s - last_refreshed_at),"
            " refresh_expires_at = refresh_expires_at + (%(now)s - last_refreshed_at), last_refreshed_at = %(now)s"
            " WHERE account_id = %(account)s",
            {"now": clock(), "account": account.id},
        )
    with hub.transaction(member) as conn:
        return get_account(conn, member, account.id)
