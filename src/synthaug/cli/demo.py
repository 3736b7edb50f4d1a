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
    workers: int = typer.Option(0, "--workers", "-w", help="Processes (0: one per CPU core)."),
) -> None:
    """Run the end-to-end demo: few-shot digits with and without synthetic data, plus an
    augmentation preview of bundled photos with boxes and keypoints."""
    from synthaug.augment.demo import run_augment_demo
    from synthaug.cli.experiment import run_with_progress
    from synthaug.experiment import DEMO_CONFIG, QUICK_CONFIG

    out.mkdir(parents=True, exist_ok=True)
    config = QUICK_CONFIG if quick else DEMO_CONFIG
    console.print(f"[bold]synthaug demo[/bold]: running {config.name} into {out}/")
    run_with_progress(config, out, workers=workers)
    for path in run_augment_demo(out, n_per_photo=4 if quick else 8, seed=0):
        console.print(f"wrote [bold]{path}[/bold]")
    console.print(f"Open [bold]{out / 'report.html'}[/bold] in a browser for the full report.")
