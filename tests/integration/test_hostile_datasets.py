"""A corpus of hostile datasets: 40 good items and one bad one, in every format.

Each case copies one shared good base per format (tiny images, made once per module), breaks
one item the way users' files were found broken, runs ``synthaug augment`` and checks that the
job exits 0, writes exactly the good items, lists the bad one in ``errors.jsonl`` (with its
file, field and reason), prints no traceback and quotes nothing read outside SRC. Dataset-level
defects (an unparseable COCO JSON, a YAML alias bomb) end with one clear message, exit 2.
"""

from __future__ import annotations

import json
import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.data.images import encode_image
from synthaug.data.toy import write_toy_dataset

runner = CliRunner()
N_GOOD = 40
SIZE = 24
SECRET = "SECRET-LINE-root:x:0:0:outside-of-src"
PIPELINE = "transforms:\n  - {name: HorizontalFlip, p: 0.5}\n"
IMAGE_DIR = {"coco": "images", "yolo": "images", "voc": "JPEGImages"}


# ---------------------------------------------------------------- the good bases, made once
def _write_npz(root: Path) -> None:
    rng = np.random.default_rng(3)
    X = rng.integers(0, 256, (N_GOOD + 1, SIZE, SIZE, 3), dtype=np.uint8)
    y = np.arange(N_GOOD + 1) % 2
    root.mkdir(parents=True)
    np.savez(root / "data.npz", X=X, y=y, class_names=np.asarray(["circle", "square"]))


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, Path]:
    """One good dataset of 41 items per format (the case breaks one of them)."""
    root = tmp_path_factory.mktemp("bases")
    out = {}
    for fmt in ("coco", "yolo", "voc", "folder"):
        out[fmt] = write_toy_dataset(root / fmt, fmt, n=N_GOOD + 1, size=SIZE, seed=4)
    _write_npz(root / "npz")
    out["npz"] = root / "npz"
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n")
    (outside / "photo.jpg").write_bytes(
        encode_image(np.full((SIZE, SIZE, 3), 99, np.uint8), ".jpg")
    )
    out["outside"] = outside
    return out


def _keys(fmt: str, src: Path) -> list[str]:
    if fmt == "npz":
        return [f"data/{i:06d}.png" for i in range(N_GOOD + 1)]
    if fmt == "folder":
        return sorted(p.relative_to(src).as_posix() for p in src.rglob("*.jpg"))
    return [f"{IMAGE_DIR[fmt]}/{i:04d}.jpg" for i in range(N_GOOD + 1)]


# ---------------------------------------------------------------- ways to break one item
def _coco_doc(src: Path) -> dict:
    return json.loads((src / "annotations" / "instances.json").read_text())


def _coco_save(src: Path, doc: dict) -> None:
    (src / "annotations" / "instances.json").write_text(json.dumps(doc))


def _coco_ann(field: str, value) -> Callable[[Path, dict], dict[str, str]]:
    """Set ``field`` of the first annotation of image 0005 to ``value``."""

    def edit(src: Path, ctx: dict) -> dict[str, str]:
        doc = _coco_doc(src)
        ann = next(a for a in doc["annotations"] if a["image_id"] == 6)
        ann[field] = value
        _coco_save(src, doc)
        return {"images/0005.jpg": ctx["reason"]}

    return edit


def _coco_image_id_list(src: Path, ctx: dict) -> dict[str, str]:
    doc = _coco_doc(src)
    doc["images"][5]["id"] = [6]
    _coco_save(src, doc)
    orphans = {
        f"annotations[{j}]": "bad_annotation"
        for j, a in enumerate(doc["annotations"])
        if a["image_id"] == 6
    }
    return {"images/0005.jpg": "bad_annotation", **orphans}


def _coco_ann_image_id_list(src: Path, ctx: dict) -> dict[str, str]:
    doc = _coco_doc(src)
    j = next(j for j, a in enumerate(doc["annotations"]) if a["image_id"] == 6)
    doc["annotations"][j]["image_id"] = [6]
    _coco_save(src, doc)
    return {f"annotations[{j}]": "bad_annotation"}


def _coco_width_dict(src: Path, ctx: dict) -> dict[str, str]:
    doc = _coco_doc(src)
    doc["images"][5]["width"] = {"a": 1}
    _coco_save(src, doc)
    return {"images/0005.jpg": "bad_annotation"}


