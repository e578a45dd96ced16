"""``gradcli completion SHELL``: the shell's completion script (Click's shell completion)."""

from __future__ import annotations

import click

from ..choice import Choice

SHELLS = ("bash", "zsh", "fish")


@click.command()
@click.argument("shell", type=Choice(SHELLS), metavar="SHELL")
def completion(shell: str) -> None:
    """Print the completion script for SHELL: commands, options and their choices complete on TAB.

    Load it from your shell's start-up file: eval "$(gradcli completion bash)" in ~/.bashrc,
    eval "$(gradcli completion zsh)" in ~/.zshrc, gradcli completion fish | source in
    ~/.config/fish/config.fish.

    \b
    Examples:
      gradcli completion bash
      gradcli completion zsh
      gradcli completion fish
    """
    from click.shell_completion import get_completion_class

    from .. import main

    cls = get_completion_class(shell)
    assert cls is not None  # every name in SHELLS is one Click knows
    script = cls(main, {}, "gradcli", "_GRADCLI_COMPLETE").source()
    click.echo(script.rstrip("\n"))
