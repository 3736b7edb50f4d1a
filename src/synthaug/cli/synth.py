"""``synthaug synth train`` and ``synthaug synth sample``: learned and shipped generators."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from synthaug.cli import app
from synthaug.errors import SynthaugError

console = Console()
synth_app = typer.Typer(
    help="Train generators and draw synthetic labelled images.", no_args_is_help=True
)
app.add_typer(synth_app, name="synth")

MODELS = {"cvae": "ConditionalVAE", "cgan": "ConditionalGAN"}


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeRemainingColumn(),
        console=console,
    )


@synth_app.command("train")
def train(
    model: str = typer.Option(..., "--model", help="Generator to train: cvae or cgan."),
    data: str = typer.Option(
        "digits",
        "--data",
        help="'digits', an .npz with arrays X and y, or a class-per-subfolder image folder.",
    ),
    out: Path = typer.Option(..., "--out", "-o", help="Output weights, e.g. model.safetensors."),
    epochs: int | None = typer.Option(
        None, "--epochs", help="Training epochs (default: the model's)."
    ),
    max_steps: int | None = typer.Option(
        None, "--max-steps", help="Stop after this many optimiser steps if earlier."
    ),
    max_minutes: float | None = typer.Option(
        None,
        "--max-minutes",
        help="Stop after this much training time (summed over --resume runs) if earlier.",
    ),
    checkpoint_dir: Path | None = typer.Option(
        None,
        "--checkpoint-dir",
        help="Folder of the training checkpoint (default: OUT without suffix + '.checkpoint').",
    ),
    checkpoint_every: float = typer.Option(
        1.0, "--checkpoint-every", help="Minutes of training between checkpoints."
    ),
    resume: bool = typer.Option(
        False,
        "--resume",
        help="Continue from the checkpoint of an interrupted run (same options and data).",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of initialisation, batches and noise."),
    train_split: bool = typer.Option(
        False,
        "--train-split",
        help="With --data digits: train only on the 70%% part of the fixed split (as the shipped weights).",
    ),
    threads: int = typer.Option(2, "--threads", help="Torch CPU threads."),
) -> None:
    """Train a conditional VAE or GAN and save it as safetensors + JSON.

    The training state is checkpointed (safetensors + JSON) every --checkpoint-every minutes
    and when the run is interrupted (Ctrl-C or SIGTERM); rerun the same command with --resume
    to continue to the same budget.
    """
    import torch

    import synthaug.synth
    from synthaug.data.npz import load_arrays
    from synthaug.synth.pretrained import DIGITS_TRAINED_ON, digits_split
    from synthaug.synth.training import TrainingInterrupted

    if model not in MODELS:
        raise typer.BadParameter(
            f"expected one of {list(MODELS)}, got {model!r}", param_hint="--model"
        )
    if train_split and data != "digits":
        raise typer.BadParameter(
            "--train-split applies to --data digits only", param_hint="--train-split"
        )
    try:
        X, y = load_arrays(data)
    except SynthaugError as exc:
        raise typer.BadParameter(str(exc), param_hint="--data") from exc
    trained_on = data
    if train_split:
        idx, _ = digits_split(y)
        X, y, trained_on = X[idx], y[idx], DIGITS_TRAINED_ON
    torch.set_num_threads(threads)
    cls = getattr(synthaug.synth, MODELS[model])
    gen = cls() if epochs is None else cls(epochs=epochs)
    gen.seed, gen.max_steps, gen.max_minutes = seed, max_steps, max_minutes
    ckpt = checkpoint_dir or out.with_name(out.stem + ".checkpoint")
    resuming = resume and (ckpt / "checkpoint.safetensors").is_file()
    console.print(
        f"training {cls.__name__} on {trained_on}: {len(X)} images {X.shape[1:]}, "
        f"{len(np.unique(y))} classes"
        + (f"; resuming from {ckpt}" if resuming else f"; checkpoints in {ckpt}")
    )
    stop_requested: list[int] = []

    def request_stop(signum: int, _frame: object) -> None:
        stop_requested.append(signum)

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, request_stop)
        except ValueError:  # not the main thread: interruption then relies on checkpoints
            pass
    start = time.perf_counter()
    try:
        with _progress() as progress:
            task = progress.add_task("train", total=None, info="")

            def on_epoch(info: dict) -> None:
                budget = f" of {info['max_seconds']:.0f}" if info["max_seconds"] else ""
                progress.update(
                    task,
                    total=info["n_steps"],
                    completed=info["step"],
                    info=f"loss {info['loss']:.3f}, {info['elapsed_seconds']:.0f}{budget} s",
                )

            gen.fit(
                X,
                y,
                callback=on_epoch,
                checkpoint_dir=ckpt,
                checkpoint_every_minutes=checkpoint_every,
                resume=resume,
                stop=lambda: bool(stop_requested),
            )
    except TrainingInterrupted as exc:
        console.print(
            f"[yellow]interrupted[/yellow] at step {exc.step}: state saved in "
            f"[bold]{exc.checkpoint}[/bold]; rerun the same command with --resume to continue"
        )
        raise typer.Exit(code=130) from exc
    except SynthaugError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(code=2) from exc
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    seconds = time.perf_counter() - start
    gen.metadata_.update({"trained_on": trained_on, "torch_threads": threads})
    path = gen.save(out)
    meta = gen.metadata_
    console.print(
        f"done in {seconds:.1f} s ({meta['n_steps']} of {meta['n_steps_planned']} steps, "
        f"stopped by {meta['stopped_by']}, {meta['train_seconds']:.0f} s of training in all): "
        f"wrote [bold]{path}[/bold] and {path.with_suffix('.json').name}"
    )


def _parse_labels(text: str | None) -> list[int] | dict[int, int] | None:
    """``"0,1,1"`` -> list; ``"3:100,5:50"`` -> {3: 100, 5: 50}."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if all(":" in p for p in parts):
            return {int(k): int(v) for k, v in (p.split(":", 1) for p in parts)}
        return [int(p) for p in parts]
    except ValueError as exc:
        raise typer.BadParameter(
            f"expected '0,1,2' or 'label:count,...', got {text!r}", param_hint="--labels"
        ) from exc