def _coco_duplicate_image_id(src: Path, ctx: dict) -> dict[str, str]:
    doc = _coco_doc(src)
    doc["images"][5]["id"] = doc["images"][6]["id"]
    doc["annotations"] = [a for a in doc["annotations"] if a["image_id"] != 6]
    _coco_save(src, doc)
    return {"images/0005.jpg": "duplicate_id", "images/0006.jpg": "duplicate_id"}


def _coco_duplicate_ann_id(src: Path, ctx: dict) -> dict[str, str]:
    doc = _coco_doc(src)
    first = next(a for a in doc["annotations"] if a["image_id"] == 1)
    later = next(a for a in doc["annotations"] if a["image_id"] == 6)
    later["id"] = first["id"]
    _coco_save(src, doc)
    return {"images/0005.jpg": "duplicate_id"}


def _coco_unsafe_file_name(src: Path, ctx: dict) -> dict[str, str]:
    doc = _coco_doc(src)
    doc["images"][5]["file_name"] = "../../secret.txt"
    _coco_save(src, doc)
    ctx["not_items"] = {"images/0005.jpg"}
    return {"images[5]:'../../secret.txt'": "unsafe_path"}


def _image_symlink_outside(src: Path, ctx: dict) -> dict[str, str]:
    key = ctx["keys"][5]
    (src / key).unlink()
    (src / key).symlink_to(ctx["outside"] / "photo.jpg")
    return {key: "unsafe_path"}


def _truncated_jpeg_with_end_marker(src: Path, ctx: dict) -> dict[str, str]:
    key = ctx["keys"][5]
    data = (src / key).read_bytes()
    (src / key).write_bytes(data[: len(data) * 2 // 3] + b"\xff\xd9")
    return {key: "truncated_image"}


def _not_an_image(src: Path, ctx: dict) -> dict[str, str]:
    key = ctx["keys"][5]
    (src / key).write_bytes(b"these bytes are no image at all\n" * 10)
    return {key: "corrupt_image"}


def _huge_tiff_header(w: int = 80_000, h: int = 80_000) -> bytes:
    """A TIFF declaring w x h 8-bit pixels (6.4 GB) in a few hundred bytes."""
    tags = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1)]
    tags += [(273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, h), (279, 4, 1, 2**32 - 1)]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", *t) for t in tags)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)


def _folder_dir_symlink_outside(src: Path, ctx: dict) -> dict[str, str]:
    (src / "circle" / "more").symlink_to(ctx["outside"], target_is_directory=True)
    return {"circle/more": "unsafe_path"}


def _folder_huge_tiff(src: Path, ctx: dict) -> dict[str, str]:
    key = ctx["keys"][5]
    (src / key).unlink()
    tif = key[: -len(".jpg")] + ".tif"
    (src / tif).write_bytes(_huge_tiff_header())
    return {tif: "too_many_pixels"}


def _yolo_label(text: str | bytes, reason: str) -> Callable[[Path, dict], dict[str, str]]:
    def edit(src: Path, ctx: dict) -> dict[str, str]:
        path = src / "labels" / "0005.txt"
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return {"images/0005.jpg": reason}

    return edit


def _yolo_label_symlink_outside(src: Path, ctx: dict) -> dict[str, str]:
    (src / "labels" / "0005.txt").unlink()
    (src / "labels" / "0005.txt").symlink_to(ctx["outside"] / "secret.txt")
    return {"images/0005.jpg": "unsafe_path"}


def _voc_edit(old: str, new: str, reason: str) -> Callable[[Path, dict], dict[str, str]]:
    def edit(src: Path, ctx: dict) -> dict[str, str]:
        path = src / "Annotations" / "0005.xml"
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        return {"JPEGImages/0005.jpg": reason}

    return edit


def _voc_same_stem(src: Path, ctx: dict) -> dict[str, str]:
    data = np.full((SIZE, SIZE, 3), 7, np.uint8)
    (src / "JPEGImages" / "0005.png").write_bytes(encode_image(data, ".png"))
    ctx["not_items"] = {"JPEGImages/0005.jpg"}
    return {"Annotations/0005.xml": "same_stem"}


def _voc_xml_symlink_outside(src: Path, ctx: dict) -> dict[str, str]:
    (src / "Annotations" / "0005.xml").unlink()
    (src / "Annotations" / "0005.xml").symlink_to(ctx["outside"] / "secret.txt")
    return {"JPEGImages/0005.jpg": "unsafe_path"}


