"""Border copies must not move labels: the cases the 50,000-pipeline label bench found.

``bench/bench_labels.py --n 50000 --seed 0`` flagged pipelines with reflect, wrap or
replicate borders whose boxes changed when the same drawn steps were replayed with a
constant border (its ``border_labels`` check). A border fills pixels and moves no label, so
each test below replays one such case's steps on its one object, with the non-constant
border and with a constant one, and expects the same boxes. Each names the bench case it
was found as (``python bench/bench_labels.py --case 0:N`` reruns it).
"""

from __future__ import annotations

import numpy as np
import pytest

from synthaug import augment as A


def _ellipse(hw: tuple[int, int], box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    yy, xx = np.mgrid[0 : hw[0], 0 : hw[1]]
    cy, cx, ry, rx = (y0 + y1 - 1) / 2, (x0 + x1 - 1) / 2, (y1 - y0) / 2, (x1 - x0) / 2
    return (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1).astype(np.uint8)


def _with_border(pipe: A.Compose, border: str) -> A.Compose:
    """``pipe`` with every ``border_mode`` set to ``border``."""
    d = pipe.to_dict()
    for t in d["transforms"]:
        if "border_mode" in t:
            t["border_mode"] = border
    return A.from_dict(d)


def _run_both(
    pipe: A.Compose, steps: list[A.Applied], mask: np.ndarray, border: str
) -> tuple[A.Sample, A.Sample]:
    """The replay of ``steps`` with ``border`` and with a constant border."""
    ys, xs = np.nonzero(mask)
    fields = {
        "masks": [mask],
        "boxes": [[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]],
        "box_labels": ["object"],
    }
    image = mask[..., None].astype(np.float32)
    runs = [_with_border(pipe, b).replay(image, steps, **fields) for b in (border, "constant")]
    return runs[0], runs[1]


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Boxes within max(2 px, 15% of the side) of each other (the property suite's rule)."""
    tol = np.tile(np.maximum(2.0, 0.15 * (b[2:] - b[:2])), 2)
    return bool(np.all(np.abs(a - b) <= tol))


@pytest.mark.parametrize("border", ["reflect_edge", "reflect", "wrap", "replicate"])
def test_box_whose_outline_left_the_frame_is_dropped_though_its_mask_copies_remain(
    border: str,
) -> None:
    # found as case 0:19974 (PadIfNeeded + Crop + Perspective + Transpose, reflect_edge): a
    # crop keeps only the padded border, which holds a copy of the object. The box's outline
    # left the frame, but the box was kept as [0, 0, 2, 2]: with its outline reduced to a
    # point, the mask copies within a pixel of that point were taken for the object
    hw = (163, 170)
    mask = np.zeros(hw, np.uint8)
    mask[69:133, 32:107] = 1
    pipe = A.Compose(
        [A.PadIfNeeded(244, 239, position="bottom_right"), A.Crop(2, 0, 170, 137)],
        boxes_from_masks=True,
    )
    steps = [
        A.Applied("transforms[0]", "PadIfNeeded", {"pad": (81, 0, 69, 0)}),
        A.Applied("transforms[1]", "Crop", {"rect": (2, 0, 170, 137)}),
    ]
    run, const = _run_both(pipe, steps, mask, border)
    assert const.masks[0].sum() == 0 and len(const.boxes) == 0
    if border != "replicate":  # replicate smears the edge row, which the object does not reach
        assert run.masks[0][:2, :2].any()  # a copy is in view at the corner the outline hit
    assert len(run.boxes) == 0 and run.n_boxes_dropped == 1


def test_replicated_edge_row_does_not_grow_a_sliver_past_min_area() -> None:
    # found as case 0:21303 (Crop + OpticalDistortion + Rotate, replicate, fused): a crop
    # leaves a one-pixel row of a rectangle at its bottom edge; the distortion pulls the border
    # in, replicate smears that row into a band, and the box grew to the band (43 x 4 px
    # instead of 40 x 2), passing min_area=100 where the constant border dropped it
    hw = (167, 145)
    mask = np.zeros(hw, np.uint8)
    mask[72:148, 76:134] = 1  # a rectangle
    pipe = A.Compose(
        [A.Crop(13, 5, 121, 73), A.OpticalDistortion(distort_limit=0.3, shift_limit=0.1, p=1)],
        boxes_from_masks=True,
        min_area=100.0,
    )
    steps = [
        A.Applied("transforms[0]", "Crop", {"rect": (13, 5, 121, 73)}),
        A.Applied(
            "transforms[1]",
            "OpticalDistortion",
            {"k": 0.08333904913094906, "center_shift": (-0.010736643709408841, -0.02591824808)},
        ),
    ]
    run, const = _run_both(pipe, steps, mask, "replicate")
    assert len(const.boxes) == 0  # the sliver in view is below min_area
    assert run.masks[0].sum() > const.masks[0].sum()  # the smeared band is in the mask
    assert len(run.boxes) == 0


@pytest.mark.parametrize("border", ["wrap", "reflect", "reflect_edge", "replicate"])
def test_box_of_a_cut_object_ignores_the_copy_against_its_cut_edge(border: str) -> None:
    # found as case 0:25968 (Resize + CropAndPad + Rotate, wrap, fused): a pad cuts an
    # ellipse at the frame's right edge, and after a rotation the border copy lies right
    # against the cut edge of the box's outline. The mask pixels within a pixel of the
    # outline counted as the object, so the box ran along the copy: [68, 16, 122, 90]
    # instead of [68, 22, 114, 90]
    hw = (149, 174)
    mask = _ellipse(hw, (113, 2, 171, 81))
    pipe = A.Compose(
        [
            A.Resize(137, 106, interpolation="cubic"),
            A.CropAndPad(percent=(-0.111, 0.276), keep_size=False, interpolation="area"),
            A.Rotate(limit=163.65, p=1),
        ],
        fuse=True,
    )
    steps = [
        A.Applied("transforms[0]", "Resize", {"size": (137, 106)}),
        A.Applied("transforms[1]", "CropAndPad", {"pad": (36, 22, 20, -4)}),
        A.Applied("transforms[2]", "Rotate", {"angle_deg": 26.67663614574502}),
    ]
    run, const = _run_both(pipe, steps, mask, border)
    assert len(run.boxes) == len(const.boxes) == 1
    assert _close(np.asarray(run.boxes[0]), np.asarray(const.boxes[0])), (
        run.boxes[0],
        const.boxes[0],
    )


def test_docs_reflect_example_keeps_the_box_on_the_object_and_drops_it_for_a_copy() -> None:
    # the example of docs/labels.md, "Border modes and labels"
    image = np.zeros((100, 100, 3), np.uint8)
    mask = np.zeros((100, 100), np.uint8)
    image[40:60, 5:25] = 255
    mask[40:60, 5:25] = 1
    pad = A.Pad(padding=(30, 0, 0, 0), border_mode="reflect")
    fields = {"masks": [mask], "boxes": [[5, 40, 25, 60]], "box_labels": ["cup"]}
    out = A.Compose([pad])(image, **fields)
    assert out.boxes.tolist() == [[35.0, 40.0, 55.0, 60.0]] and out.box_labels == ["cup"]
    cols = np.flatnonzero(out.masks[0].any(axis=0))
    assert (cols.min(), cols.max() + 1) == (6, 55)  # the object and its mirrored copy
    out = A.Compose([pad, A.Crop(0, 0, 30, 100)])(image, **fields)
    assert len(out.boxes) == 0 and out.n_boxes_dropped == 1 and out.masks[0].sum() == 400
