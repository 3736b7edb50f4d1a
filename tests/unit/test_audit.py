"""The augmentation audit: label flips, class swaps, affinity, boxes, magnitudes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from synthaug import augment as A
from synthaug.augment import ImageOnlyTransform
from synthaug.data import load_dataset
from synthaug.errors import ConfigError, InvalidInputError
from synthaug.evaluate import audit
from synthaug.evaluate.audit_magnitude import is_scalable, scale_transform
from synthaug.experiment.audit_page import render_audit_page


class Mirror(ImageOnlyTransform):
    """Left-right mirror written for these tests (not registered: the registry's contract
    suite must not pick it up)."""

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p)

    def apply_image(self, image, params):
        return np.ascontiguousarray(image[:, ::-1])


class DoNothing(ImageOnlyTransform):
    """The identity."""

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p)

    def apply_image(self, image, params):
        return image


def bars(n_per_class: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """8x8 images: class 0 a bar on the left, 1 on the right, 2 in the middle (mirror-proof)."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for label, cols in enumerate([(1, 2), (5, 6), (3, 4)]):
        for _ in range(n_per_class):
            im = rng.uniform(0.0, 0.15, (8, 8)).astype(np.float32)
            top = rng.integers(0, 3)
            im[top : top + 5, cols[0] : cols[1] + 1] = rng.uniform(0.7, 1.0)
            X.append(im)
            y.append(label)
    return np.stack(X), np.array(y, np.int64)


@pytest.fixture(scope="module")
def digits_audit():
    torch.set_num_threads(1)
    X, y = load_dataset("digits")
    pipe = A.Compose(
        [
            A.Rotate(limit=180, p=0.5),
            A.VerticalFlip(p=0.5),
            A.Rotate(limit=10, p=0.5),
            A.Affine(translate_px=0.5, p=0.5),
            A.GaussianNoise(std=0.05, p=0.5),
            DoNothing(),
        ]
    )
    return audit(pipe, X, y, magnitudes=[0.0, 0.25, 0.5, 1.0], seed=0, include_pipeline=False)


def test_oracle_is_strong_on_digits(digits_audit):
    assert digits_audit.clean_accuracy >= 0.95
    assert digits_audit.warnings == []


def test_flip_rate_grows_with_rotation_magnitude_on_digits(digits_audit):
    rot = digits_audit.transforms[0]
    limits = [m.params["limit"][1] for m in rot.magnitudes]
    rates = [m.flip_rate for m in rot.magnitudes]
    assert limits == [0.0, 45.0, 90.0, 180.0]
    assert rates[0] == 0.0
    assert all(b >= a - 0.02 for a, b in zip(rates, rates[1:], strict=False))
    assert rates[1] > 0.1 and rates[3] > rates[1] + 0.2


def test_rotation_to_180_degrees_is_flagged_for_6_and_9(digits_audit):
    rot = digits_audit.transforms[0]
    m = rot.at(1.0)
    assert rot.flagged
    assert m.flip_rates[6, 9] >= 0.1 and m.flip_rates[9, 6] >= 0.1
    assert any("swaps 6 and 9" in f for f in rot.flags)
    assert "swaps 6 and 9" in rot.verdict
    assert rot.max_safe_magnitude == 0.0


def test_vertical_flip_is_flagged_for_its_class_swaps(digits_audit):
    flip = digits_audit.transforms[1]
    assert not flip.scalable and [m.magnitude for m in flip.magnitudes] == [1.0]
    assert flip.flagged and flip.max_safe_magnitude is None
    assert any(f.startswith("class flips: swaps") for f in flip.flags)
    assert flip.example_images is not None and flip.example_images.shape[1:] == (2, 8, 8)


def test_small_rotation_and_half_pixel_shift_pass(digits_audit):
    for row in digits_audit.transforms[2:4]:
        assert not row.flagged, row.verdict
        assert row.max_safe_magnitude == 1.0
        assert row.at(1.0).flip_rate < 0.05 and row.at(1.0).affinity > 0.95


def test_identity_is_never_flagged(digits_audit):
    noise, ident = digits_audit.transforms[4], digits_audit.transforms[5]
    assert noise.at(0.0).flip_rate == 0.0 and noise.at(0.0).affinity == 1.0
    assert not noise.at(0.0).flags
    assert ident.at(1.0).flip_rate == 0.0 and ident.at(1.0).diversity == pytest.approx(1.0)
    assert not ident.flagged and ident.verdict == "safe as configured"


def test_empty_pipeline_is_audited_as_a_safe_whole():
    X, y = bars(20)
    result = audit(A.Compose([]), X, y, oracle="svc")
    assert [t.name for t in result.transforms] == ["whole pipeline (as configured)"]
    assert not result.transforms[0].flagged and result.transforms[0].at(1.0).flip_rate == 0.0


def test_transform_built_to_swap_classes_is_flagged():
    X, y = bars()
    result = audit([Mirror(), DoNothing()], X, y, oracle="svc", include_pipeline=False)
    mirror, ident = result.transforms
    m = mirror.at(1.0)
    assert result.clean_accuracy == 1.0
    assert mirror.flagged and any("swaps 0 and 1" in f for f in mirror.flags)
    assert m.flip_rates[0, 1] > 0.9 and m.flip_rates[1, 0] > 0.9
    assert m.flip_counts[2, 2] == m.class_correct[2]  # the symmetric class keeps its label
    assert not ident.flagged