def _npz_edit(change: Callable[[dict], None], reason: str) -> Callable[[Path, dict], dict]:
    def edit(src: Path, ctx: dict) -> dict[str, str]:
        with np.load(src / "data.npz") as f:
            arrays = {k: f[k] for k in f.files}
        change(arrays)
        np.savez(src / "data.npz", **arrays)
        return {"data/000005.png": reason}

    return edit


def _float_x(arrays: dict, value: float) -> None:
    X = arrays["X"].astype(np.float32) / 255.0
    X[5, 0, 0, 0] = value
    arrays["X"] = X


def _set_y(arrays: dict, value: float) -> None:
    y = arrays["y"].astype(np.float64)
    y[5] = value
    arrays["y"] = y


CASES: dict[str, tuple[str, str, Callable]] = {
    # name: (format, reason for _coco_ann, edit)
    "coco-keypoints-of-strings": (
        "coco",
        "bad_annotation",
        _coco_ann("keypoints", ["a", "b", "2"]),
    ),
    "coco-ragged-keypoints": ("coco", "bad_annotation", _coco_ann("keypoints", [[1, 2], [3]])),
    "coco-keypoint-visibility-7": ("coco", "bad_annotation", _coco_ann("keypoints", [1, 2, 7])),
    "coco-polygon-of-strings": (
        "coco",
        "bad_annotation",
        _coco_ann("segmentation", [["1", "2", "9", "2", "9", "9"]]),
    ),
    "coco-rle-size-strings": (
        "coco",
        "bad_annotation",
        _coco_ann("segmentation", {"size": ["24", "24"], "counts": [576]}),
    ),
    "coco-rle-size-int": (
        "coco",
        "bad_annotation",
        _coco_ann("segmentation", {"size": 24, "counts": [576]}),
    ),
    "coco-rle-counts-dict": (
        "coco",
        "bad_annotation",
        _coco_ann("segmentation", {"size": [24, 24], "counts": {"a": 1}}),
    ),
    "coco-bbox-nan": ("coco", "bad_annotation", _coco_ann("bbox", [float("nan"), 1, 2, 3])),
    "coco-bbox-strings": ("coco", "bad_annotation", _coco_ann("bbox", ["1", "1", "2", "2"])),
    "coco-bbox-outside": ("coco", "box_out_of_range", _coco_ann("bbox", [500, 500, 10, 10])),
    "coco-unknown-category": ("coco", "unknown_category", _coco_ann("category_id", 99)),
    "coco-iscrowd-string": ("coco", "bad_annotation", _coco_ann("iscrowd", "yes")),
    "coco-image-id-list": ("coco", "", _coco_image_id_list),
    "coco-annotation-image-id-list": ("coco", "", _coco_ann_image_id_list),
    "coco-width-dict": ("coco", "", _coco_width_dict),
    "coco-duplicate-image-id": ("coco", "", _coco_duplicate_image_id),
    "coco-duplicate-annotation-id": ("coco", "", _coco_duplicate_ann_id),
    "coco-file-name-escapes": ("coco", "", _coco_unsafe_file_name),
    "coco-image-symlink-outside": ("coco", "", _image_symlink_outside),
    "coco-truncated-jpeg-end-marker": ("coco", "", _truncated_jpeg_with_end_marker),
    "yolo-class-out-of-range": (
        "yolo",
        "",
        _yolo_label("7 0.5 0.5 0.2 0.2\n", "class_out_of_range"),
    ),
    "yolo-nan-value": ("yolo", "", _yolo_label("0 nan 0.5 0.2 0.2\n", "bad_annotation")),
    "yolo-class-not-a-number": (
        "yolo",
        "",
        _yolo_label("zero 0.5 0.5 0.2 0.2\n", "bad_annotation"),
    ),
    "yolo-negative-class": ("yolo", "", _yolo_label("-1 0.5 0.5 0.2 0.2\n", "bad_annotation")),
    "yolo-box-outside": ("yolo", "", _yolo_label("0 0.5 0.5 1.8 0.2\n", "box_out_of_range")),
    "yolo-label-not-utf8": ("yolo", "", _yolo_label(b"0 0.5 \xff\xfe 0.2\n", "bad_annotation")),
    "yolo-label-symlink-outside": ("yolo", "", _yolo_label_symlink_outside),
    "yolo-image-symlink-outside": ("yolo", "", _image_symlink_outside),
    "yolo-truncated-jpeg-end-marker": ("yolo", "", _truncated_jpeg_with_end_marker),
    "voc-width-1e400": (
        "voc",
        "",
        _voc_edit("<width>24</width>", "<width>1e400</width>", "bad_annotation"),
    ),
    "voc-width-nan": (
        "voc",
        "",
        _voc_edit("<width>24</width>", "<width>nan</width>", "bad_annotation"),
    ),
    "voc-xmax-inf": ("voc", "", _voc_edit("<xmax>", "<xmax>inf</xmax><x>", "bad_annotation")),
    "voc-doctype-entity": (
        "voc",
        "",
        _voc_edit("<annotation>", '<!DOCTYPE a [<!ENTITY e "x">]><annotation>', "bad_annotation"),
    ),
    "voc-same-stem": ("voc", "", _voc_same_stem),
    "voc-xml-symlink-outside": ("voc", "", _voc_xml_symlink_outside),
    "voc-truncated-jpeg-end-marker": ("voc", "", _truncated_jpeg_with_end_marker),
    "folder-image-symlink-outside": ("folder", "", _image_symlink_outside),
    "folder-truncated-jpeg-end-marker": ("folder", "", _truncated_jpeg_with_end_marker),
    "folder-huge-tiff-header": ("folder", "", _folder_huge_tiff),
    "folder-dir-symlink-outside": ("folder", "", _folder_dir_symlink_outside),
    "folder-not-an-image": ("folder", "", _not_an_image),
    "npz-nan-pixel": ("npz", "", _npz_edit(lambda a: _float_x(a, np.nan), "bad_annotation")),
    "npz-pixel-above-one": ("npz", "", _npz_edit(lambda a: _float_x(a, 3.0), "bad_annotation")),
    "npz-class-out-of-range": ("npz", "", _npz_edit(lambda a: _set_y(a, 7), "class_out_of_range")),
    "npz-negative-class": ("npz", "", _npz_edit(lambda a: _set_y(a, -1), "class_out_of_range")),
    "npz-nan-class": ("npz", "", _npz_edit(lambda a: _set_y(a, np.nan), "bad_annotation")),
}


