"""Budgets, checkpoints and resume of the learned generators (synthaug.synth.training)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from synthaug.errors import ConfigError
from synthaug.synth import ConditionalGAN, ConditionalVAE
from synthaug.synth.cgan import auto_width
from synthaug.synth.training import TrainingInterrupted, read_checkpoint

FAST = {
    "ConditionalVAE": {"width": 4, "hidden": 8, "latent_dim": 4, "batch_size": 8},
    "ConditionalGAN": {"width": 4, "latent_dim": 4, "batch_size": 8},
}


@pytest.fixture(autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _digits28(n: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Tiny 28 x 28 set: a bright bar whose position encodes the class (3 classes)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.random((n, 28, 28), dtype=np.float32) * 0.1
    for i, c in enumerate(y):
        X[i, 4 + 8 * c : 10 + 8 * c, 6:22] = 0.9
    return X, y


def _make(cls, **params):
    return cls(**{**FAST[cls.__name__], **params})


class _StopAfter:
    """A ``stop`` callable that asks to stop once it has been polled ``n`` + 1 times."""

    def __init__(self, n: int) -> None:
        self.n, self.calls = n, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.calls > self.n


@pytest.mark.parametrize("cls", [ConditionalVAE, ConditionalGAN])
def test_max_steps_caps_training_and_is_recorded(cls):
    X, y = _digits28()
    gen = _make(cls, epochs=50, max_steps=4).fit(X, y)
    assert gen.metadata_["n_steps"] == 4
    assert gen.metadata_["stopped_by"] == "max_steps"
    assert gen.sample(3, seed=0)[0].shape == (3, 28, 28)


def test_epochs_bound_when_smaller_than_max_steps():
    X, y = _digits28()
    gen = _make(ConditionalVAE, epochs=2, max_steps=1000).fit(X, y)
    assert gen.metadata_["n_steps"] == 2 * 3  # 24 images, batches of 8
    assert gen.metadata_["stopped_by"] == "epochs"


def test_max_minutes_stops_a_long_run_early():
    X, y = _digits28()
    gen = _make(ConditionalGAN, epochs=100_000, max_minutes=0.01).fit(X, y)  # 0.6 s
    assert gen.metadata_["stopped_by"] == "max_minutes"
    assert 1 <= gen.metadata_["n_steps"] < gen.metadata_["n_steps_planned"]
    assert 0.6 <= gen.metadata_["train_seconds"] < 60  # one step past the budget at most
    assert np.isfinite(gen.sample(2, seed=0)[0]).all()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_max_steps_refuses_non_positive_integers(bad):
    X, y = _digits28()
    with pytest.raises(ConfigError, match="max_steps"):
        _make(ConditionalVAE, max_steps=bad).fit(X, y)


@pytest.mark.parametrize("bad", [0, -2.0, "5"])
def test_max_minutes_refuses_non_positive_numbers(bad):
    X, y = _digits28()
    with pytest.raises(ConfigError, match="max_minutes"):
        _make(ConditionalGAN, max_minutes=bad).fit(X, y)


@pytest.mark.parametrize("cls", [ConditionalVAE, ConditionalGAN])
def test_interrupted_then_resumed_run_equals_uninterrupted_run(cls, tmp_path):
    X, y = _digits28()
    whole = _make(cls, epochs=3, max_steps=7).fit(X, y)
    ckpt = tmp_path / "ckpt"
    with pytest.raises(TrainingInterrupted) as info:
        _make(cls, epochs=3, max_steps=7).fit(X, y, checkpoint_dir=ckpt, stop=_StopAfter(4))
    assert info.value.step == 4  # mid-epoch: 3 steps per epoch
    assert read_checkpoint(ckpt)[1]["step"] == 4
    resumed = _make(cls, epochs=3, max_steps=7).fit(X, y, checkpoint_dir=ckpt, resume=True)
    assert resumed.metadata_["n_steps"] == 7
    a, b = whole.sample(6, seed=3)[0], resumed.sample(6, seed=3)[0]
    assert a.shape == (6, 28, 28) and np.array_equal(a, b)
    assert resumed.loss_history_ == pytest.approx(whole.loss_history_)


def test_resumed_run_after_a_kill_uses_the_periodic_checkpoint(tmp_path):
    """A process killed without warning leaves the last periodic checkpoint; resume samples."""
    X, y = _digits28()
    ckpt = tmp_path / "ckpt"
    calls = []

    def killed(info):  # the callback raising stands in for SIGKILL after epoch 2
        calls.append(info["step"])
        if info["epoch"] == 2:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        _make(ConditionalGAN, epochs=5).fit(
            X, y, callback=killed, checkpoint_dir=ckpt, checkpoint_every_minutes=1e-9
        )
    assert read_checkpoint(ckpt)[1]["step"] == 6
    gen = _make(ConditionalGAN, epochs=5).fit(X, y, checkpoint_dir=ckpt, resume=True)
    assert gen.metadata_["n_steps"] == 15
    Xs, ys = gen.sample(4, seed=0)
    assert Xs.shape == (4, 28, 28) and np.isfinite(Xs).all() and ys.tolist() == [0, 1, 2, 0]


def test_checkpoint_files_are_safetensors_and_json_never_pickles(tmp_path):
    X, y = _digits28()
    ckpt = tmp_path / "ckpt"
    _make(ConditionalGAN, epochs=1).fit(X, y, checkpoint_dir=ckpt)
    assert sorted(p.name for p in ckpt.iterdir()) == ["checkpoint.json", "checkpoint.safetensors"]
    raw = (ckpt / "checkpoint.safetensors").read_bytes()
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + header_len])  # safetensors: u64 length + JSON header
    assert raw[:1] != b"\x80" and raw[:2] != b"PK"  # not a pickle, not a torch.save zip
    assert b"\x80\x04\x95" not in raw and b"\x80\x02" not in raw[: 8 + header_len]
    tensors, config = read_checkpoint(ckpt)
    assert set(header) - {"__metadata__"} == set(tensors)
    # both networks, both optimisers' moments and the random state are in the checkpoint
    names = set(tensors)
    assert any(k.startswith("module.discriminator.") for k in names)
    assert any(k.startswith("optim.d.") and k.endswith("exp_avg_sq") for k in names)
    assert "rng.torch" in names
    assert json.loads((ckpt / "checkpoint.json").read_text()) == config


def test_checkpoint_write_leaves_no_temporary_files(tmp_path):
    X, y = _digits28()
    ckpt = tmp_path / "ckpt"
    _make(ConditionalVAE, epochs=3).fit(X, y, checkpoint_dir=ckpt, checkpoint_every_minutes=1e-9)
    assert sorted(p.name for p in ckpt.iterdir()) == ["checkpoint.json", "checkpoint.safetensors"]


def test_resume_refuses_a_checkpoint_with_other_parameters(tmp_path):
    X, y = _digits28()
    ckpt = tmp_path / "ckpt"
    _make(ConditionalVAE, epochs=1).fit(X, y, checkpoint_dir=ckpt)
    with pytest.raises(ConfigError, match=r"params\.lr = 0\.002 in the checkpoint but 0\.01"):
        _make(ConditionalVAE, epochs=1, lr=0.01).fit(X, y, checkpoint_dir=ckpt, resume=True)


def test_resume_refuses_a_checkpoint_of_other_data(tmp_path):
    X, y = _digits28()
    ckpt = tmp_path / "ckpt"
    _make(ConditionalVAE, epochs=1).fit(X, y, checkpoint_dir=ckpt)
    with pytest.raises(ConfigError, match="other data"):
        _make(ConditionalVAE, epochs=1).fit(X[::-1].copy(), y, checkpoint_dir=ckpt, resume=True)


def test_resume_without_a_checkpoint_starts_afresh(tmp_path):
    X, y = _digits28()
    a = _make(ConditionalVAE, epochs=1).fit(X, y)
    b = _make(ConditionalVAE, epochs=1).fit(X, y, checkpoint_dir=tmp_path / "new", resume=True)
    assert np.array_equal(a.sample(3, seed=0)[0], b.sample(3, seed=0)[0])


def test_resume_needs_a_checkpoint_dir():
    X, y = _digits28()
    with pytest.raises(ConfigError, match="checkpoint_dir"):
        _make(ConditionalVAE, epochs=1).fit(X, y, resume=True)


def test_callback_reports_steps_budget_and_a_final_done():
    X, y = _digits28()
    seen = []
    _make(ConditionalGAN, epochs=2).fit(X, y, callback=seen.append)
    assert [d["step"] for d in seen] == [3, 6]
    assert [d["epoch"] for d in seen] == [1, 2]
    assert "done" not in seen[0] and seen[-1]["done"] is True and seen[-1]["stopped_by"] == "epochs"
    assert all(d["n_steps"] == 6 and np.isfinite(d["loss"]) and "loss_g" in d for d in seen)


def test_gan_width_follows_the_image_size_by_default():
    assert [auto_width(s) for s in (8, 16, 32, 64)] == [64, 32, 16, 16]
    X, y = _digits28()
    gen = ConditionalGAN(epochs=1, latent_dim=4, batch_size=8).fit(X, y)
    assert gen.width is None and gen.width_ == 16  # 28 x 28 runs on a 32 x 32 grid
    assert gen.generator.net[-2].in_channels == 16


def test_shipped_gan_keeps_its_width_64():
    from synthaug.synth import load

    gen = load("digits-cgan")
    assert gen.width == 64 and gen.width_ == 64
    assert gen.sample(2, seed=0)[0].shape == (2, 8, 8)
