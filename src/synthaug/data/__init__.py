"""Dataset readers and writers, and built-in datasets."""

from synthaug.data.builtin import BUILTIN_DATASETS, load_dataset

__all__ = ["BUILTIN_DATASETS", "load_dataset"]
