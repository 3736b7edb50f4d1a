"""ConditionalVAE, ConditionalGAN and DiffAugment on tiny data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthaug.data import load_dataset
from synthaug.errors import ConfigError
from synthaug.synth import ConditionalGAN, ConditionalVAE
from synthaug.synth.diffaugment import diff_augment, parse_policy


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    X, y = load_dataset("digits")
    return X[:200], y[:200]


def test_cvae_training_lowers_the_loss(digits):
    gen = ConditionalVAE(epochs=8, width=16, hidden=64).fit(*digits)
    assert len(gen.loss_history_) == 8
    assert gen.loss_history_[-1] < 0.8 * gen.loss_history_[0]


def test_cgan_discriminator_loss_falls_from_chance_level(digits):
    losses = []
    gen = ConditionalGAN(epochs=6, width=16, latent_dim=16)
    gen.fit(*digits, callback=losses.append)
    assert [d["epoch"] for d in losses] == list(range(1, 7))
    # D's hinge loss starts near 2 (no information) and falls once D separates real from fake.
    assert losses[0]["loss"] > 1.5 and min(d["loss"] for d in losses) < losses[0]["loss"] - 0.1


def test_same_fit_seed_gives_same_weights_and_other_seed_differs(digits):
    X, y = digits[0][:64], digits[1][:64]
    a = ConditionalVAE(epochs=1, width=8, hidden=16, seed=5).fit(X, y).sample(3, seed=0)[0]
    b = ConditionalVAE(epochs=1, width=8, hidden=16, seed=5).fit(X, y).sample(3, seed=0)[0]
    c = ConditionalVAE(epochs=1, width=8, hidden=16, seed=6).fit(X, y).sample(3, seed=0)[0]
    assert a.tobytes() == b.tobytes() and a.tobytes() != c.tobytes()


@pytest.mark.parametrize("cls", [ConditionalVAE, ConditionalGAN])
def test_rgb_32x32_images_round_trip_in_shape(cls):
    X = np.random.default_rng(0).random((8, 32, 32, 3), dtype=np.float32)
    gen = cls(epochs=1, width=8).fit(X, np.array([0, 1] * 4))
    Xs, ys = gen.sample(4, seed=0)
    assert Xs.shape == (4, 32, 32, 3) and ys.tolist() == [0, 1, 0, 1]


def test_non_power_of_two_size_is_resized_back():
    X = np.random.default_rng(0).random((6, 28, 28), dtype=np.float32)
    gen = ConditionalVAE(epochs=1, width=8, hidden=16).fit(X, np.array([0, 1, 2] * 2))
    assert gen.size_ == 32 and gen.sample(2, seed=0)[0].shape == (2, 28, 28)


def test_images_larger_than_64_are_refused():
    X = np.zeros((2, 96, 96), np.float32)
    with pytest.raises(ConfigError, match="8x8 to 64x64"):
        ConditionalVAE(epochs=1).fit(X, np.array([0, 1]))


def test_unknown_loss_and_policy_are_config_errors(digits):
    with pytest.raises(ConfigError, match="loss"):
        ConditionalGAN(loss="wasserstein").fit(*digits)
    with pytest.raises(ConfigError, match="diffaugment"):
        ConditionalGAN(diffaugment="color,flip").fit(*digits)


def test_diffaugment_keeps_shape_and_passes_gradients():
    x = torch.rand((4, 3, 16, 16)) * 2 - 1
    x.requires_grad_(True)
    g = torch.Generator().manual_seed(0)
    out = diff_augment(x, parse_policy("color,translation,cutout"), g)
    assert out.shape == x.shape
    out.sum().backward()
    assert x.grad is not None and float(x.grad.abs().sum()) > 0


def test_diffaugment_cutout_blanks_a_quarter_of_each_image():
    x = torch.ones((5, 1, 8, 8))
    out = diff_augment(x, ("cutout",), torch.Generator().manual_seed(1))
    zero = (out == 0).float().mean(dim=(1, 2, 3))
    assert torch.all(zero > 0) and torch.all(zero <= 0.25 + 1e-6)


def test_diffaugment_translation_moves_content_by_at_most_one_eighth():
    x = -torch.ones((3, 1, 16, 16))
    x[:, :, 8, 8] = 1.0
    out = diff_augment(x, ("translation",), torch.Generator().manual_seed(2))
    for img in out[:, 0]:
        r, c = (img == 1).nonzero()[0].tolist()
        assert abs(r - 8) <= 2 and abs(c - 8) <= 2


def test_fit_and_load_leave_torch_global_random_state_untouched(digits, tmp_path):
    from synthaug.synth import load

    before = torch.random.get_rng_state().clone()
    gen = ConditionalGAN(epochs=1, width=8, latent_dim=8).fit(*digits)
    load(gen.save(tmp_path / "g.safetensors"))
    assert torch.equal(torch.random.get_rng_state(), before)


def test_metadata_records_largest_class_count(digits):
    X, y = digits[0][:30], np.array([0] * 20 + [1] * 10)
    meta = ConditionalVAE(epochs=1, width=8, hidden=16).fit(X, y).metadata_
    assert meta["n_train"] == 30 and meta["n_labels_per_class"] == 20
    assert meta["n_labels_by_class"] == {0: 20, 1: 10}


def test_cgan_ema_decay_warms_up_so_a_short_run_samples_recent_weights():
    # Regression (issue 25): with a fixed decay of 0.999 the sampling network of a run stopped
    # after a few hundred steps was still mostly its initial weights (grey noise at 28x28).
    gen = ConditionalGAN(ema=0.999, epochs=1).fit(np.zeros((4, 8, 8), np.float32), np.arange(4) % 2)
    with torch.no_grad():
        for p in gen.generator.parameters():
            p.fill_(1.0)
        for p in gen.generator_ema.parameters():
            p.fill_(0.0)
    gen._update_ema(step=0)  # decay min(0.999, 1 / 10) = 0.1
    w = next(gen.generator_ema.parameters())
    assert torch.allclose(w, torch.full_like(w, 0.9))
    gen._update_ema(step=10**6)  # decay 0.999 once warmed up
    assert torch.allclose(w, torch.full_like(w, 0.9 + 0.1 * 0.001))
    gen.ema_warmup = False  # the decay of models trained before the warm-up
    gen._update_ema(step=0)
    assert torch.allclose(w, torch.full_like(w, 0.9001 + 0.0999 * 0.001))
