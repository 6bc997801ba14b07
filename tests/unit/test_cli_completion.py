"""`psn completion <shell>` prints click's own completion script, and completing in bash works through the
lazy group: `psn qu<TAB>` offers queue (and quickstart), `psn auth <TAB>` the platforms."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PSN = Path(sys.executable).parent / "psn"
ENV = {**os.environ, "PATH": f"{PSN.parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _run(args: list[str], extra_env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=60, check=True, env={**ENV, **(extra_env or {})}
    )
    return done.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_what_click_generates_for_the_shell(shell: str) -> None:
    printed = _run([str(PSN), "completion", shell])
    clicks_own = _run([str(PSN)], {"_PSN_COMPLETE": f"{shell}_source"})
    assert printed == clicks_own
    assert "_PSN_COMPLETE" in printed and f"{shell}_complete" in printed


def test_completion_refuses_an_unknown_shell() -> None:
    done = subprocess.run([str(PSN), "completion", "powershell"], capture_output=True, text=True, env=ENV)
    assert done.returncode == 2 and "powershell" in done.stderr


def test_completion_help_says_how_to_install_it() -> None:
    text = _run([str(PSN), "completion", "--help"])
    for line in ("psn completion bash >", "psn completion zsh >", "psn completion fish >", "~/.bashrc"):
        assert line in text


def _bash_complete(words: str, cword: int) -> list[str]:
    """The completions `psn` answers with over click's bash protocol (what the bash script asks)."""
    out = _run(
        ["bash", "-c", "psn"],
        {"COMP_WORDS": words, "COMP_CWORD": str(cword), "_PSN_COMPLETE": "bash_complete"},
    )
    return [line.partition(",")[2] for line in out.splitlines()]


def test_bash_protocol_completes_commands_and_arguments() -> None:
    assert _bash_complete("psn qu", 1) == ["queue", "quickstart"]
    assert "queue" not in _bash_complete("psn po", 1)
    assert _bash_complete("psn auth ", 2)[:4] == ["x", "linkedin", "instagram", "tiktok"]
    assert _bash_complete("psn completion ", 2) == ["bash", "zsh", "fish"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_installed_bash_script_offers_queue_for_psn_qu() -> None:
    """The printed script, sourced in bash as ~/.bashrc would, fills COMPREPLY for `psn qu<TAB>`."""
    script = (
        'eval "$(psn completion bash)"\n'
        "COMP_WORDS=(psn qu); COMP_CWORD=1\n"
        "_psn_completion psn\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    assert _run(["bash", "-c", script]).split() == ["queue", "quickstart"]
