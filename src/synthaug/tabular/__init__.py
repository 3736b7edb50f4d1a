"""Synthetic tables for sensitive data: schema, generators and holdout-based evaluation.

>>> import numpy as np, pandas as pd
>>> from synthaug.tabular import GaussianCopula
>>> df = pd.DataFrame({"a": np.arange(100.0), "b": ["x", "y"] * 50})
>>> GaussianCopula().fit(df).sample(3, seed=0).shape
(3, 2)
"""

from __future__ import annotations

from synthaug.tabular.base import TabularGenerator, load_generator
from synthaug.tabular.copula import GaussianCopula
from synthaug.tabular.evaluate import TableEvaluation, check_disjoint, evaluate_table
from synthaug.tabular.schema import (
    ColumnSpec,
    SchemaOverrides,
    TableSchema,
    infer_schema,
    load_schema,
    read_table,
    write_table,
)
from synthaug.tabular.tvae import TVAE

__all__ = [
    "ColumnSpec",
    "GaussianCopula",
    "TVAE",
    "SchemaOverrides",
    "TableEvaluation",
    "TableSchema",
    "TabularGenerator",
    "check_disjoint",
    "evaluate_table",
    "infer_schema",
    "load_generator",
    "load_schema",
    "read_table",
    "write_table",
]
