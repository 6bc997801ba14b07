"""Per-server state shared by every tool: settings read once, the hub opened on first use, the keyring
and the member this workspace acts for.

Sync tools run on worker threads, so the lazy members are built under a lock. When the server started
without a usable workspace, every tool that needs one raises the problem found at startup, so the
model reads what is wrong and what to do instead of a server that failed to start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from uuid import UUID

from pydantic import SecretStr

from mcp_server.gate import Gate
from psn_core.config import Settings
from psn_core.crypto import Keyring, load_keyring
from psn_core.errors import ConfigError, PSNError, WorkspaceNotFound
from psn_core.hub.database import Conn, Hub
from psn_core.masking import registry
from psn_core.services.voice.files import voices_dir
from psn_core.timefmt import utcnow
from psn_core.workspace import find_workspace

Clock = Callable[[], datetime]


class ServerContext:
    """What the tools of one server share. Build with settings, or with the problem that prevented them.

    ``home`` is where this server looks for its workspace (``--workspace``, PSN_WORKSPACE, or the folder it
    runs in) and where ``init_workspace`` makes one. A server that started without a workspace looks again
    on every call until it finds one, so a workspace made after it started (by ``init_workspace``, or
    ``psn init`` in a terminal) is used without reconnecting the server.
    """

    def __init__(
        self,
        settings: Settings | None,
        problem: PSNError | None = None,
        *,
        clock: Clock = utcnow,
        home: Path | None = None,
    ) -> None:
        if settings is None and problem is None:
            problem = WorkspaceNotFound("The psn MCP server started without a workspace.")
        self._settings: Settings | None = None
        self._problem = problem
        self._lock = threading.Lock()
        self._hub: Hub | None = None
        self._ring: Keyring | None = None
        self.gate = Gate()  # the human gate of every tool that moves a draft toward a platform
        self.now = clock  # what "today" and "this week" mean: tests pass a fixed clock
        self.home = home if home is not None else settings.workspace if settings is not None else None
        if settings is not None:
            self.adopt(settings)

    def adopt(self, settings: Settings) -> None:
        """Use ``settings`` from now on (the workspace was found or just made); its secrets are masked."""
        registry.add(*(v.get_secret_value() for v in settings.__dict__.values() if isinstance(v, SecretStr)))
        self._settings, self._problem = settings, None

    @property
    def settings(self) -> Settings:
        """The workspace's settings (looked for again at ``home`` while there are none).

        Raises:
            PSNError: the problem that kept the server from loading them (no workspace, bad setting).
        """
        if self._settings is None and self.home is not None:
            with self._lock:
                if self._settings is None:
                    try:
                        self.adopt(Settings.load(find_workspace(self.home)))
                    except PSNError as exc:
                        self._problem = exc
        if self._settings is None:
            assert self._problem is not None
            raise self._problem
        return self._settings

    def init_folder(self) -> Path:
        """Where init_workspace works: the workspace in use, else ``home``.

        Raises:
            PSNError: the startup problem, when the server has neither (built without a home).
        """
        try:
            return self.settings.workspace
        except PSNError:
            if self.home is None:
                raise
            return self.home

    @property
    def workspace(self) -> Path:
        return self.settings.workspace

    @property
    def voices(self) -> Path:
        """The workspace's voices/ folder."""
        return voices_dir(self.settings.workspace)

    @property
    def member_id(self) -> UUID:
        """The member this workspace acts for.

        Raises:
            ConfigError: PSN_MEMBER_ID is not set.
        """
        member = self.settings.member_id
        if member is None:
            raise ConfigError(
                "PSN_MEMBER_ID is not set in this workspace, so psn does not know who you are in the hub.",
                "Run `uv run psn init` (or `psn quickstart`) in the workspace folder.",
            )
        return member

    @property
    def hub(self) -> Hub:
        """The hub, resolved on first use (the embedded server starts then, if it is the one used).

        Raises:
            EmbeddedServerError, InvalidSetting: the hub could not be resolved.
        """
        settings = self.settings
        with self._lock:
            if self._hub is None:
                self._hub = Hub.open(settings)
            return self._hub

    @contextmanager
    def member_transaction(self, company_name: str | None) -> Iterator[tuple[Conn, UUID]]:
        """A transaction as this workspace's member, and that member's id: in the personal hub when
        ``company_name`` is None, else in the company hub it names (as the member is known there).

        Raises:
            ConfigError: PSN_MEMBER_ID is not set. CompanyNotFound, and what CompanyHub.open raises: the company
            hub cannot be used.
        """
        if company_name is None:
            with self.hub.transaction(self.member_id) as conn:
                yield conn, self.member_id
            return
        from psn_core.services.company import hubs as company

        slug = company.pick_company(self.workspace, company_name)
        with company.CompanyHub.open(self.settings, slug) as hub, hub.transaction() as conn:
            yield conn, hub.who.member_id

    @property
    def ring(self) -> Keyring:
        """The encryption keys, read once.

        Raises:
            KeyMissing, InvalidSetting: no usable key file or PSN_MASTER_KEY.
        """
        settings = self.settings
        with self._lock:
            if self._ring is None:
                self._ring = load_keyring(settings)
            return self._ring

    def close(self) -> None:
        with self._lock:
            if self._hub is not None:
                self._hub.close()
                self._hub = None
