"""Keypoint visibility (COCO 0/1/2), left/right flip pairs and keypoint angle/scale (issue 19)."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug import augment as A
from synthaug.augment.functional import geometric as G
from synthaug.augment.functional import oriented as O
from synthaug.augment.labels import flip_permutation, pair_names
from synthaug.errors import ConfigError, InvalidInputError

IMG = np.zeros((40, 60, 3), np.uint8)
#: a subject seen from the front: its left eye is on the image's right
KP = np.array([[40.0, 10.0], [20.0, 10.0], [30.0, 25.0]])
NAMES = ["left_eye", "right_eye", "nose"]
MIRRORS = [A.HorizontalFlip(p=1), A.VerticalFlip(p=1), A.Transpose(p=1)]


def _run(transforms, fuse=True, seed=0, **fields):
    pipe = A.Compose(transforms, fuse=fuse, seed=seed, remove_invisible_keypoints=False)
    return pipe(image=IMG, **fields)


@pytest.mark.parametrize("mirror", MIRRORS, ids=lambda t: type(t).__name__)
def test_every_mirroring_swaps_flip_pairs_and_keeps_labels_by_index(mirror):
    plain = _run([mirror], keypoints=KP, keypoint_labels=NAMES)
    paired = _run([mirror], keypoints=KP, keypoint_labels=NAMES, keypoint_flip_pairs="names")
    assert paired.keypoint_labels == NAMES
    assert paired.keypoints[0].tolist() == plain.keypoints[1].tolist()
    assert paired.keypoints[1].tolist() == plain.keypoints[0].tolist()
    assert paired.keypoints[2].tolist() == plain.keypoints[2].tolist()


def test_horizontal_flip_keeps_the_left_eye_on_the_image_right_of_a_frontal_subject():
    out = _run([A.HorizontalFlip(p=1)], keypoints=KP, keypoint_flip_pairs=[(0, 1)])
    left, right = out.keypoints[0], out.keypoints[1]
    assert left[0] > right[0]  # still on the image's right, as before the flip


@pytest.mark.parametrize("t", [A.Rotate90(p=1), A.Rotate(limit=(30, 30), p=1)])
def test_rotations_do_not_swap(t):
    plain = _run([t], keypoints=KP)
    paired = _run([t], keypoints=KP, keypoint_flip_pairs=[(0, 1)])
    np.testing.assert_array_equal(plain.keypoints, paired.keypoints)


@pytest.mark.parametrize("fuse", [True, False])
def test_two_mirrorings_do_not_swap_fused_or_not(fuse):
    chain = [A.HorizontalFlip(p=1), A.Rotate(limit=(10, 10), p=1), A.VerticalFlip(p=1)]
    plain = _run(chain, fuse=fuse, keypoints=KP)
    paired = _run(chain, fuse=fuse, keypoints=KP, keypoint_flip_pairs=[(0, 1)])
    np.testing.assert_allclose(plain.keypoints, paired.keypoints)


@pytest.mark.parametrize("fuse", [True, False])
def test_an_odd_fused_chain_swaps_once(fuse):
    chain = [A.HorizontalFlip(p=1), A.Rotate(limit=(10, 10), p=1), A.Transpose(p=1)]
    chain += [A.VerticalFlip(p=1)]
    plain = _run(chain, fuse=fuse, keypoints=KP)
    paired = _run(chain, fuse=fuse, keypoints=KP, keypoint_flip_pairs=[(0, 1)])
    np.testing.assert_allclose(paired.keypoints[[1, 0, 2]], plain.keypoints)


def test_fused_and_unfused_agree_on_pairs_and_replay_swaps_the_same():
    chain = [A.HorizontalFlip(p=0.5), A.Affine(rotate=(-20, 20), p=1), A.Transpose(p=0.5)]
    for seed in range(6):
        a = _run(chain, seed=seed, keypoints=KP, keypoint_flip_pairs=[(0, 1)])
        b = _run(chain, fuse=False, seed=seed, keypoints=KP, keypoint_flip_pairs=[(0, 1)])
        np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-9)
        pipe = A.Compose(chain, remove_invisible_keypoints=False, keypoint_flip_pairs=[(0, 1)])
        again = pipe.replay(IMG, a.applied, keypoints=KP)
        np.testing.assert_allclose(again.keypoints, a.keypoints)


def test_a_mirroring_homography_is_detected():
    persp = np.array([[1.0, 0.1, 2.0], [0.05, 0.9, 1.0], [1e-3, 2e-3, 1.0]])
    assert not O.reverses_orientation(persp, (40, 60))
    assert O.reverses_orientation(persp @ G.hflip_matrix(60), (40, 60))
    assert not O.reverses_orientation(-persp, (40, 60))  # the same map
    assert O.reverses_orientation(G.transpose_matrix(), (60, 40))
    assert not O.reverses_orientation(G.hflip_matrix(60) @ G.vflip_matrix(40), (40, 60))


def test_pairs_by_instance_positions_names_and_sample_override():
    kp = np.array([[40.0, 10], [20, 10], [30, 25], [50, 30], [45, 30], [47, 35]])
    inst = [0, 0, 0, 1, 1, 1]
    out = _run(
        [A.HorizontalFlip(p=1)], keypoints=kp, keypoint_instances=inst, boxes=[[0, 0, 9, 9]] * 2
    )
    swapped = A.Compose([A.HorizontalFlip(p=1)], keypoint_flip_pairs=[(0, 1)])(
        image=IMG, keypoints=kp, keypoint_instances=inst, boxes=[[0, 0, 9, 9]] * 2
    )
    np.testing.assert_array_equal(swapped.keypoints, out.keypoints[[1, 0, 2, 4, 3, 5]])
    # pairs of names, and a sample's own pairs win over the pipeline's
    pipe = A.Compose([A.HorizontalFlip(p=1)], keypoint_flip_pairs=[(0, 2)])
    s = A.Sample(IMG, keypoints=KP, keypoint_labels=NAMES, keypoint_flip_pairs=[NAMES[:2]])
    np.testing.assert_array_equal(pipe(s).keypoints, out.keypoints[[1, 0, 2]])


def test_flip_permutation_and_names():
    assert pair_names(["LEFT_hip", "right_hip", "left_x"]) == [(0, 1)]
    assert flip_permutation(None, 3, None, None) is None
    assert flip_permutation("names", 2, ["a", "b"], None) is None
    assert flip_permutation([("l", "r")], 3, ["r", "x", "l"], None).tolist() == [2, 1, 0]
    with pytest.raises(InvalidInputError, match="refers past"):
        flip_permutation([(0, 5)], 3, None, None)
    with pytest.raises(InvalidInputError, match="keypoint_labels"):
        flip_permutation("names", 3, None, None)


@pytest.mark.parametrize(
    "bad", [[(0, 0)], [(0, 1), (1, 2)], [(0, "a")], "left", [(0, 1, 2)], [(-1, 2)]]
)
def test_bad_flip_pairs_are_refused_naming_the_field(bad):
    with pytest.raises(ConfigError, match="keypoint_flip_pairs"):
        A.Compose([], keypoint_flip_pairs=bad)


def test_flip_pairs_are_saved_and_loaded():
    pipe = A.Compose([A.HorizontalFlip()], keypoint_flip_pairs=[(0, 1), (2, 3)])
    again = A.from_dict(pipe.to_dict())
    assert again.keypoint_flip_pairs == ((0, 1), (2, 3))
    assert (
        A.from_dict(A.Compose([], keypoint_flip_pairs="names").to_dict()).keypoint_flip_pairs
        == "names"
    )


# --------------------------------------------------------------------------- visibility
@pytest.mark.parametrize("fuse", [True, False])
def test_coco_visibility_left_frame_is_zero_and_never_comes_back(fuse):
    chain = [A.Crop(0, 0, 35, 40, p=1), A.PadIfNeeded(40, 60, position="top_left", p=1)]
    vis = np.array([2, 1, 2])
    out = _run(chain, fuse=fuse, keypoints=KP, keypoint_visibility=vis)
    # the right half was cut away; the pad brings the coordinates back inside, not the pixels
    assert out.keypoints[0].tolist() == [40.0, 10.0]
    assert out.keypoint_visibility.tolist() == [0, 1, 2]
    assert out.keypoint_visibility.dtype.kind == "i"


def test_coco_visibility_zero_stays_zero_and_is_removed_by_default():
    vis = np.array([0, 1, 2])
    kept = _run([A.HorizontalFlip(p=1)], keypoints=KP, keypoint_visibility=vis)
    assert kept.keypoint_visibility.tolist() == [0, 1, 2]
    out = A.Compose([A.HorizontalFlip(p=1)])(
        image=IMG, keypoints=KP, keypoint_visibility=vis, keypoint_labels=NAMES
    )
    assert out.keypoint_labels == NAMES[1:]
    assert out.keypoint_visibility.tolist() == [1, 2]
    assert out.dropped == {"keypoints.outside": 1} and out.n_keypoints_dropped == 1


def test_visibility_swaps_with_its_pair():
    vis = np.array([2, 1, 0])
    out = _run(
        [A.HorizontalFlip(p=1)], keypoints=KP, keypoint_visibility=vis, keypoint_flip_pairs=[(0, 1)]
    )
    assert out.keypoint_visibility.tolist() == [1, 2, 0]


def test_boolean_visibility_stays_boolean():
    out = _run([A.Crop(0, 0, 30, 40, p=1)], keypoints=KP, keypoint_visibility=[True, True, False])
    assert out.keypoint_visibility.dtype == bool
    assert out.keypoint_visibility.tolist() == [False, True, False]


@pytest.mark.parametrize("bad", [[3, 1, 2], [0.5, 1, 1], [1, 2], ["2", "1", "0"]])
def test_bad_visibility_is_refused(bad):
    with pytest.raises(InvalidInputError, match="keypoint_visibility"):
        A.Compose([])(image=IMG, keypoints=KP, keypoint_visibility=np.array(bad))


# --------------------------------------------------------------------------- angle and scale
def test_angle_and_scale_follow_rotation_scaling_and_mirroring():
    kp = np.array([[30.0, 20.0, 10.0, 2.0]])
    rot = A.Compose([A.Rotate(limit=(30, 30), p=1)])(image=IMG, keypoints=kp)
    assert rot.keypoints[0, 2] == pytest.approx(40.0) and rot.keypoints[0, 3] == pytest.approx(2.0)
    big = A.Compose([A.Resize(80, 120, p=1)])(image=IMG, keypoints=kp)
    assert big.keypoints[0, 2] == pytest.approx(10.0) and big.keypoints[0, 3] == pytest.approx(4.0)
    flip = A.Compose([A.HorizontalFlip(p=1)])(image=IMG, keypoints=kp)
    assert flip.keypoints[0, 2] == pytest.approx(170.0)


def test_keypoint_scale_under_perspective_is_the_local_area_change():
    m = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.01, 0.0, 1.0]])
    kp = np.array([[0.0, 0.0, 0.0, 1.0], [50.0, 0.0, 0.0, 1.0]])
    out = G.warp_keypoints(kp, m)
    # numeric Jacobian determinant at each keypoint
    for p, got in zip(kp, out, strict=True):
        eps = 1e-4
        c = G.warp_keypoints(p[None, :2], m)[0]
        dx = (G.warp_keypoints(p[None, :2] + [eps, 0], m)[0] - c) / eps
        dy = (G.warp_keypoints(p[None, :2] + [0, eps], m)[0] - c) / eps
        assert got[3] == pytest.approx(np.sqrt(abs(dx[0] * dy[1] - dx[1] * dy[0])), rel=1e-3)
        assert got[2] == pytest.approx(np.degrees(np.arctan2(-dx[1], dx[0])) % 360, abs=1e-3)
    assert out[1, 3] < out[0, 3]  # farther along x, the map shrinks


def test_pairs_from_yolo_flip_idx():
    from synthaug.augment.labels import pairs_from_flip_idx

    assert pairs_from_flip_idx([0, 2, 1, 3]) == [(1, 2)]
    with pytest.raises(InvalidInputError, match="flip_idx"):
        pairs_from_flip_idx([1, 2, 0])
    with pytest.raises(InvalidInputError, match="flip_idx"):
        pairs_from_flip_idx([0, 5])


def test_whole_float_visibility_reads_as_coco_integers():
    out = _run([A.Crop(0, 0, 30, 40, p=1)], keypoints=KP, keypoint_visibility=[2.0, 1.0, 2.0])
    assert out.keypoint_visibility.tolist() == [0, 1, 0]
    assert out.keypoint_visibility.dtype.kind == "i"
