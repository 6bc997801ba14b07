"""House rule: every Python module under psn_core/ and mcp_server/ stays at most 450 lines (no allow-list).

A module that grows past it is split along its seams (a leaf module, a second command module)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 450
PACKAGES = ("psn_core", "mcp_server")


def modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def too_long(paths: list[Path], root: Path = ROOT, limit: int = LIMIT) -> list[str]:
    """Each module over ``limit`` lines, with its length (empty: all within it)."""
    found = []
    for path in paths:
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > limit:
            found.append(f"{path.relative_to(root)}: {count} lines (limit {limit})")
    return found


def test_the_rule_sees_every_package_module() -> None:
    found = {path.relative_to(ROOT).as_posix() for path in modules()}
    assert {"psn_core/errors/__init__.py", "psn_core/cli/company.py", "mcp_server/server.py"} <= found
    assert len(found) > 100


def test_every_module_stays_within_the_limit() -> None:
    assert too_long(modules()) == []


def test_the_check_reports_a_module_one_line_over(tmp_path: Path) -> None:
    at_limit, over = tmp_path / "at_limit.py", tmp_path / "over.py"
    at_limit.write_text("x = 1\n" * LIMIT, encoding="utf-8")
    over.write_text("x = 1\n" * (LIMIT + 1), encoding="utf-8")
    assert too_long([at_limit, over], root=tmp_path) == [f"over.py: {LIMIT + 1} lines (limit {LIMIT})"]
