"""`psn completion <shell>`: prints click's completion script for bash, zsh or fish (the same script
`_PSN_COMPLETE=<shell>_source psn` prints). Completing lists commands without importing them."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_PSN_COMPLETE"


def completion_script(shell: str) -> str:
    """click's completion script for ``shell``, for the `psn` command."""
    from click.shell_completion import get_completion_class

    from psn_core.cli.main import cli

    completion_class = get_completion_class(shell)
    if completion_class is None:  # pragma: no cover - click.Choice admits only the shells click knows
        raise click.BadParameter(f"no completion for {shell}")
    return completion_class(cli, {}, "psn", COMPLETE_VAR).source()


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish. Install it once:

    \b
    bash: psn completion bash > ~/.local/share/bash-completion/completions/psn
          (or add `eval "$(psn completion bash)"` to ~/.bashrc; needs bash 4.4 or later)
    zsh:  psn completion zsh > ~/.zfunc/_psn
          (with `fpath+=~/.zfunc; autoload -Uz compinit; compinit` in ~/.zshrc,
          or add `eval "$(psn completion zsh)"` to ~/.zshrc after compinit)
    fish: psn completion fish > ~/.config/fish/completions/psn.fish

    Open a new shell afterwards. Completion runs `psn` itself (with _PSN_COMPLETE set), so it always
    matches the installed version."""
    click.echo(completion_script(shell), nl=False)


COMMANDS = (completion,)