def _make_case(bases: dict[str, Path], name: str, tmp_path: Path) -> tuple[Path, str, dict, set]:
    """Copy the format's base, break it; return SRC, format, {bad key: reason}, good keys."""
    fmt, reason, edit = CASES[name]
    src = tmp_path / "src"
    shutil.copytree(bases[fmt], src, symlinks=True)
    ctx = {"keys": _keys(fmt, src), "outside": bases["outside"], "reason": reason}
    bad = edit(src, ctx)
    good = set(_keys(fmt, src)) - set(bad) - ctx.get("not_items", set())
    return (src / "data.npz" if fmt == "npz" else src), fmt, bad, good


def _augment(src: Path, dst: Path, tmp_path: Path, *extra: str):
    pipe = tmp_path / "pipe.yaml"
    pipe.write_text(PIPELINE)
    return runner.invoke(app, ["augment", str(src), str(dst), "-p", str(pipe), "-w", "1", *extra])


def _has(output: str, *needles: str) -> bool:
    """Whether every needle is in the output, ignoring where the terminal wrapped lines."""
    flat = "".join(output.split())
    return all("".join(n.split()) in flat for n in needles)


def _errors(dst: Path) -> list[dict]:
    return [json.loads(line) for line in (dst / "errors.jsonl").read_text().splitlines()]


def _ok_keys(dst: Path) -> set[str]:
    lines = (dst / ".synthaug" / "manifest.jsonl").read_text().splitlines()
    return {e["key"] for e in map(json.loads, lines) if e["status"] == "ok"}


