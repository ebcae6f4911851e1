"""Which modules of a package a notebook template runs: its code cells' imports, followed through the package.

A template's fingerprint (:mod:`pwcore.book.fingerprint`) hashes these modules only, so a module the
page never imports (the command line, the PDF printer, the build tools) does not make it stale. Every
template imports the setup helper, which reaches the whole core (network, optimizers, rules, training,
study, calibration): a change to any of those re-executes every page. The analysis is
static and conservative: every ``import`` of the package anywhere in a module counts (inside a function
too), as does ``importlib.import_module("<literal>")``; importing ``pkg.a.b`` runs ``pkg/__init__.py`` and
``pkg/a/__init__.py`` first, so those count as well; ``from pkg.a import b`` counts ``pkg/a/b.py`` when
it exists. A name built at run time (``import_module(name)``) is not seen: the package does not do that.
"""
from __future__ import annotations

import ast
from pathlib import Path


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


def imported_names(source: str, package: str, current: str | None = None, is_package: bool = False) -> set:
    """Dotted names of ``package``'s modules (or attributes of them) that ``source`` imports.

    Parameters
    ----------
    source : str
        Python source.
    package : str
        The package's top-level name, e.g. ``"pwcore"``.
    current : str, optional
        The dotted name of the module ``source`` is, to resolve relative imports.
    is_package : bool
        Whether ``current`` is a package (its ``__init__.py``): ``from . import x`` then means ``current.x``.

    Returns
    -------
    set of str
        ``from a import b`` gives both ``a`` and ``a.b`` (``b`` may be a module); the caller keeps those
        that are files.
    """
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, current, is_package)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif _is_import_module_call(node):
            names.add(node.args[0].value)
    return {name for name in names if name == package or name.startswith(package + ".")}


def _absolute(module: str | None, level: int, current: str | None, is_package: bool) -> str:
    if level == 0:
        return module
    if current is None:
        raise ValueError("a relative import outside a package: import the package by its name")
    parts = current.split(".") if is_package else current.split(".")[:-1]
    base = parts[:len(parts) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _is_import_module_call(node) -> bool:
    return (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))


def module_files(source: str, package_dir: Path) -> list:
    """Every file of the package at ``package_dir`` that running ``source`` imports, directly or not.

    Parameters
    ----------
    source : str
        Python source that imports the package by its name (``package_dir.name``).
    package_dir : Path
        The package's folder.

    Returns
    -------
    list of Path
        Sorted by their path relative to ``package_dir``.
    """
    package_dir = Path(package_dir)
    package = package_dir.name
    found, pending = {}, list(imported_names(source, package))
    while pending:
        name = pending.pop()
        for module, path in _files_run_by(name, package_dir):
            if path in found:
                continue
            found[path] = module
            pending += imported_names(path.read_text(), package, module, path.name == "__init__.py")
    return sorted(found, key=lambda path: path.relative_to(package_dir).as_posix())


def _files_run_by(name: str, package_dir: Path) -> list:
    """``[(module, path)]``: the files importing the dotted ``name`` runs (each parent package's ``__init__``)."""
    parts = name.split(".")[1:]
    files = []
    for depth in range(len(parts) + 1):
        folder = package_dir.joinpath(*parts[:depth])
        module = ".".join([package_dir.name, *parts[:depth]])
        if (folder / "__init__.py").is_file():
            files.append((module, folder / "__init__.py"))
            continue
        if folder.with_suffix(".py").is_file():
            files.append((module, folder.with_suffix(".py")))
        break  # a module or an attribute: the rest of the name, if any, is an attribute
    return files


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
