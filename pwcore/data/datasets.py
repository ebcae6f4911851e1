"""The three datasets as network-ready matrices."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..dtypes import resolve_dtype
from .errors import DataError, DataMissing
from .fetch import FILES, locate
from .formats import (IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, read_cat_h5, read_cifar_bin, read_idx_gz)

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
MNIST_CLASSES = [str(d) for d in range(10)]


@dataclass
class Dataset:
    """A training and a test set, one sample per column.

    Attributes
    ----------
    X_train : ndarray, shape (n_0, m_train)
        Pixels scaled to [0, 1], each image flattened in its file's native order.
    y_train : ndarray of int64, shape (m_train,)
    X_test : ndarray, shape (n_0, m_test)
    y_test : ndarray of int64, shape (m_test,)
    classes : list of str
    meta : dict
        Files used with their checksums, and which CIFAR-10 test file was used.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list
    meta: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return self.X_train.shape[0]

    @property
    def n_classes(self) -> int:
        return len(self.classes)


def to_columns(images: np.ndarray, dtype) -> np.ndarray:
    """Flatten ``(m, ...)`` uint8 images into a C-contiguous ``(n_0, m)`` matrix of pixel / 255."""
    flat = images.reshape(images.shape[0], -1)
    X = np.empty(flat.shape[::-1], dtype=dtype)
    np.divide(flat.T, 255, out=X, casting="unsafe")
    return X


SCALINGS = ("255", "standardized")  # input scaling (design.md open question: the paper does not say)


def load_dataset(name: str, dtype="float64", download: bool = True, scaling: str = "255") -> Dataset:
    """Load ``"cat"``, ``"mnist"`` or ``"cifar10"`` (verified; see :mod:`pwcore.data.fetch`).

    The CIFAR-10 test set is the official ``test_batch.bin`` where present,
    otherwise ``test_batch_first1000.bin`` (its first 1,000 images);
    ``meta["test_file"]`` says which. ``scaling`` is ``"255"`` (pixels / 255) or
    ``"standardized"`` (then each feature centred and divided by its standard
    deviation over the training set, see :func:`standardize`); ``meta["scaling"]`` says which.
    """
    dtype = resolve_dtype(dtype)
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}: choose one of {tuple(DATASETS)}")
    if scaling not in SCALINGS:
        raise ValueError(f"unknown input scaling {scaling!r}: choose one of {SCALINGS}")
    used = {}

    def path_of(relpath, allow_download=download):
        path = locate(relpath, allow_download)
        used[relpath] = FILES[relpath].known_hash
        return path

    dataset = DATASETS[name].loader(path_of, dtype)
    dataset.meta["files"] = used
    dataset.meta["preprocessing"] = "pixels / 255; each image flattened in its file's order; one sample per column"
    dataset.meta["scaling"] = "255"
    return standardize(dataset) if scaling == "standardized" else dataset


def standardize(dataset: Dataset) -> Dataset:
    """``dataset`` with each feature (row) centred and scaled by its mean and standard deviation
    over the training set; the test set is transformed with the training set's statistics.

    A feature constant over the training set (standard deviation 0, e.g. an MNIST border
    pixel) is only centred. The arrays are transformed in place (float64 statistics).
    """
    mean = dataset.X_train.mean(axis=1, keepdims=True, dtype=np.float64)
    std = dataset.X_train.std(axis=1, keepdims=True, dtype=np.float64)
    std[std == 0] = 1.0
    for X in (dataset.X_train, dataset.X_test):
        X -= mean.astype(X.dtype)
        X /= std.astype(X.dtype)
    dataset.meta["scaling"] = "standardized"
    dataset.meta["preprocessing"] += "; each feature standardized by the training set's mean and standard deviation"
    return dataset


def _load_cat(path_of, dtype) -> Dataset:
    train_x, train_y, classes = read_cat_h5(path_of("cat/train_catvnoncat.h5"), "train")
    test_x, test_y, _ = read_cat_h5(path_of("cat/test_catvnoncat.h5"), "test")
    return Dataset("cat", to_columns(train_x, dtype), train_y, to_columns(test_x, dtype), test_y, classes,
                   {"image_order": "height, width, RGB (as in the course)"})


def _load_mnist(path_of, dtype) -> Dataset:
    def pair(images, labels):
        x = read_idx_gz(path_of(f"mnist/{images}"), IDX_IMAGES_MAGIC)
        y = read_idx_gz(path_of(f"mnist/{labels}"), IDX_LABELS_MAGIC).astype(np.int64)
        if len(x) != len(y) or y.max() > 9:
            raise DataError(f"MNIST {images} holds {len(x)} images but {labels} {len(y)} labels (max {y.max()}): "
                            f"mismatched files. Replace them with the official ones.")
        return to_columns(x, dtype), y

    X_train, y_train = pair("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    X_test, y_test = pair("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    return Dataset("mnist", X_train, y_train, X_test, y_test, MNIST_CLASSES, {"image_order": "row-major 28 x 28"})


def _load_cifar10(path_of, dtype) -> Dataset:
    batches = [read_cifar_bin(path_of(f"cifar10/data_batch_{i}.bin")) for i in range(1, 6)]
    train_x = np.concatenate([images for images, _ in batches])
    train_y = np.concatenate([labels for _, labels in batches])
    del batches
    classes = path_of("cifar10/batches.meta.txt").read_text().split()
    test_relpath = _cifar_test_file(path_of)
    test_x, test_y = read_cifar_bin(path_of(test_relpath))
    meta = {"image_order": "R plane, G plane, B plane, each row-major 32 x 32 (the binary format's order)",
            "test_file": test_relpath.split("/")[-1], "test_size": int(len(test_y))}
    return Dataset("cifar10", to_columns(train_x, dtype), train_y, to_columns(test_x, dtype), test_y,
                   classes or CIFAR10_CLASSES, meta)


def _cifar_test_file(path_of) -> str:
    """The full official test batch if a copy is here, else the local first 1,000 images, else download."""
    test_files = DATASETS["cifar10"].test_files
    for relpath in test_files:
        try:
            path_of(relpath, allow_download=False)
            return relpath
        except DataMissing:
            pass
    return test_files[0]


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset: the files its loader needs and the loader.

    Attributes
    ----------
    files : tuple of str
        Paths under the data directory that must all be present.
    loader : callable
        ``loader(path_of, dtype) -> Dataset``.
    test_files : tuple of str
        Alternative test files, in order of preference: the first one present is
        used, and the first is downloaded when none is (CIFAR-10: the official
        test batch, else its first 1,000 images).
    """

    files: tuple
    loader: Callable
    test_files: tuple = ()


# The one registry of datasets: name -> files, loader, test-file fallback.
DATASETS = {
    "cat": DatasetSpec(("cat/train_catvnoncat.h5", "cat/test_catvnoncat.h5"), _load_cat),
    "mnist": DatasetSpec(tuple(f"mnist/{n}" for n in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                                      "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")),
                         _load_mnist),
    "cifar10": DatasetSpec(tuple(f"cifar10/data_batch_{i}.bin" for i in range(1, 6)) + ("cifar10/batches.meta.txt",),
                           _load_cifar10, ("cifar10/test_batch.bin", "cifar10/test_batch_first1000.bin")),
}
