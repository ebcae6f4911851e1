"""The runs of ``notebooks/runs.yml``: each a template with its parameters, and the runs it reads.

A run *reads* another when its notebook uses what the other wrote: it is executed after it, and again
whenever the other is. What a run reads is declared in ``runs.yml``, never guessed:

- ``calibrated_from: NAME`` among its parameters (the page takes NAME's best setting from NAME's CSV file);
- ``reads: [NAME, ...]`` in its entry, or ``reads: all`` (the regeneration summary reads every other
  notebook's timing and record).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .paths import TEMPLATES_DIR

OUTPUT_NAME = "output_name"  # the template parameter that receives the executed notebook's name
READ_PARAMETER = "calibrated_from"  # a parameter whose value names a run the page reads


@dataclass(frozen=True)
class PageRun:
    """One executed notebook: its name, template and parameters, and the runs it reads."""

    name: str
    template: Path
    parameters: dict
    validate: bool = True  # re-executed and compared by nbval in CI
    reads: tuple = ()


def load_runs(path: Path) -> list:
    """The runs listed in ``path`` (``notebooks/runs.yml``), in the file's order.

    Raises
    ------
    FileNotFoundError
        If a run names a template that does not exist.
    ValueError
        If a run reads a run the file does not define, or runs read each other in a cycle.
    """
    import yaml
    spec = yaml.safe_load(Path(path).read_text()) or {}
    runs = [_run(Path(path), name, entry or {}, list(spec)) for name, entry in spec.items()]
    execution_order(runs)  # raises on a cycle
    return runs


def _run(path: Path, name: str, entry: dict, names: list) -> PageRun:
    template = path.parent / entry["template"]
    if not template.is_file():  # a reader's runs file may live anywhere: the book's templates are in notebooks/
        template = TEMPLATES_DIR / entry["template"]
    if not template.is_file():
        raise FileNotFoundError(f"{path}: run {name!r} names the template {entry['template']}, which is neither "
                                f"beside it nor in {TEMPLATES_DIR}: choose one of "
                                f"{', '.join(f'{name}.md' for name in templates())}")
    parameters = dict(entry.get("parameters") or {})
    return PageRun(name, template, parameters, bool(entry.get("validate", True)),
               _reads(path, name, entry.get("reads"), parameters, names))


def _reads(path: Path, name: str, declared, parameters: dict, names: list) -> tuple:
    """The runs ``name`` reads: its ``reads`` entry (a name, a list, or ``all``) and its ``calibrated_from``."""
    if declared == "all":
        declared = [other for other in names if other != name]
    elif isinstance(declared, str):
        declared = [declared]
    reads = list(declared or []) + ([parameters[READ_PARAMETER]] if parameters.get(READ_PARAMETER) else [])
    unknown = [other for other in reads if other not in names or other == name]
    if unknown:
        raise ValueError(f"{path}: run {name!r} reads {unknown}, which is not another run of this file: "
                         f"correct its `reads` or `{READ_PARAMETER}`, or add the run")
    return tuple(dict.fromkeys(reads))


def execution_order(runs: list) -> list:
    """``runs`` in their listed order, except that each comes after the runs (among ``runs``) it reads.

    Raises
    ------
    ValueError
        If runs read each other in a cycle.
    """
    names = {run.name for run in runs}
    placed, order, pending = set(), [], list(runs)
    while pending:
        ready = next((run for run in pending if set(run.reads) & names <= placed), None)
        if ready is None:
            raise ValueError(f"the runs {[run.name for run in pending]} read each other in a cycle: "
                             f"correct their `reads` or `{READ_PARAMETER}` in runs.yml")
        order.append(ready)
        placed.add(ready.name)
        pending.remove(ready)
    return order


def parameter_names(notebook) -> set:
    """The names assigned in the cell tagged ``parameters`` of ``notebook`` (an nbformat notebook)."""
    return set(parameters_cell(notebook))


def parameters_cell(notebook) -> dict:
    """The cell tagged ``parameters`` of ``notebook``: ``{name: (default, meaning)}`` in its order, the default
    as a Python value (its source text if it is not a literal) and the meaning the comment on its line gives
    ("" without one); ``{}`` without such a cell."""
    import ast
    cell = next((c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return {}
    lines, found = cell.source.splitlines(), {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            rest = lines[node.end_lineno - 1][node.end_col_offset:]
            try:
                default = ast.literal_eval(node.value)
            except ValueError:
                default = ast.get_source_segment(cell.source, node.value)
            found[node.targets[0].id] = (default, rest.split("#", 1)[1].strip() if "#" in rest else "")
    return found


def templates() -> list:
    """The names of the book's templates (``notebooks/<name>.md``), sorted."""
    return sorted(path.stem for path in TEMPLATES_DIR.glob("*.md"))
