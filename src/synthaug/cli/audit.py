"""``synthaug audit``: which transforms of a pipeline change labels, and from what strength."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from synthaug.cli import app
from synthaug.errors import SynthaugError
from synthaug.evaluate.audit_result import SHIFT

console = Console()


def _magnitudes(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise typer.BadParameter(f"expected numbers separated by commas, got {text!r}") from None
    if not values or min(values) < 0:
        raise typer.BadParameter(f"expected numbers >= 0, got {text!r}")
    return values


def _print_table(result) -> None:
    floor = "" if result.floor is None else f"; noise floor {100 * result.floor.rate:.1f}%"
    table = Table(
        title=f"audit: oracle {result.oracle}, {100 * result.clean_accuracy:.1f}% clean "
        f"accuracy on {result.n_audited} held-out images{floor}"
    )
    cols = (
        "transform",
        "verdict (as configured)",
        "clean oracle: flips vs floor",
        "trained with it: flips vs floor",
        "largest safe magnitude",
    )
    for col in cols:
        table.add_column(col)
    for t in result.transforms:
        style = "red" if t.flagged or t.error else "yellow" if t.category == SHIFT else "green"
        finding = t.error or (("UNSAFE: " if t.flagged else "") + t.category)
        safe = "-" if t.max_safe_magnitude is None else f"{t.max_safe_magnitude:g}"
        one = next((m for m in t.magnitudes if m.magnitude == 1.0), None)
        clean = "-" if one is None or one.test is None else one.test.short()
        again = "-" if one is None or one.retrained_test is None else one.retrained_test.short()
        table.add_row(f"{t.name} {t.path}", f"[{style}]{finding}[/{style}]", clean, again, safe)
    console.print(table)
    if result.floor is not None:
        console.print(f"noise floor: {result.floor.describe()}")
    for t in result.transforms:
        if t.flagged or t.category == SHIFT:
            colour = "red" if t.flagged else "yellow"
            console.print(f"[{colour}]- {t.name} ({t.path}):[/{colour}] {t.verdict}")
    for w in result.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")


@app.command()
def audit(
    pipeline: Path = typer.Option(
        ..., "--pipeline", "-p", help="Pipeline YAML/JSON.", exists=True, dir_okay=False
    ),
    data: str = typer.Option(
        "digits", "--data", "-d", help="'digits', an .npz with X and y, or a class-per-folder tree."
    ),
    out: Path = typer.Option(Path("audit-output"), "--out", "-o", help="Output folder."),
    seed: int = typer.Option(0, "--seed", help="Seeds the split, the oracle and augmentation."),
    oracle: str = typer.Option("cnn", "--oracle", help="'cnn' (default) or 'svc' (faster)."),
    magnitudes: str = typer.Option(
        "0,0.25,0.5,0.75,1", "--magnitudes", help="Strengths to audit (1 = as configured)."
    ),
    max_items: int = typer.Option(600, "--max-items", help="Held-out images audited per step."),
    retrain: bool = typer.Option(
        True,
        "--retrain/--no-retrain",
        help="Train a second oracle with each transform that flips labels beyond the noise "
        "floor, to tell a label change from a distribution shift (--no-retrain is faster and "
        "flags every such transform).",
    ),
    fail_on_flag: bool = typer.Option(
        False, "--fail-on-flag", help="Exit with status 1 when a transform is flagged."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
) -> None:
    """Audit each transform: safe, distribution shift (absorbed by training with it), or
    changes labels (6 -> 9), tested against the oracle's own noise floor; write audit.json and
    index.html."""
    from synthaug import augment
    from synthaug.data.npz import class_names_of, load_arrays
    from synthaug.evaluate import audit as run_audit
    from synthaug.experiment.audit_page import render_audit_page
    from synthaug.report import write_text_atomic

    mags = _magnitudes(magnitudes)
    try:
        pipe = augment.load(pipeline)
        X, y = load_arrays(data)
        class_names = class_names_of(data)  # folder names for a class-per-folder tree
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, disable=quiet) as progress:
            task = progress.add_task("training the oracle", total=None)

            def callback(event: dict) -> None:
                if event["event"] == "retrain":
                    progress.update(
                        task, description=f"training an oracle with {event['transform']}"
                    )
                elif event["event"] == "step":
                    progress.update(
                        task,
                        total=event["total"],
                        completed=event["done"] - 1,
                        description=f"{event['transform']} at {event['magnitude']:g}",
                    )

            result = run_audit(
                pipe,
                X,
                y,
                oracle=oracle,
                magnitudes=mags,
                seed=seed,
                callback=callback,
                max_items=max_items,
                retrain=retrain,
                class_names=class_names,
            )
            progress.update(task, completed=progress.tasks[0].total, description="done")
        out.mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "audit.json", json.dumps(result.to_dict(), indent=1))
        write_text_atomic(
            out / "index.html", render_audit_page(result, f"Audit of {pipeline.name}")
        )
    except SynthaugError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: nothing written[/yellow]")
        raise typer.Exit(130) from None
    if not quiet:
        _print_table(result)
        console.print(
            f"wrote [bold]{out / 'audit.json'}[/bold] and [bold]{out / 'index.html'}[/bold]"
        )
    if fail_on_flag and result.flagged:
        raise typer.Exit(1)
