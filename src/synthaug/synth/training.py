"""The step loop shared by the learned generators: budgets, checkpoints and resume.

A learned generator's ``_fit`` builds its networks and optimisers, then hands one training step
(a function of the batch's indices) to :func:`train_loop`, which owns everything around it:

* **Budget.** Training runs ``epochs`` passes over the data, or fewer: it stops at ``max_steps``
  optimiser steps or after ``max_minutes`` of training time, whichever comes first. Training time
  adds up over an interrupted run and its resumptions (time between the last checkpoint and a
  kill is not counted), so a resumed run ends at the same total budget.
* **Checkpoints.** With a checkpoint folder, the complete training state (every network, every
  optimiser's moments, the ``torch.Generator`` state, the current epoch's batch order, the loss
  sums, the elapsed time) is written every ``checkpoint_every_minutes``, when ``stop()`` asks to
  stop, and at the end, as ``checkpoint.safetensors`` (tensors, with the JSON state embedded in
  its metadata) plus ``checkpoint.json`` (the same JSON, readable). Both are written to a
  temporary file and renamed; nothing is pickled.
* **Resume.** ``resume=True`` reloads that state and continues: with a step budget the result is
  the same, byte for byte, as an uninterrupted run. A checkpoint of other data or other
  parameters is refused.

Batch order and noise come from the one ``torch.Generator`` of the fit, in the same order as a
plain epoch loop, so a run without checkpoints gives the weights it always gave.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from synthaug.errors import ConfigError, InvalidInputError, ModelFormatError, SynthaugError
from synthaug.synth.base import ProgressCallback, _atomic_write, _jsonable

if TYPE_CHECKING:
    from synthaug.synth.learned import LearnedGenerator

__all__ = [
    "CHECKPOINT_FORMAT",
    "RunOptions",
    "TrainingInterrupted",
    "read_checkpoint",
    "train_loop",
]

CHECKPOINT_FORMAT = "synthaug-checkpoint"
CHECKPOINT_VERSION = 1
CHECKPOINT_NAME = "checkpoint.safetensors"
#: A training step: batch indices in, named float losses out.
StepFunction = Callable[[torch.Tensor], Mapping[str, float]]


class TrainingInterrupted(SynthaugError):
    """``stop()`` asked a fit to stop; the state is saved in ``checkpoint`` for ``resume=True``."""

    def __init__(self, message: str, checkpoint: Path | None, step: int) -> None:
        super().__init__(message)
        self.checkpoint = checkpoint
        self.step = step


@dataclass
class RunOptions:
    """How one call of ``fit`` runs (not part of the model): checkpoints, resume, stop request.

    Parameters
    ----------
    checkpoint_dir : folder for ``checkpoint.safetensors`` / ``checkpoint.json``, or None.
    checkpoint_every_minutes : training time between periodic checkpoints.
    resume : continue from the checkpoint in ``checkpoint_dir`` if there is one.
    stop : called between steps; when it returns True the state is saved and
        :class:`TrainingInterrupted` is raised (the CLI sets it from SIGINT / SIGTERM).
    """

    checkpoint_dir: Path | None = None
    checkpoint_every_minutes: float = 1.0
    resume: bool = False
    stop: Callable[[], bool] | None = None

    def __post_init__(self) -> None:
        if self.checkpoint_dir is not None:
            self.checkpoint_dir = Path(self.checkpoint_dir)
        every = self.checkpoint_every_minutes
        if isinstance(every, bool) or not isinstance(every, (int, float)) or not every > 0:
            raise ConfigError(
                f"checkpoint_every_minutes: expected a positive number, got {every!r}"
            )
        if self.resume and self.checkpoint_dir is None:
            raise ConfigError("resume=True needs checkpoint_dir (the folder of the checkpoint)")


@dataclass
class _LoopState:
    step: int = 0
    elapsed: float = 0.0
    order: torch.Tensor | None = None
    sums: dict[str, float] = field(default_factory=dict)
    weight: int = 0
    history: list[float] = field(default_factory=list)


def data_fingerprint(X: np.ndarray, index: np.ndarray) -> str:
    """SHA-256 over the training images and labels: a resumed run must see the same data."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(X, dtype=np.float32).tobytes())
    h.update(np.ascontiguousarray(index, dtype=np.int64).tobytes())
    h.update(repr(X.shape).encode())
    return h.hexdigest()


def plan_steps(gen: LearnedGenerator, n: int, min_batch: int) -> tuple[list[int], int]:
    """Batch starts within an epoch and the step budget (``epochs`` capped by ``max_steps``)."""
    starts = list(range(0, n - (min_batch - 1), gen.batch_size))
    if not starts:
        raise InvalidInputError(
            f"X: {type(gen).__name__} needs at least {min_batch} images to train, got {n}"
        )
    total = gen.epochs * len(starts)
    if gen.max_steps is not None:
        total = min(total, gen.max_steps)
    return starts, total


