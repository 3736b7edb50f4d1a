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
    tabular: bool = typer.Option(
        False,
        "--tabular",
        help="Run the synthetic-table demo instead (Palmer penguins: three generators against "
        "a holdout, written to OUT/tabular/; about a minute).",
    ),
) -> None:
    """Run the end-to-end demo: few-shot digits with and without synthetic data, plus an
    augmentation preview of bundled photos with boxes and keypoints (--tabular: synthetic
    tables instead)."""
    if tabular:
        _tabular_demo(out / "tabular", quick)
        return
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


def _tabular_demo(out: Path, quick: bool) -> None:
    """``synthaug demo --tabular``: fit, sample and evaluate on the penguins; print a summary."""
    from rich.markup import escape
    from rich.table import Table

    from synthaug.tabular.demo import run_tabular_demo

    console.print(
        "[bold]synthaug demo --tabular[/bold]: GaussianCopula, TVAE and DP-TVAE on the Palmer "
        f"penguins, each read against a holdout, into {escape(str(out))}/"
    )
    with console.status("starting...") as status:
        results = run_tabular_demo(out, quick=quick, progress=status.update)
    n_holdout = results[0].evaluation["n_holdout"]
    summary = Table(title=f"synthetic penguins against {n_holdout} unseen real rows")
    for column in ("generator", "fit (CPU s)", "utility (TSTR / TRTR)", "privacy", "DP"):
        summary.add_column(column)
    for r in results:
        row = r.row()
        summary.add_row(
            escape(r.name),
            row["fit (CPU s)"],
            escape(row["utility (TSTR / TRTR)"]),
            escape(row["privacy"].split(":")[0]),
            escape(row["differential privacy"]),
        )
    console.print(summary)
    console.print(f"Open [bold]{escape(str(out / 'index.html'))}[/bold] for the three reports.")
