"""Small data files in each real format, written by the tests themselves."""
import dataclasses
import gzip
import hashlib
import struct

import numpy as np

from pwcore.data import FILES


def sha256_of(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_cat(folder, split, m, rng, classes=(b"non-cat", b"cat")):
    import h5py
    path = folder / "cat" / f"{split}_catvnoncat.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as h5:
        h5[f"{split}_set_x"] = rng.integers(0, 256, size=(m, 64, 64, 3), dtype=np.uint8)
        h5[f"{split}_set_y"] = rng.integers(0, 2, size=m)
        h5["list_classes"] = np.array(classes)
    return path


def idx_bytes(array, magic):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(folder, prefix, m, rng):
    images = rng.integers(0, 256, size=(m, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=m).astype(np.uint8)
    paths = []
    for kind, array, magic in (("images-idx3", images, 2051), ("labels-idx1", labels, 2049)):
        path = folder / "mnist" / f"{prefix}-{kind}-ubyte.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(idx_bytes(array, magic)))
        paths.append(path)
    return paths


def cifar_records(m, rng):
    labels = rng.integers(0, 10, size=(m, 1), dtype=np.uint8)
    return np.hstack([labels, rng.integers(0, 256, size=(m, 3072), dtype=np.uint8)]).tobytes()


def write_cifar(folder, m, rng, test_name="test_batch_first1000.bin"):
    directory = folder / "cifar10"
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + [test_name]:
        (directory / name).write_bytes(cifar_records(m, rng))
        paths.append(directory / name)
    meta = directory / "batches.meta.txt"
    meta.write_text("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n")
    return paths + [meta]


def write_all(folder, seed=0):
    """Write a small copy of every dataset under ``folder``; return the paths written."""
    rng = np.random.default_rng(seed)
    paths = [write_cat(folder, "train", 7, rng), write_cat(folder, "test", 3, rng)]
    paths += write_mnist(folder, "train", 12, rng) + write_mnist(folder, "t10k", 5, rng)
    paths += write_cifar(folder, 4, rng)
    return paths


def trust(monkeypatch, folder, paths):
    """Make the loaders accept these files: register each one's sha256 in place of the real hash."""
    for path in paths:
        relpath = path.relative_to(folder).as_posix()
        monkeypatch.setitem(FILES, relpath, dataclasses.replace(FILES[relpath], known_hash=f"sha256:{sha256_of(path)}"))
