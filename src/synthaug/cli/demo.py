"""``synthaug demo``: the end-to-end demonstration."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from synthaug.cli import app

console = Console()


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", "-o", help="Output folder."),
    quick: bool = typer.Option(False, "--quick", help="A smaller, faster run."),
) -> None:
    """Run the end-to-end demo on the data that ships with the dependencies."""
    from synthaug.augment.demo import run_augment_demo

    out.mkdir(parents=True, exist_ok=True)
    written = run_augment_demo(out, n_per_photo=4 if quick else 8, seed=0)
    for path in written:
        console.print(f"wrote [bold]{path}[/bold]")
