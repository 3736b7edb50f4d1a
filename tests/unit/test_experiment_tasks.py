"""The experiment's task graph: dependencies, priorities, progress and errors."""

from __future__ import annotations

import pytest

from synthaug.experiment.tasks import Task, report_progress, run_tasks


def _square(x: int) -> int:
    return x * x


def _shout(phase: str, n: int) -> int:
    for i in range(n):
        report_progress(phase, {"event": "step", "done": i + 1, "total": n})
    return n


def _fail(x: int) -> int:
    raise ValueError(f"task failed on {x}")


def test_tasks_run_after_their_dependencies_and_by_priority_in_process():
    order = []
    tasks = [
        Task("late", "b", _square, (2,), deps=("first",), priority=100.0),
        Task("first", "a", _square, (3,), priority=1.0),
        Task("big", "a", _square, (4,), priority=50.0),
    ]
    timing = run_tasks(tasks, workers=1, on_done=lambda t, r: order.append((t.key, r)))
    # "big" outranks "first"; "late" waits for "first" although its priority is highest
    assert order == [("big", 16), ("first", 9), ("late", 4)]
    assert timing["a"].n_tasks == 2 and timing["b"].n_tasks == 1
    assert timing["a"].cpu_s >= 0 and timing["b"].last_end_s >= timing["b"].first_start_s


def test_results_are_the_same_with_two_worker_processes():
    tasks = [Task(("sq", i), "x", _square, (i,), priority=float(i % 3)) for i in range(6)]
    tasks.append(Task("after", "y", _square, (7,), deps=tuple(t.key for t in tasks)))
    one, two = {}, {}
    run_tasks(tasks, 1, lambda t, r: one.__setitem__(t.key, r))
    run_tasks(tasks, 2, lambda t, r: two.__setitem__(t.key, r))
    assert one == two == {**{("sq", i): i * i for i in range(6)}, "after": 49}


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_sent_from_inside_a_task_reaches_the_caller(workers):
    seen = []
    run_tasks(
        [Task("talk", "audit", _shout, ("audit", 3))],
        workers,
        on_progress=lambda phase, e: seen.append((phase, e["done"])),
    )
    assert seen == [("audit", 1), ("audit", 2), ("audit", 3)]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_raises_its_error_in_the_caller(workers):
    with pytest.raises(ValueError, match="task failed on 5"):
        run_tasks([Task("bad", "x", _fail, (5,)), Task("ok", "x", _square, (2,))], workers)


def test_unknown_dependency_and_duplicate_keys_are_refused():
    with pytest.raises(ValueError, match="unknown tasks"):
        run_tasks([Task("a", "x", _square, (1,), deps=("nope",))], 1)
    with pytest.raises(ValueError, match="duplicate"):
        run_tasks([Task("a", "x", _square, (1,)), Task("a", "x", _square, (2,))], 1)


def test_the_demo_plan_fits_each_generator_once_and_builds_each_bank_once(tmp_path):
    from synthaug.experiment import DEMO_CONFIG, load_config
    from synthaug.experiment.runner import _arm_jobs, plan_tasks

    cfg = load_config(DEMO_CONFIG)
    tasks = plan_tasks(cfg, tmp_path, [str(c) for c in range(10)])
    by_phase: dict[str, list] = {}
    for t in tasks:
        by_phase.setdefault(t.phase, []).append(t)
    n_groups = len(cfg.seeds) * len(cfg.sizes)
    assert len(by_phase["procedural bank"]) == len(cfg.seeds)  # one fonts bank per seed
    assert len(by_phase["generators"]) == n_groups  # one cVAE per (seed, labelled subset)
    assert len(by_phase["arms"]) == n_groups * len(_arm_jobs(cfg))
    assert len(by_phase["reference"]) == n_groups
    assert [t.key for t in by_phase["audit"]] == [("audit",)]
    keys = {t.key for t in tasks}
    for t in by_phase["arms"] + by_phase["quality"]:
        assert set(t.deps) <= keys
    cvae_arm = next(t for t in by_phase["arms"] if t.key == ("arm", 3, 5, 2))  # real+cvae @1:1
    assert cvae_arm.deps == (("fit", "cvae", 3, 5),)
    quality = {t.key: t.deps for t in by_phase["quality"]}
    assert quality[("quality", "cvae")] == (("fit", "cvae", cfg.seeds[0], max(cfg.sizes)),)
    assert quality[("quality", "fonts")] == (("bank", "fonts", cfg.seeds[0]),)
