"""Batch jobs over datasets: the job model shared by every engine, and the local engine.

Examples
--------
>>> from synthaug.engine import AugmentJob, run_job
>>> job = AugmentJob("train", "train-aug", {"transforms": [{"name": "HorizontalFlip"}]},
...                  copies=2)  # doctest: +SKIP
>>> summary = run_job(job, workers=2)  # doctest: +SKIP
"""

from synthaug.engine.job import (
    AugmentJob,
    AugmentSummary,
    JobState,
    finalize_job,
    prepare_job,
    process_item,
)
from synthaug.engine.local import default_workers, run_job, run_local
from synthaug.engine.manifest import Manifest

__all__ = [
    "AugmentJob",
    "AugmentSummary",
    "JobState",
    "Manifest",
    "default_workers",
    "finalize_job",
    "prepare_job",
    "process_item",
    "run_job",
    "run_local",
]
