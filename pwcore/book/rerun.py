"""A reader's own run of one page: any template of ``notebooks/``, executed with the reader's parameters into a
notebook of their own, outside the book::

    python -m pwcore.book run experiment -p dataset=mnist -p learning_rate=0.001 -o mine.ipynb
    python -m pwcore.book run experiment --list          # its parameters, their defaults and meaning

A parameter's value is read as a Python literal (``0.001``, ``[1, 2, 3]``, ``None``), else taken as a string
(``dataset=mnist``). Every name and value is checked before anything runs: an unknown template or
parameter, a value of the wrong kind, or a configuration the library refuses is one line naming the
choices. The notebook runs in the output's folder (its CSV files are written beside it) and keeps what
it computes in a results store of its own there (``results/`` and ``.stacks/``, or ``--store``), never in
the book's.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
import time
from pathlib import Path

from .paths import ROOT, TEMPLATES_DIR
from .runs import OUTPUT_NAME, READ_PARAMETER, Run

STORE_VARIABLE = "PWCORE_STORE_DIR"  # read by pwcore.book.results: where the pages' store is


class RerunError(ValueError):
    """A template, parameter or value a run cannot take; the message names the choices."""


def templates() -> list:
    """The names of the templates a reader can run (``notebooks/<name>.md``), sorted."""
    return sorted(path.stem for path in TEMPLATES_DIR.glob("*.md"))


def template_path(name: str) -> Path:
    """``notebooks/<name>.md`` (``name`` with or without ``.md``).

    Raises
    ------
    RerunError
        If there is no such template; the message lists them.
    """
    path = TEMPLATES_DIR / f"{Path(name).stem}.md"
    if not path.is_file():
        raise RerunError(f"no template {name!r}: choose one of {', '.join(templates())}")
    return path


def template_parameters(template: Path) -> dict:
    """The template's parameters: ``{name: (default, meaning)}``, in the order of its ``parameters`` cell.

    The meaning is the comment on the parameter's line ("" if it has none).
    """
    import jupytext
    notebook = jupytext.read(template)
    cell = next((c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        return {}
    lines = cell.source.splitlines()
    found = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            rest = lines[node.end_lineno - 1][node.end_col_offset:]
            meaning = rest.split("#", 1)[1].strip() if "#" in rest else ""
            found[node.targets[0].id] = (ast.literal_eval(node.value), meaning)
    return found


def parse_value(text: str):
    """A parameter's value from the command line: a Python literal if it is one, else the string itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def checked_parameters(template: Path, assignments: list, folder: Path = Path(".")) -> dict:
    """``["name=value", ...]`` as ``{name: value}``, checked against the template's parameters (``folder``: where
    the notebook will run, for a ``calibrated_from`` page's CSV file).

    Raises
    ------
    RerunError
        If an assignment has no ``=``, names no parameter of the template, is set by the book
        (``output_name``), or gives a value of another kind than the default's (a number for a number,
        a list for a list...); then if the configuration they make is one the library refuses.
    """
    known = template_parameters(template)
    given = {}
    for assignment in assignments:
        name, equals, text = assignment.partition("=")
        name = name.strip()
        if not equals:
            raise RerunError(f"-p {assignment!r}: write a parameter as name=value, e.g. -p learning_rate=0.001")
        if name == OUTPUT_NAME:
            raise RerunError(f"-p {OUTPUT_NAME}: it is set to the output notebook's name; choose -o instead")
        if name not in known:
            raise RerunError(f"{template.stem} has no parameter {name!r}: its parameters are "
                             f"{', '.join(n for n in known if n != OUTPUT_NAME)}")
        given[name] = _of_the_default_s_kind(name, parse_value(text.strip()), known[name][0])
    _check_configuration(template, {name: default for name, (default, _) in known.items()} | given, folder)
    return given


def _of_the_default_s_kind(name: str, value, default):
    """``value`` if it is of the kind ``default`` is (None and a number's int/float aside), else RerunError."""
    if default is None or value is None:
        return value
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) if isinstance(default, float) else value
    elif isinstance(value, type(default)) or (isinstance(default, (list, dict)) and isinstance(value, (list, dict))):
        return value
    raise RerunError(f"-p {name}={value!r}: expected a {type(default).__name__} like the default {default!r}")


