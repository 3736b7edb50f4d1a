"""An offline augmentation job, independent of the engine that runs it.

The pieces every engine (the local process pool, later Ray Data) shares:

* :class:`AugmentJob`: what to do, as plain values (picklable, stored as ``job.json``);
* :func:`prepare_job`: check the paths, scan the dataset, open the manifest, list what is left;
* :func:`process_item`: one item in, its outputs written atomically and a manifest entry out.
  It depends only on the item, the job and the dataset's format info, and draws its randomness
  from ``item_rng(seed, copy, key)``, so outputs are byte-identical whatever runs it and in
  which order;
* :func:`finalize_job`: dataset-wide files (the COCO JSON, YOLO class names), ``errors.jsonl``
  and the :class:`AugmentSummary`, all rebuilt from the manifest (so a resumed job ends the
  same as an uninterrupted one).
"""

from __future__ import annotations

import errno
import functools
import json
import os
import posixpath
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from synthaug.augment.compose import Compose
from synthaug.augment.sample import Sample
from synthaug.augment.serialize import from_dict
from synthaug.data.dataset import Dataset, Item, ItemError, augmented_key
from synthaug.data.formats import FORMATS, load_item, open_dataset
from synthaug.data.georeference import raster_map, read_georeference
from synthaug.data.images import (
    DEFAULT_MAX_PIXELS,
    TMP_PREFIX,
    atomic_write_bytes,
    encode_image,
    engine_gap,
)
from synthaug.data.labels import geometry_unchanged
from synthaug.engine.lock import JobLock, acquire_lock
from synthaug.engine.manifest import Manifest
from synthaug.errors import ConfigError, DataError
from synthaug.seeding import item_rng

__all__ = [
    "AugmentJob",
    "AugmentSummary",
    "JobState",
    "finalize_job",
    "prepare_job",
    "process_item",
]

STATE_DIR = ".synthaug"


@dataclass(frozen=True)
class AugmentJob:
    """Everything that decides a job's outputs (stored as ``DST/.synthaug/job.json``).

    Parameters
    ----------
    src, dst : str
        Dataset folder (or COCO ``.json``) to read, and the folder to write.
    pipeline : dict
        The pipeline's :func:`synthaug.augment.to_dict` form.
    format : str
        ``auto``, ``folder``, ``coco``, ``yolo`` or ``voc``.
    copies : int
        Augmented copies per item (``a/b.jpg`` -> ``a/b_aug0.jpg`` ...).
    keep_originals : bool
        Also copy each readable original (bytes unchanged) with its annotation.
    seed : int
        Run seed; copy ``k`` of item ``key`` uses ``item_rng(seed, k, key)``.
    max_pixels : int
        Images above this many pixels are skipped (``too_many_pixels``) before decoding.
    jpeg_quality : int
        Fixed JPEG quality, so the bytes are deterministic.
    durable : bool
        ``fsync`` every output before its rename (safe against power loss, slower).
    """

    src: str
    dst: str
    pipeline: dict[str, Any]
    format: str = "auto"
    copies: int = 1
    keep_originals: bool = False
    seed: int = 0
    max_pixels: int = DEFAULT_MAX_PIXELS
    jpeg_quality: int = 95
    durable: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (``job.json``)."""
        return asdict(self)


@dataclass
class AugmentSummary:
    """What a job did, counted over the whole manifest (resumed runs included).

    ``n_read`` items were read and augmented; ``n_written`` augmented images and
    ``n_originals`` copied originals were written; ``n_skipped`` items were skipped, counted by
    reason in ``skipped_by_reason`` and listed in ``errors_path``. ``n_boxes_dropped`` of the
    ``n_boxes_in`` boxes (oriented boxes for YOLO-OBB) that entered the pipeline (over all
    copies) did not survive it; ``boxes_dropped_by_reason`` counts the pipeline's reasons
    (``outside``, ``min_visibility``, ``min_area``, ``mask_empty``, ``instance``: see
    ``docs/labels.md``).
    """

    n_items: int = 0
    n_read: int = 0
    n_written: int = 0
    n_originals: int = 0
    n_skipped: int = 0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    n_boxes_in: int = 0
    n_boxes_dropped: int = 0
    boxes_dropped_by_reason: dict[str, int] = field(default_factory=dict)
    n_resumed: int = 0
    elapsed_s: float = 0.0
    dst: str = ""
    errors_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (``summary.json``)."""
        return asdict(self)


