"""Band triplets and percentile stretch for showing any image (``synthaug preview --bands``)."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.data.display import BandView, parse_bands
from synthaug.errors import ConfigError


def test_parse_bands_takes_one_or_three_numbers_from_one():
    assert parse_bands("3,2,1") == (3, 2, 1) and parse_bands(" 7 ") == (7,)
    for bad in ("3,2", "0,1,2", "a,b,c", ""):
        with pytest.raises(ConfigError, match="--bands"):
            parse_bands(bad)


def test_uint16_bands_are_stretched_from_their_percentiles_in_the_chosen_order():
    img = np.zeros((10, 10, 5), np.uint16)
    img[..., 2] = np.arange(100).reshape(10, 10) * 100  # band 3: 0 .. 9900
    img[..., 0] = 500  # band 1: constant
    view = BandView.fit(img, (3, 1, 3), percentiles=(0, 100))
    out = view.render(img)
    assert out.shape == (10, 10, 3) and out.dtype == np.uint8
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == 255  # the band's range fills 0..255
    assert (out[..., 1] == 0).all()  # a constant band shows as its low end, not NaN
    assert np.array_equal(out[..., 0], out[..., 2])


def test_limits_of_the_original_apply_to_an_augmented_version():
    img = np.linspace(0.0, 10.0, 100, dtype=np.float32).reshape(10, 10)
    view = BandView.fit(img, percentiles=(0, 100))
    brighter = view.render(img * 2)
    assert brighter.ndim == 2 and (brighter[5:] == 255).all()  # saturates, not re-stretched


def test_uint8_rgb_is_shown_as_stored_and_nan_as_black():
    rgb = np.random.default_rng(0).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    assert np.array_equal(BandView.fit(rgb).render(rgb), rgb)
    f = np.array([[np.nan, 1.0], [2.0, 3.0]], np.float32)
    assert BandView.fit(f, percentiles=(0, 100)).render(f)[0, 0] == 0


def test_band_beyond_the_image_is_refused_naming_the_count():
    with pytest.raises(ConfigError, match="has 13 band"):
        BandView.fit(np.zeros((2, 2, 13), np.uint16), (14, 2, 1))
