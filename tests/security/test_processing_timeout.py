"""Media the platform never finishes processing: the publisher waits its hard timeout (5 minutes, 15 for
video) while the watchdog sweeps every minute as the worker does, and the post ends in one clear failure
(the reason and what to do) with exactly one critical notification, also when an earlier media item of
the post took minutes, so that the watchdog's clock (from the claim) runs out before the stuck item's
(from its first upload step). Time is a manual clock: the publisher's sleeps move it, nothing waits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.services.posting.posts import PartInput
from psn_core.services.posting.watchdog import WatchdogReport, run_watchdog
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env
from tests.unit.media.media_factory import MediaFactory

pytestmark = pytest.mark.pg


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    # a media item that is not stuck takes two minutes to process
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=120)) as emulator:
        yield emulator


@pytest.fixture
def pub(hub_env: HubEnv, emu: Emulator, clock: ManualClock) -> PubEnv:
    return make_pub_env(hub_env, emu, clock)


class WorkerMinute:
    """The publisher's sleep in a worker: time passes, and the watchdog's cron fires at every minute."""

    def __init__(self, pub: PubEnv) -> None:
        self.pub = pub
        self.next_sweep = pub.clock() + timedelta(minutes=1)
        self.reports: list[WatchdogReport] = []

    def sleep(self, seconds: float) -> None:
        self.pub.clock.advance(max(seconds, 0.0))
        while self.pub.clock() >= self.next_sweep:
            self.reports.append(run_watchdog(self.pub.env.hub, self.pub.member, self.pub.enqueue, self.next_sweep))
            self.next_sweep += timedelta(minutes=1)


def _stuck_from(pub: PubEnv, monkeypatch: pytest.MonkeyPatch, platform: str, nth: int) -> None:
    """The ``nth`` media item the platform creates (1-based) stays "in progress" for ever."""
    book = pub.emu.world.faults
    original, created = book.take_processing, [0]

    def take(name: str, endpoint: str) -> str | None:
        if name == platform:
            created[0] += 1
            if created[0] == nth:
                return "stuck"
        return original(name, endpoint)

    monkeypatch.setattr(book, "take_processing", take)


@pytest.mark.parametrize(
    ("platform", "kinds", "minutes"),
    [
        ("tiktok", ["video"], 15),
        ("linkedin", ["image"], 5),
        ("linkedin", ["image", "image"], 5),  # the first image takes 2 minutes, the second never finishes
    ],
)
def test_processing_that_never_finishes_ends_in_one_clear_failure(
    platform: str, kinds: list[str], minutes: int, pub: PubEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = MediaFactory(tmp_path)
    media = [
        factory.video(f"clip{i}.mp4", size=(360, 640), fps=24) if kind == "video" else factory.image(f"p{i}.jpg")
        for i, kind in enumerate(kinds)
    ]
    _stuck_from(pub, monkeypatch, platform, len(media))
    text = "Lima: processing that never ends #stuck @psn_dev & co https://example.com/wait?a=1&b=2"
    post = pub.schedule(pub.create({platform: [PartInput(text=text, media=media)]}))
    target = post.targets[0].id
    started: datetime = pub.clock()
    minute = WorkerMinute(pub)
    publisher = pub.publisher()
    publisher.sleep = minute.sleep

    done = publisher.publish(pub.member, target)

    waited = pub.clock() - started
    assert timedelta(minutes=minutes) <= waited < timedelta(minutes=minutes + 3), waited
    assert done.status in ("failed", "needs_attention"), done
    assert f"did not finish within {minutes} minutes" in (done.error_message or ""), done.error_message
    assert "psn retry" in (done.error_action or ""), done.error_action
    with pub.env.hub.owner() as conn:
        notes = conn.execute("SELECT tier, kind, body, action FROM notifications ORDER BY id").fetchall()
        upload = conn.execute("SELECT state, error FROM media_uploads ORDER BY media_index DESC").fetchone()
    critical = [n for n in notes if n["tier"] == "critical"]
    assert len(critical) == 1, notes
    assert f"{minutes} minutes" in critical[0]["body"] and "psn retry" in critical[0]["action"], critical
    assert upload == {"state": "FAILED", "error": f"processing did not finish within {minutes} minutes"}, upload
    # Nothing went out (TikTok's video init is the post: it never completed), and nothing tries again.
    if platform == "linkedin":
        assert pub.requests(platform, "create_post") == 0
    assert all(not r.resumed for r in minute.reports)


def test_a_publisher_failing_after_the_watchdog_gave_up_sends_no_second_notification(
    pub: PubEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "Mike: a request that hangs #slow @psn_dev & co https://example.com/hang?a=1&b=2"
    post = pub.schedule(pub.create({"linkedin": [PartInput(text=text)]}))
    target = post.targets[0].id
    book, original = pub.emu.world.faults, pub.emu.world.faults.take_status
    reports: list[WatchdogReport] = []

    def hang_then_fail(platform: str, endpoint: str, *, api: bool) -> str | None:
        if endpoint == "create_post":  # the answer comes 6 minutes later: the watchdog has swept meanwhile
            reports.append(run_watchdog(pub.env.hub, pub.member, pub.enqueue, pub.clock() + timedelta(minutes=6)))
            return "503"
        return original(platform, endpoint, api=api)

    monkeypatch.setattr(book, "take_status", hang_then_fail)
    queued = len(pub.queue)
    done = pub.publisher().publish(pub.member, target)

    assert [r.stuck for r in reports] == [[target]]
    assert (done.status, done.error_class) == ("needs_attention", "Stuck")
    assert len(pub.queue) == queued  # the 503 did not put it back in the queue behind the user's back
    with pub.env.hub.owner() as conn:
        notes = conn.execute("SELECT kind FROM notifications WHERE tier = 'critical'").fetchall()
    assert notes == [{"kind": "post_stuck"}]
