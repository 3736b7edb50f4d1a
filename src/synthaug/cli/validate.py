"""``synthaug validate``: report what a job would skip or misread, change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from synthaug.cli import app, debug_enabled, print_error
from synthaug.data.images import DEFAULT_MAX_PIXELS
from synthaug.errors import SynthaugError

console = Console()
FORMAT_CHOICES = ("auto", "folder", "coco", "yolo", "yolo-obb", "voc", "npz")
MAX_ROWS = 40


def _tables(report) -> list[Table]:
    counts = Table(title=f"synthaug validate: {report.source} ({report.format})")
    counts.add_column("reason", style="bold")
    counts.add_column("severity")
    counts.add_column("items", justify="right")
    for sev in ("error", "warning"):
        for reason, n in report.counts(sev).items():
            counts.add_row(reason, sev, str(n))
    counts.add_row("ok", "", str(report.n_ok), style="green")
    detail = Table(title=f"findings (first {MAX_ROWS})" if len(report.issues) > MAX_ROWS else "")
    detail.add_column("file")
    detail.add_column("field")
    detail.add_column("reason")
    detail.add_column("message", overflow="fold")
    for issue in report.issues[:MAX_ROWS]:
        detail.add_row(escape(issue.file), escape(issue.field), issue.reason, escape(issue.message))
    return [counts, detail] if report.issues else [counts]


@app.command()
def validate(
    src: Path = typer.Argument(..., help="Dataset folder (or COCO .json) to check; never written."),
    format: str = typer.Option(
        "auto", "--format", help="Dataset format: auto, folder, coco, yolo, yolo-obb, voc or npz."
    ),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS,
        "--max-pixels",
        min=1,
        max=1 << 31,
        help="Images with more pixels than this are reported (as augment would skip them).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
) -> None:
    """Check every image and annotation of SRC as `synthaug augment` would read them.

    Reports duplicate ids, unknown categories, out-of-range classes, boxes outside images,
    empty masks, same-stem collisions, NaN values, paths leading outside SRC, and unreadable,
    truncated or oversized images. Nothing is changed. Exit status: 0 when no item would be
    skipped (warnings allowed), 1 otherwise, 2 when SRC cannot be read as a dataset at all.
    """
    from synthaug.data.validate import validate_dataset

    if format not in FORMAT_CHOICES:
        print_error(f"--format: expected one of {list(FORMAT_CHOICES)}, got {format!r}")
        raise typer.Exit(2)
    try:
        report = validate_dataset(src, format, max_pixels)
    except SynthaugError as exc:
        if debug_enabled():
            raise
        print_error(str(exc))
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for table in _tables(report):
            console.print(table)
        console.print(
            f"{report.n_items} items: {report.n_ok} ok, {report.n_errors} would be skipped, "
            f"{report.n_warnings} warning(s)"
        )
    if report.n_errors:
        raise typer.Exit(1)
