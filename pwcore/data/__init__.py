"""Verified loaders for the cat vs non-cat, MNIST and CIFAR-10 data.

Set ``PWCORE_DATA_DIR`` to a folder laid out like ``shared/data``; missing
files are downloaded into the user cache (``PWCORE_CACHE_DIR``) and verified.
"""
from .datasets import DATASETS, SCALINGS, Dataset, DatasetSpec, load_dataset, standardize, to_columns
from .errors import DataError, DataMissing
from .fetch import CACHE_DIR_VARIABLE, DATA_DIR_VARIABLE, cache_dir, data_dir, locate, verify
from .sources import FILES

__all__ = ["DATASETS", "DatasetSpec", "DATA_DIR_VARIABLE", "CACHE_DIR_VARIABLE", "DataError", "DataMissing", "Dataset",
           "FILES", "SCALINGS", "cache_dir", "data_dir", "load_dataset", "locate", "standardize", "to_columns", "verify"]
