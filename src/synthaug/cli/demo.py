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
