"""Every pipeline of the real-project corpus imports and runs through synthaug.albumentations.

The corpus (tests/fixtures/albumentations/corpus) holds each pipeline as its Python call and,
where Albumentations 2.0.8 can build it, as the file ``albumentations.save`` wrote. Both forms
run on an image plus the targets the project passes. Albumentations is never imported here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import synthaug.albumentations as A
from synthaug.albumentations.pytorch import ToTensorV2
from synthaug.errors import ConfigError

HERE = Path(__file__).parents[1] / "fixtures" / "albumentations" / "corpus"
_spec = importlib.util.spec_from_file_location("albu_corpus", HERE / "pipelines.py")
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
CORPUS = {e["id"]: e for e in _mod.CORPUS}
NOT_SERIALIZABLE = json.loads((HERE / "not_serializable.json").read_text())
# refused on purpose, each with a ConfigError naming the setting (listed in the migration doc)
REFUSED = {
    "essentials_seg": "alpha_affine",  # 1.x ElasticTransform affine part, removed in 2.0
    "sivl_triplet": "PiecewiseAffine",  # no synthaug counterpart
}


def _data(entry, seed=0):
    rng = np.random.default_rng(seed)
    h, w = entry["hw"]
    shape = (h, w) if entry.get("gray") else (h, w, 3)
    data = {"image": rng.integers(0, 256, shape, dtype=np.uint8)}
    for t in entry["targets"]:
        kind, _, fmt = t.partition(":")
        if kind == "mask" or kind in ("segmentation",):
            data[kind] = (rng.random((h, w)) > 0.5).astype(np.uint8)
        elif kind in ("mip-image", "positive", "negative"):
            data[kind] = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        elif kind == "bboxes":
            xyxy = np.array(
                [[0.1 * w, 0.2 * h, 0.6 * w, 0.7 * h], [0.5 * w, 0.1 * h, 0.9 * w, 0.5 * h]]
            )
            if fmt == "coco":
                xyxy[:, 2:] -= xyxy[:, :2]
            elif fmt == "yolo":
                c = (xyxy[:, :2] + xyxy[:, 2:]) / 2
                s = xyxy[:, 2:] - xyxy[:, :2]
                xyxy = np.concatenate([c, s], 1) / [w, h, w, h]
            data["bboxes"] = xyxy.tolist()
        elif kind == "keypoints":
            data["keypoints"] = [[0.3 * w, 0.4 * h], [0.8 * w, 0.6 * h], [2.0, 3.0]]
        elif kind == "kp":
            data[fmt] = ["a", "b", "c"]
        else:
            data[kind] = ["cat", "dog"]
    return data


def _check(entry, out, data):
    assert set(out) >= set(data)
    img = out["image"]
    assert img.shape[0] > 0
    if "bboxes" in data:
        fields = [t for t in entry["targets"] if ":" not in t and t not in ("mask", "keypoints")]
        for f in fields:
            if f in data and f in out:
                assert len(out[f]) == len(out["bboxes"])


def _python_pipeline(entry):
    return entry["build"](A, ToTensorV2)


def _outcome_python(name):
    entry = CORPUS[name]
    try:
        pipe = _python_pipeline(entry)
    except ConfigError as exc:
        return str(exc)
    data = _data(entry)
    _check(entry, pipe(**data), data)
    return None


@pytest.mark.parametrize("name", sorted(set(CORPUS) - set(REFUSED)))
def test_corpus_python_call_runs(name):
    assert _outcome_python(name) is None


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_corpus_refusals_name_the_setting(name):
    msg = _outcome_python(name)
    assert msg is not None and REFUSED[name] in msg


@pytest.mark.parametrize("name", sorted(set(CORPUS) - set(NOT_SERIALIZABLE) - set(REFUSED)))
def test_corpus_saved_file_loads_and_runs(name):
    pipe = A.load(HERE / f"{name}.json")
    data = _data(CORPUS[name], seed=1)
    _check(CORPUS[name], pipe(**data), data)


def test_corpus_has_30_pipelines_and_90_percent_run():
    assert len(CORPUS) >= 30
    assert all(CORPUS[n]["source"].startswith("github.com/") for n in CORPUS)
    ran = len(CORPUS) - len(REFUSED)
    assert ran / len(CORPUS) >= 0.9


@pytest.mark.parametrize("name", sorted(set(CORPUS) - set(NOT_SERIALIZABLE)))
def test_corpus_file_converts_to_a_synthaug_pipeline_that_saves_and_loads(name, tmp_path):
    from synthaug import augment

    try:
        pipe = augment.from_albumentations(HERE / f"{name}.json")
    except ConfigError as exc:
        # only steps with no registered synthaug counterpart are refused, pointing to A.load
        assert "synthaug.albumentations.load" in str(exc)
        return
    augment.save(pipe, tmp_path / "pipe.yaml")
    back = augment.load(tmp_path / "pipe.yaml")
    assert augment.to_dict(back) == augment.to_dict(pipe)
    data = _data(CORPUS[name], seed=2)
    assert back(image=data["image"], seed=0).image.ndim >= 2
