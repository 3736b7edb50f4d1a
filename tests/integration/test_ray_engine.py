"""``--engine ray``: the same bytes as the local engine, on a local Ray and a loopback cluster."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_cli_augment import EXAMPLES, MAX_PIXELS, N, _files, make_dataset
from typer.testing import CliRunner

from synthaug.cli import app
from synthaug.engine.ray_loopback import _descendants

runner = CliRunner()
HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(
    not HAS_RAY, reason='Ray is not installed (pip install "synthaug[ray]")'
)


def _augment(src, dst, *extra):
    args = ["augment", str(src), str(dst), "-p", str(EXAMPLES / "detection.yaml"), "-k", "2"]
    return runner.invoke(app, [*args, "--max-pixels", str(MAX_PIXELS), "--seed", "3", *extra])


def _job(src, dst):
    from synthaug.augment import load, to_dict
    from synthaug.engine import AugmentJob

    pipeline = to_dict(load(EXAMPLES / "detection.yaml"))
    return AugmentJob(str(src), str(dst), pipeline, copies=2, seed=3, max_pixels=MAX_PIXELS)


def _errors(dst: Path) -> list[tuple[str, str]]:
    lines = (dst / "errors.jsonl").read_text().splitlines()
    return [(e["key"], e["reason"]) for e in map(json.loads, lines)]


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray with 2 CPUs for the in-process tests (the CLI reuses it)."""
    if not HAS_RAY:
        pytest.skip('Ray is not installed (pip install "synthaug[ray]")')
    from synthaug.engine.ray_engine import ray_session

    tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit
    old = os.environ.get("RAY_TMPDIR")
    os.environ["RAY_TMPDIR"] = tmp
    try:
        with ray_session(num_cpus=2) as ray:
            yield ray
    finally:
        if old is None:
            os.environ.pop("RAY_TMPDIR", None)
        else:
            os.environ["RAY_TMPDIR"] = old
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def coco_reference(tmp_path_factory):
    """The CLI's COCO integration dataset (broken items included) and the local engine's run."""
    root = tmp_path_factory.mktemp("coco")
    src, dst = root / "src", root / "local"
    bad = make_dataset(src, "coco")
    res = _augment(src, dst, "--workers", "2")
    assert res.exit_code == 0, res.output
    return src, dst, bad


@pytest.mark.slow
@needs_ray
def test_ray_engine_writes_the_local_engines_bytes_and_errors(tmp_path, local_ray, coco_reference):
    src, local, bad = coco_reference
    res = _augment(src, tmp_path / "ray", "--engine", "ray")
    assert res.exit_code == 0, res.output
    ours = _files(tmp_path / "ray")
    assert len(ours) == 2 * (N - len(bad)) + 2  # images, the COCO JSON and errors.jsonl
    assert ours == _files(local)
    assert _errors(tmp_path / "ray") == _errors(local)
    assert dict(_errors(local)) == bad
    summary = json.loads((tmp_path / "ray" / ".synthaug" / "summary.json").read_text())
    assert summary["n_read"] == N - len(bad) and summary["n_skipped"] == len(bad)


