"""A reader's own run of one page: any template of ``notebooks/``, executed with the reader's parameters into a
notebook of their own, outside the book::

    python -m pwcore.book run experiment -p dataset=mnist -p learning_rate=0.001 -o mine/mnist.ipynb
    python -m pwcore.book run experiment --list          # its parameters, their defaults and meaning

A parameter's value is read as a Python literal (``0.001``, ``[1, 2, 3]``, ``None``), else taken as a string
(``dataset=mnist``); where the default is a string, the text is taken as it is (``scaling=255``). Before
anything runs, the template, the names, the kind of each value (a whole number where the default is one,
a list for a list...) and the configuration they make are checked: a fault is one line naming the
choices. What only the computation can find (a learning rate that diverges, a grid the sweep refuses) is
one line too, after the kernel stops. The notebook runs in the output's folder (its CSV files are
written beside it) and keeps what it computes in a results store of its own (``results/`` there, its
stacks in ``.stacks/`` beside it, or ``--store``), never in the book's.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
import time
from pathlib import Path

from ..checks import is_number, is_whole
from .paths import GENERATED_DIR, PACKAGE_DIR, ROOT, STORE_VARIABLE, TEMPLATES_DIR
from .runs import OUTPUT_NAME, READ_PARAMETER, PageRun, parameters_cell, templates


class RerunError(ValueError):
    """A template, parameter, value or output a run cannot take; the message names the choices."""


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
    """The template's parameters, ``{name: (default, meaning)}`` (:func:`pwcore.book.runs.parameters_cell`)."""
    import jupytext
    return parameters_cell(jupytext.read(template))


def parse_value(text: str, default=None):
    """A parameter's value from the command line: where the default is a string, the text itself (a quoted
    one without its quotes); else a Python literal if the text is one, else the text."""
    if isinstance(default, str):
        quoted = len(text) >= 2 and text[0] == text[-1] and text[0] in "'\""
        return text[1:-1] if quoted else text
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text


