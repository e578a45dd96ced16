"""One module per command, imported only when that command runs (see :mod:`gradcli.cli.group`)."""