def train_loop(
    gen: LearnedGenerator,
    X: np.ndarray,
    index: np.ndarray,
    g: torch.Generator,
    optimizers: Mapping[str, torch.optim.Optimizer],
    step_fn: StepFunction,
    callback: ProgressCallback | None,
    run: RunOptions,
    min_batch: int = 1,
) -> dict[str, Any]:
    """Run ``step_fn`` over shuffled batches within the budget; return what happened.

    ``callback`` gets ``{"epoch", "n_epochs", "loss", <other losses>, "step", "n_steps",
    "elapsed_seconds", "max_seconds", "checkpoint"}`` at the end of every epoch; the last call
    (at the end of the last, possibly partial, epoch) also has ``"done": True`` and
    ``"stopped_by"`` (``"epochs"``, ``"max_steps"`` or ``"max_minutes"``). Sets
    ``gen.loss_history_`` (one mean loss per epoch).
    """
    n = len(index)
    starts, total = plan_steps(gen, n, min_batch)
    per_epoch = len(starts)
    n_epochs = -(-total // per_epoch)
    max_seconds = None if gen.max_minutes is None else 60.0 * float(gen.max_minutes)
    fingerprint = data_fingerprint(X, index)
    state = _LoopState()
    if run.resume:
        path = run.checkpoint_dir / CHECKPOINT_NAME  # type: ignore[operator]
        if path.is_file():
            state = _restore(gen, path, optimizers, g, fingerprint)
    every = 60.0 * run.checkpoint_every_minutes
    t0 = time.perf_counter()
    last_saved = t0

    def elapsed() -> float:
        return state.elapsed + (time.perf_counter() - t0)

    def save() -> Path | None:
        if run.checkpoint_dir is None:
            return None
        snapshot = _LoopState(
            state.step, elapsed(), state.order, dict(state.sums), state.weight, state.history
        )
        return write_checkpoint(
            run.checkpoint_dir, gen, optimizers, g, snapshot, fingerprint, total
        )

    def report(extra: dict[str, Any], checkpoint: Path | None = None) -> None:
        if callback is None:
            return
        means = {k: v / max(state.weight, 1) for k, v in state.sums.items()}
        callback(
            {
                "epoch": -(-state.step // per_epoch),
                "n_epochs": n_epochs,
                **means,
                "step": state.step,
                "n_steps": total,
                "elapsed_seconds": elapsed(),
                "max_seconds": max_seconds,
                "checkpoint": None if checkpoint is None else str(checkpoint),
                **extra,
            }
        )

    stopped_by = "max_steps" if total < gen.epochs * per_epoch else "epochs"
    out_of_time = max_seconds is not None and elapsed() >= max_seconds
    while state.step < total and not out_of_time:
        if run.stop is not None and run.stop():
            where = save()
            raise TrainingInterrupted(
                f"{type(gen).__name__}: training stopped at step {state.step} of {total}"
                + (f"; state saved in {where}: fit again with resume=True" if where else ""),
                where,
                state.step,
            )
        pos = state.step % per_epoch
        if pos == 0:
            state.order = torch.randperm(n, generator=g)
            state.sums, state.weight = {}, 0
        batch = state.order[starts[pos] : starts[pos] + gen.batch_size]  # type: ignore[index]
        losses = step_fn(batch)
        for key, value in losses.items():
            state.sums[key] = state.sums.get(key, 0.0) + float(value) * len(batch)
        state.weight += len(batch)
        state.step += 1
        out_of_time = max_seconds is not None and elapsed() >= max_seconds
        if pos == per_epoch - 1 or state.step == total or out_of_time:
            state.history.append(state.sums.get("loss", 0.0) / max(state.weight, 1))
        if state.step == total or out_of_time:
            break  # the last callback (below) comes after the final checkpoint
        saved = None
        if run.checkpoint_dir is not None and time.perf_counter() - last_saved >= every:
            saved, last_saved = save(), time.perf_counter()
        if pos == per_epoch - 1:
            report({}, saved)
    if out_of_time and state.step < total:
        stopped_by = "max_minutes"
    gen.loss_history_ = list(state.history)
    report({"done": True, "stopped_by": stopped_by}, save())
    return {
        "n_steps": state.step,
        "n_steps_planned": total,
        "train_seconds": round(elapsed(), 2),
        "stopped_by": stopped_by,
    }


# -- checkpoint files -----------------------------------------------------------------------
def write_checkpoint(
    folder: Path,
    gen: LearnedGenerator,
    optimizers: Mapping[str, torch.optim.Optimizer],
    g: torch.Generator,
    state: _LoopState,
    fingerprint: str,
    total: int,
) -> Path:
    """Write the training state as safetensors + JSON (atomically); return the file's path."""
    from safetensors.numpy import save_file

    tensors: dict[str, np.ndarray] = {}
    for name in gen._module_names:
        for key, value in getattr(gen, name).state_dict().items():
            tensors[f"module.{name}.{key}"] = _to_numpy(value)
    groups: dict[str, Any] = {}
    for name, opt in optimizers.items():
        sd = opt.state_dict()
        for idx, moments in sd["state"].items():
            for key, value in moments.items():
                tensors[f"optim.{name}.{idx}.{key}"] = _to_numpy(torch.as_tensor(value))
        groups[name] = sd["param_groups"]
    tensors["rng.torch"] = g.get_state().numpy()
    if state.order is not None:
        tensors["loop.order"] = state.order.numpy()
    config = {
        "format": CHECKPOINT_FORMAT,
        "format_version": CHECKPOINT_VERSION,
        "class": type(gen).__name__,
        "params": _jsonable(gen.get_params()),
        "classes_": gen.classes_.tolist(),
        "image_shape_": list(gen.image_shape_),
        "data_sha256": fingerprint,
        "step": state.step,
        "n_steps": total,
        "elapsed_seconds": state.elapsed,
        "epoch_sums": state.sums,
        "epoch_weight": state.weight,
        "loss_history_": state.history,
        "optimizers": _jsonable(groups),
    }
    text = json.dumps(config, indent=2, sort_keys=True)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CHECKPOINT_NAME
    tensors = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    _atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata={"synthaug_checkpoint": text}))
    _atomic_write(path.with_suffix(".json"), lambda tmp: Path(tmp).write_text(text + "\n"))
    return path


