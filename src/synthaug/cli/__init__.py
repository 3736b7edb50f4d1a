"""The ``synthaug`` command line.

The CLI parses options, calls the library and owns the terminal (progress bars, tables,
summaries); it holds no logic of its own. Each command group lives in its own module of this
package and registers itself on :data:`app`.

Errors reach the user as one or two lines naming the file, field and value (exit status 2 for
usage and input errors, 1 for anything else); ``--debug`` (anywhere on the command line) or
``SYNTHAUG_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import errno
import inspect
import os
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from synthaug.errors import SynthaugError

_DEBUG = {"on": False}


def debug_enabled() -> bool:
    """Whether ``--debug`` was given (or ``SYNTHAUG_DEBUG`` is set): show tracebacks."""
    return _DEBUG["on"] or os.environ.get("SYNTHAUG_DEBUG", "") not in ("", "0")


def describe_error(exc: BaseException) -> tuple[int, str]:
    """``(exit status, one- or two-line message)`` for an error that reached the CLI."""
    if isinstance(exc, SynthaugError):
        return 2, str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return 2, (
            f"an input file is not UTF-8 text (byte 0x{exc.object[exc.start : exc.start + 1].hex()}"
            f" at offset {exc.start}); save it as UTF-8"
        )
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        hint = {
            errno.ENOSPC: "; free disk space, then continue with --resume where the command has it",
            errno.EDQUOT: "; free space in your quota, then continue with --resume",
            errno.EACCES: "; check the permissions of that path",
            errno.EROFS: "; write to a folder on a writable file system",
        }.get(exc.errno or 0, "")
        return 2 if exc.errno in (errno.ENOENT, errno.EACCES, errno.EISDIR) else 1, (
            f"{where}{exc.strerror or exc}{hint}"
        )
    if isinstance(exc, MemoryError):
        return 1, "out of memory; try fewer --workers, smaller inputs or a lower --max-pixels"
    text = " ".join(str(exc).split())[:300]
    return 1, (
        f"unexpected {type(exc).__name__}: {text}\n"
        "this is a bug in synthaug or an input it does not check yet: rerun with --debug for "
        "the traceback and report it"
    )


def print_error(message: str) -> None:
    """Print ``error: message`` to stderr (the one place the CLI formats errors)."""
    Console(stderr=True).print(f"[bold red]error:[/bold red] {escape(message)}")


def _is_cli_exception(exc: BaseException) -> bool:
    return isinstance(exc, (typer.Exit, typer.Abort)) or type(exc).__module__.startswith(
        ("typer", "click")
    )


class _Group(TyperGroup):
    """The root group: takes ``--debug`` from anywhere and turns errors into short messages."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        _DEBUG["on"] = False  # one invocation's flag must not outlive it (tests invoke many)
        end = args.index("--") if "--" in args else len(args)
        if "--debug" in args[:end]:
            _DEBUG["on"] = True
            args = [a for i, a in enumerate(args) if i >= end or a != "--debug"]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # exits, aborts and usage errors of the command-line layer keep their own handling
            if debug_enabled() or _is_cli_exception(exc):
                raise
            code, message = describe_error(exc)
            print_error(message)
            raise typer.Exit(code) from None


app = typer.Typer(
    name="synthaug",
    help="Label-safe augmentation, synthetic data and honest evaluation for small datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Group,
)


@app.callback()
def _root(
    debug: bool = typer.Option(
        False, "--debug", help="Show the full traceback of an error (also SYNTHAUG_DEBUG=1)."
    ),
) -> None:
    """Label-safe augmentation, synthetic data and honest evaluation for small datasets."""
    if debug:
        _DEBUG["on"] = True


# Command modules register on import. Keep this list sorted.
from synthaug.cli import audit as _audit  # noqa: E402,F401
from synthaug.cli import augment as _augment  # noqa: E402,F401
from synthaug.cli import demo as _demo  # noqa: E402,F401
from synthaug.cli import evaluate as _evaluate  # noqa: E402,F401
from synthaug.cli import experiment as _experiment  # noqa: E402,F401
from synthaug.cli import stats as _stats  # noqa: E402,F401
from synthaug.cli import synth as _synth  # noqa: E402,F401
from synthaug.cli import tabular as _tabular  # noqa: E402,F401
from synthaug.cli import validate as _validate  # noqa: E402,F401


def reflow(doc: str | None) -> str | None:
    """A docstring with each paragraph on one line (the help panels keep source line breaks,
    which cut sentences at the docstring's width)."""
    if doc is None:
        return None
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def _reflow_help(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        if command.help is None and command.callback is not None:
            command.help = reflow(command.callback.__doc__)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


_reflow_help(app)


def main() -> None:
    """Console-script entry point."""
    app()
