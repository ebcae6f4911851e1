"""How an executed notebook reads as a page of the book: its own title, and its parameters shown once.

One template gives many pages (``notebooks/runs.yml``), and the template's heading is the same for all of
them; so each run names its page with a ``title:`` key in ``runs.yml``, written here into the executed
notebook's first heading. And papermill leaves two raw parameter cells at the top of every page (the
template's defaults, tagged ``parameters``, then the values it injected, tagged ``injected-parameters``);
here the defaults cell is removed from the page and the cell of the values the run actually used is
folded away behind a "Show the parameters" toggle (the provenance table at the end of each page lists
every setting in force).

:func:`prepare` is applied by ``python -m pwcore.book`` to every executed notebook after execution and
before the HTML build, so it also brings notebooks executed before it existed up to date without
re-executing them. It changes only the text of the first heading and the tags and display metadata of the
two parameter cells; code, outputs and execution metadata are left as they are, and a second application
changes nothing.
"""
from __future__ import annotations

from pathlib import Path

TITLE_KEY = "title"
PARAMETERS_TAG, INJECTED_TAG = "parameters", "injected-parameters"
REMOVE, FOLD = "remove-cell", "hide-input"
PROMPTS = {"code_prompt_show": "Show the parameters this page was run with",
           "code_prompt_hide": "Hide the parameters"}


def load_titles(runs_path: Path) -> dict:
    """``{run name: page title}`` for the runs of ``runs_path`` (``notebooks/runs.yml``) that name one."""
    import yaml
    spec = yaml.safe_load(Path(runs_path).read_text()) or {}
    return {name: str(entry[TITLE_KEY]).strip() for name, entry in spec.items()
            if isinstance(entry, dict) and entry.get(TITLE_KEY)}


def set_title(notebook, title: str) -> bool:
    """Make ``title`` the text of the notebook's first level-1 heading; return whether anything changed.

    Raises
    ------
    ValueError
        If no markdown cell has a line starting with ``# `` (the template lost its heading).
    """
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.split("\n")
        for k, line in enumerate(lines):
            if line.startswith("# "):
                if line == f"# {title}":
                    return False
                lines[k] = f"# {title}"
                cell.source = "\n".join(lines)
                return True
    raise ValueError(f"the notebook has no level-1 heading to title {title!r}")


def _add_tag(cell, tag: str) -> bool:
    tags = cell.metadata.setdefault("tags", [])
    if tag in tags:
        return False
    tags.append(tag)
    return True


def present_parameters(notebook) -> bool:
    """Tag the parameter cells so the page shows the parameters the run used once, folded; return whether
    anything changed.

    With papermill's injected cell present, the template's defaults cell is removed from the page and the
    injected cell's source is folded behind a toggle; without it (a run with no parameters), the
    template's cell is the one folded.
    """
    defaults = [c for c in notebook.cells if PARAMETERS_TAG in c.metadata.get("tags", [])]
    injected = [c for c in notebook.cells if INJECTED_TAG in c.metadata.get("tags", [])]
    changed = False
    shown = injected or defaults
    if injected:
        for cell in defaults:
            changed |= _add_tag(cell, REMOVE)
    for cell in shown:
        changed |= _add_tag(cell, FOLD)
        display = cell.metadata.setdefault("mystnb", {})
        for key, text in PROMPTS.items():
            if display.get(key) != text:
                display[key] = text
                changed = True
    return changed


def prepare_notebook(path: Path, title: str | None) -> bool:
    """Apply :func:`set_title` (when ``title`` is given) and :func:`present_parameters` to the notebook at
    ``path``; write it back only if something changed, and return whether it did."""
    import nbformat
    notebook = nbformat.read(str(path), as_version=4)
    changed = set_title(notebook, title) if title else False
    changed |= present_parameters(notebook)
    if changed:
        nbformat.write(notebook, str(path))
    return changed


def prepare(runs_path: Path, out_dir: Path) -> list:
    """Prepare every executed notebook of ``runs_path`` found in ``out_dir``; return the names changed."""
    import yaml
    titles = load_titles(runs_path)
    names = list((yaml.safe_load(Path(runs_path).read_text()) or {}).keys())
    return [name for name in names
            if (Path(out_dir) / f"{name}.ipynb").is_file()
            and prepare_notebook(Path(out_dir) / f"{name}.ipynb", titles.get(name))]
