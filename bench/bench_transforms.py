"""Time synthaug against Albumentations and Kornia on one CPU thread, in one run.

Run through ``make bench`` (``bash bench/run.sh``), which provides the peers in ``.bench-venv``.
The images are the real photos bundled with scikit-image and scikit-learn
(:func:`synthaug.data.builtin.sample_photos`), resized to 256x256 and at native size.

How each library is called (its ordinary per-image path):

* synthaug: ``Compose([t], seed=0)(image)`` -- the full pipeline call, with validation,
  parameter drawing and recording of ``applied``;
* Albumentations: ``A.Compose([t])(image=image)["image"]`` -- its pipeline call, like for
  like (the bare ``t(image=image)`` is about 2 us lighter per call on this machine);
* Kornia: the module on a ``1 x C x H x W`` float32 tensor prepared beforehand (conversion
  not timed), under ``torch.inference_mode()``.

Every measurement is images per second: warm-up, then ``--repeats`` timed rounds (each long
enough to last ``--min-time`` seconds); the libraries take turns within each round so that
load from other processes hits them alike; the figure is the median over rounds. Rounds are
timed by the wall clock; ``--clock cpu`` times them by the CPU time of the calling thread
instead (every timed call runs in that thread), which leaves out the time a loaded machine
keeps the process waiting: use it for ratios on a shared machine, not for published rates.

Writes ``bench/results/transforms.json`` and the tables of ``docs/benchmarks.md`` (between
the ``bench:begin``/``bench:end`` markers, and the missed targets between the
``bench-misses`` markers; the text around them is kept). ``python bench/report.py`` rewrites
both blocks from the stored results file without timing anything.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

cv2.setNumThreads(0)
sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402
import specs  # noqa: E402

from synthaug import augment as S  # noqa: E402
from synthaug.data.builtin import sample_photos  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def load_peers():
    """Albumentations and Kornia's augmentation module, or None where not installed."""
    peers: dict[str, object] = {}
    try:
        import albumentations

        peers["albumentations"] = albumentations
    except ImportError:
        pass
    try:
        import kornia.augmentation
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        peers["kornia"] = kornia.augmentation
    except (ImportError, RuntimeError):
        pass
    return peers


def image_sets(names: list[str]) -> dict[str, list[np.ndarray]]:
    """The bundled photos resized to 256x256 and at native size."""
    photos = [im for _, im in sample_photos()]
    out = {}
    if "256" in names:
        out["256"] = [cv2.resize(im, (256, 256), interpolation=cv2.INTER_AREA) for im in photos]
    if "native" in names:
        out["native"] = photos
    return out


def to_tensor(im):
    import torch

    return torch.from_numpy(im).permute(2, 0, 1)[None].float().div(255.0).contiguous()


# ----------------------------------------------------------------------------- timing
CLOCKS = {"wall": time.perf_counter, "cpu": time.thread_time}


class Timer:
    """Times named zero-argument callables per image, interleaving the candidates.

    ``clock`` is ``"wall"`` (``time.perf_counter``) or ``"cpu"`` (``time.thread_time``: the
    CPU time of this thread, which the waits of a loaded machine do not inflate).
    """

    def __init__(self, repeats: int, min_time: float, clock: str = "wall") -> None:
        self.repeats = repeats
        self.min_time = min_time
        self.clock = CLOCKS[clock]

    def _loops(self, calls) -> int:
        for f in calls:  # warm-up (also JIT/caches of the peers)
            f()
        t0 = self.clock()
        for f in calls:
            f()
        one = max(self.clock() - t0, 1e-6)
        return max(1, math.ceil(self.min_time / one))

    def run(self, candidates: dict[str, list]) -> dict[str, dict]:
        """``candidates``: name -> list of per-image callables. Returns images/s stats."""
        loops = {k: self._loops(v) for k, v in candidates.items()}
        rates: dict[str, list[float]] = {k: [] for k in candidates}
        for _ in range(self.repeats):
            for name, calls in candidates.items():
                n = loops[name]
                t0 = self.clock()
                for _ in range(n):
                    for f in calls:
                        f()
                dt = max(self.clock() - t0, 1e-9)
                rates[name].append(n * len(calls) / dt)
        return {
            k: {
                "images_per_s": statistics.median(v),
                "min": min(v),
                "max": max(v),
                "rounds": len(v),
            }
            for k, v in rates.items()
        }