@dataclass
class JobState:
    """A prepared job: the dataset, the manifest, and the items still to do."""

    job: AugmentJob
    dataset: Dataset
    manifest: Manifest
    done: dict[str, dict[str, Any]]
    pending: list[Item]
    started: float = field(default_factory=time.perf_counter)
    lock: JobLock | None = None
    notes: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Release the job's lock on DST (done by :func:`finalize_job`; safe to repeat)."""
        if self.lock is not None:
            self.lock.release()

    @property
    def dataset_ref(self) -> Dataset:
        """The dataset without its item list (what a worker needs; small to ship)."""
        return replace(self.dataset, items=[])


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_paths(src_root: Path, dst: Path) -> None:
    """Refuse a DST equal to SRC, inside SRC, or containing SRC."""
    if _inside(dst, src_root):
        raise ConfigError(
            f"DST {dst} is {'SRC' if dst == src_root else 'inside SRC'} ({src_root}); "
            "synthaug never writes under its input: choose a folder outside SRC"
        )
    if _inside(src_root, dst):
        raise ConfigError(f"SRC {src_root} lies inside DST {dst}; choose a DST outside SRC")


def _expected_keys(item: Item, job: AugmentJob) -> list[str]:
    keys = [item.key] if job.keep_originals else []
    return keys + [augmented_key(item.key, k) for k in range(job.copies)]


def _remove_temporaries(dst: Path) -> int:
    n = 0
    for dirpath, _, filenames in os.walk(dst):
        for f in filenames:
            if f.startswith(TMP_PREFIX):
                os.unlink(os.path.join(dirpath, f))
                n += 1
    return n


def prepare_job(job: AugmentJob, resume: bool = False) -> JobState:
    """Validate ``job``, scan SRC and open (or continue, with ``resume``) the job in DST."""
    if job.copies < 0 or (job.copies == 0 and not job.keep_originals):
        raise ConfigError(
            f"copies: expected an integer >= 1 (or 0 with keep_originals), got {job.copies}"
        )
    if job.max_pixels < 1:
        raise ConfigError(f"max_pixels: expected a positive integer, got {job.max_pixels}")
    build_pipeline(json.dumps(job.pipeline, sort_keys=True))  # fail early on a bad pipeline
    dataset = open_dataset(job.src, job.format)
    dst = Path(job.dst).resolve()
    if dataset.format == "npz":  # SRC is one file: DST may sit beside it, not around it
        src_file = dataset.root / dataset.info["npz"]
        if _inside(src_file, dst):
            raise ConfigError(f"SRC {src_file} lies inside DST {dst}; choose a DST outside SRC")
    else:
        check_paths(dataset.root, dst)
    job = replace(job, src=str(Path(job.src).resolve()), dst=str(dst), format=dataset.format)
    seen: dict[str, str] = {}
    for item in dataset.items:
        if item.error is None:
            for k in _expected_keys(item, job):
                if k in seen:
                    raise ConfigError(
                        f"output {k!r} would be written for both {seen[k]!r} and {item.key!r}; "
                        "rename one of them in SRC"
                    )
                seen[k] = item.key
    state_dir = dst / STATE_DIR
    job_file = state_dir / "job.json"
    if not job_file.exists() and dst.exists() and any(_user_entries(dst)):
        raise ConfigError(f"DST {dst} is not empty; choose an empty or new folder")
    lock = acquire_lock(state_dir)
    try:
        _open_job_file(job, job_file, resume)
    except BaseException:
        lock.release()
        raise
    notes = []
    if lock.took_over is not None:
        notes.append(
            f"took over the lock of an earlier job on {dst} (PID {lock.took_over}), which is no "
            "longer running"
        )
    manifest = Manifest(state_dir / "manifest.jsonl")
    done = manifest.load()
    pending = [it for it in dataset.items if it.key not in done]
    return JobState(job, dataset, manifest, done, pending, lock=lock, notes=notes)


