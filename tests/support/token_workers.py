"""Run in child processes by the token tests: many threads asking one hub for one account's token."""

from __future__ import annotations

import threading
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from uuid import UUID

from psn_core.config import Settings
from psn_core.crypto import load_keyring
from psn_core.hub.database import Hub
from psn_core.services.accounts.tokens import TokenService


def hammer(
    workspace: str, overrides: dict[str, object], member: str, account: str, threads: int, go: Event, out: Queue
) -> None:
    settings = Settings.load(Path(workspace), **overrides)
    results: list[str] = []
    errors: list[str] = []
    with Hub.open(settings) as hub:
        service = TokenService(hub, settings, load_keyring(settings))
        _ = hub.pool  # connect before the race starts
        start = threading.Barrier(threads)

        def run() -> None:
            start.wait()
            try:
                results.append(service.access_token(UUID(member), UUID(account)).access_token.get_secret_value())
            except Exception as exc:  # reported to the parent test, which fails on any
                errors.append(repr(exc))

        workers = [threading.Thread(target=run) for _ in range(threads)]
        go.wait(60)
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    out.put((results, errors))
