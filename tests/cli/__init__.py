"""Tests of the command line, one file per command (mirroring gradcli/cli/commands/)."""
