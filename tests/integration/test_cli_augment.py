"""``synthaug augment`` end to end on generated datasets with deliberately broken items."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.data.images import TMP_PREFIX, encode_image
from synthaug.data.toy import write_toy_dataset

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
N = 200
MAX_PIXELS = 5000  # 48 x 48 passes, 100 x 100 does not


def _corrupt_common(root: Path, image_dir: str) -> dict[str, str]:
    """Break three images every format can hold; return {key: reason}."""
    d = root / image_dir if image_dir else root
    first = sorted(p for p in d.rglob("*.jpg"))
    data = first[0].read_bytes()
    first[0].write_bytes(data[: len(data) // 2])
    first[1].write_bytes(b"these bytes are not an image\n" * 20)
    big = np.random.default_rng(0).integers(0, 255, (100, 100, 3), dtype=np.uint8)
    first[2].write_bytes(encode_image(big, ".jpg"))
    rel = [p.relative_to(root).as_posix() for p in first[:3]]
    return dict(zip(rel, ["truncated_image", "corrupt_image", "too_many_pixels"], strict=True))


def make_dataset(root: Path, fmt: str) -> dict[str, str]:
    """~200 toy images in ``fmt`` with broken items; return the expected {key: reason}."""
    write_toy_dataset(root, fmt, n=N, seed=11)
    bad: dict[str, str] = {}
    if fmt == "folder":
        bad.update(_corrupt_common(root, ""))
        os.symlink(root / "nowhere.jpg", root / "circle" / "dangling.jpg")
        bad["circle/dangling.jpg"] = "missing_image"
    elif fmt == "coco":
        bad.update(_corrupt_common(root, "images"))
        path = root / "annotations" / "instances.json"
        doc = json.loads(path.read_text())
        images = doc["images"]
        (root / "images" / images[10]["file_name"]).unlink()
        bad[f"images/{images[10]['file_name']}"] = "missing_image"
        images[11]["file_name"] = "../../x.jpg"
        bad["images[11]:'../../x.jpg'"] = "unsafe_path"
        for a in doc["annotations"]:
            if a["image_id"] == images[12]["id"]:
                a["bbox"] = [40, 40, 30, 30]
            if a["image_id"] == images[13]["id"]:
                a["segmentation"] = {"size": [48, 48], "counts": [5, 5]}
        bad[f"images/{images[12]['file_name']}"] = "box_out_of_range"
        bad[f"images/{images[13]['file_name']}"] = "bad_annotation"
        path.write_text(json.dumps(doc))
    elif fmt == "yolo":
        bad.update(_corrupt_common(root, "images"))
        (root / "labels" / "0010.txt").write_text("zero 0.5 0.5 0.1\n")
        bad["images/0010.jpg"] = "bad_annotation"
        (root / "labels" / "0011.txt").write_text("0 0.5 0.5 1.8 0.2\n")
        bad["images/0011.jpg"] = "box_out_of_range"
        (root / "images" / "0012.jpg").unlink()
        bad["labels/0012.txt"] = "missing_image"
    elif fmt == "voc":
        bad.update(_corrupt_common(root, "JPEGImages"))
        (root / "Annotations" / "0010.xml").write_text("<annotation><object><name>x</name>")
        bad["JPEGImages/0010.jpg"] = "bad_annotation"
        xml = (root / "Annotations" / "0011.xml").read_text()
        start = xml.index("<xmax>") + len("<xmax>")
        end = xml.index("</xmax>")
        (root / "Annotations" / "0011.xml").write_text(xml[:start] + "480" + xml[end:])
        bad["JPEGImages/0011.jpg"] = "box_out_of_range"
        (root / "JPEGImages" / "0012.jpg").unlink()
        bad["Annotations/0012.xml"] = "missing_image"
    return bad


def _augment(src, dst, *extra):
    args = ["augment", str(src), str(dst), "-p", str(EXAMPLES / "detection.yaml")]
    return runner.invoke(app, [*args, "--max-pixels", str(MAX_PIXELS), *extra])


def _digest(path: Path) -> str:
    return f"{path.stat().st_size} {hashlib.sha256(path.read_bytes()).hexdigest()}"


def _files(root: Path) -> dict[str, str]:
    """``{relative path: size and SHA-256}`` of the files under ``root`` (job state aside):
    equal bytes compare equal, and a failing comparison names the files that differ."""
    return {
        p.relative_to(root).as_posix(): _digest(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".synthaug" not in p.parts
    }


def _manifest(dst: Path) -> list[dict]:
    lines = (dst / ".synthaug" / "manifest.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _expected_files(dst: Path, fmt: str, n_ok_keys: list[str], copies: int) -> set[str]:
    out = set()
    for key in n_ok_keys:
        stem, ext = os.path.splitext(key)
        for k in range(copies):
            out.add(f"{stem}_aug{k}{ext}")
            if fmt == "yolo":
                out.add(f"labels/{Path(stem).name}_aug{k}.txt")
            if fmt == "voc":
                out.add(f"Annotations/{Path(stem).name}_aug{k}.xml")
    out.add("errors.jsonl")
    out |= {
        "coco": {"annotations/instances.json"},
        "yolo": {"classes.txt", "data.yaml"},
        "voc": {"ImageSets/Main/trainval.txt"},
    }.get(fmt, set())
    return out


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["folder", "coco", "yolo", "voc"])
def test_summary_errors_and_outputs_are_right_for_each_format(tmp_path, fmt):
    src, dst = tmp_path / "src", tmp_path / "dst"
    bad = make_dataset(src, fmt)
    res = _augment(src, dst, "--copies", "2", "--workers", "2", "--format", fmt)
    assert res.exit_code == 0, res.output
    summary = json.loads((dst / ".synthaug" / "summary.json").read_text())
    n_items = N + (1 if fmt == "folder" else 0)
    assert summary["n_items"] == n_items
    assert summary["n_read"] == n_items - len(bad)
    assert summary["n_written"] == 2 * (n_items - len(bad))
    reasons: dict[str, int] = {}
    for r in bad.values():
        reasons[r] = reasons.get(r, 0) + 1
    assert summary["skipped_by_reason"] == dict(sorted(reasons.items()))
    errors = [json.loads(x) for x in (dst / "errors.jsonl").read_text().splitlines()]
    assert {e["key"]: e["reason"] for e in errors} == bad
    assert all(e["message"] for e in errors)
    ok_keys = [e["key"] for e in _manifest(dst) if e["status"] == "ok"]
    assert set(_files(dst)) == _expected_files(dst, fmt, ok_keys, 2)
    assert "skipped" in res.output and "too_many_pixels" in res.output
    strict = _augment(src, dst, "--copies", "2", "--format", fmt, "--resume", "--strict")
    assert strict.exit_code == 1 and "--strict" in strict.output


@pytest.mark.slow
def test_coco_output_json_matches_written_images(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    make_dataset(src, "coco")
    assert _augment(src, dst, "--copies", "1", "--keep-originals", "-w", "1").exit_code == 0
    doc = json.loads((dst / "annotations" / "instances.json").read_text())
    names = {im["file_name"] for im in doc["images"]}
    on_disk = {p.name for p in (dst / "images").iterdir()}
    assert names == on_disk and len(names) == 2 * (N - 7)
    assert {a["image_id"] for a in doc["annotations"]} <= {im["id"] for im in doc["images"]}
    kinds = {type(a["segmentation"]).__name__ for a in doc["annotations"]}
    assert kinds == {"list", "dict"}


@pytest.mark.slow
def test_one_two_and_four_workers_give_identical_bytes(tmp_path):
    src = tmp_path / "src"
    make_dataset(src, "coco")
    for w in ("1", "2", "4"):
        res = _augment(src, tmp_path / f"w{w}", "--copies", "2", "--workers", w, "--seed", "7")
        assert res.exit_code == 0, res.output
    f1 = _files(tmp_path / "w1")
    assert len(f1) > 2 * (N - 7)
    assert _files(tmp_path / "w2") == f1
    assert _files(tmp_path / "w4") == f1


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from synthaug.cli import main; main()", *args]


@pytest.mark.slow
def test_kill_9_then_resume_gives_every_output_exactly_once(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    bad = make_dataset(src, "yolo")
    args = ["augment", str(src), str(dst), "-p", str(EXAMPLES / "detection.yaml"), "-k", "6"]
    args += ["-w", "2", "--max-pixels", str(MAX_PIXELS)]
    proc = subprocess.Popen(
        _cli(*args), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    manifest = dst / ".synthaug" / "manifest.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if manifest.exists() and manifest.read_text().count("\n") >= 40:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = manifest.read_text().count("\n")
    assert 40 <= done_at_kill < N, "the job finished before it could be killed"
    res = subprocess.run(_cli(*args, "--resume"), capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    entries = _manifest(dst)
    keys = [e["key"] for e in entries]
    assert len(keys) == len(set(keys)) == N
    ok = [e["key"] for e in entries if e["status"] == "ok"]
    assert len(ok) == N - len(bad)
    assert set(_files(dst)) == _expected_files(dst, "yolo", ok, 6)
    assert not list(dst.rglob(TMP_PREFIX + "*"))
    summary = json.loads((dst / ".synthaug" / "summary.json").read_text())
    assert summary["n_resumed"] == done_at_kill and summary["n_written"] == 6 * len(ok)
    fresh = tmp_path / "fresh"
    assert _augment(src, fresh, "-k", "6", "-w", "1").exit_code == 0
    assert _files(fresh) == _files(dst)


def test_dst_inside_src_is_refused_and_nothing_written(tmp_path):
    src = tmp_path / "src"
    write_toy_dataset(src, "yolo", n=3)
    before = _files(src)
    res = _augment(src, src / "images" / "aug")
    assert res.exit_code == 2 and "never writes under its input" in res.output
    assert _files(src) == before and not (src / "images" / "aug").exists()


def test_nothing_readable_exits_non_zero(tmp_path):
    src = tmp_path / "src" / "cat"
    src.mkdir(parents=True)
    (src / "a.jpg").write_bytes(b"junk")
    res = _augment(tmp_path / "src", tmp_path / "dst")
    assert res.exit_code == 1 and "no item" in res.output


def test_preview_writes_a_grid_and_transforms_lists_defaults(tmp_path):
    write_toy_dataset(tmp_path / "src", "coco", n=2)
    out = tmp_path / "grid.png"
    res = runner.invoke(
        app,
        [
            "preview",
            str(tmp_path / "src"),
            "-p",
            str(EXAMPLES / "detection.yaml"),
            "-o",
            str(out),
            "--n",
            "3",
        ],
    )
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    listing = runner.invoke(app, ["transforms", "Rotate", "--json"])
    assert listing.exit_code == 0
    assert json.loads(listing.output)["Rotate"]["params"]["p"] == "0.5"
