"""``synthaug augment``, ``synthaug preview`` and ``synthaug transforms``."""

from __future__ import annotations

import inspect
import json
from collections import Counter
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from synthaug.cli import app, debug_enabled
from synthaug.data.images import DEFAULT_MAX_PIXELS
from synthaug.errors import SynthaugError

console = Console()
err_console = Console(stderr=True)

FORMAT_CHOICES = ("auto", "folder", "coco", "yolo", "yolo-obb", "voc", "npz")
ENGINE_CHOICES = ("local", "ray")
#: Upper bounds of the size-like options (a typo must not ask for 10^9 copies or processes).
MAX_COPIES = 1000
MAX_WORKERS = 512
MAX_PIXELS_LIMIT = 1 << 31
MAX_PREVIEW = 64


def _fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/bold red] {escape(message)}")
    return typer.Exit(code)


def _load_pipeline_dict(path: Path) -> dict:
    """The pipeline file as a plain dict, read with size, alias and UTF-8 checks."""
    from synthaug.augment import from_dict, to_dict
    from synthaug.data.safe_load import read_config
    from synthaug.errors import ConfigError

    data = read_config(path, "pipeline file")
    if data is None:
        raise ConfigError(f"{path}: empty pipeline file")
    return to_dict(from_dict(data, source=str(path)))


