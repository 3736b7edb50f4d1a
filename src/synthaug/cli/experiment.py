"""``synthaug experiment``: train with and without synthetic data, compare, report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


_PHASE_NAMES = {
    "procedural bank": "procedural bank",
    "generators": "fit generators",
    "arms": "train arms",
    "reference": "logreg reference",
    "quality": "quality",
    "audit": "audit",
    "report": "report",
    "preview": "augment preview",
}


def _eta(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


class PhaseProgress:
    """The terminal side of an experiment's callback: prints the plan with its ETA, then one
    progress bar per phase (with counts) and an overall bar whose ETA follows the real pace.

    Use as a context manager and pass the instance as the library's ``callback``.
    """

    def __init__(self, quiet: bool = False) -> None:
        columns = (
            TextColumn("[bold]{task.description:<15}"),
            BarColumn(bar_width=16),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[detail]}"),
        )
        self.quiet = quiet
        self.progress = Progress(*columns, console=console, disable=quiet, transient=False)
        self.bars: dict[str, Any] = {}
        self.overall: Any = None

    def __enter__(self) -> PhaseProgress:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.__exit__(*exc)

    def _plan(self, event: dict) -> None:
        phases = event["phases"]
        if not self.quiet:
            table = Table(title=f"plan: {event['name']} on {event['workers']} worker(s)")
            table.add_column("phase")
            table.add_column("tasks", justify="right")
            table.add_column("expected", justify="right")
            for name, ph in phases.items():
                table.add_row(
                    _PHASE_NAMES.get(name, name), str(ph["tasks"]), _eta(ph["expected_s"])
                )
            console.print(table)
            console.print(
                f"{event['n_runs']} models to train; ETA about {_eta(event['eta_s'])} on a quiet "
                "machine of this size (the bars below time the real pace)"
            )
        total = sum(ph["expected_s"] for ph in phases.values())
        self.overall = self.progress.add_task("all (% of work)", total=100.0, detail="")
        self._scale = 100.0 / total if total else 0.0
        for name, ph in phases.items():
            self.bars[name] = self.progress.add_task(
                _PHASE_NAMES.get(name, name), total=ph["tasks"], detail=""
            )

    def __call__(self, event: dict) -> None:
        kind = event.get("event")
        phase = event.get("phase")
        if kind == "plan":
            self._plan(event)
        elif kind == "phase" and phase not in self.bars:
            self.bars[phase] = self.progress.add_task(
                _PHASE_NAMES.get(phase, phase), total=event.get("total"), detail=""
            )
        elif kind == "progress" and phase in self.bars:
            self.progress.update(self.bars[phase], completed=event["done"], total=event["total"])
            if self.overall is not None and event.get("expected_s"):
                self.progress.advance(self.overall, event["expected_s"] * self._scale)
        elif kind == "run":
            r = event["record"]
            self.progress.update(
                self.bars["arms"],
                detail=f"{r.label} k={r.size} seed={r.seed}: {100 * r.accuracy:.1f}%",
            )
        elif kind == "step" and phase == "audit" and "audit" in self.bars:
            self.progress.update(
                self.bars["audit"],
                detail=f"step {event['done']}/{event['total']}: {event['transform']} "
                f"x{event['magnitude']:g}",
            )
        elif kind in ("oracle", "retrain") and phase == "audit" and "audit" in self.bars:
            what = (
                "training its oracle"
                if kind == "oracle"
                else f"retraining for {event['transform']}"
            )
            self.progress.update(self.bars["audit"], detail=what)


def run_with_progress(config_path: Path, out: Path, quiet: bool = False, workers: int = 0) -> dict:
    """Run an experiment config with a progress bar; write metrics.json and report.html.

    ``workers=0`` uses one process per CPU core (results do not depend on it).
    """

    from synthaug.experiment import load_config, run_experiment, write_outputs
    from synthaug.experiment.tasks import available_cores

    cfg = load_config(config_path)
    out.mkdir(parents=True, exist_ok=True)
    n = workers or available_cores()
    with PhaseProgress(quiet) as progress:
        result = run_experiment(cfg, out, callback=progress, workers=n)
    paths = write_outputs(result, out)
    from synthaug.experiment.tracking import log_to_mlflow

    run_id = log_to_mlflow(result, out)
    if run_id and not quiet:
        console.print(f"logged to MLflow run [bold]{run_id}[/bold]")
    if not quiet:
        print_summary(result)
        for p in paths:
            console.print(f"wrote [bold]{p}[/bold]")
    return result.to_dict()


def print_summary(result) -> None:
    """The accuracy table, verdicts and baseline check of an experiment, on the terminal."""
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
