"""``synthaug stats``: per-band statistics of a dataset, and the Normalize step they give."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from synthaug.cli import app, debug_enabled
from synthaug.data.images import DEFAULT_MAX_PIXELS
from synthaug.errors import SynthaugError

console = Console()
err_console = Console(stderr=True)

FORMAT_CHOICES = ("auto", "folder", "coco", "yolo", "voc")


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}")
    return typer.Exit(code)


def _table(stats) -> Table:
    pl, ph = (f"p{q:g}" for q in stats.percentiles)
    approx = "" if stats.percentiles_exact else " (approx.)"
    table = Table(
        title=f"{stats.n_images} images, {stats.dtype}, {stats.n_bands} band(s), "
        f"{stats.n_values[0]} values per band"
    )
    for name in ("band", "mean", "std", "min", pl + approx, ph + approx, "max"):
        table.add_column(name, justify="right")
    for b in range(stats.n_bands):
        values = (stats.mean[b], stats.std[b], stats.min[b], stats.p_low[b], stats.p_high[b])
        table.add_row(str(b + 1), *(f"{v:.6g}" for v in values), f"{stats.max[b]:.6g}")
    return table


@app.command()
def stats(
    src: Path = typer.Argument(..., help="Dataset folder (or COCO .json) to read."),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
    max_items: int | None = typer.Option(
        None, "--max-items", min=1, help="Read only the first N items (in key order)."
    ),
    format: str = typer.Option(
        "auto", "--format", help="Dataset format: auto, folder, coco, yolo or voc."
    ),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS,
        "--max-pixels",
        min=1,
        max=1 << 31,
        help="Skip images with more pixels than this (read from the header, before decoding).",
    ),
) -> None:
    """Per-band mean, std, min/max and 1st/99th percentiles of SRC's images, in one pass.

    Prints a table and the Normalize step for a pipeline YAML (mean and std divided by
    max_pixel_value: 255 for uint8, 65535 for uint16, 1 for float32). Images of another dtype
    or band count than the first one, and unreadable items, are left out and counted.
    """
    from synthaug.data.stats import dataset_stats

    if format not in FORMAT_CHOICES:
        raise _fail(f"--format: expected one of {list(FORMAT_CHOICES)}, got {format!r}")
    progress = Progress(
        TextColumn("[bold]stats"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("skipped {task.fields[skipped]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    try:
        with progress:
            task = progress.add_task("stats", total=None, skipped=0)

            def on_item(info: dict) -> None:
                progress.update(
                    task, completed=info["done"], total=info["total"], skipped=info["skipped"]
                )

            result = dataset_stats(src, format, max_items, max_pixels, callback=on_item)
    except SynthaugError as exc:
        if debug_enabled():
            raise
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    console.print(_table(result))
    if result.n_skipped:
        reasons: dict[str, int] = {}
        for s in result.skipped:
            reasons[s["reason"]] = reasons.get(s["reason"], 0) + 1
        shown = ", ".join(f"{r} {n}" for r, n in sorted(reasons.items()))
        console.print(f"left out: {result.n_skipped} item(s) ({shown}); --json lists them")
    for note in result.notes:
        console.print(f"note: {escape(note)}")
    console.print("\nNormalize for this data (a step of a pipeline YAML's transforms list):")
    console.print(escape(result.normalize_yaml()), highlight=False, soft_wrap=True)
