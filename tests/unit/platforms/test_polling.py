"""Polling through tenacity keeps psn's policies: the waits asked for, the give-up after the deadline,
failures never retried, and no real sleeping (the caller's sleep and clock drive it)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import NoReturn

import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.errors import PlatformUnavailable
from psn_core.platforms.instagram import InstagramPlatform
from psn_core.platforms.models import MediaKind, MediaRef, PlatformConfig, PostPart, PublishRequest
from psn_core.platforms.polling import poll_until

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 512 + b"\xff\xd9"


class GaveUp(Exception):
    pass


def _give_up(status: str) -> NoReturn:
    raise GaveUp(status)


def test_a_poll_waits_as_asked_and_returns_the_settled_status() -> None:
    statuses = iter(["pending", "pending", "pending", "ready"])
    slept: list[float] = []
    result = poll_until(
        lambda: next(statuses),
        pending=lambda s: s == "pending",
        wait=lambda s, n: 10.0 * (n + 1),
        timed_out=lambda: False,
        give_up=_give_up,
        sleep=slept.append,
    )
    assert result == "ready" and slept == [10.0, 20.0, 30.0]


def test_a_poll_gives_up_with_the_last_status_once_the_deadline_passed() -> None:
    now = [0.0]
    reads: list[float] = []

    def read() -> str:
        reads.append(now[0])
        return f"pending at {now[0]:.0f}"

    with pytest.raises(GaveUp) as caught:
        poll_until(
            read,
            pending=lambda s: s.startswith("pending"),
            wait=lambda s, n: 4.0,
            timed_out=lambda: now[0] >= 10,
            give_up=_give_up,
            sleep=lambda seconds: now.__setitem__(0, now[0] + seconds),
        )
    assert reads == [0, 4, 8, 12] and str(caught.value) == "pending at 12"


def test_a_failure_from_the_read_is_raised_at_once_never_retried() -> None:
    calls: list[int] = []

    def read() -> str:
        calls.append(1)
        raise ValueError("processing failed")

    with pytest.raises(ValueError, match="processing failed"):
        poll_until(
            read,
            pending=lambda s: True,
            wait=lambda s, n: 1.0,
            timed_out=lambda: False,
            give_up=_give_up,
            sleep=lambda s: None,
        )
    assert calls == [1]


@pytest.fixture
def emu() -> Iterator[tuple[Emulator, ManualClock]]:
    clock = ManualClock()
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=5.0)) as emulator:
        yield emulator, clock


def test_instagram_backs_off_to_once_a_minute_and_gives_up_after_five_minutes(
    emu: tuple[Emulator, ManualClock],
) -> None:
    emulator, clock = emu
    app = emulator.create_app("instagram", audited=True)
    url = emulator.url_for("instagram")
    config = PlatformConfig(client_id=app.client_id, client_secret=app.client_secret, base_url=url)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds=seconds)

    instagram = InstagramPlatform(config, sleep=sleep, clock=lambda: clock().timestamp())
    token = emulator.platform("instagram").grant_for_tests(app, emulator.default_user("instagram")).access_token
    emulator.faults.add("instagram:stuck_container")
    image = emulator.host_media("stuck.jpg", JPEG, "image/jpeg")
    post = PublishRequest(parts=(PostPart(text="hi", media=(MediaRef(kind=MediaKind.IMAGE, url=image),)),))
    with pytest.raises(PlatformUnavailable, match="still processing the media after 300 seconds"):
        instagram.publish(token, post)
    # 2 s doubling to the 60 s ceiling; the read at 302 s is past the 300 s timeout, so no tenth sleep.
    assert slept == [2, 4, 8, 16, 32, 60, 60, 60, 60]
    assert len([r for r in emulator.requests if r.endpoint == "get_object"]) == len(slept) + 1


def test_tenacity_loads_only_when_a_poll_or_retry_runs() -> None:
    code = (
        "import sys, psn_core.platforms.base, psn_core.platforms.tiktok, psn_core.services.accounts.tokens,"
        " psn_core.services.posting.media_uploads; print('tenacity' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
