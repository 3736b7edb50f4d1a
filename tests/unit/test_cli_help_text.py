"""Every command's help reads as whole paragraphs: the help panels keep a docstring's line
breaks, which had cut sentences at the source's width ("... write audit.json and" / "index.html.")."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from synthaug.cli import app, reflow


def _commands(typer_app, prefix=()):
    for command in typer_app.registered_commands:
        yield (*prefix, command.name or command.callback.__name__), command
    for group in typer_app.registered_groups:
        yield from _commands(group.typer_instance, (*prefix, group.name))


COMMANDS = list(_commands(app))


def test_reflow_joins_lines_of_a_paragraph_and_keeps_paragraphs():
    doc = """First line
    goes on.

    Second paragraph
    also."""
    assert reflow(doc) == "First line goes on.\n\nSecond paragraph also."
    assert reflow(None) is None


def test_every_command_is_documented():
    assert len(COMMANDS) >= 14
    for path, command in COMMANDS:
        assert command.help, f"synthaug {' '.join(path)} has no help text"


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_help_paragraphs_are_not_cut_at_source_line_breaks(path):
    help_text = dict(COMMANDS)[path].help
    assert not re.search(r"[^\n]\n[^\n]", help_text), help_text


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_help_runs(path):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
