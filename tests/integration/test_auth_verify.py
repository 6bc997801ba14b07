"""`psn auth verify` against the emulator (the `live` tests run the same against the real APIs), and the
TikTok and Instagram rules as a user meets them: a TikTok post needs a privacy level the user chose, and a
used-up Instagram publishing quota reschedules the post without sending anything."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from psn_core.cli.accounts import print_verify
from psn_core.cli.context import Ctx
from psn_core.crypto import load_keyring
from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.errors import PostInvalid
from psn_core.services.accounts.verify import verify_accounts
from psn_core.services.posting.posts import PartInput, PostInput, TargetInput, create_post
from tests.support.clock import start_clock
from tests.support.hubs import HubEnv
from tests.support.publishing_env import PubEnv, make_pub_env, parts
from tests.unit.media.media_factory import MediaFactory

pytestmark = pytest.mark.pg


@pytest.fixture
def clock() -> ManualClock:
    return start_clock()


@pytest.fixture
def emu(clock: ManualClock) -> Iterator[Emulator]:
    with Emulator(clock=clock, config=EmulatorConfig(processing_seconds=5, instagram_posts_per_day=1)) as emulator:
        yield emulator


@pytest.fixture
def pub(hub_env: HubEnv, emu: Emulator, clock: ManualClock) -> PubEnv:
    return make_pub_env(hub_env, emu, clock, platform_read_timeout=2.0)


def verify(pub: PubEnv, platform: str | None = None):  # type: ignore[no-untyped-def]
    ring = load_keyring(pub.settings)
    return {
        r.platform: r for r in verify_accounts(pub.env.hub, pub.settings, ring, pub.member, platform, clock=pub.clock)
    }


def test_verify_reads_who_scopes_and_quotas_and_posts_nothing(pub: PubEnv) -> None:
    pub.emu.clear_requests()  # the sign-ins
    reports = verify(pub)
    assert set(reports) == {"x", "linkedin", "instagram", "tiktok"}
    for report in reports.values():
        who = report.checks[0]
        assert (who.name, who.ok) == ("who am I", True) and f"@{report.handle}" in who.detail
    instagram, tiktok = reports["instagram"], reports["tiktok"]
    assert instagram.ok and instagram.quota is not None and (instagram.quota.used, instagram.quota.total) == (0, 1)
    assert "x-business-use-case-usage" in instagram.rate_limit_headers
    assert tiktok.ok and tiktok.posting is not None and tiktok.posting.privacy_levels == ("SELF_ONLY",)
    assert all(s.granted for s in tiktok.scopes) and tiktok.missing == []
    # read calls only: every request a GET, but creator_info, which TikTok serves as a POST
    assert {r.endpoint for r in pub.emu.requests if r.method != "GET"} == {"creator_info"}


def test_verify_says_what_each_missing_scope_disables(pub: PubEnv, capsys: pytest.CaptureFixture[str]) -> None:
    with pub.env.hub.owner() as conn:  # as if the user had unticked two permissions on the consent screen
        conn.execute(
            "UPDATE oauth_tokens SET scopes = %s WHERE account_id = %s",
            [["instagram_business_basic", "instagram_business_content_publish"], pub.accounts["instagram"].id],
        )
        conn.execute(
            "UPDATE oauth_tokens SET scopes = %s WHERE account_id = %s",
            [["user.info.basic", "video.publish", "video.upload", "video.list"], pub.accounts["tiktok"].id],
        )
    ctx = Ctx(pub.settings.workspace)
    ctx._settings = pub.settings
    assert print_verify(ctx, pub.env.hub, pub.member, None, pub.clock) is False
    out = capsys.readouterr().out
    # what a missing scope disables: the features that need it, or the platform's note on the scope
    assert "MISSING scope instagram_business_manage_insights: without it psn cannot read post analytics (" in out
    assert "MISSING scope user.info.profile: without it psn cannot show your @username" in out
    assert "ok   publishing quota: 0 of 1 posts used in the last 24 hours (1 left)" in out
    assert "ok   posting settings: privacy levels offered: SELF_ONLY; videos up to 600 s" in out
    assert "X @" in out and "LinkedIn @" in out


def test_a_used_up_instagram_quota_reschedules_without_sending(pub: PubEnv, tmp_path: Path) -> None:
    photo = MediaFactory(tmp_path).image("quota.jpg", (1080, 1080))
    first = pub.publish(pub.schedule(pub.create({"instagram": parts("one", media=[photo])})))
    assert first["instagram"].status == "published"
    second = pub.publish(pub.schedule(pub.create({"instagram": parts("two", media=[photo])})))
    target = second["instagram"]
    assert target.status == "scheduled" and target.error_class == "RateLimited"
    assert target.error_message and "used up: 1 of 1 posts" in target.error_message
    assert pub.requests("instagram", "publish") == 1 and pub.requests("instagram", "create_container") == 1
    assert pub.requests("instagram", "publishing_limit") >= 2


def test_a_tiktok_post_needs_a_privacy_level_unless_sandboxed(
    hub_env: HubEnv, emu: Emulator, clock: ManualClock, tmp_path: Path
) -> None:
    audited = make_pub_env(hub_env, emu, clock, tiktok_sandbox=False)
    photo = MediaFactory(tmp_path).image("tt.jpg", (1080, 1920))
    account = audited.accounts["tiktok"].id
    media_dir, host = audited.settings.workspace / "media", audited.settings.media_host_url

    def draft(**choice: object) -> PostInput:
        target = TargetInput(account_id=account, parts=[PartInput(text="hi", media=[photo])], **choice)  # type: ignore[arg-type]
        return PostInput(targets=[target])

    with audited.env.hub.transaction(audited.member) as conn, pytest.raises(PostInvalid) as refused:
        create_post(conn, audited.member, draft(), timezone="UTC", media_dir=media_dir, media_host=host)
    assert "choose who can see this post" in refused.value.message
    with audited.env.hub.transaction(audited.member) as conn:
        made = create_post(
            conn,
            audited.member,
            draft(privacy_level="SELF_ONLY", allow_comment=True),
            timezone="UTC",
            media_dir=media_dir,
            media_host=host,
        )
    assert made.targets[0].rendering.privacy_level == "SELF_ONLY" and made.targets[0].rendering.allow_comment
