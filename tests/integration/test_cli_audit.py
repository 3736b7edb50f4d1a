"""``synthaug audit`` end to end on a slice of the digits and on the shipped example."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.data import load_dataset

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture()
def digits_npz(tmp_path: Path) -> Path:
    X, y = load_dataset("digits")
    path = tmp_path / "digits.npz"
    np.savez(path, X=X[:900], y=y[:900])
    return path


def test_audit_writes_json_and_html_and_flags_the_vertical_flip(tmp_path, digits_npz):
    pipe = tmp_path / "p.yaml"
    pipe.write_text(
        "transforms:\n  - {name: Rotate, limit: 8}\n  - {name: VerticalFlip}\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
            "audit",
            "--pipeline",
            str(pipe),
            "--data",
            str(digits_npz),
            "--out",
            str(out),
            "--oracle",
            "svc",
            "--magnitudes",
            "0,0.5,1",
            "--seed",
            "3",
        ],
    )
    assert res.exit_code == 0, res.output
    report = json.loads((out / "audit.json").read_text())
    rows = {t["name"]: t for t in report["transforms"]}
    assert report["seed"] == 3 and report["n_val"] == 270
    assert not rows["Rotate"]["flagged"] and rows["Rotate"]["max_safe_magnitude"] == 1.0
    assert rows["Rotate"]["category"] == "safe"
    assert rows["VerticalFlip"]["flagged"] and rows["VerticalFlip"]["category"] == "changes labels"
    assert any(f.startswith("class swap: swaps 2 and 5") for f in rows["VerticalFlip"]["flags"])
    test = rows["VerticalFlip"]["magnitudes"][0]["test"]
    assert test["significant"] and test["p_value"] < 0.001 and test["n_trials"] > 200
    assert report["noise_floor"]["rates"]["identity pass"] == 0.0
    assert [m["magnitude"] for m in rows["Rotate"]["magnitudes"]] == [0.0, 0.5, 1.0]
    page = (out / "index.html").read_text()
    assert "data:image/png;base64," in page and "VerticalFlip" in page and "Noise floor" in page
    assert "UNSAFE" in res.output and "noise floor" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["audit.json", "index.html"]


def test_folder_data_is_reported_with_its_folder_names(tmp_path, digit_folders):
    root = digit_folders({2: "two", 5: "five", 7: "seven"}, 60)
    pipe = tmp_path / "p.yaml"
    pipe.write_text("transforms:\n  - {name: VerticalFlip}\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["audit", "-p", str(pipe), "-d", str(root), "-o", str(out), "--oracle", "svc", "-q"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    report = json.loads((out / "audit.json").read_text())
    assert report["classes"] == [0, 1, 2] and report["class_names"] == ["five", "seven", "two"]
    flags = " ".join(report["transforms"][0]["flags"])
    assert "'two'" in flags or "'five'" in flags, flags  # a flipped 2 reads as a 5 and back
    assert "'two'" in (out / "index.html").read_text().replace("&#x27;", "'")


def test_fail_on_flag_exits_1(tmp_path, digits_npz):
    pipe = tmp_path / "p.yaml"
    pipe.write_text("transforms:\n  - {name: VerticalFlip}\n", encoding="utf-8")
    args = ["audit", "-p", str(pipe), "-d", str(digits_npz), "-o", str(tmp_path / "o"), "-q"]
    res = runner.invoke(app, [*args, "--oracle", "svc", "--fail-on-flag"])
    assert res.exit_code == 1, res.output


def test_bad_pipeline_and_bad_data_are_errors_not_tracebacks(tmp_path, digits_npz):
    pipe = tmp_path / "p.yaml"
    pipe.write_text("transforms:\n  - {name: Rotat, limit: 8}\n", encoding="utf-8")
    res = runner.invoke(app, ["audit", "-p", str(pipe), "-d", str(digits_npz)])
    assert res.exit_code == 2 and "did you mean 'Rotate'" in res.output
    res = runner.invoke(
        app, ["audit", "-p", str(EXAMPLES / "audit_digits.yaml"), "-d", str(tmp_path / "no.npz")]
    )
    assert res.exit_code == 2 and "no.npz" in res.output
    res = runner.invoke(app, ["audit", "-p", str(pipe), "--magnitudes", "a,b"])
    assert res.exit_code == 2


@pytest.mark.slow
def test_shipped_example_flags_the_unsafe_transforms_only(tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["audit", "-p", str(EXAMPLES / "audit_digits.yaml"), "-d", "digits", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads((out / "audit.json").read_text())["transforms"]
    flagged = {t["path"] for t in rows if t["flagged"]}
    assert flagged == {"transforms[4]", "transforms[5]", "pipeline"}
    assert all(rows[i]["category"] == "safe" for i in range(4))
    # the full circle: flips persist for an oracle trained with it; the flip: swaps 2 and 5
    assert any(f.startswith("label flips persist") for f in rows[4]["flags"])
    assert any(f.startswith("class swap: swaps 2 and 5") for f in rows[5]["flags"])


@pytest.mark.slow  # a 32x32 colour CNN oracle plus one retrained oracle per flagged leaf
def test_shipped_photo_example_flags_gray_and_passes_the_flip(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("photo_patches", EXAMPLES / "photo_patches.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = tmp_path / "patches"
    module.write_patches(root, per_class=40)
    assert sorted(p.name for p in root.iterdir()) == [
        "astronaut",
        "chelsea",
        "china",
        "coffee",
        "flower",
        "rocket",
    ]
    with pytest.raises(SystemExit, match="not empty"):
        module.write_patches(root)  # never writes into an existing dataset
    out = tmp_path / "out"
    pipe = str(EXAMPLES / "audit_photos.yaml")
    args = ["audit", "-p", pipe, "-d", str(root), "-o", str(out), "-q"]  # CNN oracle
    args += ["--magnitudes", "0,1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    rows = {t["path"]: t for t in json.loads((out / "audit.json").read_text())["transforms"]}
    assert not rows["transforms[0]"]["flagged"]  # HorizontalFlip
    assert rows["transforms[0]"]["category"] == "safe"
    # ToGray: the clean-trained oracle, which reads colour, is lost; an oracle trained with
    # grey patches is asked too, and both answers are kept
    gray = rows["transforms[4]"]["magnitudes"][-1]
    assert gray["test"]["significant"] and gray["retrained_test"] is not None