def _summary_table(summary) -> Table:
    table = Table(title="synthaug augment", show_header=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("items", str(summary.n_items))
    table.add_row("read", str(summary.n_read))
    table.add_row("augmented images written", str(summary.n_written))
    if summary.n_originals:
        table.add_row("originals copied", str(summary.n_originals))
    table.add_row("skipped", str(summary.n_skipped))
    for reason, n in summary.skipped_by_reason.items():
        table.add_row(f"  {reason}", str(n))
    if summary.n_boxes_in:
        share = 100.0 * summary.n_boxes_dropped / summary.n_boxes_in
        table.add_row(
            "boxes dropped by the pipeline",
            f"{summary.n_boxes_dropped} of {summary.n_boxes_in} ({share:.1f}%)",
        )
        for reason, n in summary.boxes_dropped_by_reason.items():
            table.add_row(f"  {reason}", str(n))
    if summary.n_resumed:
        table.add_row("already done (resumed)", str(summary.n_resumed))
    table.add_row("time", f"{summary.elapsed_s:.1f} s")
    return table


@app.command()
def augment(
    src: Path = typer.Argument(
        ..., help="Dataset folder (or COCO .json, or .npz of X and y) to read; never written."
    ),
    dst: Path = typer.Argument(..., help="Output folder: new or empty (or --resume)."),
    pipeline: Path = typer.Option(..., "--pipeline", "-p", help="Pipeline YAML or JSON."),
    copies: int = typer.Option(
        1, "--copies", "-k", min=0, max=MAX_COPIES, help="Augmented copies per image."
    ),
    keep_originals: bool = typer.Option(False, "--keep-originals", help="Copy the originals too."),
    format: str = typer.Option(
        "auto", "--format", help="Dataset format: auto, folder, coco, yolo, yolo-obb, voc or npz."
    ),
    workers: int = typer.Option(
        0, "--workers", "-w", min=0, max=MAX_WORKERS, help="Worker processes (0: one per CPU)."
    ),
    seed: int = typer.Option(
        0, "--seed", min=0, max=2**63 - 1, help="Run seed (outputs do not depend on --workers)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted job in DST."),
    strict: bool = typer.Option(
        False, "--strict", help="Exit with status 1 if any item is skipped."
    ),
    max_pixels: int = typer.Option(
        DEFAULT_MAX_PIXELS,
        "--max-pixels",
        min=1,
        max=MAX_PIXELS_LIMIT,
        help="Skip images with more pixels than this (read from the header, before decoding).",
    ),
    jpeg_quality: int = typer.Option(
        95, "--jpeg-quality", min=1, max=100, help="Quality of JPEG outputs."
    ),
    engine: str = typer.Option(
        "local", "--engine", help="local (process pool) or ray (Ray Data; same outputs)."
    ),
    address: str | None = typer.Option(
        None, "--address", help="With --engine ray: the Ray cluster to join (else a local Ray)."
    ),
) -> None:
    """Write augmented copies of every image of SRC, with annotations, into DST.

    Outputs keep SRC's layout and format: a/b.jpg becomes a/b_aug0.jpg ... with the
    annotation in the same format. Unreadable items (bad image, malformed or inconsistent
    annotation, a path leading outside SRC) are skipped and listed in DST/errors.jsonl with
    file, field and reason; an interrupted job continues with --resume. One job at a time
    may write a DST.
    """
    from synthaug.engine import AugmentJob, prepare_job

    if format not in FORMAT_CHOICES:
        raise _fail(f"--format: expected one of {list(FORMAT_CHOICES)}, got {format!r}")
    if engine not in ENGINE_CHOICES:
        raise _fail(f"--engine: expected one of {list(ENGINE_CHOICES)}, got {engine!r}")
    if address and engine != "ray":
        raise _fail(f"--address {address}: applies to --engine ray only")
    try:
        if engine == "ray":
            from synthaug.engine.ray_engine import require_ray

            require_ray()
        job = AugmentJob(
            src=str(src),
            dst=str(dst),
            pipeline=_load_pipeline_dict(pipeline),
            format=format,
            copies=copies,
            keep_originals=keep_originals,
            seed=seed,
            max_pixels=max_pixels,
            jpeg_quality=jpeg_quality,
        )
        state = prepare_job(job, resume=resume)
    except SynthaugError as exc:
        if debug_enabled():
            raise
        raise _fail(str(exc)) from None
    try:
        summary = _run(state, engine, address, workers, copies)
    finally:
        state.close()
    console.print(_summary_table(summary))
    if summary.errors_path:
        console.print(f"skipped items and reasons: [bold]{summary.errors_path}[/bold]")
    if summary.n_read == 0:
        raise _fail("no item of SRC could be read", 1)
    if strict and summary.n_skipped:
        raise _fail(f"--strict: {summary.n_skipped} item(s) skipped", 1)


def _run(state, engine: str, address: str | None, workers: int, copies: int):
    """Run a prepared job with a progress bar; return its summary."""
    from synthaug.engine import default_workers, run_local

    for note in state.notes:
        console.print(f"note: {escape(note)}")
    found = Counter(it.error[0] for it in state.dataset.items if it.error is not None)
    if found:
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(found.items()))
        console.print(
            f"SRC check: {sum(found.values())} item(s) will be skipped ({reasons}); details in "
            "DST/errors.jsonl at the end, or run `synthaug validate SRC` now"
        )
    n_workers = workers if workers > 0 else default_workers()
    console.print(
        f"[bold]{state.dataset.format}[/bold] dataset, {len(state.dataset.items)} items"
        f" ({len(state.pending)} to do), {copies} cop{'y' if copies == 1 else 'ies'} each,"
        f" {n_workers} worker{'s' if n_workers > 1 else ''}"
        + (f", Ray at {address or 'a local Ray'}" if engine == "ray" else "")
    )
    progress = Progress(
        TextColumn("[bold]augment"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TextColumn("skipped {task.fields[skipped]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )
    with progress:
        task = progress.add_task("augment", total=len(state.dataset.items), rate="", skipped=0)

        def on_progress(info: dict) -> None:
            speed = progress.tasks[task].speed
            rate = f"{speed:.1f} items/s" if speed else ""
            progress.update(task, completed=info["done"], rate=rate, skipped=info["skipped"])

        try:
            if engine == "ray":
                from synthaug.engine.ray_engine import run_ray

                summary = run_ray(state, address, n_workers, callback=on_progress)
            else:
                summary = run_local(state, workers=n_workers, callback=on_progress)
        except SynthaugError as exc:
            if debug_enabled():
                raise
            raise _fail(str(exc)) from None
        except KeyboardInterrupt:
            raise _fail(
                "interrupted; finished items are kept: continue with --resume", 130
            ) from None
    return summary


def _draw(sample, names: list[str], min_side: int = 192):
    """Draw a sample, enlarged first (nearest neighbour) so small images stay legible."""
    from synthaug.augment import Resize
    from synthaug.augment.draw import draw_sample

    f = max(1, min_side // max(sample.height, sample.width))
    if f > 1:
        big = Resize(sample.height * f, sample.width * f, interpolation="nearest")
        sample = big(sample.copy(applied=[]))
    return draw_sample(sample.copy(box_labels=names or None))


@app.command()
def preview(
    source: Path = typer.Argument(..., help="An image file or a dataset folder."),
    pipeline: Path | None = typer.Option(
        None, "--pipeline", "-p", help="Pipeline YAML or JSON (without: the original only)."
    ),
    out: Path = typer.Option(Path("preview.png"), "--out", "-o", help="Grid image to write."),
    n: int = typer.Option(8, "--n", min=1, max=MAX_PREVIEW, help="Augmented versions to show."),
    seed: int = typer.Option(0, "--seed", help="Run seed."),
    item: str = typer.Option("", "--item", help="Key of the dataset item (default: the first)."),
    format: str = typer.Option("auto", "--format", help="Dataset format (for a folder)."),
    bands: str = typer.Option(
        "",
        "--bands",
        help="Bands to show as red,green,blue (or one band as grey), numbered from 1, e.g. "
        "3,2,1. uint16 and float bands are stretched from their 1st to 99th percentile.",
    ),
) -> None:
    """Draw the original and N augmented versions (boxes, masks, keypoints) in one grid."""
    from synthaug.augment.draw import grid
    from synthaug.augment.sample import Sample
    from synthaug.data.display import BandView, parse_bands
    from synthaug.data.formats import load_item, object_names, open_dataset
    from synthaug.data.images import atomic_write_bytes, encode_image, engine_gap, read_image
    from synthaug.engine.job import build_pipeline
    from synthaug.seeding import item_rng

    if n < 1:
        raise _fail(f"--n: expected at least 1, got {n}")
    try:
        chosen = parse_bands(bands) if bands else None
        pipe = None
        if pipeline is not None:
            pipe = build_pipeline(json.dumps(_load_pipeline_dict(pipeline), sort_keys=True))
        if source.is_dir() or source.suffix.lower() == ".json":
            ds = open_dataset(source, format)
            items = [it for it in ds.items if it.error is None and (not item or it.key == item)]
            if not items:
                raise _fail(f"{source}: no item {item!r}" if item else f"{source}: no usable item")
            sample, _ = load_item(ds, items[0])
            key = items[0].key
            names = object_names(ds, sample)
        else:
            sample, key, ds, names = Sample(read_image(source)), source.name, None, []
        view = BandView.fit(sample.image, chosen)
        shown = sample.copy(image=view.render(sample.image))
        cells = [_draw(shown, names)]
        on_display = False
        for k in range(n if pipe is not None else 0):
            rng = item_rng(seed, k, key)
            if not on_display:
                try:
                    aug = pipe(sample, seed=rng)
                except Exception:
                    if engine_gap(sample.image) is None:
                        raise
                    on_display = True
                    console.print(
                        f"note: the pipeline does not take this {sample.image.dtype} image with "
                        f"{sample.n_channels} band(s) ({engine_gap(sample.image)}): it runs on "
                        "the displayed 8-bit bands"
                    )
            if on_display:
                aug = pipe(shown, seed=rng)
            else:
                aug = aug.copy(image=view.render(aug.image))
            cells.append(_draw(aug, object_names(ds, aug) if ds is not None else []))
        image = grid(cells, n_cols=min(len(cells), 3 if len(cells) <= 9 else 4))
        atomic_write_bytes(out, encode_image(image, out.suffix or ".png"))
    except SynthaugError as exc:
        raise _fail(str(exc)) from None
    shown_bands = ",".join(map(str, view.bands))
    stretch = (
        ""
        if view.limits is None
        else ", stretched " + "; ".join(f"{lo:.4g}..{hi:.4g}" for lo, hi in view.limits)
    )
    what = f"original and {n} augmented versions" if pipe is not None else "original"
    console.print(
        f"wrote [bold]{out}[/bold] ({key}: {what}; {sample.image.dtype}, "
        f"{sample.n_channels} band(s), showing {shown_bands}{stretch})"
    )


def _describe(cls: type) -> list[tuple[str, str]]:
    out = []
    for name, prm in inspect.signature(cls.__init__).parameters.items():
        if name in ("self", "always_apply") or prm.kind in (prm.VAR_POSITIONAL, prm.VAR_KEYWORD):
            continue
        out.append((name, "required" if prm.default is prm.empty else repr(prm.default)))
    return out


@app.command()
def transforms(
    name: str = typer.Argument("", help="Show one transform only."),
    as_json: bool = typer.Option(False, "--json", help="Print the catalogue as JSON."),
) -> None:
    """List the registered transforms with their parameters and defaults."""
    from synthaug.augment import REGISTRY

    names = sorted(REGISTRY)
    if name:
        if name not in REGISTRY:
            import difflib

            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(f"unknown transform {name!r}{hint}")
        names = [name]
    if as_json:
        data = {
            n: {
                "targets": list(getattr(REGISTRY[n], "targets", ())),
                "params": dict(_describe(REGISTRY[n])),
                # the images it takes (declared on the class; null channels: any number)
                "dtypes": list(REGISTRY[n].dtypes),
                "channels": None if REGISTRY[n].channels is None else list(REGISTRY[n].channels),
                "float_range": REGISTRY[n].float_range,
            }
            for n in names
        }
        typer.echo(json.dumps(data, indent=2))
        return
    table = Table(title=f"{len(names)} transforms")
    table.add_column("name", style="bold")
    table.add_column("targets")
    table.add_column("parameters (default)")
    for n in names:
        cls = REGISTRY[n]
        params = ", ".join(f"{k}={v}" for k, v in _describe(cls))
        table.add_row(n, ", ".join(getattr(cls, "targets", ())), params)
    console.print(table)
