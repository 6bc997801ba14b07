"""`psn quickstart` never runs in a workspace it did not make: a real workspace is refused before anything
is written (no emulator accounts, no demo marker, hub.env as it was)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli_runner import run_psn


def test_quickstart_refuses_a_workspace_it_did_not_make(tmp_path: Path) -> None:
    real = tmp_path / "mine"
    real.mkdir()
    (real / "hub.env").write_text("PSN_TIMEZONE=Europe/Madrid\n")
    done = run_psn(tmp_path, "-w", str(real), "quickstart", "--name", "Ana", check=False)
    assert done.returncode == 1
    assert f"{real} is a psn workspace of yours, not a quickstart demo" in done.stderr
    assert "./psn-demo" in done.stderr
    assert sorted(p.name for p in real.iterdir()) == ["hub.env"]
    assert (real / "hub.env").read_text() == "PSN_TIMEZONE=Europe/Madrid\n"


def test_quickstart_refuses_a_workspace_made_by_init_even_as_its_default_folder(tmp_path: Path) -> None:
    (tmp_path / "psn-demo" / ".psn").mkdir(parents=True)
    done = run_psn(tmp_path, "quickstart", "--name", "Ana", check=False)
    assert done.returncode == 1 and "not a quickstart demo" in done.stderr
    assert not (tmp_path / "psn-demo" / ".psn" / "demo").exists()