def read_checkpoint(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a checkpoint file (or its folder): ``(tensors, config)``. Never unpickles."""
    from safetensors import safe_open

    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise ModelFormatError(f"{path}: no checkpoint file")
    with open(path, "rb") as fh:
        head = fh.read(9)
    if len(head) < 9 or head[8:9] != b"{":
        raise ModelFormatError(f"{path}: not a safetensors file; synthaug never loads pickles")
    try:
        with safe_open(str(path), framework="numpy") as f:
            text = (f.metadata() or {}).get("synthaug_checkpoint")
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFormatError(f"{path}: unreadable checkpoint: {exc}") from exc
    if text is None:
        raise ModelFormatError(f"{path}: no synthaug_checkpoint metadata")
    config = json.loads(text)
    if config.get("format") != CHECKPOINT_FORMAT or config.get("format_version") != (
        CHECKPOINT_VERSION
    ):
        raise ModelFormatError(
            f"{path}: expected format {CHECKPOINT_FORMAT!r} version {CHECKPOINT_VERSION}, got "
            f"{config.get('format')!r} version {config.get('format_version')!r}"
        )
    return tensors, config


def _restore(
    gen: LearnedGenerator,
    path: Path,
    optimizers: Mapping[str, torch.optim.Optimizer],
    g: torch.Generator,
    fingerprint: str,
) -> _LoopState:
    tensors, config = read_checkpoint(path)
    if config["class"] != type(gen).__name__:
        raise ConfigError(
            f"{path}: a checkpoint of {config['class']}, cannot resume a {type(gen).__name__}"
        )
    params = _jsonable(gen.get_params())
    for key in sorted(set(params) | set(config["params"])):
        if params.get(key) != config["params"].get(key):
            raise ConfigError(
                f"{path}: params.{key} = {config['params'].get(key)!r} in the checkpoint but "
                f"{params.get(key)!r} in this run; resume with the same settings or start afresh"
            )
    if config["data_sha256"] != fingerprint:
        raise ConfigError(
            f"{path}: the checkpoint was trained on other data (different images or labels); "
            "resume with the same data or start afresh"
        )
    for name in gen._module_names:
        prefix = f"module.{name}."
        sd = {
            k[len(prefix) :]: torch.from_numpy(v.copy())
            for k, v in tensors.items()
            if k.startswith(prefix)
        }
        getattr(gen, name).load_state_dict(sd, strict=True)
    for name, opt in optimizers.items():
        prefix = f"optim.{name}."
        moments: dict[int, dict[str, torch.Tensor]] = {}
        for k, v in tensors.items():
            if k.startswith(prefix):
                idx, key = k[len(prefix) :].split(".", 1)
                moments.setdefault(int(idx), {})[key] = torch.from_numpy(v.copy())
        opt.load_state_dict({"state": moments, "param_groups": config["optimizers"][name]})
    g.set_state(torch.from_numpy(tensors["rng.torch"].copy()))
    order = tensors.get("loop.order")
    return _LoopState(
        step=int(config["step"]),
        elapsed=float(config["elapsed_seconds"]),
        order=None if order is None else torch.from_numpy(order.copy()),
        sums={k: float(v) for k, v in config["epoch_sums"].items()},
        weight=int(config["epoch_weight"]),
        history=[float(v) for v in config["loss_history_"]],
    )


def _to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().contiguous().numpy()
