"""The generator contract: registry, label specs, the safetensors + JSON format and its refusals."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from synthaug.errors import InvalidInputError, ModelFormatError
from synthaug.synth import FontGlyphs, load, registered_generators
from synthaug.synth.base import resolve_labels


def test_registry_lists_every_builtin_generator():
    names = set(registered_generators())
    assert {"FontGlyphs", "ConditionalVAE", "ConditionalGAN", "ShapesScene"} <= names


def test_labels_none_cycle_through_classes():
    assert resolve_labels(7, None, np.array([2, 5, 9])).tolist() == [2, 5, 9, 2, 5, 9, 2]


def test_labels_array_must_match_n():
    with pytest.raises(InvalidInputError, match="n = 3"):
        resolve_labels(3, [0, 1], np.array([0, 1]))


def test_negative_count_is_refused():
    with pytest.raises(InvalidInputError, match=r"labels\[1\]"):
        resolve_labels(None, {1: -2}, np.array([0, 1]))


def test_load_refuses_a_pickle_even_named_safetensors(tmp_path):
    bad = tmp_path / "model.safetensors"
    bad.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    with pytest.raises(ModelFormatError, match="pickle"):
        load(bad)


def test_load_refuses_other_suffixes(tmp_path):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelFormatError, match="only .safetensors"):
        load(bad)


def test_load_refuses_a_config_naming_an_unregistered_class(tmp_path):
    path = FontGlyphs().fit().save(tmp_path / "g.safetensors")
    config = json.loads(path.with_suffix(".json").read_text())
    config["class"] = "os.system"
    path.with_suffix(".json").write_text(json.dumps(config))
    with pytest.raises(ModelFormatError, match="not a registered generator"):
        load(path)


def test_missing_file_and_unknown_name_are_model_format_errors(tmp_path):
    with pytest.raises(ModelFormatError, match="no such model"):
        load(tmp_path / "nothing.safetensors")
    with pytest.raises(ModelFormatError):
        load("digits-diffusion")


def test_config_embedded_in_safetensors_is_used_when_json_is_missing(tmp_path):
    path = FontGlyphs(rotation_deg=(0.0, 1.0)).fit().save(tmp_path / "g.safetensors")
    path.with_suffix(".json").unlink()
    assert load(path).rotation_deg == (0.0, 1.0)


def test_fit_refuses_images_outside_unit_range():
    from synthaug.synth import ConditionalVAE

    with pytest.raises(InvalidInputError, match="range"):
        ConditionalVAE(epochs=1).fit(np.full((4, 8, 8), 2.0, np.float32), np.array([0, 1, 0, 1]))


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda c: c.pop("state"), "'state'"),
        (lambda c: c["state"].pop("classes_"), "'state.classes_'"),
        (lambda c: c["state"].pop("image_shape_"), "'state.image_shape_'"),
        (lambda c: c.__setitem__("state", [1, 2]), "'state'"),
        (lambda c: c["state"].__setitem__("classes_", "abc"), "'state.classes_'"),
        (lambda c: c.__setitem__("params", "x"), "'params'"),
    ],
)
def test_missing_or_mistyped_config_field_is_a_model_format_error_naming_file_and_field(
    tmp_path, edit, field
):
    # regression: a config without "state.classes_" raised a bare KeyError: 'classes_'
    path = FontGlyphs().fit().save(tmp_path / "g.safetensors")
    json_path = path.with_suffix(".json")
    config = json.loads(json_path.read_text())
    edit(config)
    json_path.write_text(json.dumps(config))
    with pytest.raises(ModelFormatError) as info:
        load(path)
    assert "g.json" in str(info.value) and field in str(info.value)
