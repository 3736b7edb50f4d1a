"""DataLoader workers get their own augmentation streams (the bug Albumentations 2.0.8 has).

With Albumentations, a Compose created in the main process is copied into every worker with
the same random state, so workers repeat each other and restarted workers repeat every epoch.
"""

from __future__ import annotations

import numpy as np
import pytest

import synthaug.albumentations as A

torch = pytest.importorskip("torch")


class _Images(torch.utils.data.Dataset):
    def __init__(self, pipe):
        self.pipe = pipe
        self.image = np.arange(16 * 16 * 3, dtype=np.uint8).reshape(16, 16, 3)

    def __len__(self):
        return 4

    def __getitem__(self, i):
        out = self.pipe(image=self.image)["image"]
        return torch.from_numpy(np.ascontiguousarray(out))


def _epochs(seed, n_epochs=2):
    torch.manual_seed(seed)
    pipe = A.Compose([A.RandomCrop(8, 8, p=1.0), A.GaussNoise(p=1.0)], seed=7)
    loader = torch.utils.data.DataLoader(_Images(pipe), batch_size=1, num_workers=2)
    return [[b[0].numpy() for b in loader] for _ in range(n_epochs)]


@pytest.mark.slow
def test_workers_and_epochs_differ_and_runs_repeat_under_torch_manual_seed():
    run1, run2 = _epochs(0), _epochs(0)
    # items 0 and 1 come from worker 0 and worker 1 (the first item of each)
    assert not np.array_equal(run1[0][0], run1[0][1])
    assert not np.array_equal(run1[0][0], run1[1][0])
    for e in range(2):
        for i in range(4):
            assert np.array_equal(run1[e][i], run2[e][i])
