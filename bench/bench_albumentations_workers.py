"""Do DataLoader workers and epochs repeat each other's augmentations? Albumentations vs us.

Run in the bench environment (Albumentations lives only there):

    PYTHONPATH=src /work/main/.bench-venv/bin/python bench/bench_albumentations_workers.py

A 4-item dataset, 2 workers, 2 epochs, ``torch.manual_seed(0)``; the pipeline is built once in
the main process, as training scripts do. Prints, per library and ``seed``, whether the first
items of worker 0 and worker 1 are identical and whether epoch 1 repeats epoch 0.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import albumentations
import numpy as np
import report  # bench/report.py: the one doc-block writer
import torch

import synthaug.albumentations


class _Images(torch.utils.data.Dataset):
    def __init__(self, pipe):
        self.pipe = pipe
        self.image = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return torch.from_numpy(np.ascontiguousarray(self.pipe(image=self.image)["image"]))


DOC = Path(__file__).resolve().parents[1] / "docs" / "migrating-from-albumentations.md"


def main() -> None:
    torch.set_num_threads(1)
    rows = [
        "| library | Compose seed | worker 0 == worker 1 | epoch 1 == epoch 0 |",
        "|---|---|---|---|",
    ]
    for lib in (albumentations, synthaug.albumentations):
        for seed in (7, None):
            torch.manual_seed(0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pipe = lib.Compose([lib.RandomCrop(8, 8, p=1.0), lib.GaussNoise(p=1.0)], seed=seed)
            loader = torch.utils.data.DataLoader(_Images(pipe), batch_size=1, num_workers=2)
            ep = [[b[0].numpy() for b in loader] for _ in range(2)]
            same_w = np.array_equal(ep[0][0], ep[0][1])
            same_e = all(np.array_equal(a, b) for a, b in zip(ep[0], ep[1], strict=True))
            rows.append(f"| {lib.__name__} | {seed} | {same_w} | {same_e} |")
    table = "\n".join(rows)
    print(table)
    report.replace_block(DOC, "<!-- workers:begin -->", "<!-- workers:end -->", table)


if __name__ == "__main__":
    main()