def _user_entries(dst: Path) -> list[Path]:
    """What DST holds besides a job folder holding nothing but a lock (a concurrent start)."""
    out = []
    for p in dst.iterdir():
        if p.name == STATE_DIR and p.is_dir() and {q.name for q in p.iterdir()} <= {"lock"}:
            continue
        out.append(p)
    return out


def _open_job_file(job: AugmentJob, job_file: Path, resume: bool) -> None:
    """Check ``job.json`` against ``job`` (with ``resume``) or write it for a new job."""
    dst = job_file.parent.parent
    if job_file.exists():
        if not resume:
            raise ConfigError(
                f"DST {dst} holds an earlier job; pass --resume to continue it or choose an "
                "empty folder"
            )
        try:
            before = json.loads(job_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ConfigError(
                f"{job_file}: unreadable job description; DST was not written by this version "
                "of synthaug: choose an empty folder"
            ) from None
        changed = sorted(k for k, v in job.to_dict().items() if before.get(k) != v)
        if changed:
            raise ConfigError(
                f"--resume: the job in {dst} differs in {changed}; use the same options"
            )
        _remove_temporaries(dst)
    else:
        text = json.dumps(job.to_dict(), indent=2, sort_keys=True)
        atomic_write_bytes(job_file, text.encode("utf-8"))


@functools.lru_cache(maxsize=4)
def build_pipeline(pipeline_json: str) -> Compose:
    """The pipeline of a job (cached per process; a bare transform is wrapped in a Compose)."""
    pipe = from_dict(json.loads(pipeline_json), source="pipeline")
    return pipe if isinstance(pipe, Compose) else Compose([pipe])


def _as_source_dtype(image: np.ndarray, source_dtype: np.dtype) -> np.ndarray:
    """The pipeline's output in the pixel type of its source file (written back as such)."""
    if image.dtype == source_dtype:
        return image
    if source_dtype == np.uint8 and image.dtype == np.float32:
        lo, hi = float(image.min()), float(image.max())
        if 0.0 <= lo and hi <= 1.0:
            return np.rint(image * 255.0).astype(np.uint8)
        raise ItemError(
            "pipeline_error",
            f"the pipeline returned {image.dtype} pixels in [{lo:.3g}, {hi:.3g}]; offline "
            "augmentation writes 8-bit images (leave Normalize to training time)",
        )
    raise ItemError(
        "pipeline_error",
        f"the pipeline returned {image.dtype} pixels for a {source_dtype} image; offline "
        "augmentation writes each image in its own pixel type (leave Normalize to training time)",
    )


def _engine_refusal(item: Item, image: np.ndarray, exc: Exception) -> ItemError | None:
    """``unsupported_image`` naming dtype and bands when the pipeline failed on an image outside
    what the engine takes today; ``None`` when the image was within it (a real pipeline error).
    """
    gap = engine_gap(image)
    if gap is None:
        return None
    return ItemError("unsupported_image", f"{item.key}: {gap}; {type(exc).__name__}: {exc}"[:400])


def _pipeline_for(pipeline: dict[str, Any], sample: Any) -> dict[str, Any]:
    """The job's pipeline with the settings a sample's labels need; pixels are the same.

    Pose skeletons keep all their keypoints (``remove_invisible_keypoints=False``: one that
    left the frame is written unlabelled, and indices must not shift); oriented boxes are
    re-fitted as the minimum-area rectangle of what is left of them
    (``oriented_box_fit="rect"``: YOLO-OBB labels are rectangles, inside the image); masks
    that are not one per object (a COCO image mixing segmented and box-only annotations,
    ``meta["instance_masks"] = False``) must not decide the boxes.
    """
    changes: dict[str, Any] = {}
    if sample.keypoint_instances is not None:
        changes["remove_invisible_keypoints"] = False
    if sample.oriented_boxes is not None:
        changes["oriented_box_fit"] = "rect"
    if sample.meta.get("instance_masks") is False:
        changes["boxes_from_masks"] = False
    if not changes:
        return pipeline
    # the short forms from_dict reads: a list of transforms, a mapping of "transforms"
    if isinstance(pipeline, list):
        pipeline = {"name": "Compose", "transforms": pipeline}
    elif "name" not in pipeline and "transforms" in pipeline:
        pipeline = {"name": "Compose", **pipeline}
    if pipeline.get("name") != "Compose":
        pipeline = {"name": "Compose", "transforms": [pipeline]}
    return {**pipeline, **changes}


def _box_drops(out: Any) -> dict[str, int]:
    """The boxes and oriented boxes a pipeline call dropped, by reason (``out.dropped``)."""
    reasons: Counter[str] = Counter()
    for key, n in out.dropped.items():
        target, reason = key.split(".", 1)
        if target in ("boxes", "oriented_boxes"):
            reasons[reason] += n
    return dict(sorted(reasons.items()))


def _skipped(item: Item, exc: ItemError) -> dict[str, Any]:
    return {
        "key": item.key,
        "status": "skipped",
        "reason": exc.reason,
        "message": str(exc),
        "file": getattr(exc, "file", "") or item.key,
        "field": getattr(exc, "field", ""),
    }


#: errno values that no other item could escape either: the job stops (resumable).
_JOB_LEVEL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EMFILE}


