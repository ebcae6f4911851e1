"""Where each data file comes from and the checksum it must have.

Paths are relative to a data directory laid out like ``../shared/data``:
``cat/``, ``mnist/`` and ``cifar10/``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# The course's cat files have no official address; this public mirror holds the
# canonical copy (see shared/data/SOURCES.md), pinned to one commit and by sha256.
_CAT_MIRROR = ("https://raw.githubusercontent.com/Hiren2002/Logistic-Regression/"
               "5aa70859e5a6890e07d9a4c3294e8adb4b6a033f/datasets/")
_MNIST_URLS = ("https://yann.lecun.com/exdb/mnist/",
               "https://ossci-datasets.s3.amazonaws.com/mnist/")


@dataclass(frozen=True)
class Archive:
    """An official archive that holds several of the files."""

    name: str
    url: str
    known_hash: str  # "md5:..." as published by the dataset's authors
    member_dir: str  # folder inside the archive


CIFAR10_ARCHIVE = Archive(
    name="cifar-10-binary.tar.gz",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    known_hash="md5:c32a1d4ab5d03f1284b67883e8d87530",
    member_dir="cifar-10-batches-bin",
)


@dataclass(frozen=True)
class FileSource:
    """One data file.

    Attributes
    ----------
    relpath : str
        Path under the data directory, e.g. ``"mnist/t10k-labels-idx1-ubyte.gz"``.
    known_hash : str
        ``"sha256:<hex>"``, or ``"gitsha1:<hex>"`` (the git blob id) where no sha256 is published.
    urls : tuple of str
        Direct download addresses, tried in order.
    archive : Archive or None
        Or: the archive that holds the file (under ``archive.member_dir``).
    """

    relpath: str
    known_hash: str
    urls: tuple = field(default=())
    archive: Archive | None = None

    @property
    def filename(self) -> str:
        return self.relpath.rsplit("/", 1)[-1]


def _cat(name, sha256):
    return FileSource(f"cat/{name}", f"sha256:{sha256}", (_CAT_MIRROR + name,))


def _mnist(name, sha256):
    return FileSource(f"mnist/{name}", f"sha256:{sha256}", tuple(u + name for u in _MNIST_URLS))


def _cifar(name, known_hash):
    return FileSource(f"cifar10/{name}", known_hash, (), CIFAR10_ARCHIVE)


FILES = {f.relpath: f for f in [
    _cat("train_catvnoncat.h5", "fbe56ab67c3ae28d564e3a644189117976d6b31af0a3ce9bb17dbf22908af242"),
    _cat("test_catvnoncat.h5", "6a9d39ce52fa85953c5834695b8534a30ed8cfd54971fb2f080b5a24d002b951"),
    _mnist("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    _mnist("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    _mnist("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    _mnist("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    _cifar("data_batch_1.bin", "sha256:cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5"),
    _cifar("data_batch_2.bin", "sha256:a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed"),
    _cifar("data_batch_3.bin", "sha256:bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67"),
    _cifar("data_batch_4.bin", "sha256:014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48"),
    _cifar("data_batch_5.bin", "sha256:755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add"),
    _cifar("batches.meta.txt", "sha256:558e74b5e208382e186da55784b4bac2cd52e558448e1b5800990fdb28ed8033"),
    _cifar("test_batch.bin", "gitsha1:e3f3b4653f18f27ada1558cabc3352a3ed1b25cc"),
    # Not an official file: the first 1,000 records of test_batch.bin (shared/data/SOURCES.md).
    FileSource("cifar10/test_batch_first1000.bin",
               "sha256:8314c96d7cd65618193bab23acdd5d4c4af15bf6dd00a1781d55beedf3be1ef5"),
]}
