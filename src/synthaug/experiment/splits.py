"""Splits for honest few-shot experiments.

Per seed, a stratified test set is set aside first and never used again except for scoring.
The labelled few-shot examples (``size`` per class) are drawn from the rest (the pool); the
remainder of the pool is unlabelled real data, used only by arms that say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from synthaug.errors import ConfigError
from synthaug.seeding import item_rng, item_seed

__all__ = ["FewShotSplit", "few_shot_split", "pool_test_split"]


@dataclass(frozen=True)
class FewShotSplit:
    """Index arrays into the dataset: ``labelled``, ``unlabelled`` (rest of pool), ``test``."""

    labelled: np.ndarray
    unlabelled: np.ndarray
    test: np.ndarray

    def check_disjoint(self) -> None:
        """Raise if any index appears in two parts (guards against leakage)."""
        a, b, c = set(self.labelled), set(self.unlabelled), set(self.test)
        if a & b or a & c or b & c:
            raise AssertionError("few-shot split parts overlap")


def pool_test_split(
    y: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (pool, test) index arrays for ``seed``."""
    idx = np.arange(len(y))
    pool, test = train_test_split(
        idx, test_size=test_fraction, stratify=y, random_state=item_seed("test-split", seed) % 2**32
    )
    return np.sort(pool), np.sort(test)


def few_shot_split(y: np.ndarray, size: int, test_fraction: float, seed: int) -> FewShotSplit:
    """``size`` labelled examples per class from the pool; the test set depends on the seed only.

    The labelled sets are nested across sizes for one seed (the 1-shot set is inside the
    5-shot set), so curves against size compare like with like.
    """
    pool, test = pool_test_split(y, test_fraction, seed)
    rng = item_rng("labelled", seed)
    labelled = []
    for c in np.unique(y):
        members = pool[y[pool] == c]
        if len(members) < size:
            raise ConfigError(
                f"sizes: {size} labelled examples per class requested but class {c} has only "
                f"{len(members)} in the training pool"
            )
        labelled.append(rng.permutation(members)[:size])
    lab = np.sort(np.concatenate(labelled))
    unl = np.setdiff1d(pool, lab)
    split = FewShotSplit(lab, unl, test)
    split.check_disjoint()
    return split
