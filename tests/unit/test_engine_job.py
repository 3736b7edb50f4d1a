"""The batch job shared by every engine: paths, per-item processing, manifest, resume."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synthaug.augment.sample import Sample
from synthaug.data.images import TMP_PREFIX
from synthaug.data.toy import write_toy_dataset
from synthaug.engine import AugmentJob, Manifest, finalize_job, prepare_job, process_item, run_job
from synthaug.engine.job import _pipeline_for, build_pipeline
from synthaug.errors import ConfigError

PIPE = {
    "transforms": [
        {"name": "HorizontalFlip", "p": 0.5},
        {"name": "Rotate", "limit": 30, "p": 1.0},
        {"name": "BrightnessContrast", "p": 0.5},
    ],
    "min_visibility": 0.5,
}


def _job(tmp_path, fmt="yolo", n=6, **kw):
    write_toy_dataset(tmp_path / "src", fmt, n=n, seed=5)
    return AugmentJob(str(tmp_path / "src"), str(tmp_path / "dst"), PIPE, **kw)


@pytest.mark.parametrize("where", ["same", "inside"])
def test_dst_equal_to_or_inside_src_is_refused(tmp_path, where):
    job = _job(tmp_path)
    dst = tmp_path / "src" if where == "same" else tmp_path / "src" / "images" / "out"
    with pytest.raises(ConfigError, match="never writes under its input"):
        prepare_job(AugmentJob(job.src, str(dst), PIPE))
    assert not (tmp_path / "src" / "images" / "out").exists()


def test_src_inside_dst_is_refused(tmp_path):
    job = _job(tmp_path)
    with pytest.raises(ConfigError, match="inside DST"):
        prepare_job(AugmentJob(job.src, str(tmp_path), PIPE))


def test_non_empty_dst_without_a_job_is_refused(tmp_path):
    job = _job(tmp_path)
    (tmp_path / "dst").mkdir()
    (tmp_path / "dst" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        prepare_job(job)


def test_process_item_is_deterministic_and_writes_every_copy(tmp_path):
    job = _job(tmp_path, copies=2, keep_originals=True)
    state = prepare_job(job)
    item = state.pending[0]
    entry = process_item(item, state.job, state.dataset_ref)
    assert entry["status"] == "ok"
    assert [o["image"] for o in entry["outputs"]] == [
        "images/0000.jpg",
        "images/0000_aug0.jpg",
        "images/0000_aug1.jpg",
    ]
    first = (tmp_path / "dst" / "images" / "0000_aug1.jpg").read_bytes()
    assert entry == process_item(item, state.job, state.dataset_ref)
    assert (tmp_path / "dst" / "images" / "0000_aug1.jpg").read_bytes() == first
    assert (tmp_path / "dst" / "images" / "0000.jpg").read_bytes() == (
        tmp_path / "src" / "images" / "0000.jpg"
    ).read_bytes()


def test_seed_changes_the_outputs(tmp_path):
    job = _job(tmp_path, n=1)
    a = run_job(job)
    out = (tmp_path / "dst" / "images" / "0000_aug0.jpg").read_bytes()
    b = run_job(AugmentJob(job.src, str(tmp_path / "dst2"), PIPE, seed=1))
    assert a.n_written == b.n_written == 1
    assert (tmp_path / "dst2" / "images" / "0000_aug0.jpg").read_bytes() != out


def test_finalize_removes_temporaries_of_writers_killed_mid_write(tmp_path):
    state = prepare_job(_job(tmp_path, n=2))
    stray = tmp_path / "dst" / "images" / f"{TMP_PREFIX}dead-worker"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"half an image")
    for item in state.pending:
        state.manifest.append([process_item(item, state.job, state.dataset_ref)])
    assert finalize_job(state).n_written == 2
    assert not stray.exists()
    assert sorted(p.name for p in (tmp_path / "dst" / "images").iterdir()) == [
        "0000_aug0.jpg",
        "0001_aug0.jpg",
    ]


def test_manifest_cuts_a_partial_last_line(tmp_path):
    m = Manifest(tmp_path / "m.jsonl")
    m.append([{"key": "a", "status": "ok"}, {"key": "b", "status": "ok"}])
    with open(m.path, "ab") as fh:
        fh.write(b'{"key": "c", "sta')
    assert sorted(m.load()) == ["a", "b"]
    m.append([{"key": "c", "status": "ok"}])
    assert sorted(m.load()) == ["a", "b", "c"]
    assert m.path.read_text().count("\n") == 3


def test_resume_skips_items_in_the_manifest_and_needs_the_same_job(tmp_path):
    job = _job(tmp_path, n=6)
    state = prepare_job(job)
    state.manifest.append(
        [process_item(it, state.job, state.dataset_ref) for it in state.pending[:4]]
    )
    with pytest.raises(ConfigError, match="--resume"):
        prepare_job(job)
    with pytest.raises(ConfigError, match="differs in \\['copies'\\]"):
        prepare_job(AugmentJob(job.src, job.dst, PIPE, copies=3), resume=True)
    again = prepare_job(job, resume=True)
    assert [it.key for it in again.pending] == ["images/0004.jpg", "images/0005.jpg"]


def test_summary_counts_skips_by_reason_and_lists_them(tmp_path):
    job = _job(tmp_path, n=4)
    (tmp_path / "src" / "images" / "0001.jpg").write_bytes(b"not an image")
    (tmp_path / "src" / "labels" / "0002.txt").write_text("0 2.0 0.5 0.1 0.1\n")
    summary = run_job(job)
    assert (summary.n_items, summary.n_read, summary.n_written, summary.n_skipped) == (4, 2, 2, 2)
    assert summary.skipped_by_reason == {"box_out_of_range": 1, "corrupt_image": 1}
    errors = [
        json.loads(line) for line in (tmp_path / "dst" / "errors.jsonl").read_text().splitlines()
    ]
    assert [(e["key"], e["reason"]) for e in errors] == [
        ("images/0001.jpg", "corrupt_image"),
        ("images/0002.jpg", "box_out_of_range"),
    ]


def test_boxes_dropped_by_the_pipeline_are_counted(tmp_path):
    pipe = {"transforms": [{"name": "RandomCrop", "height": 8, "width": 8}], "min_visibility": 0.9}
    write_toy_dataset(tmp_path / "src", "voc", n=5)
    summary = run_job(AugmentJob(str(tmp_path / "src"), str(tmp_path / "dst"), pipe))
    assert summary.n_boxes_in > 0 and 0 < summary.n_boxes_dropped <= summary.n_boxes_in
    entries = Manifest(tmp_path / "dst" / ".synthaug" / "manifest.jsonl").load()
    kept = sum(len(o["record"]["objects"]) for e in entries.values() for o in e["outputs"])
    assert kept == summary.n_boxes_in - summary.n_boxes_dropped


def test_finalize_rebuilds_the_coco_json_from_the_manifest(tmp_path):
    job = _job(tmp_path, fmt="coco", n=3, copies=2)
    state = prepare_job(job)
    state.manifest.append([process_item(it, state.job, state.dataset_ref) for it in state.pending])
    finalize_job(prepare_job(job, resume=True))
    doc = json.loads((tmp_path / "dst" / "annotations" / "instances.json").read_text())
    assert [im["file_name"] for im in doc["images"]] == [
        f"{i:04d}_aug{k}.jpg" for i in range(3) for k in range(2)
    ]
    assert all((tmp_path / "dst" / "images" / im["file_name"]).is_file() for im in doc["images"])


@pytest.mark.parametrize(
    "pipeline",
    [
        {"transforms": [{"name": "HorizontalFlip", "p": 1.0}], "min_visibility": 0.5},
        {"name": "Compose", "transforms": [{"name": "HorizontalFlip", "p": 1.0}]},
        {"name": "HorizontalFlip", "p": 1.0},
    ],
)
def test_label_settings_are_added_to_a_pipeline_in_any_short_form(pipeline):
    # regression: a mapping of "transforms" without "name" (what from_dict and the job
    # accept) was wrapped as if it were one transform, and every keypoint item was skipped
    sample = Sample(
        np.zeros((8, 8, 3), np.uint8),
        boxes=np.array([[1.0, 1, 5, 5]]),
        keypoints=np.array([[2.0, 2]]),
        keypoint_instances=[0],
    )
    pipe = build_pipeline(json.dumps(_pipeline_for(pipeline, sample), sort_keys=True))
    assert pipe.remove_invisible_keypoints is False
    assert type(pipe.transforms[0]).__name__ == "HorizontalFlip"
    assert pipe.min_visibility == pipeline.get("min_visibility", 0.0)
