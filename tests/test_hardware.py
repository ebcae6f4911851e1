"""How records and pages name the machine: the BLAS kernel named, threads counted in good English."""
import threadpoolctl

from pwcore import hardware, store


def test_the_blas_kernel_and_its_threads_are_named(monkeypatch):
    pools = [{"user_api": "blas", "internal_api": "openblas", "version": "0.3.31", "architecture": "Haswell",
              "num_threads": 1},
             {"user_api": "openmp", "internal_api": "openmp", "version": None, "num_threads": 2}]
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: pools)
    assert hardware.blas() == "openblas 0.3.31 Haswell (1 thread)"
    assert store.machine().endswith(", openblas Haswell (1 thread)")
    pools[0]["num_threads"] = 2
    assert hardware.blas(with_version=False) == "openblas Haswell (2 threads)"
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: [])
    assert hardware.blas() == "no BLAS found"