def _ours_calls(pipe, images):
    return [lambda im=im: pipe(im) for im in images]


def _alb_calls(t, images):
    return [lambda im=im: t(image=im)["image"] for im in images]


def _kornia_calls(module, images):
    import torch

    tensors = [to_tensor(im) for im in images]

    def call(x):
        with torch.inference_mode():
            return module(x)

    return [lambda x=x: call(x) for x in tensors]


def bench_transform(spec, images, peers, timer) -> dict:
    hw = images[0].shape[:2]
    cands: dict[str, list] = {}
    cands["synthaug"] = _ours_calls(S.Compose([spec.ours(S, hw)], seed=0), images)
    if "albumentations" in peers and spec.alb is not None:
        alb = peers["albumentations"]
        cands["albumentations"] = _alb_calls(alb.Compose([spec.alb(alb, hw)]), images)
    if "kornia" in peers and spec.kornia is not None:
        try:
            cands["kornia"] = _kornia_calls(spec.kornia(peers["kornia"], hw), images)
        except (TypeError, ValueError, AttributeError) as exc:  # API drift in the peer
            print(f"  kornia {spec.name}: skipped ({exc})", file=sys.stderr)
    if spec.raw is not None:
        cands["raw"] = [spec.raw(im) for im in images]
    cands["numpy_copy"] = [im.copy for im in images]
    return timer.run(cands)


def bench_pipelines(images, peers, timer) -> dict:
    out = {}
    for name, ours, alb, kor in (
        ("5-op pipeline", specs.pipeline_5op, specs.pipeline_5op_alb, specs.pipeline_5op_kornia),
        ("3-op geometric chain", specs.chain_3op, specs.chain_3op_alb, specs.chain_3op_kornia),
    ):
        cands = {
            "synthaug": _ours_calls(ours(S, True), images),
            "synthaug_unfused": _ours_calls(ours(S, False), images),
        }
        if "albumentations" in peers:
            cands["albumentations"] = _alb_calls(alb(peers["albumentations"]), images)
        if "kornia" in peers:
            cands["kornia"] = _kornia_calls(kor(peers["kornia"]), images)
        out[name] = timer.run(cands)
    return out


def sharpness(images) -> dict:
    """Variance of the Laplacian of the fused vs unfused 3-op chain (same params), central crop."""

    def lap_var(x):
        h, w = x.shape[:2]
        inner = x[h // 5 : h - h // 5, w // 5 : w - w // 5]
        gray = cv2.cvtColor(inner, cv2.COLOR_RGB2GRAY)
        return float(cv2.Laplacian(gray, cv2.CV_64F).var())

    fused, unfused, source = [], [], []
    for i, im in enumerate(images):
        f = specs.chain_3op(S, True)(im, seed=(0, i))
        u = specs.chain_3op(S, False)(im, seed=(0, i))
        assert [a.params for a in f.applied] == [a.params for a in u.applied]
        fused.append(lap_var(f.image))
        unfused.append(lap_var(u.image))
        source.append(lap_var(im))
    return {
        "laplacian_var_fused": float(np.mean(fused)),
        "laplacian_var_unfused": float(np.mean(unfused)),
        "laplacian_var_input": float(np.mean(source)),
        "fused_over_unfused": float(np.mean(np.array(fused) / np.array(unfused))),
    }


# ----------------------------------------------------------------------------- machine
def machine_info(peers) -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        load = []
    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "synthaug": __import__("synthaug").__version__,
    }
    if "albumentations" in peers:
        versions["albumentations"] = peers["albumentations"].__version__
    if "kornia" in peers:
        import kornia
        import torch

        versions["kornia"] = kornia.__version__
        versions["torch"] = torch.__version__
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "load_average_at_start": load,
        "platform": platform.platform(),
        "versions": versions,
        "threads": "OMP/MKL=1, cv2.setNumThreads(0), torch.set_num_threads(1)",
    }


