"""A chunked video upload to X cut off by SIGKILL at each step (after initialize, in the middle of the
appends, while X processes the video): the restarted worker resumes from the state persisted in
media_uploads, on the same upload session (one initialize, one finalize, no segment sent again except
the one whose answer was lost), and the post goes out once with that media."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import pytest

from psn_core.config import Settings
from psn_core.emulator import Emulator, EmulatorConfig
from psn_core.services.posting.posts import PartInput
from psn_core.timefmt import utcnow
from tests.e2e.conftest import Workers, wait_for
from tests.security.crash_env import (
    XUploadCalls,
    hold_call,
    schedule,
    sweep_when_leases_are_free,
    target_status,
)
from tests.support.hubs import HubEnv
from tests.support.platform_env import connect_account
from tests.unit.media.media_factory import MB, MediaFactory, pad_to

pytestmark = [pytest.mark.pg, pytest.mark.slow]

TEXT = "Kilo: the launch video #demo with @psn_dev & friends https://example.com/video?a=1&b=2"
# The n-th call of X's upload steps whose answer is held while the worker is killed:
# 1 is initialize, 2 the first append (segment 0), 3 the second (segment 1), 4 the third, 5 finalize.
UPLOAD_STEPS = ("media_initialize", "media_append", "media_finalize")
HELD_CALL = {"after_initialise": 2, "mid_append": 3}
# What the hub has persisted when the worker dies: the state and the next segment to send.
PERSISTED = {
    "after_initialise": ("UPLOADING", 0),
    "mid_append": ("UPLOADING", 1),
    "during_processing": ("PROCESSING", 3),
}
# FAST is how the emulator of tests/security/conftest.py starts; SLOW keeps X processing the video.
FAST, SLOW = EmulatorConfig(processing_seconds=0.2, hold_seconds=600), EmulatorConfig(processing_seconds=3600)


def _upload(hub_env: HubEnv) -> dict[str, object] | None:
    with hub_env.hub.owner() as conn:
        return conn.execute("SELECT state, session, remote_media_id FROM media_uploads").fetchone()


@pytest.mark.parametrize("step", ["after_initialise", "mid_append", "during_processing"])
def test_an_upload_killed_at_each_step_resumes_on_the_same_session(
    step: str, hub_env: HubEnv, settings: Settings, emu: Emulator, workers: Workers, tmp_path: Path
) -> None:
    assert settings.member_id is not None
    account = connect_account(hub_env.hub, settings, settings.member_id, "x")
    clip = pad_to(MediaFactory(tmp_path).video("clip.mp4", size=(360, 640), fps=24), 9 * MB)  # three segments
    calls = XUploadCalls(emu)
    if step == "during_processing":
        emu.world.config = SLOW  # X keeps processing until the worker is gone
    target = schedule(
        hub_env, settings, account.id, [PartInput(text=TEXT, media=[clip])], utcnow() + timedelta(seconds=1)
    )

    nth = HELD_CALL.get(step)
    with hold_call(emu, "x", UPLOAD_STEPS, nth) if nth else nullcontext(lambda: True) as held:
        first = workers.start(threads=2)

        def cut_off() -> bool:
            if nth:
                return held()
            row = _upload(hub_env)
            polled = any(r.endpoint == "media_status" for r in emu.requests)
            return row is not None and row["state"] == "PROCESSING" and polled

        assert wait_for(cut_off, timeout=30, every=0.1), workers.log.read_text()[-3000:]
        workers.kill(first)

    row = _upload(hub_env)
    assert row is not None and isinstance(row["session"], dict)
    assert (row["state"], row["session"]["next_chunk"]) == PERSISTED[step]
    assert calls.inits == 1 and len(emu.platform("x").media.items) == 1  # type: ignore[attr-defined]
    emu.world.config = FAST

    workers.start(threads=2)
    report = sweep_when_leases_are_free(hub_env, settings)
    assert report.resumed == [target], report
    assert wait_for(lambda: target_status(hub_env, target) != "scheduled", timeout=40, every=0.3)
    assert wait_for(lambda: target_status(hub_env, target) != "publishing", timeout=40, every=0.3)
    assert target_status(hub_env, target) == "published", workers.log.read_text()[-3000:]

    # One upload session: one initialize, one finalize; each segment sent once, but for the one whose answer
    # was lost in the kill, which goes again on the same session.
    sessions = list(emu.platform("x").media.items.values())  # type: ignore[attr-defined]
    assert len(sessions) == 1, f"a second upload session was opened: {calls.appends}"
    media = sessions[0]
    assert calls.inits == 1 and calls.finalizes == 1
    lost = (nth - 2) if nth else None
    assert calls.appends == {(media.id, s): 2 if s == lost else 1 for s in range(3)}, calls.appends
    assert sum(media.segments.values()) == clip.stat().st_size

    # The post went out once, with that media; the hub's state machine ends in PUBLISHED.
    tweets = list(emu.platform("x").tweets.values())  # type: ignore[attr-defined]
    assert [(t.text, t.media_keys) for t in tweets] == [(TEXT, [media.key])]
    done = _upload(hub_env)
    assert done is not None and (done["state"], done["remote_media_id"]) == ("PUBLISHED", media.id)
    with hub_env.hub.owner() as conn:
        ledger = conn.execute("SELECT state, remote_id FROM publish_ledger").fetchall()
    assert ledger == [{"state": "ok", "remote_id": tweets[0].id}]
