"""``synthaug demo``: the end-to-end demonstration on data that ships offline."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from synthaug.cli import app

console = Console()


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", "-o", help="Output folder."),
    quick: bool = typer.Option(
        False, "--quick", help="The one-minute version (fewer arms, sizes, seeds)."
    ),
    workers: int = typer.Option(
        0, "--workers", "-w", min=0, help="Processes (0: one per CPU core)."
    ),
) -> None:
    """Run the end-to-end demo: few-shot digits with and without synthetic data, plus an
    augmentation preview of bundled photos with boxes and keypoints."""
    from synthaug.cli.experiment import PhaseProgress, print_summary
    from synthaug.experiment.demo import run_demo

    console.print(f"[bold]synthaug demo[/bold]{' --quick' if quick else ''}: writing to {out}/")
    with PhaseProgress() as progress:
        result, paths = run_demo(out, quick=quick, workers=workers, callback=progress)
    print_summary(result)
    for path in paths:
        console.print(f"wrote [bold]{path}[/bold]")
    minutes, seconds = divmod(round(result.seconds), 60)
    console.print(f"experiment took {minutes} min {seconds:02d} s.")
    console.print(f"Open [bold]{out / 'report.html'}[/bold] in a browser for the full report.")