def _check_configuration(template: Path, values: dict, folder: Path) -> None:
    """Build the page's configuration from ``values`` (if it has a ``dataset``), as the page will, so that a value
    the library refuses is reported before a kernel starts. A calibration page read by ``calibrated_from``
    must exist (beside the output or among the book's pages)."""
    from ..experiments import ExperimentConfig
    from .calibration import best_setting
    from .notebook import settings
    if "dataset" not in values:
        return
    chosen = {name: value for name, value in settings(values).items() if value is not None}
    try:
        if values.get(READ_PARAMETER):
            chosen.update(best_setting(values[READ_PARAMETER], folder))
        ExperimentConfig.paper(values["dataset"], **chosen)
    except (ValueError, TypeError, FileNotFoundError) as error:
        raise RerunError(f"{template.stem}: {error}") from None


def run(template_name: str, assignments: list, output: Path, store: Path | None = None, log=print) -> Path:
    """Execute ``notebooks/<template_name>.md`` with ``assignments`` into ``output`` (a ``.ipynb`` path).

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    RerunError
        Before anything runs, for a bad template, parameter, value or output path.
    papermill.PapermillExecutionError
        If a cell fails (no notebook is left at ``output``).
    """
    from .execution import check_kernel_source, execute
    from .paths import PACKAGE_DIR
    template = template_path(template_name)
    output = Path(output)
    if output.suffix != ".ipynb":
        raise RerunError(f"-o {output}: the output is a notebook: name it <something>.ipynb")
    folder = output.resolve().parent
    _check_writable(folder)
    parameters = checked_parameters(template, assignments, folder)
    try:
        check_kernel_source(PACKAGE_DIR, folder)  # the notebook's record names the source it ran
    except RuntimeError as error:
        raise RerunError(str(error)) from None
    store = Path(store) if store else folder / "results"
    log(f"executing {template.relative_to(ROOT)} with {parameters or 'its defaults'} into {output} "
        f"(results kept in {store})")
    started = time.perf_counter()
    previous = os.environ.get(STORE_VARIABLE)
    os.environ[STORE_VARIABLE] = str(store.resolve())  # the kernel inherits it
    try:
        path = execute(Run(output.stem, template, parameters), folder, progress=True)
    finally:
        os.environ.pop(STORE_VARIABLE) if previous is None else os.environ.update({STORE_VARIABLE: previous})
    log(f"wrote {path} in {time.perf_counter() - started:.0f} s")
    return path


def _check_writable(folder: Path) -> None:
    if not folder.is_dir():
        raise RerunError(f"-o: the folder {folder} does not exist: create it first")
    if not os.access(folder, os.W_OK):
        raise RerunError(f"-o: the folder {folder} is not writable: choose another output")


def parameters_text(template: Path) -> str:
    """The ``--list`` of a template: each parameter, its default and its meaning."""
    known = {name: entry for name, entry in template_parameters(template).items() if name != OUTPUT_NAME}
    assigned = {name: f"{name} = {default!r}" for name, (default, _) in known.items()}
    width = max(map(len, assigned.values()), default=0)
    lines = [f"{template.stem} ({template.relative_to(ROOT)}): its parameters, their defaults and meaning"]
    for name, (_, meaning) in known.items():
        lines.append(f"  {assigned[name].ljust(width)}" + (f"  # {meaning}" if meaning else "").rstrip())
    lines.append(f"Set one with -p NAME=VALUE, e.g. python -m pwcore.book run {template.stem} -p "
                 f"{next(iter(known), 'name')}=... -o mine.ipynb")
    return "\n".join(line.rstrip() for line in lines)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pwcore.book run", description=__doc__.split("\n\n")[0])
    parser.add_argument("template", help=f"one of: {', '.join(templates())}")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter of the template (repeat for several)")
    parser.add_argument("-o", "--output", type=Path, help="the executed notebook (default: <template>.ipynb here)")
    parser.add_argument("--store", type=Path, help="where computed results are kept (default: results/ beside "
                                                   "the output)")
    parser.add_argument("--list", action="store_true", help="print the template's parameters and exit")
    return parser


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    output = args.output or Path(f"{Path(args.template).stem}.ipynb")
    try:
        template = template_path(args.template)
        if args.list:
            print(parameters_text(template))
            return 0
        run(args.template, args.parameter, output, args.store)
    except RerunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted: {output} was not written; the stacks that finished are kept, so the same command "
              f"resumes", file=sys.stderr)
        return 130
    except Exception as error:
        from papermill.exceptions import PapermillExecutionError
        if not isinstance(error, PapermillExecutionError):
            raise
        print(f"a cell of {args.template} failed ({error.ename}: {error.evalue}); {output} was not written",
              file=sys.stderr)
        return 1
    return 0