class _StopAfter:
    """A progress callback that interrupts a job once ``n`` items are done."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __call__(self, info: dict) -> None:
        if info["done"] >= self.n:
            raise KeyboardInterrupt


@pytest.mark.slow
@needs_ray
@pytest.mark.parametrize("first,then", [("local", "ray"), ("ray", "local")])
def test_resume_with_the_other_engine_gives_every_output_once(
    tmp_path, local_ray, coco_reference, first, then
):
    from synthaug.engine import prepare_job, run_local
    from synthaug.engine.ray_engine import run_ray

    src, local, bad = coco_reference
    dst = tmp_path / "dst"
    state = prepare_job(_job(src, dst))
    with pytest.raises(KeyboardInterrupt):
        if first == "local":
            run_local(state, workers=1, callback=_StopAfter(60))
        else:
            run_ray(state, callback=_StopAfter(60))
    lines = (dst / ".synthaug" / "manifest.jsonl").read_text().splitlines()
    assert 60 <= len(lines) < N, "the first engine was not stopped part-way"
    res = _augment(src, dst, "--resume", "--engine", then)
    assert res.exit_code == 0, res.output
    keys = [json.loads(x)["key"] for x in (dst / ".synthaug" / "manifest.jsonl").open()]
    assert len(keys) == len(set(keys)) == N
    assert _files(dst) == _files(local)
    summary = json.loads((dst / ".synthaug" / "summary.json").read_text())
    assert summary["n_resumed"] == len(lines) and summary["n_written"] == 2 * (N - len(bad))


def _cmdline(pid: int) -> str:
    try:
        return Path("/proc", str(pid), "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.slow
@needs_ray
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds workers under /proc")
def test_a_killed_ray_worker_loses_and_duplicates_nothing(tmp_path, local_ray, coco_reference):
    from synthaug.engine import prepare_job
    from synthaug.engine.ray_engine import run_ray

    src, local, _ = coco_reference
    killed: list[int] = []

    def kill_one_worker(info: dict) -> None:
        if killed or info["done"] == 0:
            return
        # Workers of the Ray this test process started, busy with an augmentation batch.
        busy = [p for p in _descendants(os.getpid()) if "MapBatches" in _cmdline(p)]
        if busy:
            os.kill(busy[0], signal.SIGKILL)
            killed.append(busy[0])

    summary = run_ray(prepare_job(_job(src, tmp_path / "dst")), callback=kill_one_worker)
    assert killed, "no busy Ray worker was found to kill"
    keys = [json.loads(x)["key"] for x in (tmp_path / "dst/.synthaug/manifest.jsonl").open()]
    assert len(keys) == len(set(keys)) == N and summary.n_items == N
    assert _files(tmp_path / "dst") == _files(local)


@pytest.mark.slow
@needs_ray
def test_synth_sample_on_ray_draws_the_local_engines_images(tmp_path, local_ray):
    for engine in ("local", "ray"):
        out = tmp_path / f"{engine}.npz"
        args = ["synth", "sample", "digits-cvae", "--n", "1100", "--seed", "5", "-o", str(out)]
        res = runner.invoke(app, [*args, "--engine", engine])
        assert res.exit_code == 0, res.output
    assert (tmp_path / "local.npz").read_bytes() == (tmp_path / "ray.npz").read_bytes()
    args = ["synth", "sample", "digits-cgan", "--labels", "3:4,7:2", "--engine", "ray"]
    res = runner.invoke(app, [*args, "-o", str(tmp_path / "pngs")])
    assert res.exit_code == 0, res.output
    assert sorted(
        p.relative_to(tmp_path / "pngs").as_posix() for p in (tmp_path / "pngs").rglob("*.png")
    ) == [
        *(f"3/{i:06d}.png" for i in range(4)),
        *(f"7/{i:06d}.png" for i in range(4, 6)),
    ]


@pytest.mark.slow
@needs_ray
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="loopback cluster on Linux")
def test_two_node_loopback_cluster_writes_the_same_bytes(tmp_path, coco_reference):
    from synthaug.engine.ray_loopback import LoopbackCluster

    src, local, _ = coco_reference
    dst = tmp_path / "cluster"
    args = ["augment", str(src), str(dst), "-p", str(EXAMPLES / "detection.yaml"), "-k", "2"]
    args += ["--max-pixels", str(MAX_PIXELS), "--seed", "3", "--engine", "ray"]
    cli = [sys.executable, "-c", "from synthaug.cli import main; main()", *args]
    with LoopbackCluster(n_nodes=2, cpus_per_node=1) as cluster:
        assert cluster.n_alive() == 2
        res = subprocess.run(
            [*cli, "--address", cluster.address],
            env=cluster.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        pids = [q for p in cluster.procs for q in [p.pid, *_descendants(p.pid)]]
    assert res.returncode == 0, res.stdout + res.stderr
    assert _files(dst) == _files(local)
    assert _errors(dst) == _errors(local)
    assert not [p for p in pids if Path("/proc", str(p)).exists() and _state(p) != "Z"]


def _state(pid: int) -> str:
    try:
        return Path("/proc", str(pid), "stat").read_text().split(") ")[1][0]
    except (OSError, IndexError):
        return "Z"


def test_engine_ray_without_ray_names_the_extra(tmp_path, monkeypatch):
    for name in ("ray", "ray.data"):
        monkeypatch.setitem(sys.modules, name, None)  # makes `import ray` raise ImportError
    res = _augment(tmp_path / "src", tmp_path / "dst", "--engine", "ray")
    assert res.exit_code == 2 and 'pip install "synthaug[ray]"' in res.output
    assert not (tmp_path / "dst").exists()
    args = ["synth", "sample", "digits-cvae", "--n", "3", "-o", str(tmp_path / "s.npz")]
    res = runner.invoke(app, [*args, "--engine", "ray"])
    assert res.exit_code == 1 and 'pip install "synthaug[ray]"' in res.output
    assert not (tmp_path / "s.npz").exists()


def test_importing_synthaug_and_its_engines_does_not_import_ray():
    code = (
        "import sys, synthaug, synthaug.cli, synthaug.engine, synthaug.engine.ray_engine;"
        "print('ray' in sys.modules)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


def test_address_without_engine_ray_is_refused(tmp_path):
    res = _augment(tmp_path / "src", tmp_path / "dst", "--address", "10.0.0.1:6379")
    assert res.exit_code == 2 and "--engine ray only" in res.output
    args = ["synth", "sample", "digits-cvae", "--n", "3", "-o", str(tmp_path / "s.npz")]
    res = runner.invoke(app, [*args, "--address", "10.0.0.1:6379"])
    assert res.exit_code != 0 and not (tmp_path / "s.npz").exists()


@pytest.mark.slow
@needs_ray
def test_a_worker_that_cannot_see_dst_stops_the_job_saying_so(tmp_path, local_ray):
    from synthaug.engine import prepare_job
    from synthaug.engine.ray_engine import run_ray
    from synthaug.errors import DataError

    src = tmp_path / "src"
    make_dataset(src, "yolo")
    state = prepare_job(_job(src, tmp_path / "dst"))
    (tmp_path / "dst" / ".synthaug" / "job.json").unlink()  # as a node without the shared mount
    with pytest.raises(DataError, match="not visible here; on a cluster both must be on"):
        run_ray(state)
    assert not (tmp_path / "dst" / ".synthaug" / "manifest.jsonl").exists()
