"""`psn auth verify` against the real APIs (marker ``live``; see conftest.py for the variables), and the
same checks against the emulator, so the live path is exercised on every run."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from psn_core.emulator import Emulator, EmulatorConfig, ManualClock
from psn_core.platforms.models import PlatformConfig
from psn_core.platforms.registry import PLATFORMS
from psn_core.services.accounts.verify import VerifyReport, verify_token


def describe(report: VerifyReport) -> str:
    lines = [f"{report.display_name} @{report.handle}"]
    lines += [f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in report.checks]
    lines += [f"  MISSING {s.scope}: {s.enables or 'no feature recorded'}" for s in report.missing]
    lines += [f"  header {k}: {v}" for k, v in report.rate_limit_headers.items()]
    return "\n".join(lines)


@pytest.mark.live
@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_live_verify(platform: str) -> None:
    prefix = f"PSN_LIVE_{platform.upper()}_"
    token = os.environ.get(prefix + "TOKEN", "")
    if not token:
        pytest.skip(f"{prefix}TOKEN is not set")
    scopes = [s for s in os.environ.get(prefix + "SCOPES", "").replace(",", " ").split() if s]
    config = PlatformConfig(api_version=os.environ.get(prefix + "API_VERSION") or None)
    report = verify_token(platform, config, token, scopes)
    print(describe(report))  # what works, for the person running the smoke (pytest -s)
    failed = [c for c in report.checks if not c.ok]
    assert not failed, describe(report)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(clock=ManualClock(), config=EmulatorConfig(processing_seconds=1.0)) as emulator:
        yield emulator


@pytest.mark.parametrize("platform", list(PLATFORMS))
def test_the_live_checks_pass_against_the_emulator(emu: Emulator, platform: str) -> None:
    token = emu.grant_tokens(platform).access_token
    config = PlatformConfig(base_url=emu.url_for(platform), sandbox=True)
    report = verify_token(platform, config, token, PLATFORMS[platform].oauth.scopes)
    assert [c.ok for c in report.checks] == [True] * len(report.checks), describe(report)
    assert report.handle == emu.default_user(platform).username
    expected = {"instagram": ["who am I", "publishing quota"], "tiktok": ["who am I", "posting settings"]}
    assert [c.name for c in report.checks] == expected.get(platform, ["who am I"])