def test_class_names_read_in_flags_json_and_page():
    X, y = bars()
    names = {0: "left bar", 1: "right bar", 2: "middle bar"}
    result = audit([Mirror()], X, y, oracle="svc", include_pipeline=False, class_names=names)
    mirror = result.transforms[0]
    assert any("swaps 'left bar' and 'right bar'" in f for f in mirror.flags)
    assert result.to_dict()["class_names"] == ["left bar", "right bar", "middle bar"]
    assert result.to_dict()["classes"] == [0, 1, 2]  # ids stay ids in the JSON
    page = render_audit_page(result)
    assert "left bar \u2192 right bar" in page or "right bar \u2192 left bar" in page
    # a sequence indexed by class id gives the same names
    again = audit(
        [Mirror()], X, y, oracle="svc", include_pipeline=False, class_names=list(names.values())
    )
    assert again.class_names == result.class_names


def test_class_names_must_cover_every_class_id():
    X, y = bars(20)
    with pytest.raises(InvalidInputError, match=r"class_names: no name for class ids \[2\]"):
        audit([DoNothing()], X, y, oracle="svc", class_names={0: "a", 1: "b"})
    with pytest.raises(InvalidInputError, match="class_names: names must differ"):
        audit([DoNothing()], X, y, oracle="svc", class_names=["a", "b", "a"])
    with pytest.raises(InvalidInputError, match="class_names: expected a name per class id"):
        audit([DoNothing()], X, y, oracle="svc", class_names="abc")


def test_boxes_pushed_out_are_counted_and_flagged():
    X, y = bars(20)
    X = np.stack([np.pad(im, 4) for im in X])  # 16 x 16
    boxes = [np.array([[0.0, 0.0, 4.0, 4.0], [6.0, 6.0, 10.0, 10.0]])] * len(X)
    shift = A.Affine(translate_px=(-2.0, -2.0))  # 2 px up and left
    result = audit(
        A.Compose([shift], min_visibility=0.5),
        X,
        y,
        oracle="svc",
        boxes=boxes,
        magnitudes=[0.0, 1.0],
    )
    row = result.transforms[0]
    assert row.at(0.0).box_survival == 1.0 and row.at(0.0).box_visibility == 1.0
    # the corner box keeps a quarter of its area (dropped), the centre box stays whole
    assert row.at(1.0).box_survival == 0.5 and row.at(1.0).box_visibility == 1.0
    assert any(f.startswith("box loss") for f in row.flags)


def test_result_to_dict_is_json_and_names_what_the_report_reads(digits_audit):
    d = json.loads(json.dumps(digits_audit.to_dict()))
    t = d["transforms"][0]
    assert {"name", "flagged", "verdict", "max_safe_magnitude", "magnitudes"} <= set(t)
    assert len(t["magnitudes"][-1]["flip_counts"]) == 10
    assert d["thresholds"]["max_flip_rate"] == 0.05


def test_render_audit_page_embeds_heatmaps_and_flipped_examples(digits_audit):
    page = render_audit_page(digits_audit)
    assert page.count("data:image/png;base64,") >= 5
    assert "swaps 6 and 9" in page and "flip matrix of VerticalFlip" in page


def test_scale_transform_moves_strength_parameters_only():
    rot, params = scale_transform(A.Rotate(limit=180, p=0.3), 0.25)
    assert params == {"limit": (-45.0, 45.0)} and rot.p == 1.0
    aff, params = scale_transform(A.Affine(scale=(0.8, 1.2), translate_px=1.0), 0.5)
    assert params == {"scale": (0.9, 1.1), "translate_px": (-0.5, 0.5)}
    blur, params = scale_transform(A.Blur(ksize=(3, 9)), 0.5)
    assert params == {"ksize": (3, 5)}
    assert not is_scalable(A.VerticalFlip()) and not is_scalable(A.Affine(scale=1.0))
    flip, params = scale_transform(A.VerticalFlip(p=0.5), 0.5)
    assert params == {} and flip.p == 1.0
    with pytest.raises(ConfigError, match="magnitudes"):
        scale_transform(A.Rotate(limit=10), -1.0)


def test_magnitude_outside_what_a_transform_accepts_is_skipped_with_the_reason():
    X, y = bars(20)
    result = audit([A.Affine(shear=60)], X, y, oracle="svc", magnitudes=[0.5, 2.0])
    row = result.transforms[0]
    assert [m.magnitude for m in row.magnitudes] == [0.5, 1.0]
    assert row.skipped[0]["magnitude"] == 2.0 and "shear" in row.skipped[0]["reason"]


def test_bad_inputs_name_the_argument():
    X, y = bars(10)
    with pytest.raises(InvalidInputError, match="y:"):
        audit([DoNothing()], X, y[:-1], oracle="svc")
    with pytest.raises(InvalidInputError, match="X:"):
        audit([DoNothing()], X[0], y, oracle="svc")
    with pytest.raises(ConfigError, match="oracle"):
        audit([DoNothing()], X, y, oracle="forest")
