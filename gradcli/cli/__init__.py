"""The command line: a thin layer that parses options, calls the library and hands the result to
a renderer.

``main`` is a group (:class:`~gradcli.cli.group.GradcliGroup`) that imports only the invoked
command's module, ``gradcli/cli/commands/<name>.py``; the activation commands are generated
from the registry by ``commands/activation.py``. Option types live in ``types.py``, shared options
in ``options.py``, the one error boundary in ``group.py``, and every write to stdout or stderr
in ``io.py`` (worded by :mod:`gradcli.output.messages`). Rich is imported only to draw tables.
"""

from __future__ import annotations

import gc

# A run of gradcli is short and makes few reference cycles, but its imports (numpy, Click) create
# some hundred thousand objects, and the collector would walk them again and again: one
# collection at the end of start-up instead (see GradcliGroup.main).
gc.disable()

import os  # noqa: E402

# gradcli's linear algebra is a few k x k matrices, so one BLAS thread. OpenBLAS (numpy's) starts a
# thread per core when numpy is imported, and each spins for about 0.1 s: CPU time that start-up
# and a stream's --jobs workers need. A user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from .. import __version__  # noqa: E402
from ..output.color import MODES, use_color  # noqa: E402
from .choice import Choice  # noqa: E402
from .group import GradcliGroup  # noqa: E402
from .io import be_quiet  # noqa: E402


def _versions() -> str:
    """numpy's and Python's versions, for bug reports (read from metadata: numpy is not imported)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    try:
        numpy = version("numpy")
    except PackageNotFoundError:  # pragma: no cover - numpy is a dependency
        numpy = "not installed"
    return f"numpy {numpy}, Python {platform.python_version()}"


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"gradcli {__version__} ({_versions()})")
        ctx.exit()


@click.group(
    cls=GradcliGroup,
    epilog="Each command's options and examples: gradcli COMMAND --help. Every command and option "
    "on one page: docs/reference/cli.md (generated from this help), with guides in docs/guide/.",
    context_settings={"max_content_width": 100, "help_option_names": ["-h", "--help"]},
)
@click.option(
    "--color",
    type=Choice(MODES),
    default="auto",
    show_default=True,
    expose_value=False,
    callback=lambda _ctx, _param, mode: use_color(mode),
    help="Colour in tables and plots: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR "
    "forces it), always or never. Without colour there is no styling at all.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    expose_value=False,
    callback=lambda _ctx, _param, quiet: be_quiet(quiet),
    help="No 'note:' lines on stderr (warnings and errors are still written).",
)
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version (with numpy's and Python's, for bug reports) and exit.",
)
def main() -> None:
    """Gradients you can check: finite differences next to exact backprop.

    \b
    Examples:
      gradcli grad "3*(a+b*c)" --at a=5,b=3,c=2
      gradcli grad "sigmoid(x)" --at x=20 --method forward --eps 0.001
      gradcli grad "log(1+exp(x*y))" --at 1,2 --format json
      gradcli sweep "exp(x)" --at x=1 --method forward --method central
      gradcli functions

    Exit status: 0 done, 1 f could not be evaluated at some point (or --strict and a
    warning, or a bad line in streamed input), 2 usage error, 70 internal error (a bug
    in gradcli), 74 the output could not be written, 130 interrupted.
    """


__all__ = ["main"]
