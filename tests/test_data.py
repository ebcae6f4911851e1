"""Data loaders on small files the tests write, on broken files, on archives, and on the real data."""
import io
import os
import tarfile

import numpy as np
import pytest

import pwcore.data.fetch as fetch
from pwcore.data import DataError, DataMissing, load_dataset, locate
from pwcore.data.fetch import extract_members
from fixture_files import cifar_records, idx_bytes, trust, write_all


@pytest.fixture(autouse=True)
def fresh_environment(monkeypatch, tmp_path):
    """Each test gets its own cache, no data directory, and no memory of verified files."""
    monkeypatch.delenv("PWCORE_DATA_DIR", raising=False)
    monkeypatch.setenv("PWCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(fetch, "_verified", {})


@pytest.fixture
def small_data(monkeypatch, tmp_path):
    """A data directory of small, trusted files in every format."""
    folder = tmp_path / "data"
    trust(monkeypatch, folder, write_all(folder))
    monkeypatch.setenv("PWCORE_DATA_DIR", str(folder))
    return folder


def snapshot(folder):
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.mark.parametrize("name, n_features, m_train, m_test, n_classes", [
    ("cat", 12288, 7, 3, 2), ("mnist", 784, 12, 5, 10), ("cifar10", 3072, 20, 4, 10)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_loaders_return_columns_of_scaled_pixels(small_data, name, n_features, m_train, m_test, n_classes, dtype):
    data = load_dataset(name, dtype=dtype, download=False)
    assert data.X_train.shape == (n_features, m_train) and data.X_test.shape == (n_features, m_test)
    assert data.X_train.dtype == np.dtype(dtype) and data.X_train.flags.c_contiguous
    assert data.y_train.shape == (m_train,) and data.y_train.dtype == np.int64
    assert 0 <= data.X_train.min() and data.X_train.max() <= 1 and data.n_classes == n_classes
    assert set(data.meta["files"]) <= set(fetch.FILES)


def test_cat_columns_are_the_course_flattening(small_data):
    import h5py
    with h5py.File(small_data / "cat" / "train_catvnoncat.h5") as h5:
        images = h5["train_set_x"][:]
    data = load_dataset("cat", download=False)
    np.testing.assert_array_equal(data.X_train, images.reshape(images.shape[0], -1).T / 255.0)
    assert data.classes == ["non-cat", "cat"]


def test_cifar_uses_the_first_1000_test_images_when_the_full_batch_is_absent(small_data):
    data = load_dataset("cifar10", download=False)
    assert data.meta["test_file"] == "test_batch_first1000.bin"


def test_cifar_prefers_the_official_test_batch(monkeypatch, small_data):
    path = small_data / "cifar10" / "test_batch.bin"
    path.write_bytes(cifar_records(6, np.random.default_rng(1)))
    trust(monkeypatch, small_data, [path])
    data = load_dataset("cifar10", download=False)
    assert data.meta["test_file"] == "test_batch.bin" and data.X_test.shape == (3072, 6)


def test_data_directory_is_never_written(small_data):
    before = snapshot(small_data)
    for name in ("cat", "mnist", "cifar10"):
        load_dataset(name, download=False)
    assert snapshot(small_data) == before


def test_hash_mismatch_names_the_file_and_the_fix(small_data):
    path = small_data / "mnist" / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz does not match its known sha256.*Replace"):
        load_dataset("mnist", download=False)


@pytest.mark.parametrize("relpath, damage, message", [
    ("mnist/t10k-labels-idx1-ubyte.gz", lambda b: b[: len(b) // 2], "not a complete gzip file"),
    ("mnist/t10k-labels-idx1-ubyte.gz", lambda b: b"garbage" * 5, "not a complete gzip file"),
    ("mnist/t10k-images-idx3-ubyte.gz", lambda b: __import__("gzip").compress(idx_bytes(np.zeros(3), 2049)),
     "magic number 2049, expected 2051"),
    ("mnist/train-labels-idx1-ubyte.gz",
     lambda b: __import__("gzip").compress(__import__("gzip").decompress(b)[:-3]), "truncated or corrupt"),
    ("cifar10/data_batch_3.bin", lambda b: b[:-10], "not a whole number"),
    ("cifar10/data_batch_2.bin", lambda b: bytes([200]) + b[1:], "labels range"),
    ("cat/train_catvnoncat.h5", lambda b: b[: len(b) // 3], "not a readable HDF5 file"),
    ("cat/test_catvnoncat.h5", lambda b: b"\x89HDF\r\n" + b[6:100], "not a readable HDF5 file"),
])
def test_broken_files_get_a_clear_error(monkeypatch, small_data, relpath, damage, message):
    path = small_data / relpath
    path.write_bytes(damage(path.read_bytes()))
    trust(monkeypatch, small_data, [path])  # the hash passes, so the parser must catch it
    with pytest.raises(DataError, match=message) as error:
        load_dataset(relpath.split("/")[0], download=False)
    assert path.name in str(error.value)


def test_h5_without_the_expected_datasets_is_refused(monkeypatch, small_data):
    import h5py
    path = small_data / "cat" / "train_catvnoncat.h5"
    with h5py.File(path, "w") as h5:
        h5["something_else"] = np.zeros(3)
    trust(monkeypatch, small_data, [path])
    with pytest.raises(DataError, match="lacks the datasets"):
        load_dataset("cat", download=False)


def test_missing_file_without_download_says_where_it_looked(monkeypatch, small_data):
    (small_data / "cat" / "test_catvnoncat.h5").unlink()
    with pytest.raises(DataMissing, match="PWCORE_DATA_DIR.*test_catvnoncat.h5"):
        load_dataset("cat", download=False)


def test_data_directory_that_is_not_a_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="not a directory"):
        locate("cat/train_catvnoncat.h5")


def test_failed_download_keeps_nothing_and_explains(monkeypatch, tmp_path):
    import pooch

    def offline(*args, **kwargs):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(DataMissing, match="downloading it failed.*no route to host"):
        locate("mnist/t10k-labels-idx1-ubyte.gz")
    assert not list((tmp_path / "cache").rglob("*.gz"))


def test_download_goes_to_the_cache_with_the_known_hash(monkeypatch, tmp_path):
    import pooch
    calls = []

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        calls.append((url, known_hash, progressbar))
        target = os.path.join(path, fname)
        os.makedirs(path, exist_ok=True)
        open(target, "wb").write(b"payload")
        return target

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    path = locate("mnist/t10k-labels-idx1-ubyte.gz")
    assert path == tmp_path / "cache" / "mnist" / "t10k-labels-idx1-ubyte.gz"
    assert calls[0][1] == fetch.FILES["mnist/t10k-labels-idx1-ubyte.gz"].known_hash and calls[0][2] is True


def test_corrupt_cached_file_says_to_delete_it(monkeypatch, tmp_path):
    cached = tmp_path / "cache" / "mnist" / "t10k-labels-idx1-ubyte.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"half a download")
    with pytest.raises(DataError, match=f"Delete {cached}"):
        locate("mnist/t10k-labels-idx1-ubyte.gz")
    assert cached.exists()  # nothing is deleted behind the user's back


# --- archives -----------------------------------------------------------------

def make_tar(path, members):
    """members: list of (name, bytes) for files, or (name, ("symlink", target))."""
    with tarfile.open(path, "w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type, info.linkname = tarfile.SYMTYPE, content[1]
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return path


def test_archive_extracts_only_the_expected_members(tmp_path):
    archive = make_tar(tmp_path / "a.tar.gz", [("d/wanted.bin", b"abc"), ("d/other.bin", b"zzz"),
                                                ("readme", b"hi")])
    written = extract_members(archive, "d", ["wanted.bin"], tmp_path / "out")
    assert [p.name for p in written] == ["wanted.bin"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["wanted.bin"]
    assert (tmp_path / "out" / "wanted.bin").read_bytes() == b"abc"


@pytest.mark.parametrize("members, message", [
    ([("d/../../evil.bin", b"x"), ("d/wanted.bin", b"abc")], "unsafe member path"),
    ([("/etc/evil.bin", b"x"), ("d/wanted.bin", b"abc")], "unsafe member path"),
    ([("d/wanted.bin", ("symlink", "/etc/passwd"))], "not a regular file"),
    ([("d/other.bin", b"abc")], "lacks"),
])
def test_crafted_archives_are_refused(tmp_path, members, message):
    archive = make_tar(tmp_path / "a.tar.gz", members)
    with pytest.raises(DataError, match=message):
        extract_members(archive, "d", ["wanted.bin"], tmp_path / "out")
    assert not (tmp_path / "evil.bin").exists() and not (tmp_path.parent / "evil.bin").exists()


def test_a_non_archive_is_refused(tmp_path):
    path = tmp_path / "a.tar.gz"
    path.write_bytes(b"not a tar at all")
    with pytest.raises(DataError, match="not a readable tar archive"):
        extract_members(path, "d", ["wanted.bin"], tmp_path / "out")


# --- the real data --------------------------------------------------------------

def test_real_cat_data(monkeypatch, shared_data):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    data = load_dataset("cat", download=False)
    assert data.X_train.shape == (12288, 209) and data.X_test.shape == (12288, 50)
    assert int(data.y_train.sum()) == 72 and int(data.y_test.sum()) == 33


def test_real_mnist_data(monkeypatch, shared_data):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    data = load_dataset("mnist", dtype="float32", download=False)
    assert data.X_train.shape == (784, 60000) and data.X_test.shape == (784, 10000)
    assert np.bincount(data.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert data.X_train.mean() == pytest.approx(0.1307, abs=1e-4)


@pytest.mark.slow
def test_real_cifar10_data(monkeypatch, shared_data):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    data = load_dataset("cifar10", dtype="float32", download=False)
    assert data.X_train.shape == (3072, 50000) and np.bincount(data.y_train).tolist() == [5000] * 10
    assert data.meta["test_file"] == "test_batch_first1000.bin" and data.X_test.shape == (3072, 1000)
    assert data.y_train[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
    assert data.classes[0] == "airplane" and len(data.classes) == 10
    # channel-major records: the first 1024 features are the red plane
    assert data.X_train[:1024].mean() == pytest.approx(0.4914, abs=1e-4)
