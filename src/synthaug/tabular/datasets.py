"""Real tables that ship offline, for examples, tests, the docs and ``synthaug demo --tabular``.

* ``penguins``: the Palmer penguins (344 rows; species, island and sex are categories, four
  body measurements are numbers, year is an integer; 19 missing values), from the
  ``palmerpenguins`` package.
* ``breast_cancer``: scikit-learn's Wisconsin breast cancer set (569 rows, 30 numbers and the
  ``target`` class).
* ``wine``: scikit-learn's wine set (178 rows, 13 numbers and the ``target`` class).

>>> load_table("penguins").shape
(344, 8)
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from synthaug.errors import ConfigError

__all__ = ["BUILTIN_TABLES", "load_table"]


def _penguins() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    return load_penguins()


def _sklearn(name: str) -> Callable[[], pd.DataFrame]:
    def load() -> pd.DataFrame:
        import sklearn.datasets as ds

        frame: pd.DataFrame = getattr(ds, f"load_{name}")(as_frame=True).frame
        return frame

    return load


#: Name -> loader of the tables that ship offline.
BUILTIN_TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "penguins": _penguins,
    "breast_cancer": _sklearn("breast_cancer"),
    "wine": _sklearn("wine"),
}


def load_table(name: str) -> pd.DataFrame:
    """A fresh copy of the built-in table ``name`` (one of :data:`BUILTIN_TABLES`)."""
    if name not in BUILTIN_TABLES:
        raise ConfigError(
            f"table {name!r}: not a built-in table; expected one of {sorted(BUILTIN_TABLES)}"
        )
    df = BUILTIN_TABLES[name]().reset_index(drop=True)
    df.columns = [str(c) for c in df.columns]
    return df
