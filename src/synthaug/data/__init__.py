"""Dataset readers and writers, and built-in datasets."""

from synthaug.data.builtin import BUILTIN_DATASETS, load_dataset
from synthaug.data.dataset import Dataset, DatasetFormat, Item, ItemError, augmented_key
from synthaug.data.formats import FORMATS, detect_format, get_format, load_item, open_dataset
from synthaug.data.images import atomic_write_bytes, decode_image, encode_image, read_image
from synthaug.data.stats import DatasetStats, dataset_stats
from synthaug.data.toy import write_toy_dataset

__all__ = [
    "BUILTIN_DATASETS",
    "FORMATS",
    "Dataset",
    "DatasetFormat",
    "DatasetStats",
    "Item",
    "ItemError",
    "atomic_write_bytes",
    "augmented_key",
    "dataset_stats",
    "decode_image",
    "detect_format",
    "encode_image",
    "get_format",
    "load_dataset",
    "load_item",
    "open_dataset",
    "read_image",
    "write_toy_dataset",
]
