"""ShapesScene: composed scenes with exact boxes, masks and labels."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.augment import Sample
from synthaug.augment.sample import validate_sample
from synthaug.errors import ConfigError
from synthaug.synth import ShapesScene


def test_scenes_are_valid_samples_with_one_mask_box_and_label_per_object():
    scenes = ShapesScene(size=(64, 80), n_objects=(2, 4)).fit().scenes(8, seed=0)
    assert len(scenes) == 8
    for s in scenes:
        assert isinstance(s, Sample) and s.image.shape == (64, 80, 3) and s.image.dtype == np.uint8
        validate_sample(s)
        assert len(s.masks) == len(s.boxes) == len(s.box_labels) >= 1
        assert s.box_format == "xyxy"


def test_each_box_is_the_tight_box_of_its_mask():
    for s in ShapesScene(size=(48, 48)).fit().scenes(6, seed=1):
        for mask, box in zip(s.masks, s.boxes, strict=True):
            rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
            assert box.tolist() == [cols[0], rows[0], cols[-1] + 1, rows[-1] + 1]


def test_instance_masks_do_not_overlap_after_occlusion():
    for s in (
        ShapesScene(size=(48, 48), n_objects=(4, 4), object_size=(0.4, 0.6)).fit().scenes(5, seed=2)
    ):
        assert np.stack(s.masks).sum(0).max() <= 1


def test_front_object_label_is_the_scene_label_and_last_box():
    gen = ShapesScene(size=(32, 32), characters="AB").fit()
    for s in gen.scenes(6, seed=3):
        assert s.meta["class_ids"][-1] == s.label
        assert s.box_labels[-1] == gen.class_names_[s.label]


def test_masks_paint_the_object_colour_over_the_background():
    s = (
        ShapesScene(size=(40, 40), n_objects=(1, 1), backgrounds=("plain",))
        .fit()
        .scenes(1, seed=4)[0]
    )
    inside = s.image[s.masks[0] > 0].astype(float)
    outside = s.image[s.masks[0] == 0].astype(float)
    assert len(np.unique(outside.reshape(-1, 3), axis=0)) == 1  # plain background
    assert np.abs(inside.mean(0) - outside[0]).max() > 0 or inside.std() > 0


def test_sample_gives_float_images_labelled_by_front_object():
    gen = ShapesScene(size=(24, 24)).fit()
    X, y = gen.sample(labels={2: 2, 4: 1}, seed=0)
    assert X.shape == (3, 24, 24, 3) and X.dtype == np.float32 and y.tolist() == [2, 2, 4]


def test_unknown_shape_is_a_config_error():
    with pytest.raises(ConfigError, match="shapes"):
        ShapesScene(shapes=("circle", "blob")).fit()


def test_every_painted_pixel_belongs_to_an_annotated_object():
    gen = ShapesScene(
        size=(48, 48), n_objects=(3, 5), object_size=(0.4, 0.7), backgrounds=("plain",)
    )
    for s in gen.fit().scenes(10, seed=5):
        union = np.stack(s.masks).max(0) > 0
        # Outside the annotated objects only the plain background remains: no unlabelled object.
        assert len(np.unique(s.image[~union], axis=0)) == 1
