"""Executing one run with papermill, atomically, and recording how its notebook was made.

Each notebook is executed into a temporary file beside its destination and moved into place only when it
ran without error, so a failed or interrupted run never leaves a half-written notebook behind.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .fingerprint import Fingerprint, fingerprint, module_hashes
from .paths import relative_to_root
from .record import stamp
from .runs import OUTPUT_NAME, PageRun, parameter_names


def _kernel_manager_class():
    """A kernel manager whose kernels talk over local sockets (IPC) where the system has them, so that a kernel
    neither listens on TCP ports nor warns that it does; TCP elsewhere (Windows). Each kernel's sockets live
    in a private temporary folder (by default they would be ``kernel-ipc-N`` in the kernel's working folder,
    where two runs could take the same names), removed with the kernel."""
    import shutil
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum

    class LocalKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="tcp" if os.name == "nt" else "ipc", config=True)

        def _ip_default(self) -> str:
            if self.transport != "ipc":
                return super()._ip_default()
            return os.path.join(tempfile.mkdtemp(prefix="pwcore-kernel-"), "ipc")

        def cleanup_ipc_files(self) -> None:
            super().cleanup_ipc_files()
            if self.transport == "ipc":
                shutil.rmtree(os.path.dirname(self.ip), ignore_errors=True)

    return LocalKernelManager


def execute(run: PageRun, out_dir: Path, sources: Fingerprint | None = None, progress: bool = False) -> Path:
    """Execute ``run`` with papermill into ``out_dir/<name>.ipynb``, atomically, and stamp its record.

    A template whose parameters include ``output_name`` is given the run's name there (so it can name the
    files it writes beside the notebook: the notebook runs in ``out_dir``).

    Parameters
    ----------
    sources : Fingerprint, optional
        The fingerprint to record, computed before execution; by default that of ``run`` now, which needs
        ``run`` to read no other run.
    progress : bool
        Show papermill's bar of cells executed (on standard error).

    Raises
    ------
    papermill.PapermillExecutionError
        If a cell fails; the previous notebook (if any) is left in place.
    """
    import jupytext
    import papermill

    sources = sources or _own_fingerprint(run)
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{run.name}.ipynb"
    notebook = jupytext.read(run.template)
    parameters = dict(run.parameters)
    if OUTPUT_NAME in parameter_names(notebook):
        parameters[OUTPUT_NAME] = run.name
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".{run.name}.") as scratch:
        source, executed = Path(scratch) / "source.ipynb", Path(scratch) / "executed.ipynb"
        jupytext.write(notebook, source)
        papermill.execute_notebook(str(source), str(executed), parameters=parameters, cwd=str(out_dir),
                                   kernel_name="python3", progress_bar=progress, log_output=False,
                                   kernel_manager_class=_kernel_manager_class())
        stamp(executed, sources, relative_to_root(run.template))
        os.replace(executed, final)
    return final


def check_kernel_source(package_dir: Path, out_dir: Path) -> None:
    """Make sure the notebooks' kernel, started in ``out_dir``, imports pwcore from ``package_dir``: the
    records would otherwise claim sources the notebooks did not run.

    Raises
    ------
    RuntimeError
        If this interpreter, started there, finds pwcore elsewhere (another checkout's editable install).
    """
    import subprocess
    import sys
    out_dir.mkdir(parents=True, exist_ok=True)
    found = subprocess.run([sys.executable, "-c", "import importlib.util as u; print(u.find_spec('pwcore').origin)"],
                           cwd=out_dir, capture_output=True, text=True, check=True).stdout.strip()
    if Path(found).resolve().parent != Path(package_dir).resolve():
        raise RuntimeError(f"the notebooks would import pwcore from {Path(found).parent}, not from {package_dir} "
                           f"whose source their records hash: install this checkout (pip install -e .) or set "
                           f"PYTHONPATH={Path(package_dir).resolve().parent}")


def _own_fingerprint(run: PageRun) -> Fingerprint:
    if run.reads:
        raise ValueError(f"run {run.name!r} reads {list(run.reads)}: pass its fingerprint, computed with theirs "
                         f"(pwcore.book.fingerprint.fingerprints)")
    return fingerprint(run, module_hashes(run.template), {})
