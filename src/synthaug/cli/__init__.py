"""The ``synthaug`` command line.

The CLI parses options, calls the library and owns the terminal (progress bars, tables,
summaries); it holds no logic of its own. Each command group lives in its own module of this
package and registers itself on :data:`app`.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="synthaug",
    help="Label-safe augmentation, synthetic data and honest evaluation for small datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Label-safe augmentation, synthetic data and honest evaluation for small datasets."""


# Command modules register on import. Keep this list sorted.
from synthaug.cli import audit as _audit  # noqa: E402,F401
from synthaug.cli import augment as _augment  # noqa: E402,F401
from synthaug.cli import demo as _demo  # noqa: E402,F401
from synthaug.cli import evaluate as _evaluate  # noqa: E402,F401
from synthaug.cli import experiment as _experiment  # noqa: E402,F401
from synthaug.cli import synth as _synth  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    app()
