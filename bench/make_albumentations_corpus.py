"""Write the serialized form of every corpus pipeline with the real Albumentations 2.0.8.

Run in the bench environment (never in the project's own):

    PYTHONPATH=src /work/main/.bench-venv/bin/python bench/make_albumentations_corpus.py

For each entry of tests/fixtures/albumentations/corpus/pipelines.py it builds the pipeline with
``albumentations`` and writes ``<id>.json`` (``albumentations.save``); entries Albumentations
2.0.8 itself cannot build (transforms removed in 2.0) are listed in ``not_serializable.json``
with the error. SOURCES.md (one line per entry) is written from the same list. Then the other
direction: every entry synthaug builds is written with ``synthaug.albumentations.to_dict`` and
read back with ``albumentations.from_dict``; the entries Albumentations cannot read are printed.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import albumentations as A
from albumentations.pytorch import ToTensorV2

import synthaug.albumentations as ours
from synthaug.albumentations.pytorch import ToTensorV2 as OurToTensorV2

HERE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "albumentations" / "corpus"


def main() -> None:
    spec = importlib.util.spec_from_file_location("corpus", HERE / "pipelines.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    failed = {}
    lines = ["# Sources of the Albumentations corpus", ""]
    for entry in mod.CORPUS:
        lines.append(f"- `{entry['id']}`: {entry['source']}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pipe = entry["build"](A, ToTensorV2)
            except Exception as exc:
                failed[entry["id"]] = f"{type(exc).__name__}: {exc}"
                continue
        A.save(pipe, str(HERE / f"{entry['id']}.json"), data_format="json")
    (HERE / "not_serializable.json").write_text(json.dumps(failed, indent=1) + "\n")
    (HERE / "SOURCES.md").write_text("\n".join(lines) + "\n")
    print(
        f"{len(mod.CORPUS) - len(failed)} written, {len(failed)} not buildable by "
        f"albumentations {A.__version__}: {sorted(failed)}"
    )
    read, unread = 0, {}
    for entry in mod.CORPUS:
        try:
            pipe = entry["build"](ours, OurToTensorV2)
        except ValueError:
            continue
        try:
            A.from_dict(ours.to_dict(pipe))
            read += 1
        except Exception as exc:
            unread[entry["id"]] = f"{type(exc).__name__}: {exc}"
    print(f"written by synthaug.albumentations, read by albumentations: {read}; not read: {unread}")


if __name__ == "__main__":
    main()
