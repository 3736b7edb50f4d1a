"""``--engine ray``: the same bytes as the local engine, on a local Ray and a loopback cluster."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from test_cli_augment import EXAMPLES, MAX_PIXELS, N, _files, make_dataset
from typer.testing import CliRunner

from synthaug.cli import app

runner = CliRunner()
HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(
    not HAS_RAY, reason='Ray is not installed (pip install "synthaug[ray]")'
)
RAY_BIN = Path(sys.executable).with_name("ray")


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


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path("/proc", entry, "status").read_text()
            except OSError:
                continue
            ppid = int(next(x for x in status.splitlines() if x.startswith("PPid:")).split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, stack = [], list(children.get(pid, []))
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(procs: list[subprocess.Popen]) -> None:
    """Kill, by id, the ``ray start --block`` processes this test started and all they spawned."""
    pids = [q for p in procs for q in [p.pid, *_descendants(p.pid)]]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for proc in procs:
        proc.wait(timeout=30)


def _wait_for_line(log: Path, text: str, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and text in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise AssertionError(f"ray start did not report {text!r}: {log.read_text()[-2000:]}")


def _wait_for_nodes(address: str, env: dict, n: int, timeout_s: float = 60.0) -> None:
    code = (
        f"import ray; ray.init(address={address!r}, log_to_driver=False, logging_level='ERROR');"
        "print(sum(x['Alive'] for x in ray.nodes()))"
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        res = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        if res.returncode == 0 and res.stdout.strip().splitlines()[-1:] == [str(n)]:
            return
        time.sleep(1.0)
    raise AssertionError(f"the loopback cluster did not reach {n} nodes: {res.stderr[-2000:]}")


@pytest.mark.slow
@needs_ray
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="loopback cluster on Linux")
def test_two_node_loopback_cluster_writes_the_same_bytes(tmp_path, coco_reference):
    src, local, bad = coco_reference
    home = Path(tempfile.mkdtemp(prefix="rayhome", dir="/tmp"))  # keeps the token out of ~
    env = {**os.environ, "HOME": str(home), "RAY_USAGE_STATS_ENABLED": "0"}
    env["RAY_AUTH_MODE"] = "token"
    token = subprocess.run(
        [str(RAY_BIN), "get-auth-token", "--generate"], env=env, capture_output=True, text=True
    )
    assert token.returncode == 0, token.stderr
    env["RAY_AUTH_TOKEN"] = (home / ".ray" / "auth_token").read_text().strip()
    port = _free_port()
    address = f"127.0.0.1:{port}"
    common = ["--num-cpus", "1", "--node-ip-address", "127.0.0.1", "--block"]
    head = [str(RAY_BIN), "start", "--head", "--port", str(port), "--include-dashboard=false"]
    head += ["--temp-dir", str(home / "t"), "--disable-usage-stats", *common]
    procs: list[subprocess.Popen] = []
    try:
        for i, cmd in enumerate([head, [str(RAY_BIN), "start", "--address", address, *common]]):
            log = tmp_path / f"ray-start-{i}.log"
            with open(log, "w") as fh:
                proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=fh, start_new_session=True)
            procs.append(proc)
            _wait_for_line(log, "Ray runtime started", proc)
        _wait_for_nodes(address, env, 2)
        dst = tmp_path / "cluster"
        args = ["augment", str(src), str(dst), "-p", str(EXAMPLES / "detection.yaml"), "-k", "2"]
        args += ["--max-pixels", str(MAX_PIXELS), "--seed", "3", "--engine", "ray"]
        cli = [sys.executable, "-c", "from synthaug.cli import main; main()", *args]
        res = subprocess.run(
            [*cli, "--address", address], env=env, capture_output=True, text=True, timeout=180
        )
        assert res.returncode == 0, res.stdout + res.stderr
        assert _files(dst) == _files(local)
        assert _errors(dst) == _errors(local)
    finally:
        _stop(procs)
        shutil.rmtree(home, ignore_errors=True)


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
