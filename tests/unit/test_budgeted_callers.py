"""Platform calls outside the accounts wing get their client from ``budgeted_client`` (one place builds the
request budget's gate), never a hand-made ``BudgetGate``."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = ROOT / "psn_core" / "services" / "accounts"


def test_only_the_accounts_wing_builds_a_budget_gate() -> None:
    built = [
        str(path.relative_to(ROOT))
        for folder in (ROOT / "psn_core", ROOT / "mcp_server")
        for path in sorted(folder.rglob("*.py"))
        if ACCOUNTS not in path.parents and re.search(r"\bBudgetGate\(", path.read_text(encoding="utf-8"))
    ]
    assert built == [], f"use psn_core.services.accounts.callers.budgeted_client in {built}"
