"""The group: commands loaded by name when invoked (Click's lazy-subcommand pattern), help with
the core commands first and the activations in their own section, and the one error boundary."""

from __future__ import annotations

import importlib
import os
import re
import sys
from typing import Any, NoReturn

import click

from ..errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, GradcliError
from ..output import messages
from .io import EXIT_INTERNAL, EXIT_IO, fail, quiet_stdout, say, use_ascii_fallback

# core commands, in the order --help lists them: name -> "module.attribute"
COMMANDS = {
    name: f"gradcli.cli.commands.{name}.{name}"
    for name in ("grad", "hessian", "sweep", "trace", "diff", "plot", "functions", "completion")
}
ACTIVATION_MODULE = "gradcli.cli.commands.activation"
_OPTION_LIKE = r"^--[A-Za-z][\w-]*(=.*)?$"


def command_name(activation: str) -> str:
    """An activation's command name: the registry name with ``-`` for ``_`` (``leaky-relu``)."""
    return activation.replace("_", "-")


# commands people look for that are spelled another way in gradcli
_ELSEWHERE = {
    "jacobian": 'the Jacobian is grad with several expressions, e.g. gradcli grad "x*y" "x+y" --at 1,2',
    "gradient": 'the command is grad, e.g. gradcli grad "x*y" --at 1,2',
    "derivative": 'grad evaluates derivatives (gradcli grad "x**2" --at 3), diff writes them (gradcli diff "x**2")',
    "activations": "each activation is a command of its own (gradcli sigmoid --at 1); gradcli --help lists them",
    "activation": "each activation is a command of its own (gradcli sigmoid --at 1); gradcli --help lists them",
}


