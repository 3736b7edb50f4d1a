"""A Ray cluster of several nodes on this machine (127.0.0.1), for tests, benchmarks and trying
``--address`` before a real cluster.

Each node is a ``ray start --block`` process in its own session; on exit every process it
spawned is killed by id (never ``ray stop``, which would end every Ray on the machine). The
cluster uses token authentication (a worker node joins a head on 127.0.0.1 only with it, as
of Ray 2.60) with a token made by ``ray get-auth-token --generate`` under a private ``HOME``,
so the user's ``~/.ray`` is never touched. Linux only (processes are found under ``/proc``).

Examples
--------
>>> with LoopbackCluster(n_nodes=2, cpus_per_node=1) as cluster:  # doctest: +SKIP
...     subprocess.run(["synthaug", "augment", ..., "--engine", "ray",
...                     "--address", cluster.address], env=cluster.env)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from synthaug.errors import DataError

__all__ = ["LoopbackCluster"]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path("/proc", entry, "status").read_text()
            except OSError:
                continue
            ppid = next(x for x in status.splitlines() if x.startswith("PPid:")).split()[1]
            children.setdefault(int(ppid), []).append(int(entry))
    out, stack = [], list(children.get(pid, []))
    while stack:
        p = stack.pop()
        out.append(p)
        stack.extend(children.get(p, []))
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LoopbackCluster:
    """``n_nodes`` Ray nodes with ``cpus_per_node`` CPUs each, on 127.0.0.1.

    Parameters
    ----------
    n_nodes : int
        A head and ``n_nodes - 1`` worker nodes.
    cpus_per_node : int
        ``--num-cpus`` of every node.
    ray_bin : str, optional
        The ``ray`` command (default: beside the running Python).

    Attributes
    ----------
    address : str
        ``127.0.0.1:PORT``, for ``ray.init(address=...)`` or ``--address``.
    env : dict
        The environment a driver needs (token authentication, usage stats off).
    """

    def __init__(self, n_nodes: int = 2, cpus_per_node: int = 1, ray_bin: str | None = None):
        self.n_nodes = n_nodes
        self.cpus_per_node = cpus_per_node
        self.ray_bin = ray_bin or str(Path(sys.executable).with_name("ray"))

    def __enter__(self) -> LoopbackCluster:
        self.workdir = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short socket paths
        self.procs: list[subprocess.Popen[Any]] = []
        env = {**os.environ, "HOME": str(self.workdir), "RAY_USAGE_STATS_ENABLED": "0"}
        env["RAY_AUTH_MODE"] = "token"
        try:
            subprocess.run(
                [self.ray_bin, "get-auth-token", "--generate"],
                env=env,
                capture_output=True,
                check=True,
            )
            env["RAY_AUTH_TOKEN"] = (self.workdir / ".ray" / "auth_token").read_text().strip()
            self.env = env
            self.address = f"127.0.0.1:{_free_port()}"
            common = [
                *("--num-cpus", str(self.cpus_per_node), "--node-ip-address", "127.0.0.1"),
                "--block",
            ]
            head = [self.ray_bin, "start", "--head", "--port", self.address.split(":")[1]]
            head += ["--include-dashboard=false", "--disable-usage-stats"]
            head += ["--temp-dir", str(self.workdir / "t"), *common]
            worker = [self.ray_bin, "start", "--address", self.address, *common]
            for i in range(self.n_nodes):
                self._start(head if i == 0 else worker, self.workdir / f"node-{i}.log")
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self, cmd: list[str], log: Path, timeout_s: float = 90.0) -> None:
        with open(log, "w") as fh:
            proc = subprocess.Popen(cmd, env=self.env, stdout=fh, stderr=fh, start_new_session=True)
        self.procs.append(proc)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and proc.poll() is None:
            if "Ray runtime started" in log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise DataError(f"ray start did not start a node: {log.read_text()[-2000:]}")

    def n_alive(self) -> int:
        """Alive nodes as the cluster sees them (asked by a short-lived driver)."""
        code = (
            f"import ray; ray.init(address={self.address!r}, log_to_driver=False, "
            "logging_level='ERROR'); print(sum(n['Alive'] for n in ray.nodes()))"
        )
        res = subprocess.run(
            [sys.executable, "-c", code], env=self.env, capture_output=True, text=True, timeout=120
        )
        lines = res.stdout.strip().splitlines()
        return int(lines[-1]) if res.returncode == 0 and lines else 0

    def __exit__(self, *exc: object) -> None:
        pids = [q for p in self.procs for q in [p.pid, *_descendants(p.pid)]]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            proc.wait(timeout=30)
        shutil.rmtree(self.workdir, ignore_errors=True)
