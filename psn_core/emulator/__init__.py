"""Loopback emulator of the X, LinkedIn, Instagram and TikTok APIs for tests, demos and fault drills.

Built from each platform's official documentation (cited at the top of each platform module), never
from psn's own clients. Typical use::

    with Emulator(clock=ManualClock()) as emu:
        emu.faults.add("x:429*1")
        base = emu.url_for("x")          # point the X client's API base URL here
"""

from psn_core.emulator.app import Emulator, FaultControl, serve
from psn_core.emulator.clock import ManualClock, system_clock
from psn_core.emulator.faults import FaultSpec, parse_fault_spec
from psn_core.emulator.oauth import TestApp, TestUser, TokenGrant, make_pkce_pair, pkce_matches
from psn_core.emulator.records import RecordedRequest
from psn_core.emulator.runtime import EmulatorConfig

__all__ = [
    "Emulator",
    "EmulatorConfig",
    "FaultControl",
    "FaultSpec",
    "ManualClock",
    "RecordedRequest",
    "TestApp",
    "TestUser",
    "TokenGrant",
    "make_pkce_pair",
    "parse_fault_spec",
    "pkce_matches",
    "serve",
    "system_clock",
]
