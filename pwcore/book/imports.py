"""Which modules of a package a notebook template runs: its code cells' imports, followed through the package.

A template's fingerprint (:mod:`pwcore.book.fingerprint`) hashes these modules only, so a module the
page never imports (the command line, the PDF printer, the build tools) does not make it stale. Every
template imports the setup helper, which reaches the whole core (network, optimizers, rules, training,
study, calibration): a change to any of those re-executes every page. How imports are followed:
:mod:`pwcore.sources`.
"""
from __future__ import annotations

from pathlib import Path

from ..sources import module_files


def template_code(template: Path) -> str:
    """The code cells of the MyST (jupytext) notebook ``template``, IPython magics and shell lines dropped."""
    import jupytext
    notebook = jupytext.read(template)
    lines = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            lines += [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            lines.append("")
    return "\n".join(lines)


def template_modules(template: Path, package_dir: Path) -> list:
    """The files of the package at ``package_dir`` that the notebook ``template`` runs (:func:`module_files`).

    Raises
    ------
    ValueError
        If a code cell of the template is not valid Python (fix the template).
    """
    try:
        return module_files(template_code(template), package_dir)
    except SyntaxError as error:
        raise ValueError(f"{template}: a code cell does not parse ({error.msg}, line {error.lineno} of its code "
                         f"cells): fix the template") from None
