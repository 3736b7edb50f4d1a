"""FontGlyphs: procedural digits that imitate scikit-learn's digits."""

from __future__ import annotations

import numpy as np
import pytest

from synthaug.data import load_dataset
from synthaug.errors import ConfigError, InvalidInputError
from synthaug.synth import FontGlyphs, find_fonts, load


def test_find_fonts_returns_existing_font_files_with_digits():
    fonts = find_fonts()
    assert len(fonts) >= 3
    assert all(f.endswith((".ttf", ".otf")) for f in fonts)


def test_sklearn_digits_look_gives_8x8_multiples_of_one_sixteenth():
    X, y = FontGlyphs().fit().sample(20, seed=0)
    assert X.shape == (20, 8, 8) and X.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [i % 10 for i in range(20)]
    assert np.allclose(X * 16, np.round(X * 16))
    assert X.min() >= 0.0 and X.max() <= 1.0


def test_ink_statistics_are_close_to_real_digits():
    real, _ = load_dataset("digits")
    X, _ = FontGlyphs().fit().sample(300, seed=1)
    assert abs(X.mean() - real.mean()) < 0.04  # real: 0.305
    assert abs(np.mean(X == 0) - np.mean(real == 0)) < 0.05  # real: 0.489 of pixels empty
    assert abs(np.mean(X == 1) - np.mean(real == 1)) < 0.04  # real: 0.091 of pixels full
    # Real digits fill the full height and leave the outer columns nearly empty.
    assert np.mean(X[:, :, 0]) < 0.02 and np.mean(X[:, 0, :]) > 0.15


def test_same_seed_gives_identical_bytes_and_other_seed_differs():
    gen = FontGlyphs().fit()
    a, _ = gen.sample(10, seed=3)
    b, _ = gen.sample(10, seed=3)
    c, _ = gen.sample(10, seed=4)
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


def test_labels_as_dict_give_requested_counts():
    X, y = FontGlyphs().fit().sample(labels={7: 3, 2: 2}, seed=0)
    assert y.tolist() == [7, 7, 7, 2, 2] and X.shape == (5, 8, 8)


def test_unknown_label_is_refused():
    with pytest.raises(InvalidInputError, match="not classes"):
        FontGlyphs().fit().sample(labels=[3, 12], seed=0)


def test_custom_size_and_characters_render_antialiased_glyphs():
    gen = FontGlyphs(characters="AB", like=None, size=(24, 20)).fit()
    X, y = gen.sample(4, seed=0)
    assert X.shape == (4, 24, 20) and y.tolist() == [0, 1, 0, 1]
    assert 0.03 < X.mean() < 0.5
    assert len(np.unique(X)) > 17  # grey levels, not block counts


def test_mnist_look_centres_mass_in_28x28():
    X, _ = FontGlyphs(like="mnist").fit().sample(6, seed=0)
    assert X.shape == (6, 28, 28)
    ys, xs = np.indices((28, 28))
    for img in X:
        cy, cx = (ys * img).sum() / img.sum(), (xs * img).sum() / img.sum()
        assert abs(cy - 13.5) < 1.5 and abs(cx - 13.5) < 1.5


def test_unknown_look_is_a_config_error():
    with pytest.raises(ConfigError, match="like"):
        FontGlyphs(like="emnist").fit()


def test_save_and_load_round_trip_gives_identical_samples(tmp_path):
    gen = FontGlyphs(slant_deg=(0.0, 5.0)).fit()
    path = gen.save(tmp_path / "fonts.safetensors")
    again = load(path)
    assert isinstance(again, FontGlyphs) and again.slant_deg == (0.0, 5.0)
    assert gen.sample(5, seed=2)[0].tobytes() == again.sample(5, seed=2)[0].tobytes()


def test_deslant_makes_a_leaning_bar_upright():
    from synthaug.synth.fonts import _deslant

    bar = np.zeros((40, 40), np.uint8)
    for r in range(5, 35):  # leans right by 1 column every 2 rows
        bar[r, 10 + r // 2 : 14 + r // 2] = 1
    upright = _deslant(bar)
    cols = np.flatnonzero(upright.any(0))
    assert cols[-1] - cols[0] + 1 <= 6  # was 19 columns wide
    assert upright.sum() >= 0.9 * bar.sum()


def test_every_digit_has_pen_stroke_templates_that_render_with_jitter():
    from synthaug.synth.strokes import DIGIT_STROKES, render_strokes

    assert sorted(DIGIT_STROKES) == list("0123456789")
    rng = np.random.default_rng(0)
    for char in DIGIT_STROKES:
        a, b = render_strokes(char, rng, 64), render_strokes(char, rng, 64)
        assert a.shape == (64, 64) and a.max() == 1.0 and 0.02 < a.mean() < 0.3
        assert not np.array_equal(a, b)


def test_min_aspect_widens_thin_glyphs_only():
    from synthaug.synth.fonts import _fit_box

    bar = np.zeros((50, 50), np.float32)
    bar[5:45, 24:27] = 1  # 40 high, 3 wide
    assert _fit_box(bar, 32, 32, 1.0, min_aspect=0.5).shape == (32, 16)
    assert _fit_box(bar, 32, 32, 1.0).shape == (32, 2)
    square = np.zeros((50, 50), np.float32)
    square[5:45, 5:45] = 1
    assert _fit_box(square, 32, 32, 1.0, min_aspect=0.5).shape == (32, 32)