def checked_parameters(template: Path, assignments: list, folder: Path = Path(".")) -> dict:
    """``["name=value", ...]`` as ``{name: value}``, checked against the template's parameters (``folder``: where
    the notebook will run, for a ``calibrated_from`` page's CSV file).

    Raises
    ------
    RerunError
        If an assignment has no ``=``, names no parameter of the template, is set by the book
        (``output_name``), or gives a value of another kind than the parameter takes; then if the
        configuration they make is one the library refuses.
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
        kind = _kind_of(name, known[name][0])
        given[name] = _of_kind(name, parse_value(text.strip(), kind), kind)
    _check_configuration(template, {name: default for name, (default, _) in known.items()} | given, folder)
    return given


def _kind_of(name: str, default):
    """What a parameter's value must be like: its default, or where that is None, the default of the
    ExperimentConfig field of that name (``target``: a number), or None (anything)."""
    if default is not None:
        return default
    from ..experiments import ExperimentConfig
    return getattr(ExperimentConfig, name, None)


def _of_kind(name: str, value, kind):
    """``value`` if it is of ``kind``'s kind (a whole number for a whole number, a number for a float, a list
    for a list or a tuple...; None where the default is None), else RerunError."""
    if kind is None or value is None:
        return value
    if isinstance(kind, bool):
        ok = isinstance(value, bool)
    elif is_whole(kind):
        ok = is_whole(value)
    elif isinstance(kind, float):
        ok = is_number(value)
        value = float(value) if ok else value
    elif isinstance(kind, (list, tuple)):
        ok = isinstance(value, (list, tuple))
    else:
        ok = isinstance(value, type(kind))
    if not ok:
        raise RerunError(f"-p {name}={value!r}: expected a {_kind_name(kind)} like {kind!r}")
    return value


def _kind_name(kind) -> str:
    if is_whole(kind):
        return "whole number"
    return {float: "number", str: "string", list: "list", tuple: "list", dict: "dict"}.get(type(kind),
                                                                                         type(kind).__name__)


def _check_configuration(template: Path, values: dict, folder: Path) -> None:
    """Build the page's configuration from ``values`` (if it has a ``dataset``) as the page will
    (:func:`pwcore.book.notebook.configuration`), so that a value the library refuses is reported before a
    kernel starts."""
    from .notebook import configuration, settings
    if "dataset" not in values:
        return
    calibrated_from = values.get(READ_PARAMETER)
    try:
        configuration(values["dataset"], calibrated_from, folder, **settings(values))
    except FileNotFoundError:
        pages = sorted(p.name.removesuffix("_combinations.csv") for p in GENERATED_DIR.glob("*_combinations.csv"))
        raise RerunError(f"-p {READ_PARAMETER}={calibrated_from!r}: no calibration page of that name beside the "
                         f"output or in the book; the book's are {', '.join(pages)}") from None
    except (ValueError, TypeError) as error:
        raise RerunError(f"{template.stem}: {error}") from None


def output_folder(output: Path) -> Path:
    """The folder ``output`` (an ``.ipynb`` path) is written to, checked: it exists, can be written, and is not
    one of the book's (the checkout's root, ``book/``, ``notebooks/``), whose files and store it would mix with."""
    if output.suffix != ".ipynb":
        raise RerunError(f"-o {output}: the output is a notebook: name it <something>.ipynb")
    folder = output.resolve().parent
    if not folder.is_dir():
        raise RerunError(f"-o {output}: the folder {folder} does not exist: create it first")
    if not os.access(folder, os.W_OK):
        raise RerunError(f"-o {output}: the folder {folder} is not writable: choose another output")
    if folder == ROOT or folder.is_relative_to(ROOT / "book") or folder.is_relative_to(TEMPLATES_DIR):
        raise RerunError(f"-o {output}: write your notebook outside the book's own folders (its CSV files and "
                         f"results would mix with the book's), e.g. -o mine/{output.name}")
    return folder


def run(template_name: str, assignments: list, output: Path, store: Path | None = None, log=print) -> Path:
    """Execute ``notebooks/<template_name>.md`` with ``assignments`` into ``output`` (a ``.ipynb`` path).

    Returns
    -------
    Path
        The executed notebook.

    Raises
    ------
    RerunError
        Before anything runs, for a bad template, parameter, value, output or store.
    papermill.PapermillExecutionError
        If a cell fails (no notebook is left at ``output``).
    """
    import subprocess
    from .execution import check_kernel_source, execute
    template = template_path(template_name)
    folder = output_folder(Path(output))
    parameters = checked_parameters(template, assignments, folder)
    store = (Path(store) if store else folder / "results").resolve()
    if store == ROOT / "results":
        raise RerunError(f"--store {store}: that is the book's store; keep your results apart (the default is "
                         f"results/ beside the output)")
    try:
        check_kernel_source(PACKAGE_DIR, folder)  # the notebook's record names the source it ran
    except (RuntimeError, subprocess.CalledProcessError) as error:
        raise RerunError(f"the notebook's kernel cannot run this checkout's pwcore from {folder}: {error}") from None
    log(f"executing {template.relative_to(ROOT)} with {parameters or 'its defaults'} into {output} "
        f"(results kept in {store})")
    started = time.perf_counter()
    previous = os.environ.get(STORE_VARIABLE)
    os.environ[STORE_VARIABLE] = str(store)  # the kernel inherits it
    try:
        path = execute(PageRun(Path(output).stem, template, parameters), folder, progress=True)
    finally:
        os.environ.pop(STORE_VARIABLE) if previous is None else os.environ.update({STORE_VARIABLE: previous})
    log(f"wrote {path} in {time.perf_counter() - started:.0f} s")
    return path


def parameters_text(template: Path) -> str:
    """The ``--list`` of a template: each parameter, its default and its meaning."""
    known = {name: entry for name, entry in template_parameters(template).items() if name != OUTPUT_NAME}
    assigned = {name: f"{name} = {default!r}" for name, (default, _) in known.items()}
    width = max(map(len, assigned.values()), default=0)
    lines = [f"{template.stem} ({template.relative_to(ROOT)}): its parameters, their defaults and meaning"]
    for name, (_, meaning) in known.items():
        lines.append(f"  {assigned[name].ljust(width)}" + (f"  # {meaning}" if meaning else "").rstrip())
    lines.append(f"Set one with -p NAME=VALUE, e.g. python -m pwcore.book run {template.stem} -p "
                 f"{next(iter(known), 'name')}=... -o mine/{template.stem}.ipynb")
    return "\n".join(line.rstrip() for line in lines)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pwcore.book run", description=__doc__.split("\n\n")[0])
    parser.add_argument("template", help=f"one of: {', '.join(templates())}")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter of the template (repeat for several)")
    parser.add_argument("-o", "--output", type=Path, help="the executed notebook, outside the book's folders "
                                                          "(default: <template>.ipynb here)")
    parser.add_argument("--store", type=Path, help="where computed results are kept (default: results/ beside "
                                                   "the output; the stacks of long sweeps go beside it, in .stacks/)")
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
        reason = str(error.evalue).strip().splitlines()[0] if str(error.evalue).strip() else "no message"
        print(f"a cell of {args.template} failed ({error.ename}: {reason}); {output} was not written",
              file=sys.stderr)
        return 1
    return 0