def measure(sets, all_specs, peers, timer, pipelines: bool) -> dict:
    """One full run: every transform (and the pipelines) on every image set."""
    out = {}
    for set_name, images in sets.items():
        shapes = sorted({im.shape for im in images})
        entry = {"n_images": len(images), "shapes": [list(s) for s in shapes], "transforms": {}}
        for sp in all_specs:
            stats = bench_transform(sp, images, peers, timer)
            entry["transforms"][sp.name] = {"target": sp.target, "note": sp.note, "stats": stats}
            print(report.one_line(set_name, sp.name, stats), flush=True)
        if pipelines:
            entry["pipelines"] = bench_pipelines(images, peers, timer)
            for name, stats in entry["pipelines"].items():
                print(report.one_line(set_name, name, stats), flush=True)
            entry["sharpness"] = sharpness(images)
        out[set_name] = entry
    return out


def _median_stats(per_run: list[dict]) -> dict:
    """Per candidate: the median over runs of each run's median images/s."""
    merged = {}
    for key in per_run[0]:
        rates = [run[key]["images_per_s"] for run in per_run if key in run]
        merged[key] = {
            "images_per_s": statistics.median(rates),
            "min": min(run[key]["min"] for run in per_run if key in run),
            "max": max(run[key]["max"] for run in per_run if key in run),
            "rounds": sum(run[key]["rounds"] for run in per_run if key in run),
            "per_run": rates,
        }
    return merged


def merge_runs(runs: list[dict]) -> dict:
    """The median of several full runs, entry by entry (``runs``: outputs of :func:`measure`)."""
    if len(runs) == 1:
        return runs[0]
    out = {}
    for set_name, first in runs[0].items():
        entry = {k: v for k, v in first.items() if k not in ("transforms", "pipelines")}
        entry["transforms"] = {
            name: {
                **t,
                "stats": _median_stats([r[set_name]["transforms"][name]["stats"] for r in runs]),
            }
            for name, t in first["transforms"].items()
        }
        if "pipelines" in first:
            entry["pipelines"] = {
                name: _median_stats([r[set_name]["pipelines"][name] for r in runs])
                for name in first["pipelines"]
            }
        out[set_name] = entry
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="timed rounds (median taken)")
    ap.add_argument("--min-time", type=float, default=0.08, help="seconds per round per library")
    ap.add_argument("--runs", type=int, default=1, help="full runs (median of their medians)")
    ap.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="wall: elapsed time; cpu: this thread's CPU time (ratios on a loaded machine)",
    )
    ap.add_argument("--sets", default="256,native", help="comma list of 256, native")
    ap.add_argument("--only", default="", help="comma list of transform names to run")
    ap.add_argument("--no-pipelines", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench/results/transforms.json"))
    ap.add_argument("--docs", default=str(ROOT / "docs/benchmarks.md"), help="'' to skip")
    args = ap.parse_args(argv)

    warnings.filterwarnings("ignore")
    peers = load_peers()
    sets = image_sets(args.sets.split(","))
    timer = Timer(args.repeats, args.min_time, args.clock)
    only = {n for n in args.only.split(",") if n}
    all_specs = [
        sp
        for sp in specs.build_specs(S, None)
        if sp.name in S.REGISTRY and (not only or sp.name in only)
    ]
    result = {
        "machine": machine_info(peers),
        "settings": {
            "repeats": args.repeats,
            "min_time_s": args.min_time,
            "runs": args.runs,
            "clock": args.clock,
        },
        "sets": {},
    }
    t_start = time.time()
    runs, loads = [], []
    for i in range(args.runs):
        start_load = Path("/proc/loadavg").read_text().split()[:3]
        print(f"run {i + 1}/{args.runs} (load average {' '.join(start_load)})", flush=True)
        runs.append(measure(sets, all_specs, peers, timer, not args.no_pipelines and not only))
        loads.append({"start": start_load, "end": Path("/proc/loadavg").read_text().split()[:3]})
    result["sets"] = merge_runs(runs)
    result["machine"]["load_average_per_run"] = loads
    result["machine"]["load_average_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    result["wall_time_s"] = round(time.time() - t_start, 1)

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    tables = report.markdown(result)
    print()
    print(tables)
    if args.docs and not only:
        report.write_docs(Path(args.docs), tables, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