def _show_help(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit()


class PlainHelp:
    """A help option built without Click's message catalogue: Click's own asks gettext for its
    text, which imports ``locale`` (about 1 ms) on every run, help or not."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        names = self.get_help_option_names(ctx)  # type: ignore[attr-defined]
        if not names or not self.add_help_option:  # type: ignore[attr-defined]
            return None
        if getattr(self, "_plain_help", None) is None:
            self._plain_help = click.Option(
                names,
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_show_help,
                help="Show this message and exit.",
            )
        return self._plain_help


class GradcliGroup(PlainHelp, click.Group):
    """A group that imports a command's module only when that command runs, and whose ``main``
    reports every error in one line with gradcli's exit statuses."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *self.activation_names()]

    @staticmethod
    def activation_names() -> list[str]:
        from ..registry import ACTIVATIONS

        return sorted(command_name(name) for name in ACTIVATIONS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name].rsplit(".", 1)
            return getattr(importlib.import_module(module), attribute)
        from ..registry import ACTIVATIONS

        key = cmd_name.replace("-", "_")
        if key in ACTIVATIONS:  # leaky-relu, and leaky_relu as an alias
            return importlib.import_module(ACTIVATION_MODULE).command(key)
        return None

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:  # suggest every command, activations too
            where = _ELSEWHERE.get(exc.command_name.lower())
            if where is not None:
                raise click.UsageError(f"no command {exc.command_name!r}: {where}", ctx=ctx) from None
            raise click.exceptions.NoSuchCommand(
                exc.command_name, possibilities=self.list_commands(ctx), ctx=ctx
            ) from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Two sections: the core commands (in :data:`COMMANDS` order), then the activations."""
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        for title, names in (("Commands", list(COMMANDS)), ("Activations", self.activation_names())):
            rows = []
            for name in names:
                command = self.get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)

    def main(self, *args: Any, **kwargs: Any) -> NoReturn:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        if sys.stdout is None:  # started with stdout closed (>&-): nowhere to write
            fail(EXIT_IO, "cannot write the output: stdout is closed")
        use_ascii_fallback()
        try:
            code = super().main(*args, **kwargs)
        except GradcliError as exc:
            fail(exc.exit_code, str(exc), getattr(exc, "caret", lambda: None)())
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare 'gradcli': the help, as usual
                say(exc.format_message())
                sys.exit(EXIT_USAGE)
            say(messages.usage(exc.format_message(), exc.ctx.command_path if exc.ctx else None))
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            fail(exc.exit_code, exc.format_message())
        except (click.exceptions.Abort, KeyboardInterrupt):
            fail(EXIT_INTERRUPTED, "interrupted")
        except BrokenPipeError:
            quiet_stdout()
            sys.exit(EXIT_OK)
        except OSError as exc:  # the system refused a read or write: not a bug in gradcli
            quiet_stdout()  # what is still buffered for stdout must not fail again at exit
            fail(EXIT_IO, f"cannot write the output: {exc.strerror or exc}")
        except Exception as exc:  # a bug in gradcli, not a user error
            if os.environ.get("GRADCLI_DEBUG"):
                raise
            say(messages.internal_error(exc))
            sys.exit(EXIT_INTERNAL)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


class _LongHelp(click.Option):
    """The help option of an expression command: listed as ``-h, --help``, but the parser knows only
    ``--help`` (an exact ``-h`` is turned into it), so ``-h*2`` or ``-x*h`` stay expressions."""

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        opts = self.opts
        self.opts = [o for o in opts if o.startswith("--")]
        try:
            super().add_to_parser(parser, ctx)
        finally:
            self.opts = opts


def refuse_idle_options(ctx: click.Context) -> None:
    """Options given on the command line that would do nothing here are usage errors (gradcli
    refuses what it would ignore): ``--eps`` with ``--method backprop``, ``--jobs`` and
    ``--on-error`` without streamed points, and a ``--vanish`` threshold not below ``--explode``."""
    from click.core import ParameterSource

    params = ctx.params

    def given(name: str) -> bool:
        return name in params and ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE

    if given("eps") and params.get("method") == "backprop":
        raise click.UsageError(
            "--eps sets the finite-difference step, but --method backprop computes no finite "
            "difference: drop --eps, or choose a difference method"
        )
    points = params.get("points")
    points = points if isinstance(points, (tuple, list)) else ()  # plot's --points is a count
    streamed = params.get("input_path") is not None or any(
        getattr(p, "text", p) == "-" or p == ("-",) for p in points
    )
    for name, flag in (("jobs", "--jobs"), ("on_error", "--on-error")):
        if given(name) and not streamed:
            raise click.UsageError(f"{flag} applies to streamed points only (--at - or --input FILE)")
    if ctx.meta.get("gradcli.errors") is not None and not streamed:
        raise click.UsageError("--errors applies to streamed points only (--at - or --input FILE)")
    vanish, explode = params.get("vanish"), params.get("explode")
    if vanish is not None and explode is not None and 0 < explode <= vanish:
        raise click.UsageError(
            f"--vanish {vanish:g} is not below --explode {explode:g}, so every gradient would warn"
        )


_frozen = False  # whether start-up's objects have been frozen (CheckedCommand.invoke)


class CheckedCommand(PlainHelp, click.Command):
    """A command that refuses options which would do nothing (:func:`refuse_idle_options`)."""

    def invoke(self, ctx: click.Context) -> Any:
        global _frozen
        if not _frozen:  # once: a second freeze (tests, a notebook) would keep the last run's garbage
            import gc

            gc.freeze()  # start-up's objects (see gradcli.cli) are never collected, and never walked
            gc.enable()
            _frozen = True
        refuse_idle_options(ctx)
        digits = ctx.meta.get("gradcli.digits")
        if digits is not None:
            if ctx.params.get("fmt", "table") != "table":
                raise click.UsageError(
                    f"--digits rounds the table; --format {ctx.params['fmt']} keeps every digit"
                )
            from ..output.numbers import show_digits

            show_digits(digits)
            try:
                return self._with_header(ctx)
            finally:
                show_digits(None)
        return self._with_header(ctx)

    def _with_header(self, ctx: click.Context) -> Any:
        if not ctx.meta.get("gradcli.no_header"):
            return super().invoke(ctx)
        if ctx.params.get("fmt") not in ("csv", "tsv"):
            raise click.UsageError(
                "--no-header leaves out the header of --format csv or tsv: give one of them"
            )
        from .io import Headerless

        stdout = sys.stdout
        sys.stdout = Headerless(stdout)  # type: ignore[assignment]
        try:
            return super().invoke(ctx)
        finally:
            sys.stdout = stdout


class ExpressionCommand(CheckedCommand):
    """A command whose argument may start with a minus sign (``gradcli grad "-x**2"``).

    Unknown ``-x...`` words pass through as the expression; a word shaped like a long option
    (``--metod``) that is not one of the command's options is still refused by name; ``-h`` alone
    is ``--help``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("context_settings", {})["ignore_unknown_options"] = True
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None and type(option) is click.Option:
            option.__class__ = _LongHelp
        return option

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        hidden: set[str] = set()
        for param in self.get_params(ctx):
            hidden.update(getattr(param, "aliases", ()))
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not (param.is_flag or param.count)
        words = list(args)
        expecting_value = False
        for i, word in enumerate(words):
            if expecting_value:
                expecting_value = False
                continue
            if word == "--":
                break
            if word == "-h":
                words[i] = "--help"
                continue
            name = word.split("=", 1)[0]
            if name in takes_value:
                expecting_value = takes_value[name] and "=" not in word
            elif word.startswith("--") and re.match(_OPTION_LIKE, word):
                import difflib

                visible = [n for n in takes_value if n not in hidden]
                close = difflib.get_close_matches(name, visible, n=3)
                raise click.NoSuchOption(name, possibilities=close, ctx=ctx)
        return super().parse_args(ctx, words)
