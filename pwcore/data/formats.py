"""Parsers of the three on-disk formats. They check structure and raise DataError naming the file.

Each parser returns raw ``uint8`` images of shape ``(m, ...)`` and integer labels of shape ``(m,)``.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from .errors import DataError

IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC = 2051, 2049
CIFAR_IMAGE_BYTES = 3 * 32 * 32
CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES


def read_cat_h5(path: Path, split: str):
    """Read a course cat file: ``{split}_set_x`` (m, 64, 64, 3) uint8, ``{split}_set_y`` (m,), ``list_classes``.

    Returns
    -------
    images : ndarray of uint8, shape (m, 64, 64, 3)
    labels : ndarray of int64, shape (m,)
    classes : list of str
    """
    import h5py
    try:
        with h5py.File(path, "r") as h5:
            missing = [k for k in (f"{split}_set_x", f"{split}_set_y", "list_classes") if k not in h5]
            if missing:
                raise DataError(f"{path} lacks the datasets {missing}: it is not the course's {split} cat file. "
                                f"Replace it with the file listed in shared/data/SHA256SUMS.")
            images = np.asarray(h5[f"{split}_set_x"][:])
            labels = np.asarray(h5[f"{split}_set_y"][:]).reshape(-1).astype(np.int64)
            classes = [c.decode() if isinstance(c, bytes) else str(c) for c in h5["list_classes"][:]]
    except OSError as error:
        raise DataError(f"{path} is not a readable HDF5 file ({error}). Replace it with a good copy.") from error
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1:] != (64, 64, 3) or len(images) != len(labels):
        raise DataError(f"{path}: expected uint8 images (m, 64, 64, 3) and m labels, got {images.dtype} "
                        f"{images.shape} and {labels.shape}. Replace it with the course's file.")
    _check_label_range(path, labels, len(classes))
    return images, labels, classes


def read_idx_gz(path: Path, magic: int) -> np.ndarray:
    """Read a gzip-compressed IDX file of unsigned bytes (MNIST's format).

    Returns
    -------
    ndarray of uint8
        Shape given by the header: ``(m, 28, 28)`` for images, ``(m,)`` for labels.
    """
    try:
        with gzip.open(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path} is not a complete gzip file ({error}): it is corrupt or truncated. "
                        f"Replace it with a good copy.") from error
    if len(raw) < 8 or int.from_bytes(raw[:4], "big") != magic:
        found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
        raise DataError(f"{path} has IDX magic number {found}, expected {magic} "
                        f"({'images' if magic == IDX_IMAGES_MAGIC else 'labels'}): wrong or corrupt file.")
    n_dims = raw[3]
    header = 4 + 4 * n_dims
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_dims))
    if len(raw) != header + int(np.prod(shape)):
        raise DataError(f"{path}: header promises {shape} bytes of data but the file holds "
                        f"{len(raw) - header}: it is truncated or corrupt. Replace it with a good copy.")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_cifar_bin(path: Path):
    """Read a CIFAR-10 binary batch: records of 1 label byte + 3072 pixel bytes (R, G, B planes).

    Returns
    -------
    images : ndarray of uint8, shape (m, 3072), channel-major as stored
    labels : ndarray of int64, shape (m,)
    """
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size == 0 or raw.size % CIFAR_RECORD_BYTES:
        raise DataError(f"{path} holds {raw.size} bytes, not a whole number of {CIFAR_RECORD_BYTES}-byte "
                        f"CIFAR-10 records: it is truncated or not a CIFAR-10 binary batch.")
    records = raw.reshape(-1, CIFAR_RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    _check_label_range(path, labels, 10)
    return records[:, 1:], labels


def _check_label_range(path: Path, labels: np.ndarray, n_classes: int) -> None:
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DataError(f"{path}: labels range from {labels.min()} to {labels.max()}, outside 0 ... {n_classes - 1}: "
                        f"the file is corrupt. Replace it with a good copy.")