# ---------------------------------------------------------------- the corpus
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_item_is_skipped_listed_and_the_rest_written(bases, tmp_path, name):
    src, fmt, bad, good = _make_case(bases, name, tmp_path)
    dst = tmp_path / "dst"
    res = _augment(src, dst, tmp_path)
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output and res.exception is None
    errors = _errors(dst)
    assert {e["key"]: e["reason"] for e in errors} == bad
    assert all(e["file"] and e["message"] for e in errors)
    text = (dst / "errors.jsonl").read_text() + res.output
    assert SECRET not in text and "outside-of-src" not in text
    assert _ok_keys(dst) == good
    written = {
        p.relative_to(dst).as_posix()
        for p in dst.rglob("*_aug0.*")
        if p.suffix in (".jpg", ".png", ".tif")
    }
    assert written == {k.rsplit(".", 1)[0] + "_aug0." + k.rsplit(".", 1)[1] for k in good}
    if fmt == "coco":
        doc = json.loads((dst / "annotations" / "instances.json").read_text())
        assert len(doc["images"]) == len(good)
    if fmt == "npz":
        with np.load(dst / "data.npz") as f:
            assert f["X"].shape[0] == len(f["y"]) == len(good)
    again = _augment(src, dst, tmp_path, "--resume")
    assert again.exit_code == 0, again.output
    assert _errors(dst) == errors and _ok_keys(dst) == good
    strict = _augment(src, dst, tmp_path, "--resume", "--strict")
    assert strict.exit_code == 1 and _has(strict.output, "--strict")


def test_corpus_covers_every_format():
    assert {fmt for fmt, _, _ in CASES.values()} == {"coco", "yolo", "voc", "folder", "npz"}


# ---------------------------------------------------------------- dataset-level defects
def _one_clear_line(res, *needles: str) -> None:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert res.output.count("error:") == 1, res.output
    assert _has(res.output, *needles), res.output