def _write_png(path: Path, image: np.ndarray) -> None:
    import cv2

    arr = np.round(image * 255).astype(np.uint8)
    if arr.ndim == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".png")
    os.close(fd)
    try:
        if not cv2.imwrite(tmp, arr):
            raise OSError(f"cannot write {path}")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@synth_app.command("sample")
def sample(
    model: str = typer.Argument(
        ..., help="A .safetensors model or a shipped name (digits-cvae, digits-cgan)."
    ),
    n: int | None = typer.Option(
        None, "--n", help="Number of images (default 1000 unless --labels fixes it)."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Folder (PNGs, one subfolder per class) or file.npz."
    ),
    labels: str | None = typer.Option(
        None, "--labels", help="'0,1,2,...' per image or 'label:count,...'."
    ),
    seed: int = typer.Option(0, "--seed", help="Sampling seed."),
    engine: str = typer.Option(
        "local", "--engine", help="local or ray (Ray Data; the same images)."
    ),
    address: str | None = typer.Option(
        None, "--address", help="With --engine ray: the Ray cluster to join (else a local Ray)."
    ),
) -> None:
    """Draw labelled synthetic images from a saved or shipped generator.

    Images are drawn in chunks of 500 with one seed per chunk, so --engine local and
    --engine ray give the same bytes.
    """
    from synthaug.engine.sampling import sample_chunked
    from synthaug.synth import load
    from synthaug.synth.base import resolve_labels

    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"expected local or ray, got {engine!r}", param_hint="--engine")
    if address and engine != "ray":
        raise typer.BadParameter("applies to --engine ray only", param_hint="--address")
    spec = _parse_labels(labels)
    if spec is None and n is None:
        n = 1000
    try:
        if engine == "ray":
            from synthaug.engine.ray_engine import require_ray, sample_ray

            require_ray()
        gen = load(model)
        with console.status(f"sampling from {type(gen).__name__} ({engine} engine)"):
            if engine == "ray":
                y = resolve_labels(n, spec, gen.classes_)
                X = sample_ray(model, y, seed, gen.image_shape_, address)
            else:
                X, y = sample_chunked(gen, n, labels=spec, seed=seed)
    except SynthaugError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(code=1) from exc
    if out.suffix == ".npz":
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}.", suffix=".npz")
        os.close(fd)
        np.savez_compressed(tmp, X=X, y=y)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, out)
    else:
        for label in np.unique(y):
            (out / str(label)).mkdir(parents=True, exist_ok=True)
        with _progress() as progress:
            task = progress.add_task("write", total=len(X), info=str(out))
            for i, (image, label) in enumerate(zip(X, y, strict=True)):
                _write_png(out / str(label) / f"{i:06d}.png", image)
                progress.advance(task)
    counts = ", ".join(f"{k}: {v}" for k, v in zip(*np.unique(y, return_counts=True), strict=True))
    console.print(f"wrote {len(X)} images {X.shape[1:]} to [bold]{out}[/bold] ({counts})")
