"""``Choice``: an option's value among a few names (click only: the group's own ``--color`` uses it,
so it is imported with every run)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click


class Choice(click.Choice):  # type: ignore[type-arg]
    """One of a few names, in any case (``--format CSV``); a near miss is refused with the name it
    is nearest (``--method centre``: did you mean 'central'?)."""

    def __init__(self, choices: Sequence[str]) -> None:
        super().__init__(choices, case_sensitive=False)

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            import difflib

            names = [str(choice) for choice in self.choices]
            near = difflib.get_close_matches(str(value).strip().lower(), names, n=1, cutoff=0.6)
            if not near:
                raise
            self.fail(f"{exc.message.rstrip('.')}: did you mean {near[0]!r}?", param, ctx)