def test_unparseable_coco_json_is_one_clear_message(bases, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(bases["coco"], src)
    (src / "annotations" / "instances.json").write_text('{"images": [1, 2,')
    res = _augment(src, tmp_path / "dst", tmp_path)
    _one_clear_line(res, "instances.json", "not valid JSON")
    assert not (tmp_path / "dst" / "errors.jsonl").exists()


def test_yaml_alias_bomb_in_data_yaml_is_refused_quickly(bases, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(bases["yolo"], src)
    (src / "classes.txt").unlink()
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    (src / "data.yaml").write_text(bomb + "names: *i\n")
    res = _augment(src, tmp_path / "dst", tmp_path)
    _one_clear_line(res, "data.yaml", "alias")


def test_pipeline_alias_bomb_and_non_utf8_are_refused(bases, tmp_path):
    pipe = tmp_path / "bomb.yaml"
    pipe.write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
    )
    args = ["augment", str(bases["yolo"]), str(tmp_path / "dst"), "-p"]
    _one_clear_line(runner.invoke(app, [*args, str(pipe)]), "bomb.yaml", "alias")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("transforms:\n  - {name: HorizontalFlip}  # caf\xe9\n".encode("latin-1"))
    _one_clear_line(runner.invoke(app, [*args, str(latin)]), "latin.yaml", "UTF-8")
    big = tmp_path / "big.yaml"
    big.write_text("transforms: []\n" + "#" * (2 << 20))
    _one_clear_line(runner.invoke(app, [*args, str(big)]), "big.yaml", "limit")


@pytest.mark.parametrize(
    "option", [["--workers", "-3"], ["--copies", "100000"], ["--max-pixels", "0"]]
)
def test_bad_numbers_are_refused_with_the_option_named(bases, tmp_path, option):
    res = _augment(bases["yolo"], tmp_path / "dst", tmp_path, *option)
    assert res.exit_code == 2 and _has(res.output, option[0])
    assert not (tmp_path / "dst").exists()


def test_experiment_generator_name_with_a_path_is_refused_by_field():
    from synthaug.errors import ConfigError
    from synthaug.experiment.config import parse_config

    for name in ("../escape", "/tmp/abs", "a\\b", ".hidden"):
        cfg = {
            "arms": [{"name": "x", "generator": name, "ratios": [1]}],
            "generators": {name: {"kind": "FontGlyphs"}},
        }
        with pytest.raises(ConfigError, match=r"exp.yaml: generators: name .* is not a plain"):
            parse_config(cfg, "exp.yaml")


def test_validate_reports_each_defect_as_table_and_json(bases, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(bases["coco"], src)
    doc = _coco_doc(src)
    doc["annotations"][0]["category_id"] = 42
    doc["images"][3]["id"] = doc["images"][4]["id"]
    ann = next(a for a in doc["annotations"] if a["image_id"] == 9)
    ann["segmentation"] = [[1, 1, 1.2, 1, 1.2, 1.2]]  # a sliver that covers no pixel centre
    _coco_save(src, doc)
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    res = runner.invoke(app, ["validate", str(src), "--json"])
    assert res.exit_code == 1, res.output
    report = json.loads(res.output)
    # images[3] took the id of images[4]: both are skipped, and the annotations of the id
    # images[3] had before now name no image
    orphans = sum(1 for a in doc["annotations"] if a["image_id"] == 4)
    assert report["counts"] == {
        "bad_annotation": orphans,
        "duplicate_id": 2,
        "empty_mask": 1,
        "unknown_category": 1,
    }
    assert report["n_errors"] == 3 + orphans and report["n_warnings"] == 1
    assert report["n_ok"] == N_GOOD + 1 - 3
    table = runner.invoke(app, ["validate", str(src)])
    assert table.exit_code == 1 and "unknown_category" in table.output
    assert before == {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    clean = runner.invoke(app, ["validate", str(bases["voc"]), "--json"])
    assert clean.exit_code == 0 and json.loads(clean.output)["n_errors"] == 0


# ---------------------------------------------------------------- errors for people
def test_a_second_job_on_the_same_dst_is_refused_and_a_stale_lock_taken_over(bases, tmp_path):
    import subprocess
    import sys

    from synthaug.engine.lock import acquire_lock

    dst = tmp_path / "dst"
    assert _augment(bases["yolo"], dst, tmp_path).exit_code == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from synthaug.engine.lock import acquire_lock; "
            "acquire_lock(sys.argv[1]); print('held', flush=True); time.sleep(60)",
            str(dst / ".synthaug"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        res = _augment(bases["yolo"], dst, tmp_path, "--resume")
        assert res.exit_code == 2
        assert _has(res.output, f"PID {holder.pid}", "in use by another synthaug job")
    finally:
        holder.kill()
        holder.wait()
    # the killed holder left its lock file behind: the next job takes it over and says so
    assert (dst / ".synthaug" / "lock").read_text().startswith(str(holder.pid))
    res = _augment(bases["yolo"], dst, tmp_path, "--resume")
    assert res.exit_code == 0, res.output
    assert _has(res.output, f"PID {holder.pid}", "no longer running")
    assert not (dst / ".synthaug" / "lock").exists()
    lock = acquire_lock(dst / ".synthaug")  # released: free again
    lock.release()


def test_disk_full_stops_the_job_with_a_resumable_message(bases, tmp_path, monkeypatch):
    import errno

    import synthaug.engine.job as job_module

    real = job_module.atomic_write_bytes
    calls = {"n": 0}

    def full_after_ten(path, data, durable=True):
        calls["n"] += 1
        if calls["n"] > 10 and "_aug" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data, durable)

    monkeypatch.setattr(job_module, "atomic_write_bytes", full_after_ten)
    dst = tmp_path / "dst"
    res = _augment(bases["yolo"], dst, tmp_path)
    assert res.exit_code == 2 and not isinstance(res.exception, OSError)
    assert _has(res.output, "no space left", "--resume")
    assert "Traceback" not in res.output
    monkeypatch.setattr(job_module, "atomic_write_bytes", real)
    again = _augment(bases["yolo"], dst, tmp_path, "--resume")
    assert again.exit_code == 0, again.output
    assert len(_ok_keys(dst)) == N_GOOD + 1


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback(bases, tmp_path, monkeypatch):
    import synthaug.engine.job as job_module

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(job_module, "finalize_job", broken)
    import synthaug.engine.local as local_module

    monkeypatch.setattr(local_module, "finalize_job", broken)
    res = _augment(bases["yolo"], tmp_path / "a", tmp_path)
    assert res.exit_code == 1 and _has(res.output, "KeyError", "--debug")
    assert "Traceback" not in res.output
    debug = runner.invoke(
        app,
        [
            "--debug",
            "augment",
            str(bases["yolo"]),
            str(tmp_path / "b"),
            "-p",
            str(tmp_path / "pipe.yaml"),
        ],
    )
    assert isinstance(debug.exception, KeyError)


def test_outside_file_is_never_quoted_in_validate_either(bases, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(bases["yolo"], src)
    (src / "labels" / "0003.txt").unlink()
    (src / "labels" / "0003.txt").symlink_to(bases["outside"] / "secret.txt")
    res = runner.invoke(app, ["validate", str(src), "--json"])
    assert res.exit_code == 1 and SECRET not in res.output
    assert json.loads(res.output)["counts"] == {"unsafe_path": 1}
