"""`psn quickstart`: the whole job on a fresh machine, with no accounts and no network.

Init a workspace on the embedded hub; start the local emulator of the four platforms; connect one
sandbox account per platform through the real OAuth code path (authorization URL, the one-shot
callback server, code exchange); write a voice profile from three answers; draft a post for all four
platforms and check it; schedule it a minute ahead; run a real worker process until every target is
published; report per target its status, remote id and lateness.

The emulator's addresses are given to this run only (settings overrides and the worker's environment);
nothing about it is written to hub.env.

It is a demo, so it runs in a workspace of its own, never in the user's: by default ``./psn-demo``, made
by it and marked as a demo (``.psn/demo``). It refuses any existing workspace it did not make (a real
one, with or without accounts), always uses the demo's embedded hub (a PSN_DATABASE_URL in the
environment is ignored: emulator accounts never reach a real hub), and disconnects the sandbox accounts
at the end (the emulator stops with the run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx2
from PIL import Image
from pydantic import BaseModel

from psn_core.cli.oauth_callback import CallbackServer
from psn_core.config import HUB_ENV, STATE_DIR, Settings
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.emulator.settings import as_env, psn_settings
from psn_core.errors import ConnectFailed, NotADemoWorkspace, PostInvalid, PSNError
from psn_core.hub.database import Hub
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.accounts import AccountView, finish_connect, start_connect
from psn_core.services.accounts.removal import remove_account
from psn_core.services.posting import posts
from psn_core.services.posting.drafts import DraftCheck, DraftOptions, check_draft
from psn_core.services.posting.schedule_time import resolve
from psn_core.services.setup import InitResult, init_workspace
from psn_core.services.voice.files import init_profile, profile_path
from psn_core.timefmt import utcnow
from psn_core.voice.onboarding import CoreAnswers

TERMINAL = {"published", "failed", "expired", "needs_attention", "cancelled"}
DEMO_FOLDER = "psn-demo"
DEMO_MARKER = f"{STATE_DIR}/demo"
DEMO_ENDED = "quickstart demo account: the emulator stopped with the run"
DEMO_OVERRIDES: dict[str, object] = {"database_url": None}  # the demo's own embedded hub, whatever the env says


def claim_demo_folder(folder: Path) -> None:
    """Make ``folder`` the demo's workspace, or check it already is one.

    Raises:
        NotADemoWorkspace: ``folder`` is a psn workspace that quickstart did not make.
    """
    is_workspace = (folder / HUB_ENV).exists() or (folder / STATE_DIR).is_dir()
    if is_workspace and not (folder / DEMO_MARKER).exists():
        raise NotADemoWorkspace(
            f"{folder} is a psn workspace of yours, not a quickstart demo: the demo would connect four emulator "
            "accounts in it, so it was left untouched."
        )
    (folder / STATE_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / DEMO_MARKER).write_text("made by `psn quickstart`: a demo workspace, emulator accounts only\n")


class QuickstartOptions(BaseModel):
    name: str
    timezone: str
    talks_like: str = "between"
    sample: str = (
        "Shipped the new onboarding today. Took three tries, and the last one was the simplest. "
        "If you tried it last week, try again: it's faster now."
    )
    never_use: list[str] = ["synergy", "leverage", "game-changer"]
    text: str = "psn quickstart: this post was drafted, checked and scheduled from my terminal."
    delay_seconds: int = 60
    timeout_seconds: int = 240


class TargetOutcome(BaseModel):
    platform: str
    handle: str
    status: str
    remote_ids: list[str]
    lateness_ms: int | None
    private_only: bool
    error: str | None


class QuickstartReport(BaseModel):
    init: InitResult
    accounts: list[AccountView]
    check: DraftCheck
    scheduled: str
    outcomes: list[TargetOutcome]

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and all(o.status == "published" for o in self.outcomes)


Progress = Callable[[str], None]
# Called about once a second while the run waits for the post: (seconds until its time, statuses so far).
Waiting = Callable[[float, str], None]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _connect(hub: Hub, settings: Settings, member: UUID, platform: str) -> AccountView:
    """The real OAuth code path: URL with state + PKCE, approval, redirect to the callback server, exchange."""
    ring = load_keyring(settings)
    with hub.transaction(member) as conn:
        start = start_connect(conn, settings, ring, member, platform)
    with CallbackServer(settings.oauth_callback_port) as callback:
        with httpx2.Client(follow_redirects=True, timeout=30) as browser:  # the emulator approves at once
            browser.get(start.url)
        redirect = callback.wait(30)
    if redirect is None:
        raise ConnectFailed(f"The {platform} sign-in never reached the callback server.")
    return finish_connect(hub, settings, ring, member, redirect)


def _photo(workspace: Path) -> Path:
    path = workspace / "quickstart-photo.jpg"
    if not path.exists():
        image = Image.new("RGB", (1080, 1080), (232, 93, 4))
        for x in range(0, 1080, 120):  # a few stripes, so it is not a flat square
            image.paste((255, 214, 10), (x, 0, x + 40, 1080))
        image.save(path, "JPEG", quality=85)
    return path


def run_quickstart(
    workspace: Path, options: QuickstartOptions, progress: Progress, waiting: Waiting | None = None
) -> QuickstartReport:
    """Run the whole job; see the module docstring.

    Raises:
        PSNError: a step failed; its message says which and what to do.
    """
    claim_demo_folder(workspace)
    init = init_workspace(workspace, name=options.name, timezone=options.timezone, overrides=DEMO_OVERRIDES)
    progress(f"workspace {init.workspace} ready, hub: {init.hub}")
    with Emulator(config=EmulatorConfig(processing_seconds=2)) as emu:
        # after the emulator has bound its own port: an ephemeral port freed earlier could be handed to it
        port = _free_port()
        overrides = {**psn_settings(emu, port), "media_host_url": f"{emu.base_url}/_media/"}
        env_values = as_env(overrides)  # the worker's environment holds no other PSN_* (see _start_worker)
        settings = Settings.load(workspace, **overrides, **DEMO_OVERRIDES)
        assert settings.member_id is not None
        member = settings.member_id
        progress(f"emulator of X, LinkedIn, Instagram and TikTok on {emu.base_url}")
        with Hub.open(settings) as hub:
            accounts = [_connect(hub, settings, member, name) for name in PLATFORMS]
            for account in accounts:
                progress(f"connected {PLATFORMS[account.platform].display_name} @{account.handle} (sandbox)")
            voices = settings.workspace / "voices"
            if not profile_path(voices).exists():
                answers = CoreAnswers(
                    name=options.name,
                    talks_like=options.talks_like,  # type: ignore[arg-type]
                    writing_sample=options.sample,
                    never_use=options.never_use,
                )
                init_profile(voices, answers)
                progress(f"voice profile written to {profile_path(voices)}")
            sandboxed = frozenset(name for name in PLATFORMS if settings.app(name).sandbox)
            draft_options = DraftOptions(media_count=1, sandboxed=sandboxed)
            check = check_draft(voices, options.text, platforms=list(PLATFORMS), language="en", options=draft_options)
            if not check.ok:
                problems = [p for t in check.targets for p in t.problems]
                raise PostInvalid("The quickstart draft does not fit every platform.", problems=problems)
            score = check.naturalness.score if check.naturalness else None
            progress(f"draft checked for {len(check.targets)} platforms (naturalness {score})")
            photo = _photo(settings.workspace)
            targets = [
                posts.TargetInput(account_id=a.id, parts=[posts.PartInput(text=options.text, media=[photo])])
                for a in accounts
            ]
            with hub.transaction(member) as conn:
                draft = posts.create_post(
                    conn,
                    member,
                    posts.PostInput(idea="quickstart", targets=targets),
                    timezone=settings.timezone,
                    media_dir=settings.workspace / "media",
                    media_host=settings.media_host_url,
                )
            for file in (settings.workspace / "media").glob("*"):
                emu.host_media(file.name, file.read_bytes(), "image/jpeg")
            when = resolve(utcnow() + timedelta(seconds=options.delay_seconds), settings.timezone, utcnow())
            worker = _start_worker(workspace, env_values)
            try:
                from psn_core.queue import Producer

                with Producer(settings, hub) as producer:
                    posts.schedule_and_enqueue(hub, member, draft.id, when, producer.enqueue_publish)
                progress(f"scheduled for {when.echo()}; a worker process is running")
                outcomes = _watch(hub, member, draft.id, when.utc, options, progress, waiting)
            finally:
                worker.terminate()
                worker.wait(30)
                _disconnect(hub, member, accounts, settings.zone)
            progress("sandbox accounts disconnected: the emulator stops with this run")
    return QuickstartReport(init=init, accounts=accounts, check=check, scheduled=when.echo(), outcomes=outcomes)


def _disconnect(hub: Hub, member: UUID, accounts: list[AccountView], zone: ZoneInfo) -> None:
    """No emulator account stays active after the run (anything still waiting on one is cancelled)."""
    for account in accounts:
        try:
            with hub.transaction(member) as conn:
                remove_account(
                    conn, member, account.platform, account.handle, cancel_pending=True, zone=zone, reason=DEMO_ENDED
                )
        except PSNError:
            continue  # a post still publishing on it (the run timed out): the report shows that target


def _start_worker(workspace: Path, env_values: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PSN_")}, **env_values}
    log = (workspace / ".psn" / "quickstart-worker.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "psn_core.cli", "-w", str(workspace), "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _watch(
    hub: Hub,
    member: UUID,
    post_id: UUID,
    due: datetime,
    options: QuickstartOptions,
    progress: Progress,
    waiting: Waiting | None,
) -> list[TargetOutcome]:
    deadline = time.monotonic() + options.delay_seconds + options.timeout_seconds
    last: dict[str, str] = {}
    while True:
        with hub.transaction(member) as conn:
            view = posts.get_post(conn, member, post_id)
        outcomes = [
            TargetOutcome(
                platform=t.platform,
                handle=t.handle,
                status=t.status,
                remote_ids=t.remote_ids,
                lateness_ms=t.lateness_ms,
                private_only=t.private_only,
                error=t.error_message,
            )
            for t in view.targets
        ]
        for outcome in outcomes:
            if last.get(outcome.platform) != outcome.status:
                last[outcome.platform] = outcome.status
                progress(f"{PLATFORMS[outcome.platform].display_name}: {outcome.status}")
        if all(o.status in TERMINAL for o in outcomes) or time.monotonic() > deadline:
            return outcomes
        if waiting is not None:
            counts = Counter(o.status for o in outcomes)
            waiting((due - utcnow()).total_seconds(), ", ".join(f"{n} {status}" for status, n in counts.items()))
        time.sleep(1.0)
