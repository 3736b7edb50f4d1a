"""``synthaug experiment``: train with and without synthetic data, compare, report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from synthaug.cli import app
from synthaug.errors import SynthaugError

console = Console()


def run_with_progress(config_path: Path, out: Path, quiet: bool = False, workers: int = 0) -> dict:
    """Run an experiment config with a progress bar; write metrics.json and report.html.

    ``workers=0`` uses one process per CPU core (results do not depend on it).
    """
    import os

    from synthaug.experiment import load_config, run_experiment, write_outputs

    cfg = load_config(config_path)
    out.mkdir(parents=True, exist_ok=True)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, disable=quiet, transient=False) as progress:
        task = progress.add_task(f"experiment {cfg.name}", total=None)

        def callback(event: dict) -> None:
            kind = event.get("event")
            if kind == "start":
                progress.update(task, total=event["total"])
            elif kind == "run":
                r = event["record"]
                progress.update(
                    task,
                    completed=event["done"],
                    description=f"{r.label} k={r.size} seed={r.seed}: {100 * r.accuracy:.1f}%",
                )
            elif kind == "generator_fit":
                progress.update(
                    task,
                    description=f"fitting {event['generator']} (k={event['size']}, seed={event['seed']})",
                )
            elif kind in ("quality", "audit"):
                progress.update(
                    task, description=f"{kind}: {event.get('generator') or event.get('pipeline')}"
                )

        n = workers or max(1, os.cpu_count() or 1)
        result = run_experiment(cfg, out, callback=callback, workers=n)
    paths = write_outputs(result, out)
    from synthaug.experiment.tracking import log_to_mlflow

    run_id = log_to_mlflow(result, out)
    if run_id and not quiet:
        console.print(f"logged to MLflow run [bold]{run_id}[/bold]")
    if not quiet:
        _print_summary(result)
        for p in paths:
            console.print(f"wrote [bold]{p}[/bold]")
    return result.to_dict()


def _print_summary(result) -> None:
    from synthaug.experiment.stats import accuracy_text as _cell
    from synthaug.report import MIN_SEEDS_FOR_INTERVAL

    sizes = result.config.sizes
    n = len(result.config.seeds)
    how = (
        f"mean [95% CI] over {n} seeds"
        if n >= MIN_SEEDS_FOR_INTERVAL
        else f"mean over {n} seeds; too few seeds for an interval"
    )
    table = Table(title=f"{result.config.name}: test accuracy % ({how})")
    table.add_column("arm")
    for s in sizes:
        table.add_column(f"{s}/class", justify="right")
    for label in dict.fromkeys(r["label"] for r in result.summary):
        rows = {r["size"]: r for r in result.summary if r["label"] == label}
        table.add_row(label, *(_cell(rows.get(s)) for s in sizes))
    for row in result.baseline.get("summary", [])[:1]:
        by_size = {r["size"]: r for r in result.baseline["summary"]}
        table.add_row(
            f"[italic]{row['label']}[/italic]",
            *(f"[italic]{_cell(by_size.get(s))}[/italic]" for s in sizes),
        )
    console.print(table)
    for c in result.comparisons:
        console.print(f"- {c['verdict']}")
    for w in result.warnings:
        console.print(f"[bold red]WARNING: weak baseline.[/bold red] {w}")
    if result.baseline.get("check") and not result.warnings:
        console.print(
            f"[green]The model on real data ({result.baseline['arm']}) is at or above the linear "
            "baseline at every size: the gains above are measured against a competent baseline."
            "[/green]"
        )


@app.command()
def experiment(
    config: Path = typer.Argument(..., help="Experiment YAML file.", exists=True, dir_okay=False),
    out: Path = typer.Option(Path("experiment-output"), "--out", "-o", help="Output folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    workers: int = typer.Option(0, "--workers", "-w", help="Processes (0: one per CPU core)."),
) -> None:
    """Train a model per arm x seed x labelled size and compare them on a real test set."""
    try:
        run_with_progress(config, out, quiet, workers)
    except SynthaugError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


@app.command("report")
def report(
    folder: Path = typer.Argument(
        ..., help="An experiment's output folder (with metrics.json).", file_okay=False
    ),
) -> None:
    """Render report.html again from an experiment's metrics.json (no training)."""
    from synthaug.experiment.render import read_outputs, render_experiment_report
    from synthaug.report import write_text_atomic

    try:
        result = read_outputs(folder)
    except SynthaugError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    path = write_text_atomic(folder / "report.html", render_experiment_report(result))
    console.print(f"wrote [bold]{path}[/bold]")