def _job_level_write_error(exc: OSError, item: Item, dst: Path) -> DataError:
    what = {
        errno.ENOSPC: "no space left on the device",
        errno.EDQUOT: "disk quota exceeded",
        errno.EROFS: "the file system is read-only",
        errno.EMFILE: "too many open files",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return DataError(
        f"cannot write to DST {dst} ({what}) while writing {item.key}; finished items are "
        "kept: free space (or fix the cause) and continue with --resume"
    )


def _georeference_move(
    pipe: Compose, out: Sample, source_image: np.ndarray, georeferenced: bool
) -> tuple[bool, np.ndarray | None]:
    """Whether a georeferenced source's tags stay as they are, and else the affine move of
    its pixel grid (None: not affine, the tags are dropped)."""
    if geometry_unchanged(out, source_image.shape[:2]):
        return True, None
    if not georeferenced:
        return False, None
    moved = raster_map(pipe, out.applied, source_image)
    if moved is not None and np.array_equal(moved, np.eye(3)):
        return True, None  # the steps cancel (two flips, say): the source's tags, as they were
    return False, moved


def process_item(item: Item, job: AugmentJob, dataset: Dataset) -> dict[str, Any]:
    """Augment one item, write its outputs atomically, return its manifest entry.

    The entry is ``{"key", "status": "ok", "outputs": [{"copy", "image", "files", "record",
    "n_dropped"}], "n_boxes"}`` or ``{"key", "status": "skipped", "reason", "message"}``.
    Nothing is written for a skipped item.
    """
    fmt = FORMATS[dataset.format]
    try:
        sample, raw = load_item(dataset, item, job.max_pixels)
    except ItemError as exc:
        return _skipped(item, exc)
    n_in = len(sample.box_labels or sample.oriented_box_labels or [])
    suffix = posixpath.splitext(item.key)[1]
    planned: list[tuple[Any, str, bytes, dict[str, Any], dict[str, int]]] = []
    try:
        if job.keep_originals:
            planned.append(("orig", item.key, raw, fmt.record(sample, dataset.info, item), {}))
        pipe = build_pipeline(json.dumps(_pipeline_for(job.pipeline, sample), sort_keys=True))
        georeferenced = suffix.lower() in (".tif", ".tiff") and read_georeference(raw) is not None
        for k in range(job.copies):
            try:
                out = pipe(sample, seed=item_rng(job.seed, k, item.key))
            except Exception as exc:
                refusal = _engine_refusal(item, sample.image, exc)
                if refusal is None:
                    raise
                raise refusal from None
            out = out.copy(image=_as_source_dtype(out.image, sample.image.dtype))
            keep, moved = _georeference_move(pipe, out, sample.image, georeferenced)
            data = encode_image(
                out.image, suffix, job.jpeg_quality, raw, keep_georeference=keep, raster_map=moved
            )
            record = fmt.record(out, dataset.info, item)
            planned.append((k, augmented_key(item.key, k), data, record, _box_drops(out)))
    except ItemError as exc:
        return _skipped(item, exc)
    except Exception as exc:  # a failing transform on one image must not stop the job
        return _skipped(
            item, ItemError("pipeline_error", f"{item.key}: {type(exc).__name__}: {exc}")
        )
    dst = Path(job.dst)
    outputs = []
    try:
        for copy, key, data, record, reasons in planned:
            atomic_write_bytes(dst / key, data, job.durable)
            files = fmt.write_annotation(dst, key, record, dataset.info, job.durable)
            n_out = fmt.n_objects(record)
            outputs.append(
                {
                    "copy": copy,
                    "image": key,
                    "files": files,
                    "record": record,
                    "n_dropped": 0 if copy == "orig" else max(n_in - n_out, 0),
                    "dropped_by_reason": reasons,
                }
            )
    except OSError as exc:
        if exc.errno in _JOB_LEVEL_ERRNOS:
            raise _job_level_write_error(exc, item, dst) from None
        return _skipped(item, ItemError("write_error", f"{item.key}: cannot write outputs: {exc}"))
    return {"key": item.key, "status": "ok", "n_boxes": n_in, "outputs": outputs}


def finalize_job(state: JobState) -> AugmentSummary:
    """Write dataset-wide files and ``errors.jsonl`` from the manifest; return the summary.

    Temporaries are removed first: a worker killed between creating its temporary file and
    the rename (a Ray worker the cluster lost, whose batch then ran again elsewhere) leaves
    one behind, and no writer of this job is left once every item is recorded.
    """
    job, dst = state.job, Path(state.job.dst)
    _remove_temporaries(dst)
    entries = state.manifest.load()
    ok = [e for k, e in sorted(entries.items()) if e["status"] == "ok"]
    skipped = [e for k, e in sorted(entries.items()) if e["status"] != "ok"]
    records = [(o["image"], o["record"]) for e in ok for o in e["outputs"]]
    FORMATS[state.dataset.format].finish(dst, records, state.dataset.info, job.durable)
    errors_path = dst / "errors.jsonl"
    lines = "".join(
        json.dumps(
            {
                "key": e["key"],
                "file": e.get("file", e["key"]),
                "field": e.get("field", ""),
                "reason": e["reason"],
                "message": e["message"],
            }
        )
        + "\n"
        for e in skipped
    )
    if skipped:
        atomic_write_bytes(errors_path, lines.encode("utf-8"), job.durable)
    elif errors_path.exists():
        errors_path.unlink()
    reasons = [Counter(o.get("dropped_by_reason", {})) for e in ok for o in e["outputs"]]
    summary = AugmentSummary(
        n_items=len(state.dataset.items),
        n_read=len(ok),
        n_written=sum(1 for e in ok for o in e["outputs"] if o["copy"] != "orig"),
        n_originals=sum(1 for e in ok for o in e["outputs"] if o["copy"] == "orig"),
        n_skipped=len(skipped),
        skipped_by_reason=dict(sorted(Counter(e["reason"] for e in skipped).items())),
        n_boxes_in=sum(e["n_boxes"] * sum(o["copy"] != "orig" for o in e["outputs"]) for e in ok),
        n_boxes_dropped=sum(o["n_dropped"] for e in ok for o in e["outputs"]),
        boxes_dropped_by_reason=dict(sorted(sum(reasons, Counter()).items())),
        n_resumed=len(state.done),
        elapsed_s=round(time.perf_counter() - state.started, 3),
        dst=str(dst),
        errors_path=str(errors_path) if skipped else None,
    )
    text = json.dumps(summary.to_dict(), indent=2)
    atomic_write_bytes(dst / STATE_DIR / "summary.json", text.encode("utf-8"), job.durable)
    state.close()
    return summary
