"""OnBands: pixel-value transforms on chosen bands of a many-band image (issue 24)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment import Applied
from synthaug.errors import ConfigError, InvalidInputError

RGB = [3, 2, 1]  # Sentinel-2 B4, B3, B2 (0-based)


def tile(dtype=np.uint16, n=13, h=40, w=48, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == np.uint16:
        return rng.integers(0, 65536, (h, w, n), dtype=np.uint16)
    if dtype == np.uint8:
        return rng.integers(0, 256, (h, w, n), dtype=np.uint8)
    return rng.uniform(-0.2, 1.3, (h, w, n)).astype(np.float32)


def others(n: int, bands: list[int]) -> list[int]:
    return [b for b in range(n) if b not in bands]


def labelled(image: np.ndarray) -> A.Sample:
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[6:30, 10:33] = 1
    return A.Sample(
        image,
        masks=[mask],
        boxes=np.array([[10.0, 6.0, 33.0, 30.0]]),
        box_labels=["field"],
        keypoints=np.array([[12.0, 9.0], [30.0, 25.0]]),
    )


def solo(t: A.Transform, image: np.ndarray, step: Applied) -> np.ndarray:
    """``t`` run alone on ``image`` with the parameters recorded in ``step``."""
    return A.Compose([t]).replay(image, [Applied("transforms[0]", step.name, step.params)]).image


@pytest.mark.parametrize(
    ("dtype", "n", "child"),
    [
        (np.uint16, 13, A.HueSaturationValue(p=1.0)),
        (np.uint16, 13, A.ColorJitter(p=1.0)),
        (np.float32, 9, A.HueSaturationValue(p=1.0)),
        (np.float32, 9, A.ToSepia(p=1.0)),
        (np.uint8, 13, A.JPEGCompression(p=1.0)),
        (np.uint16, 13, A.AugMix(p=1.0)),
    ],
)
def test_selected_bands_are_the_child_alone_and_the_others_are_untouched(dtype, n, child):
    image = tile(dtype, n)
    before = image.copy()
    out = A.Compose([A.OnBands([child], bands=RGB)])(image, seed=4)
    assert np.array_equal(image, before)  # input not mutated
    assert out.image.dtype == image.dtype and out.image.shape == image.shape
    rest = others(n, RGB)
    assert out.image[..., rest].tobytes() == image[..., rest].tobytes()
    [step] = out.applied
    assert step.path == "transforms[0].transforms[0]" and step.name == type(child).__name__
    alone = solo(child, np.ascontiguousarray(image[..., RGB]), step)
    assert out.image[..., RGB].tobytes() == alone.tobytes()
    assert not np.array_equal(out.image[..., RGB], image[..., RGB])  # it did something


def test_bands_are_taken_in_the_order_given():
    image = tile(np.uint16, 13)
    out = A.Compose([A.OnBands([A.ToGray(p=1.0)], bands=[1, 2, 3])])(image, seed=0)
    reversed_ = A.Compose([A.OnBands([A.ToGray(p=1.0)], bands=[3, 2, 1])])(image, seed=0)
    # ToGray weighs the first band as red: another order, another grey
    assert not np.array_equal(out.image[..., 1], reversed_.image[..., 1])


def test_several_children_and_nested_containers_replay_exactly():
    image = tile(np.uint16, 13)
    pipe = A.Compose(
        [
            A.HorizontalFlip(p=1.0),
            A.OnBands(
                [
                    A.HueSaturationValue(p=1.0),
                    A.OneOf([A.ColorJitter(), A.ToSepia()]),
                    A.OnBands([A.GaussianNoise(p=1.0)], bands=[0]),  # band 3 of the tile
                ],
                bands=RGB,
            ),
            A.Rotate90(p=1.0),
        ],
        seed=1,
    )
    out = pipe(image, seed=(0, 1, 2))
    paths = [a.path for a in out.applied]
    assert paths[0] == "transforms[0]" and paths[-1] == "transforms[2]"
    assert paths[1] == "transforms[1].transforms[0]"
    assert paths[2] in (
        "transforms[1].transforms[1].transforms[0]",
        "transforms[1].transforms[1].transforms[1]",
    )
    assert paths[3] == "transforms[1].transforms[2].transforms[0]"
    again = pipe.replay(image, out.applied)
    assert again.image.tobytes() == out.image.tobytes()
    assert pipe(image, seed=(0, 1, 2)).image.tobytes() == out.image.tobytes()
    rest = others(13, RGB)
    untouched = A.Compose([A.HorizontalFlip(p=1.0), A.Rotate90(p=1.0)]).replay(
        image, [out.applied[0], Applied("transforms[1]", "Rotate90", out.applied[-1].params)]
    )
    assert out.image[..., rest].tobytes() == untouched.image[..., rest].tobytes()


def test_inside_one_of_and_some_of():
    image = tile(np.float32, 9)
    inner = A.OnBands([A.HueSaturationValue(p=1.0)], bands=[4, 2, 0])
    for pipe in (
        A.Compose([A.OneOf([inner])]),
        A.Compose([A.SomeOf([A.VerticalFlip(), inner], n=2)]),
    ):
        out = pipe(image, seed=3)
        assert any(a.name == "HueSaturationValue" for a in out.applied)
        assert pipe.replay(image, out.applied).image.tobytes() == out.image.tobytes()


@pytest.mark.parametrize("fuse", [False, True])
def test_labels_and_other_bands_are_those_of_the_pipeline_without_it(fuse):
    # rotations by any angle only unfused: a fused chain is resampled once, and OnBands
    # (a barrier) splits it, so only the labels compare exactly then
    rotate = [A.Rotate(limit=30, p=1.0)] if not fuse else [A.Rotate90(p=1.0)]
    steps = [
        A.HorizontalFlip(p=1.0),
        *rotate,
        A.OnBands([A.HueSaturationValue(p=1.0), A.ToGray(p=1.0)], bands=RGB),
        A.VerticalFlip(p=1.0),
        A.Transpose(p=1.0),
    ]
    pipe = A.Compose(steps, fuse=fuse, seed=0)
    image = tile(np.uint16, 13)
    out = pipe(labelled(image), seed=7)
    plain_steps = [a for a in out.applied if not a.path.startswith("transforms[2].")]
    without = pipe.replay(labelled(image), plain_steps)  # the same draws, no OnBands
    assert np.array_equal(out.boxes, without.boxes) and out.box_labels == without.box_labels
    assert np.array_equal(out.keypoints, without.keypoints)
    assert np.array_equal(out.masks[0], without.masks[0])
    rest = others(13, RGB)
    assert out.image[..., rest].tobytes() == without.image[..., rest].tobytes()
    assert not np.array_equal(out.image[..., RGB], without.image[..., RGB])


def test_fused_and_unfused_give_the_same_bytes():
    image = tile(np.uint8, 13)
    steps = [
        A.HorizontalFlip(p=1.0),
        A.BrightnessContrast(p=1.0),
        A.Rotate90(p=1.0),
        A.OnBands([A.BrightnessContrast(p=1.0), A.Gamma(p=1.0), A.ToGray(p=1.0)], bands=RGB),
        A.Gamma(p=1.0),
        A.Transpose(p=1.0),
    ]
    fused = A.Compose(steps, fuse=True)(labelled(image), seed=11)
    unfused = A.Compose(steps, fuse=False)(labelled(image), seed=11)
    assert fused.image.tobytes() == unfused.image.tobytes()
    assert np.array_equal(fused.boxes, unfused.boxes)


def test_runs_before_and_after_it_still_fuse():
    image = tile(np.float32, 9)
    geo = [A.Rotate(limit=20, p=1.0), A.Affine(scale=(0.9, 1.1), p=1.0)]
    pipe = A.Compose([*geo, A.OnBands([A.ToGray(p=1.0)], bands=RGB), *geo], seed=0)
    out = pipe(image, seed=5)
    first, second = out.applied[:2], out.applied[3:]
    run = A.Compose(geo)  # fused: one warp per pair
    as_run = [Applied(f"transforms[{i}]", a.name, a.params) for i, a in enumerate(second)]
    expected = run.replay(run.replay(image, first).image, as_run).image
    rest = others(9, RGB)
    assert out.image[..., rest].tobytes() == expected[..., rest].tobytes()


def test_a_child_that_does_not_run_is_no_barrier():
    image = tile(np.uint16, 13)
    geo = A.Rotate(limit=20, p=1.0)
    pipe = A.Compose([geo, A.OnBands([A.HueSaturationValue(p=0.0)], bands=RGB), geo])
    out = pipe(image, seed=2)
    assert [a.name for a in out.applied] == ["Rotate", "Rotate"]
    assert pipe.replay(image, out.applied).image.tobytes() == out.image.tobytes()


def test_same_seed_same_bytes_and_items_differ():
    pipe = A.Compose([A.OnBands([A.ColorJitter(p=1.0)], bands=RGB)], seed=0)
    image = tile(np.uint16, 13)
    a, b = pipe(image, seed=(0, 0, 1)), pipe(image, seed=(0, 0, 1))
    assert a.image.tobytes() == b.image.tobytes()
    assert a.image.tobytes() != pipe(image, seed=(0, 0, 2)).image.tobytes()


def test_single_band_and_gray_images():
    image = tile(np.uint16, 13)
    out = A.Compose([A.OnBands([A.Gamma(p=1.0)], bands=[7])])(image, seed=0)
    assert out.image[..., others(13, [7])].tobytes() == image[..., others(13, [7])].tobytes()
    assert not np.array_equal(out.image[..., 7], image[..., 7])
    gray = image[..., 0].copy()
    g = A.Compose([A.OnBands([A.Gamma(p=1.0)], bands=[0])])(gray, seed=0).image
    assert g.shape == gray.shape and not np.array_equal(g, gray)


def test_yaml_round_trip(tmp_path):
    text = (
        "transforms:\n"
        "  - name: HorizontalFlip\n    p: 1.0\n"
        "  - name: OnBands\n    bands: [3, 2, 1]\n    transforms:\n"
        "      - name: HueSaturationValue\n        p: 1.0\n"
        "      - name: OneOf\n        transforms:\n"
        "          - {name: ColorJitter}\n          - {name: ToSepia}\n"
    )
    pipe = A.loads(text, source="pipeline.yaml")
    on = pipe.transforms[1]
    assert isinstance(on, A.OnBands) and on.bands == (3, 2, 1)
    path = tmp_path / "p.yaml"
    pipe.save(str(path))
    again = A.load(path)
    assert again.to_dict() == pipe.to_dict()
    assert again.to_dict()["transforms"][1]["bands"] == [3, 2, 1]
    image = tile(np.uint16, 13)
    assert again(image, seed=9).image.tobytes() == pipe(image, seed=9).image.tobytes()


@pytest.mark.parametrize(
    ("children", "where", "name"),
    [
        ([A.HorizontalFlip()], r"transforms\[0\]", "HorizontalFlip"),
        (
            [A.Blur(), A.OneOf([A.Gamma(), A.Rotate()])],
            r"transforms\[1\]\.transforms\[1\]",
            "Rotate",
        ),
        ([A.CoarseDropout()], r"transforms\[0\]", "CoarseDropout"),  # changes masks
        ([A.RandAugment()], r"transforms\[0\]\.transforms\[0\]", "Affine"),
    ],
)
def test_geometric_or_label_changing_children_are_refused_by_path_and_name(children, where, name):
    with pytest.raises(ConfigError, match=rf"^OnBands\.{where} \({name}\): changes .*masks"):
        A.OnBands(children, bands=RGB)


def test_refusal_in_a_pipeline_file_names_file_and_path():
    text = (
        "transforms:\n  - name: Blur\n  - name: OnBands\n    bands: [3, 2, 1]\n"
        "    transforms:\n      - {name: Rotate90}\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"^x\.yaml: transforms\[1\] \(OnBands\)\.transforms\[0\] \(Rotate90\): changes",
    ):
        A.loads(text, source="x.yaml")


@pytest.mark.parametrize(
    ("bands", "match"),
    [
        ([], r"OnBands\.bands: expected a list of 0-based band indices"),
        ([3, 2, 3], r"OnBands\.bands: expected .*each at most once, got \[3, 2, 3\]"),
        ([-1, 2, 3], r"OnBands\.bands: expected a list of 0-based band indices in \[0, 511\]"),
        (3, r"OnBands\.bands: expected a list of 0-based band indices"),
    ],
)
def test_bad_bands_are_refused_when_built(bands, match):
    with pytest.raises(ConfigError, match=match):
        A.OnBands([A.Blur()], bands=bands)


def test_a_band_the_image_lacks_is_refused_before_any_work():
    pipe = A.Compose([A.HorizontalFlip(), A.OnBands([A.ToGray()], bands=[13, 2, 1])])
    msg = r"^transforms\[1\] \(OnBands\): bands = \[13, 2, 1\]: band 13 is not in the image, which has 13 band"
    with pytest.raises(InvalidInputError, match=msg):
        pipe(tile(np.uint16, 13), seed=0)
    with pytest.raises(InvalidInputError, match=r"bands = \[13, 2, 1\]"):
        pipe(labelled(tile(np.uint16, 13)), seed=0)
    # fine on a tile that has band 13
    assert pipe(tile(np.uint16, 14), seed=0).image.shape[2] == 14


def test_bands_changed_after_building_are_checked_at_call_time():
    on = A.OnBands([A.ToGray(p=1.0)], bands=RGB)
    pipe = A.Compose([on])
    pipe(tile(np.uint16, 13), seed=0)
    on.bands = (3, 3, 1)
    with pytest.raises(InvalidInputError, match=r"bands = \[3, 3, 1\]: band 3 is listed twice"):
        pipe(tile(np.uint16, 13), seed=0)
    on.bands = ()
    with pytest.raises(InvalidInputError, match=r"bands = \[\]"):
        pipe(tile(np.uint16, 13), seed=0)


def test_children_declarations_apply_to_the_selected_bands():
    # ToGray takes 1 or 3 bands: 3 of 13 pass, 4 of 13 are refused naming the child
    A.Compose([A.OnBands([A.ToGray()], bands=RGB)])(tile(np.uint16, 13), seed=0)
    with pytest.raises(
        InvalidInputError,
        match=r"transforms\[0\]\.transforms\[0\] \(ToGray\): takes images with 1 or 3 channel\(s\).*got 4",
    ):
        A.Compose([A.OnBands([A.ToGray()], bands=[3, 2, 1, 0])])(tile(np.uint16, 13), seed=0)
    # and the whole tile is no longer refused for the RGB transform inside
    with pytest.raises(InvalidInputError, match=r"\(ToGray\): takes images with 1 or 3"):
        A.Compose([A.ToGray()])(tile(np.uint16, 13), seed=0)


def test_a_child_that_changes_the_dtype_is_refused_naming_the_container():
    pipe = A.Compose([A.Blur(), A.OnBands([A.Normalize(p=1.0)], bands=RGB)])
    with pytest.raises(
        InvalidInputError, match=r"^transforms\[1\] \(OnBands\): .*keep their dtype"
    ):
        pipe(tile(np.uint16, 13), seed=0)


def test_the_multiband_doc_example_runs_as_written(capsys):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "multiband.md").read_text()
    section = doc.split("### RGB colour transforms on chosen bands", 1)[1].split("\n## ", 1)[0]
    [python] = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    [yaml] = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    exec(compile(python, "docs/multiband.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "(64, 64, 13) uint16" in printed and "transforms[1].transforms[0]" in printed
    pipe = A.loads(yaml, source="docs/multiband.md")
    out = pipe(tile(np.uint16, 13), seed=0)
    assert out.image.shape == (40, 48, 13) and isinstance(pipe.transforms[1], A.OnBands)
