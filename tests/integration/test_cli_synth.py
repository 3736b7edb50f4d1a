"""``synthaug synth train`` and ``synthaug synth sample`` end to end on tiny data."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.data.npz import load_arrays
from synthaug.synth import load

runner = CliRunner()


def _tiny_npz(path):
    rng = np.random.default_rng(0)
    np.savez(path, X=rng.random((30, 8, 8), dtype=np.float32), y=np.arange(30) % 3)
    return path


def test_train_then_sample_to_npz(tmp_path):
    model = tmp_path / "m.safetensors"
    res = runner.invoke(
        app,
        [
            "synth",
            "train",
            "--model",
            "cvae",
            "--data",
            str(_tiny_npz(tmp_path / "d.npz")),
            "--out",
            str(model),
            "--epochs",
            "2",
            "--threads",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert model.is_file() and model.with_suffix(".json").is_file()
    assert load(model).metadata_["n_train"] == 30
    res = runner.invoke(
        app, ["synth", "sample", str(model), "--n", "9", "--out", str(tmp_path / "s.npz")]
    )
    assert res.exit_code == 0, res.output
    X, y = load_arrays(tmp_path / "s.npz")
    assert X.shape == (9, 8, 8) and sorted(np.bincount(y).tolist()) == [3, 3, 3]


def test_sample_shipped_model_to_class_folders(tmp_path):
    out = tmp_path / "pngs"
    res = runner.invoke(
        app, ["synth", "sample", "digits-cvae", "--labels", "3:2,7:1", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["3", "7"]
    assert len(list((out / "3").glob("*.png"))) == 2 and not list(out.rglob(".*.png"))
    X, y = load_arrays(out)
    assert X.shape == (3, 8, 8) and y.tolist() == [3, 3, 7]


def test_sample_refuses_a_pickle_model(tmp_path):
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(b"\x80\x04K\x01.")
    res = runner.invoke(app, ["synth", "sample", str(bad), "--out", str(tmp_path / "x.npz")])
    assert res.exit_code == 1 and "pickle" in res.output


def test_train_rejects_unknown_model(tmp_path):
    res = runner.invoke(
        app, ["synth", "train", "--model", "vqvae", "--out", str(tmp_path / "m.safetensors")]
    )
    assert res.exit_code != 0 and "vqvae" in res.output


def _train_args(data, model, *extra):
    return ["synth", "train", "--model", "cvae", "--data", str(data), "--out", str(model)] + [
        *extra,
        "--threads",
        "1",
    ]


def test_train_interrupted_by_sigint_then_resumed(tmp_path, monkeypatch):
    """Ctrl-C saves a checkpoint and exits 130; the same command with --resume finishes."""
    import os
    import signal

    from synthaug.synth import ConditionalVAE
    from synthaug.synth.training import read_checkpoint

    data, model = _tiny_npz(tmp_path / "d.npz"), tmp_path / "m.safetensors"
    original_fit = ConditionalVAE.fit

    def fit_then_ctrl_c(self, X, y, callback=None, **kw):
        def on_epoch(info):
            callback(info)
            if info["epoch"] == 2:
                os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does

        return original_fit(self, X, y, on_epoch, **kw)

    monkeypatch.setattr(ConditionalVAE, "fit", fit_then_ctrl_c)
    res = runner.invoke(app, _train_args(data, model, "--epochs", "6"))
    assert res.exit_code == 130, res.output
    assert "--resume" in res.output and not model.exists()
    ckpt = tmp_path / "m.checkpoint"
    assert read_checkpoint(ckpt)[1]["step"] == 2  # 30 images, batch 64: one step per epoch
    monkeypatch.setattr(ConditionalVAE, "fit", original_fit)
    res = runner.invoke(app, _train_args(data, model, "--epochs", "6", "--resume"))
    assert res.exit_code == 0, res.output
    assert "resuming" in res.output
    meta = load(model).metadata_
    assert meta["n_steps"] == 6 and meta["stopped_by"] == "epochs"


def test_train_max_minutes_and_max_steps_reach_the_model_metadata(tmp_path):
    data, model = _tiny_npz(tmp_path / "d.npz"), tmp_path / "m.safetensors"
    res = runner.invoke(
        app, _train_args(data, model, "--epochs", "50", "--max-steps", "3", "--max-minutes", "5")
    )
    assert res.exit_code == 0, res.output
    gen = load(model)
    assert gen.max_steps == 3 and gen.max_minutes == 5.0
    assert gen.metadata_["n_steps"] == 3 and gen.metadata_["stopped_by"] == "max_steps"
    assert (tmp_path / "m.checkpoint" / "checkpoint.safetensors").is_file()


def test_train_refuses_a_negative_time_budget_by_name(tmp_path):
    data, model = _tiny_npz(tmp_path / "d.npz"), tmp_path / "m.safetensors"
    res = runner.invoke(app, _train_args(data, model, "--max-minutes", "-1"))
    assert res.exit_code == 2
    assert "max_minutes" in res.output and "-1" in res.output and not model.exists()
